import errno
import re

import cmdargs
import fileops
import fspath
import munix
import regex
import textin

USAGE = """[-n] [-E] [-i] [-e SCRIPT]... [-f FILE]... [SCRIPT] [FILE...]
  Run SCRIPT on each line of the FILEs (the standard input when none, or
  -), then print the line. SCRIPT: commands separated by ; or new lines,
  each selecting lines by an address or two (ADDR,ADDR: from one to the
  other; ADDR,+N: and N more), ! after them for the lines they do not
  select. ADDR: a line number, $ (the last line), /RE/ or \\%RE% (I after
  it: in any case).
    s/RE/TEXT/[g][N][p][I][w FILE]  replace what RE matches by TEXT, & the
                match, \\1 to \\9 its groups: g every match, N the Nth,
                p print, I in any case, w write to FILE
    y/ABC/XYZ/  each character of ABC to that of XYZ
    p P  print (P: up to the first new line)   l  print, showing hidden chars
    d  delete: next line   D  delete up to the first new line, run again
    n N  next line (n prints this one first, N adds the next)   =  line number
    a TEXT  i TEXT  c TEXT  append after, insert before, change to TEXT
    h H g G x  copy to, add to, get, add from, exchange with the hold space
    :LABEL  b LABEL  t LABEL  T LABEL  branch (always, if s replaced, if not)
    r FILE  w FILE  append FILE, write to FILE   q Q [STATUS]  quit (Q: unprinted)
    { ... }  commands for the same address   # a comment
  -n  print only what p, P, l, = and s///p print    -E (or -r)  extended REs
  -i  edit the FILEs in place, each replaced once wholly written
  REs are POSIX's, basic (extended with -E), without back-references."""
ABOUT = "edit text with a script: replace, delete, insert lines (stream editor)"

_COMMANDS = "{}=aicdDgGhHlnNpPxqQrwsy:btT#"
_TEXT_OPS = "aic"
_LABEL_OPS = ":btT"


class ScriptError(Exception):
    pass


def __main__(args):
    opts, rest = cmdargs.parse(args, "nEri", "ef", many="ef")
    parts = list(opts.get("e", []))
    for name in opts.get("f", []):
        try:
            with fileops.open_input(name, munix.session().cwd) as f:
                parts.append(f.read().rstrip("\n"))
        except OSError as e:
            return cmdargs.error(name, e)
    if not parts:
        if not rest:
            raise cmdargs.UsageError("no SCRIPT given")
        parts.append(rest.pop(0))
    script = "\n".join(parts)
    try:
        sed = Sed(script, "E" in opts or "r" in opts, "n" in opts or script[:3] == "#n\n" or script == "#n")
    except ScriptError as e:
        return cmdargs.error("", "script: %s" % e)
    except ValueError as e:
        return cmdargs.error("", "script: a regular expression: %s" % e)
    try:
        if "i" in opts:
            return sed.in_place(rest)
        sed.out = munix.proc().stdout
        lines = textin.Lines(rest)
        sed.run(iter(lines))
        return sed.quit or lines.status
    finally:
        sed.close()


