import gc
import sys
from micropython import const

import cmdargs
import fspath
import munix
import munixsh

USAGE = """[COMMAND...]
  Without COMMAND: every command in the folders of $PATH and the shell's
  built-in commands, with what each does. With COMMAND: what it does and
  how to use it; a shell keyword (if, for, while, until, case) too."""
ABOUT = "list the commands, or show how to use one"

# The shell's built-in commands, sorted: a line each, NAME, USAGE and ABOUT
# between tabs (\v for a line break in USAGE). One string, which stays in
# the code (a board's ROMFS), where dicts of tuples and strings took 1.5
# KiB of an ESP8266's heap, and its list of commands then found no room.
_INTERNAL = (
    "\n.\tFILE [ARG...]\trun the script FILE in this shell: what it sets stays"
    "\n:\t[ARG...]\tdo nothing, with status 0"
    "\n[\tEXPRESSION ]\ttest EXPRESSION (see help test)"
    "\nbreak\t[N]\tleave the loop, or N loops"
    "\ncommand\t[-v|-V] NAME [ARG...]"
    "\trun NAME, a function of that name left aside; -v, -V: say what it runs"
    "\ncontinue\t[N]\tgo on with the loop's next round, or the Nth loop's"
    "\neval\tARG...\trun the ARGs as a command line"
    "\nexec\t[COMMAND [ARG...]] [REDIRECTION...]"
    "\trun COMMAND in place of the shell; with redirections only, keep them for the session"
    "\nexit\t[STATUS]\tend the script, or the session"
    "\nfalse\t\tdo nothing, with status 1"
    "\ngoto\tLABEL\tgo on at the script's line :LABEL (upyOS)"
    "\nloadboard\t[FILE]\treload the board file, or load FILE"
    "\nloadconfig\t\treload /etc/system.conf"
    "\nlocal\tNAME[=VALUE]...\tvariables of the running function, put back when it returns"
    "\nreadonly\tNAME[=VALUE]...\tmake variables read-only; alone, list them"
    "\nreturn\t[STATUS]\tend the function, or the script"
    "\nrun\tCOMMAND [ARG...]\trun COMMAND (upyOS)"
    "\nset\t[-eufxCn] [+eufxCn] [-o [NAME]] [--] [ARG...]"
    "\v  -e  end the script at a command that fails outside a condition (errexit)"
    "\v  -u  an unset variable is an error (nounset)"
    "\v  -x  print each command before it runs (xtrace)"
    "\v  -f  no wildcards (noglob)"
    "\v  -C  > does not overwrite a file; >| does (noclobber)"
    "\v  -n  read a script's commands without running them (noexec)"
    "\v  +   turns them off; -o alone lists them; ARGs (or --) become $1..."
    "\tset shell options or the arguments; alone, list the variables"
    "\nshift\t[N]\tdrop the first N arguments ($1...), 1 by default"
    "\nskip\t[N]\tskip the script's next N lines, 1 by default (upyOS)"
    "\nsource\tFILE [ARG...]\trun the script FILE in this shell: what it sets stays"
    "\ntrap\t[ACTION CONDITION...]\trun ACTION at EXIT, INT (Ctrl-C) or TERM (kill); '' ignores, - resets; alone, list"
    "\ntrue\t\tdo nothing, with status 0"
    "\ntype\tNAME...\tsay what each NAME runs as a command"
    "\n"
)

# The shell's keywords: the compound command each begins, and its form; a
# record each, "\f" and the keyword before a tab.
_KEYWORDS = (
    "\fif\tif LIST; then LIST; [elif LIST; then LIST;]... [else LIST;] fi\n"
    "  Run the first LIST whose condition succeeds. upyOS's one-line form,\n"
    "  if A OP B COMMAND..., compares with == != < <= > >= in."
    "\ffor\tfor NAME [in WORD...]; do LIST; done\n"
    "  Run LIST with NAME set to each WORD (without in: each argument)."
    "\fwhile\twhile LIST; do LIST; done\n"
    "  Run the second LIST as long as the first succeeds."
    "\funtil\tuntil LIST; do LIST; done\n"
    "  Run the second LIST until the first succeeds."
    "\fcase\tcase WORD in [(]PATTERN[|PATTERN]...) LIST;; ... esac\n"
    "  Run the LIST of the first PATTERN (a glob) that WORD matches."
    "\f"
)
# The keywords that end or continue a compound command, each with the one
# it belongs to (KEYWORD\tOWNER, between spaces).
_PART_OF = " then\tif elif\tif else\tif fi\tif do\tfor done\tfor in\tfor esac\tcase "


