import errno
import re

import cmdargs
import fileops
import fspath
import munix
import regex

USAGE = """[-i] [-v] [-n] [-r] [-c] [-q] PATTERN [FILE...]
  Print the lines of the FILEs that match PATTERN, a regular expression
  (MicroPython's re: . [] * + ? ^ $ | () \\d \\s \\w; no {m,n}); - (or no
  FILE) is the standard input. With several FILEs (or -r) lines come as FILE:line.
  -i  ignore case          -v  the lines that do not match
  -n  line numbers too     -c  only the number of such lines, per FILE
  -r  search the files in folders and below (. when no FILE is given)
  -q  print nothing; stop at the first line found
Status: 0 when a line was found (with -q, even after an error), 1 when
none, 2 on an error."""
ABOUT = "print the lines that match a pattern"


def __main__(args):
    opts, rest = cmdargs.parse(args, "ivnrcq")
    if not rest:
        raise cmdargs.UsageError("no PATTERN given")
    pattern, files = rest[0], rest[1:]
    if not files:
        files = ["." if "r" in opts else "-"]
    try:
        rx = re.compile(regex.fold(pattern) if "i" in opts else pattern)
    except Exception:
        cmdargs.error(pattern, "invalid regular expression")
        return 2
    g = Grep(rx, opts, len(files) > 1)
    for name in files:
        if "r" in opts and name != "-":
            g.tree(name)
        else:
            g.file(name, name)
        if g.found and "q" in opts:
            return 0
    return 2 if g.failed else 0 if g.found else 1


class Grep:
    def __init__(self, rx, opts, named):
        self.rx = rx
        self.opts = opts
        self.named = named
        self.cwd = munix.session().cwd
        self.out = munix.proc().stdout
        self.found = False
        self.failed = False

    def tree(self, name):
        top = munix.path(name)
        st = fspath.stat(top)
        if st is None:
            self.fail(name, cmdargs.strerror(OSError(errno.ENOENT)))
            return
        for path, kind, _ in fileops.walk(top, st[0] & fspath.DIR != 0):
            if kind == fileops.FOLDER:
                self.named = True
            elif kind == fileops.FILE:
                rel = path[len(top):].lstrip("/")
                self.file(fspath.join(name, rel) if rel else name, path, True)
                if self.found and "q" in self.opts:
                    return

    def file(self, name, path, walked=False):
        """Search one input: name is how it is shown, path how it opens.
        Files met walking a folder that are not UTF-8 text (binary ones) are
        skipped without a word."""
        fold = "i" in self.opts
        invert = "v" in self.opts
        number = "n" in self.opts
        count = "c" in self.opts
        quiet = "q" in self.opts
        prefix = name + ":" if self.named else ""
        hits = n = 0
        try:
            # A walk's paths are whole already: making one whole again split
            # a path 400 folders deep into a list of names, past an
            # ESP8266's heap.
            with open(path) if walked else fileops.open_input(path, self.cwd) as f:
                for line in f:
                    n += 1
                    text = line[:-1] if line[-1:] == "\n" else line
                    if (self.rx.search(text.lower() if fold else text) is not None) != invert:
                        hits += 1
                        self.found = True
                        if quiet:
                            return
                        if count:
                            continue
                        if number:
                            self.out.write("%s%d:%s\n" % (prefix, n, text))
                        else:
                            self.out.write(prefix + text + "\n")
        except OSError as e:
            return self.fail(name, e)
        except UnicodeError:
            if not walked:
                self.fail(name, "not a text file")
            return
        if count:
            print("%s%d" % (prefix, hits))

    def fail(self, name, why):
        cmdargs.error(name, why)
        self.failed = True