class Sed:
    """A parsed script (commands as lists: [address, address, negated, op,
    argument, argument, range state]) and what runs it keeps."""

    def __init__(self, script, extended, quiet):
        self.extended = extended
        self.quiet = quiet
        self.cmds = []
        self.files = {}         # w's files, open from the start
        self.last_rx = None
        self.hold = ""
        self.quit = None        # q's or Q's exit status, once one ran
        self.out = None
        self._parse(script)

    # The script

    def _parse(self, sc):
        labels = {}
        opened = []
        cmds = self.cmds
        i = 0
        n = len(sc)
        while True:
            i = _skip(sc, i, " \t\n;")
            if i >= n:
                break
            if sc[i:i + 1] == "#":
                i = _line_end(sc, i)
                continue
            first, i = self._address(sc, i, False)
            second = None
            if first is not None and sc[i:i + 1] == ",":
                second, i = self._address(sc, _skip(sc, i + 1, " \t"), True)
                if second is None:
                    raise ScriptError("char %d: an address must follow ," % (i + 1))
            i = _skip(sc, i, " \t")
            negated = False
            while sc[i:i + 1] == "!":
                negated = True
                i = _skip(sc, i + 1, " \t")
            op = sc[i:i + 1]
            if op in ("", ";", "\n"):
                raise ScriptError("char %d: a command is missing" % (i + 1))
            if op not in _COMMANDS or op == "#":
                raise ScriptError("char %d: unknown command: %s" % (i + 1, op))
            i += 1
            cmd = [first, second, negated, op, None, None, [False, 0]]
            if op == "}" or op == ":":
                if first is not None:
                    raise ScriptError("%s takes no address" % op)
            if op == "{":
                opened.append(cmd)
            elif op == "}":
                if not opened:
                    raise ScriptError("char %d: } without {" % i)
                opened.pop()[4] = len(cmds)
            elif op in _TEXT_OPS:
                cmd[4], i = _text(sc, i)
            elif op in _LABEL_OPS:
                end = _line_end(sc, i, ";")
                cmd[4] = sc[i:end].strip()
                i = end
                if op == ":":
                    if not cmd[4]:
                        raise ScriptError(": needs a label")
                    labels[cmd[4]] = len(cmds)
            elif op == "r" or op == "w":
                end = _line_end(sc, i)
                cmd[4] = self._file(sc[i:end].strip(), op)
                i = end
            elif op == "q" or op == "Q":
                j = _skip(sc, i, " \t")
                end = j
                while sc[end:end + 1].isdigit():
                    end += 1
                cmd[4] = int(sc[j:end]) if end > j else 0
                i = end
            elif op == "s":
                i = self._substitution(sc, i, cmd)
            elif op == "y":
                i = _translation(sc, i, cmd)
            cmds.append(cmd)
            i = _skip(sc, i, " \t")
            if op != "{" and sc[i:i + 1] not in ("", ";", "\n", "}", "#"):
                raise ScriptError("char %d: extra characters after %s" % (i + 1, op))
        if opened:
            raise ScriptError("{ without }")
        for cmd in cmds:
            if cmd[3] in "btT":
                if not cmd[4]:
                    cmd[4] = len(cmds)
                elif cmd[4] in labels:
                    cmd[4] = labels[cmd[4]]
                else:
                    raise ScriptError("no label %s" % cmd[4])

    def _address(self, sc, i, second):
        c = sc[i:i + 1]
        if c.isdigit() or second and c == "+":
            j = i + (c == "+")
            end = j
            while sc[end:end + 1].isdigit():
                end += 1
            if end == j:
                raise ScriptError("char %d: a number must follow +" % (i + 1))
            number = int(sc[j:end])
            if c != "+" and number == 0:
                raise ScriptError("char %d: there is no line 0" % (i + 1))
            return ("+", number) if c == "+" else number, end
        if c == "$":
            return "$", i + 1
        if c == "/" or c == "\\":
            if c == "\\":
                i += 1
                c = sc[i:i + 1]
                if not c or c == "\n" or c == "\\":
                    raise ScriptError("char %d: \\ must be followed by a delimiter" % i)
            pattern, i = _delimited(sc, i + 1, c)
            fold = sc[i:i + 1] == "I"
            return (self._regex(pattern, fold, False), fold), i + fold
        return None, i

    def _regex(self, pattern, fold, positions):
        """The compiled pattern (the last one when empty): for positions
        (s), the pair matching from a text's start and further on, each
        giving what comes before the match as its first group."""
        if not pattern:
            if self.last_rx is None:
                raise ScriptError("no previous regular expression")
            pattern = self.last_rx
        self.last_rx = pattern
        pieces = regex.translate(regex.fold(pattern) if fold else pattern, self.extended)
        if not positions:
            return re.compile(regex.anchors(pieces))
        return (re.compile("([\\s\\S]*?)(" + regex.anchors(pieces) + ")"),
                re.compile("([\\s\\S]*?)(" + regex.anchors(pieces, False) + ")"), pieces.count("("))

    def _substitution(self, sc, i, cmd):
        delim = sc[i:i + 1]
        if not delim or delim in "\\\n":
            raise ScriptError("char %d: s needs a delimiter" % (i + 1))
        pattern, i = _delimited(sc, i + 1, delim)
        text, i = _delimited(sc, i, delim, True)
        every = fold = show = False
        nth = 1
        written = None
        while True:
            c = sc[i:i + 1]
            if c == "g":
                every = True
            elif c == "p":
                show = True
            elif c == "I" or c == "i":
                fold = True
            elif c.isdigit():
                end = i
                while sc[end:end + 1].isdigit():
                    end += 1
                nth = int(sc[i:end])
                if nth == 0:
                    raise ScriptError("char %d: s counts from 1" % (i + 1))
                i = end
                continue
            elif c == "w":
                end = _line_end(sc, i + 1)
                written = self._file(sc[i + 1:end].strip(), "w")
                i = end
                break
            else:
                break
            i += 1
        start, later, groups = self._regex(pattern, fold, True)
        cmd[5] = _replacement(text)
        for part in cmd[5]:
            if type(part) is int and part > groups:
                raise ScriptError("s: \\%d: the expression has no group %d" % (part, part))
        cmd[4] = ((start, later), fold, every, nth, show, written)
        return i

    def _file(self, name, op):
        if not name:
            raise ScriptError("%s needs a FILE" % op)
        path = munix.path(name)
        if op == "w" and path not in self.files and name not in ("/dev/stdout", "/dev/stderr"):
            if fspath.is_protected(path):
                raise ScriptError("%s: %s" % (name, fspath.SYSTEM))
            try:
                self.files[path] = open(path, "w")
            except OSError as e:
                raise ScriptError("%s: %s" % (name, cmdargs.strerror(e)))
        return name if name in ("/dev/stdout", "/dev/stderr") else path

    def close(self):
        for f in self.files.values():
            f.close()

    # Running it

    def in_place(self, names):
        """-i: each FILE edited through a temporary file renamed over it."""
        if not names:
            raise cmdargs.UsageError("-i needs FILEs")
        cwd = munix.session().cwd
        status = 0
        for name in names:
            if name == "-":
                raise cmdargs.UsageError("-i edits FILEs, not the standard input")
            path = fspath.abspath(name, cwd)
            if not fspath.isfile(path):
                status = cmdargs.error(name, OSError(errno.EISDIR if fspath.exists(path) else errno.ENOENT))
                continue
            if fileops.refused(name, path, False):
                status = 1
                continue
            tmp = path + ".sed"
            lines = textin.Lines([path])
            try:
                with open(tmp, "w") as f:
                    self.out = f
                    self.run(iter(lines))
                if lines.status:
                    fspath.discard(tmp)
                    status = 1
                else:
                    fspath.replace(tmp, path)
            except BaseException:
                fspath.discard(tmp)
                raise
            if self.quit is not None:
                break
        return self.quit or status

    def run(self, source):
        """Run the script on the lines of source (an iterator of lines
        ending in a new line), until their end or q or Q."""
        for cmd in self.cmds:
            cmd[6][0] = False
        self.source = source
        self.ahead = next(source, None)
        self.number = 0
        self.appends = []
        while self.ahead is not None:
            ps = self._next()
            again = True
            while again:
                ps, again = self._cycle(ps)
            if self.quit is not None:
                break

    def _next(self):
        line = self.ahead
        self.ahead = next(self.source, None)
        self.number += 1
        return line[:-1]

    def _flush(self):
        for item in self.appends:
            if type(item) is str:
                self.out.write(item)
                continue
            try:
                with open(item[0]) as f:
                    for line in f:
                        self.out.write(line if line[-1:] == "\n" else line + "\n")
            except (OSError, UnicodeError):
                pass    # as POSIX asks: a FILE that cannot be read adds nothing
        self.appends = []

    def _print(self, text):
        self.out.write(text + "\n")

    def _cycle(self, ps):
        """One pass of the script over the pattern space ps: (what is left
        of it, whether D asks for another pass without reading a line)."""
        cmds = self.cmds
        replaced = False
        printed = not self.quiet
        pc = 0
        while pc < len(cmds):
            cmd = cmds[pc]
            pc += 1
            op = cmd[3]
            if not self._selects(cmd, ps):
                if op == "{":
                    pc = cmd[4]
                continue
            if op == "s":
                new = _substitute(cmd, ps)
                if new is not None:
                    ps = new
                    replaced = True
                    if cmd[4][4]:
                        self._print(ps)
                    if cmd[4][5]:
                        self._write(cmd[4][5], ps)
            elif op == "p":
                self._print(ps)
            elif op == "d":
                printed = False
                break
            elif op == "D":
                cut = ps.find("\n")
                if cut < 0:
                    printed = False
                    break
                self._flush()
                return ps[cut + 1:], True
            elif op == "n" or op == "N":
                if self.ahead is None:
                    # No next line: the end, printed as a cycle's (GNU sed's).
                    break
                if op == "n" and not self.quiet:
                    self._print(ps)
                self._flush()
                line = self._next()
                ps = line if op == "n" else ps + "\n" + line
            elif op == "b" or op == "t" and replaced or op == "T" and not replaced:
                pc = cmd[4]
                if op != "b":
                    replaced = False
            elif op == "t" or op == "T":
                replaced = False
            elif op == "h":
                self.hold = ps
            elif op == "H":
                self.hold += "\n" + ps
            elif op == "g":
                ps = self.hold
            elif op == "G":
                ps += "\n" + self.hold
            elif op == "x":
                ps, self.hold = self.hold, ps
            elif op == "y":
                ps = _transliterate(cmd[4], ps)
            elif op == "=":
                self._print("%d" % self.number)
            elif op == "a":
                self.appends.append(cmd[4] + "\n")
            elif op == "i":
                self._print(cmd[4])
            elif op == "c":
                if cmd[1] is None or not cmd[6][0]:
                    self._print(cmd[4])
                printed = False
                break
            elif op == "P":
                cut = ps.find("\n")
                self._print(ps if cut < 0 else ps[:cut])
            elif op == "l":
                self._print(_visible(ps))
            elif op == "r":
                self.appends.append((cmd[4],))
            elif op == "w":
                self._write(cmd[4], ps)
            elif op == "q" or op == "Q":
                self.quit = cmd[4]
                if op == "Q":
                    printed = False
                break
        if printed:
            self._print(ps)
        self._flush()
        return ps, False

    def _write(self, path, text):
        if path == "/dev/stdout":
            self._print(text)
        elif path == "/dev/stderr":
            munix.proc().stderr.write(text + "\n")
        else:
            self.files[path].write(text + "\n")

    def _selects(self, cmd, ps):
        first, second, negated = cmd[0], cmd[1], cmd[2]
        if first is None:
            return not negated
        if second is None:
            return self._matches(first, ps) != negated
        state = cmd[6]
        if state[0]:
            if type(second) is int:
                state[0] = self.number < second
            elif type(second) is str:
                state[0] = self.ahead is not None
            elif second[0] == "+":
                state[0] = self.number < state[1]
            else:
                state[0] = not self._matches(second, ps)
            return not negated
        if not self._matches(first, ps):
            return negated
        if type(second) is int:
            state[0] = self.number < second
        elif type(second) is str:
            state[0] = self.ahead is not None
        elif second[0] == "+":
            state[1] = self.number + second[1]
            state[0] = second[1] > 0
        else:
            state[0] = True
        return not negated

    def _matches(self, address, ps):
        if type(address) is int:
            return self.number == address
        if type(address) is str:
            return self.ahead is None
        return address[0].search(ps.lower() if address[1] else ps) is not None