def _at(table, start, name):
    """Where the record of name begins in table, past "START NAME TAB";
    -1 when it has none."""
    if "\t" in name or start in name:
        return -1
    i = table.find(start + name + "\t")
    return i if i < 0 else i + len(start) + len(name) + 1


def _builtin(name, part):
    """The usage (part 0) or what it does (part 1) of the shell's built-in
    command name; None when it is none. Only that part is copied: set's
    whole record, 428 bytes, found no block that size in an ESP8266's
    heap split by a few commands."""
    i = _at(_INTERNAL, "\n", name)
    if i < 0:
        return None
    tab = _INTERNAL.find("\t", i)
    if part:
        return _INTERNAL[tab + 1:_INTERNAL.find("\n", tab)]
    return _INTERNAL[i:tab].replace("\v", "\n")


def _builtins():
    """The names of the shell's built-in commands, in order, one at a time."""
    i = 0
    while True:
        end = _INTERNAL.find("\t", i + 1)
        if end < 0:
            return
        yield _INTERNAL[i + 1:end]
        i = _INTERNAL.find("\n", end)


def __main__(args):
    opts, names = cmdargs.parse(args)
    if not names:
        try:
            return _list()
        finally:
            # A walk that stopped before its index's end holds the file
            # (and, on littlefs, its cache) until a collection.
            for walk in _walks.values():
                walk.close()
    status = 0
    for name in names:
        if _describe(name):
            status = 1
    return status


# A program loaded for its ABOUT line leaves its names interned for good:
# a compiled tree's are read from the build's index of its programs
# (.about, beside them), and a program it does not describe is loaded. On
# a heap under this size (ESP8266) the list of them all and their paths
# does not fit: there each folder's programs are listed as it lists them,
# with what its index says (help NAME says more).
_LOADS_ALL = const(65536)
# Folder: its index's _Walk, made at its first use.
_walks = {}


def _list():
    if gc.mem_free() + gc.mem_alloc() < _LOADS_ALL:
        return _names()
    found = _commands()
    names = list(found)
    names.extend([n for n in _builtins() if n not in found])
    names.sort()
    width = 0
    for name in names:
        width = max(width, len(name))
    resident = set(sys.modules)
    for name in names:
        about = _builtin(name, 1)
        if about is None:
            about = _about(found[name], resident)
        print("%-*s  %s" % (width, name, about) if about else name)


def _names():
    """The built-in commands with what each does, then the programs of
    each folder of $PATH by name, as the folder lists them (a ROMFS
    partition, sorted), each printed as it is read: a list of them all,
    sorted, and a path kept for each, ran out of an ESP8266's heap after a
    few dozen commands. A name an earlier folder has is left out, as the
    shell runs that one."""
    folders = [munix.path(f) for f in munix.getenv("PATH", "/bin").split(":") if f]
    width = max([len(name) for name in _builtins()] + [_Walk(f).widest() for f in folders])
    for name in _builtins():
        print("%-*s  %s" % (width, name, _builtin(name, 1)))
    earlier = []
    for i, folder in enumerate(folders):
        try:
            for entry, is_folder in fspath.entries(folder):
                for ext in fspath.PROGRAMS:
                    if not is_folder and entry.endswith(ext) and len(entry) > len(ext):
                        name = entry[:-len(ext)]
                        if name not in earlier and _builtin(name, 1) is None:
                            about = _indexed(folder + "/" + entry)
                            print("%-*s  %s" % (width, name, about) if about else name)
                            if i + 1 < len(folders):
                                earlier.append(name)
        except OSError:
            pass  # a folder of $PATH that is not there


def _commands():
    """{name: path}: each command in the folders of $PATH, and the file the
    shell runs for it."""
    names = set()
    for folder in munix.getenv("PATH", "/bin").split(":"):
        if not folder:
            continue
        try:
            for entry, is_folder in fspath.entries(munix.path(folder)):
                for ext in fspath.PROGRAMS:
                    if not is_folder and entry.endswith(ext) and len(entry) > len(ext):
                        names.add(entry[:-len(ext)])
        except OSError:
            pass  # a folder of $PATH that is not there
    found = {}
    for name in names:
        path = munixsh.command(name)[0]
        if path is not None:
            found[name] = path
    return found


