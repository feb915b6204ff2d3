import errno
import re

import cmdargs
import fileops
import fspath
import munix
import regex

USAGE = """[-i] [-v] [-n] [-r] [-c] [-q] [-o] PATTERN [FILE...]
  Print the lines of the FILEs that match PATTERN, a regular expression
  (MicroPython's re: . [] * + ? ^ $ | () \\d \\s \\w; no {m,n}); - (or no
  FILE) is the standard input. With several FILEs (or -r) lines come as FILE:line.
  -i  ignore case          -v  the lines that do not match
  -n  line numbers too     -c  only the number of such lines, per FILE
  -r  search the files in folders and below (. when no FILE is given)
  -q  print nothing; stop at the first line found
  -o  print only the parts of the lines that match, each on a line
Status: 0 when a line was found (with -q, even after an error), 1 when
none, 2 on an error."""
ABOUT = "print the lines that match a pattern"


def __main__(args):
    opts, rest = cmdargs.parse(args, "ivnrcqo")
    if not rest:
        raise cmdargs.UsageError("no PATTERN given")
    pattern, files = rest[0], rest[1:]
    if not files:
        files = ["." if "r" in opts else "-"]
    try:
        if "i" in opts:
            pattern = regex.fold(pattern)
        rx = re.compile(pattern)
        pair = None
        if "o" in opts:
            # What comes before a match, as the first group: re's matches
            # say no place on every board.
            pair = (re.compile("([\\s\\S]*?)(" + pattern + ")"),
                    re.compile("([\\s\\S]*?)(" + regex.unanchored(pattern) + ")"))
    except Exception:
        cmdargs.error(pattern, "invalid regular expression")
        return 2
    g = Grep(rx, opts, len(files) > 1)
    g.pair = pair
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
        self.pair = None        # -o's expressions (parts())

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
                    if "o" in self.opts and not invert:
                        if self.parts(text, fold, "%s%d:" % (prefix, n) if number else prefix):
                            hits += 1
                            self.found = True
                            if quiet:
                                return
                        continue
                    if (self.rx.search(text.lower() if fold else text) is not None) != invert:
                        hits += 1
                        self.found = True
                        if quiet:
                            return
                        if count or "o" in self.opts:
                            # -o -v: only what matches is printed, so nothing.
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

    def parts(self, text, fold, prefix):
        """-o: print each part of text that matches (not an empty one),
        after prefix; whether there was one."""
        subject = text.lower() if fold else text
        pos = 0
        found = False
        while pos < len(text):
            m = self.pair[pos > 0].match(subject[pos:])
            if m is None:
                break
            begin = pos + len(m.group(1))
            end = begin + len(m.group(2))
            if end > begin:
                found = True
                if "q" in self.opts:
                    return True
                if "c" not in self.opts:
                    self.out.write(prefix + text[begin:end] + "\n")
            pos = end if end > begin else begin + 1
        return found

    def fail(self, name, why):
        cmdargs.error(name, why)
        self.failed = True