def _skip(sc, i, chars):
    while sc[i:i + 1] and sc[i:i + 1] in chars:
        i += 1
    return i


def _line_end(sc, i, also=""):
    """Where the line of sc from i ends (at a new line, or one of also)."""
    while sc[i:i + 1] and sc[i:i + 1] != "\n" and sc[i:i + 1] not in also:
        i += 1
    return i


def _delimited(sc, i, delim, replacement=False):
    """The text of sc from i up to delim (past it: where sc goes on), a
    \\delim in it the delimiter itself; in a replacement a \\ and a new
    line too. Other escapes stay for the expression (or replacement)."""
    out = []
    while True:
        c = sc[i:i + 1]
        if not c or c == "\n":
            raise ScriptError("char %d: %s is not closed" % (i, delim))
        i += 1
        if c == delim:
            return "".join(out), i
        if c == "\\":
            d = sc[i:i + 1]
            i += 1
            if d == delim:
                out.append(d if replacement or d not in "$*.[]^|?+(){}" else "\\" + d)
            elif d == "\n":
                out.append("\\\n" if replacement else "\\n")
            else:
                out.append("\\" + d)
        else:
            out.append(c)


def _text(sc, i):
    """a, i and c's TEXT: the rest of the line (GNU's one-line form), or
    after a \\ the lines that follow, each ending in \\ but the last."""
    i = _skip(sc, i, " \t")
    if sc[i:i + 1] == "\\":
        i += 1
        if sc[i:i + 1] == "\n":
            i += 1
    out = []
    while True:
        c = sc[i:i + 1]
        if not c or c == "\n":
            return "".join(out), i
        i += 1
        if c == "\\" and sc[i:i + 1]:
            c = sc[i:i + 1]
            i += 1
        out.append(c)