def _about(path, resident):
    """The ABOUT line of a program: from the index of its folder, or from
    the program, loaded alone and dropped at once."""
    if path.endswith(".sh"):
        return _comment(path)
    about = _indexed(path)
    if about is not None:
        return about
    try:
        module = munixsh.program(path)
        about = getattr(module, "ABOUT", "")
    except Exception as e:
        about = "(cannot load: %s)" % cmdargs.strerror(e)
    module = None
    _unload(resident)
    return about


def _indexed(path):
    """What the build's index of path's folder says path does; None when
    it does not describe this file (a program put there since). Looked up
    in name order, as both listings give them."""
    folder = path[:path.rfind("/")]
    walk = _walks.get(folder)
    if walk is None:
        walk = _walks[folder] = _Walk(folder)
    entry = walk.find(_name(path)) if path.endswith(".mpy") else None
    st = fspath.stat(path) if entry else None
    return entry[2] if st and str(st[6]) == entry[1] else None


class _Walk:
    """A folder's index (.about: NAME, SIZE, ABOUT a line, sorted by
    name) read along names that come in order: each looked up from where
    the last one was, a line at a time (a small heap holds no table of
    them); a name out of order is not found."""

    def __init__(self, folder):
        try:
            self.file = open(folder + "/.about")
        except OSError:
            self.file = None    # a folder the build did not make
        self.line = [""]

    def find(self, name):
        """[NAME, SIZE, ABOUT] of name, or None."""
        while self.line is not None and self.line[0] < name:
            self.line = self._next()
        line = self.line
        return line if line is not None and line[0] == name and len(line) == 3 else None

    def widest(self):
        """The length of the index's longest name, read through."""
        width = 0
        line = self._next()
        while line is not None:
            width = max(width, len(line[0]))
            line = self._next()
        return width

    def _next(self):
        """The next line's fields; None at the end."""
        text = self.file.readline() if self.file is not None else ""
        if text:
            return text.rstrip("\n").split("\t", 2)
        self.close()
        return None

    def close(self):
        if self.file is not None:
            self.file.close()
            self.file = None


def _unload(resident):
    """Drop the modules the last program imported, keeping RAM low."""
    with munixsh.import_lock:
        for name in list(sys.modules):
            if name not in resident:
                munix.unload(name)
    gc.collect()


def _comment(path):
    """The first comment of a script (after any #! line), its own name
    left out (# /bin/x.sh: does this -> does this)."""
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line[:2] == "#!":
                    continue
                if line[:1] != "#":
                    if line:
                        return ""
                    continue
                text = line.lstrip("#").strip()
                colon = text.find(": ")
                if colon > 0 and text[:colon] in (path, fspath.basename(path),
                                                  _name(path)):
                    text = text[colon + 2:]
                return text
    except OSError as e:
        return "(cannot read: %s)" % cmdargs.strerror(e)
    return ""


def _describe(name):
    """Print what a command does and its usage; 1 if there is no such command."""
    about = _builtin(name, 1)
    if about is not None:
        _print(name, about, _builtin(name, 0))
        print("shell built-in command")
        return 0
    i = _at(_PART_OF, " ", name)
    i = _at(_KEYWORDS, "\f", _PART_OF[i:_PART_OF.find(" ", i)] if i >= 0 else name)
    if i >= 0:
        print(_KEYWORDS[i:_KEYWORDS.find("\f", i)])
        print("shell keyword")
        return 0
    path, problem = munixsh.command(name)
    if problem:
        return cmdargs.error(name, problem)
    name = _name(path)
    if path.endswith(".sh"):
        _print(name, _comment(path), None)
        print("shell script %s" % path)
        return 0
    resident = set(sys.modules)
    try:
        module = munixsh.program(path)
        about = getattr(module, "ABOUT", "")
        usage = cmdargs.usage_of(module)
    except Exception as e:
        return cmdargs.error(name, e)
    finally:
        module = None
        _unload(resident)
    _print(name, about, usage)
    return 0


def _name(path):
    """The name a program file is run by: /bin/ls.mpy -> ls."""
    name = fspath.basename(path)
    return name[:name.rfind(".")] if "." in name else name


def _print(name, about, usage):
    if about:
        print("%s - %s" % (name, about))
    if usage is not None:
        print(("usage: %s %s" % (name, usage)).rstrip(" "))