def _replacement(text, groups=True):
    """s's TEXT as pieces: strings, and group numbers (0: the match); y's
    (groups False): strings."""
    parts = []
    i = 0
    while i < len(text):
        c = text[i:i + 1]
        i += 1
        if c == "&" and groups:
            parts.append(0)
        elif c == "\\" and i < len(text):
            d = text[i:i + 1]
            i += 1
            if d in "123456789" and groups:
                parts.append(int(d))
            elif d == "n" or d == "\n":
                parts.append("\n")
            elif d == "t":
                parts.append("\t")
            else:
                parts.append(d)
        else:
            parts.append(c)
    return parts


def _substitute(cmd, ps):
    """ps with s's replacement made, or None when there was none."""
    (start_rx, later_rx), fold, every, nth, _, _ = cmd[4]
    parts = cmd[5]
    subject = ps.lower() if fold else ps
    out = []
    pos = count = 0
    previous = -1      # where the last match ended
    replaced = False
    while pos <= len(ps):
        m = (start_rx if pos == 0 else later_rx).match(subject[pos:])
        if m is None:
            break
        begin = pos + len(m.group(1))
        end = begin + len(m.group(2))
        if begin == end == previous:
            # No empty match right after a match (POSIX, GNU sed).
            out.append(ps[pos:begin + 1])
            pos = begin + 1
            continue
        count += 1
        out.append(ps[pos:begin])
        if count >= nth:
            out.append(_expand(parts, m, ps, begin, end, fold))
            replaced = True
        else:
            out.append(ps[begin:end])
        previous = end
        pos = end
        if replaced and not every:
            break
        if begin == end:
            out.append(ps[pos:pos + 1])
            pos += 1
    if not replaced:
        return None
    out.append(ps[pos:])
    return "".join(out)


def _expand(parts, m, ps, begin, end, fold):
    out = []
    for part in parts:
        if type(part) is str:
            out.append(part)
        elif part == 0:
            out.append(ps[begin:end])
        else:
            group = m.group(part + 2)
            if group and fold:
                # The text as it was, not in lower case: found in the match.
                at = ps.lower().find(group, begin)
                group = ps[at:at + len(group)]
            out.append(group or "")
    return "".join(out)


def _translation(sc, i, cmd):
    delim = sc[i:i + 1]
    if not delim or delim in "\\\n":
        raise ScriptError("char %d: y needs a delimiter" % (i + 1))
    sides = []
    i += 1
    for _ in range(2):
        text, i = _delimited(sc, i, delim, True)
        sides.append(_replacement(text, False))
    if len(sides[0]) != len(sides[1]) or [p for p in sides[0] + sides[1] if type(p) is not str]:
        raise ScriptError("y: the two sides differ in length")
    cmd[4] = ("".join(sides[0]), "".join(sides[1]))
    return i


def _transliterate(sides, ps):
    src, dst = sides
    out = []
    for k in range(len(ps)):
        c = ps[k:k + 1]
        at = src.find(c)
        out.append(c if at < 0 else dst[at:at + 1])
    return "".join(out)


# What l shows as \ and a letter: the character at the same place in
# _SHOWN (two strings: a dict of them interned 16 names on every board).
_HIDDEN = "\\\a\b\f\n\r\t\v"
_SHOWN = "\\abfnrtv"


def _visible(ps):
    """l's form of ps: escapes for what does not print, lines folded at 69
    characters with a \\, $ at the end."""
    out = []
    width = 0
    for k in range(len(ps)):
        c = ps[k:k + 1]
        at = _HIDDEN.find(c)
        shown = ("\\" + _SHOWN[at:at + 1] if at >= 0 else c if " " <= c <= "~" or c > "\x7f"
                 else "\\%03o" % ord(c))
        if width + len(shown) > 68:
            out.append("\\\n")
            width = 0
        out.append(shown)
        width += len(shown)
    return "".join(out) + "$"
