import cmdargs
import fileops
import munix

USAGE = """[-Cv] [-n N] [-s OFFSET] [FILE...]
  Show the bytes of the FILEs (the standard input when none, or -), read
  as one stream, 16 to a line after their offset: as 16-bit words in
  hexadecimal, or with -C as hexadecimal bytes and their characters (a
  . for each that is not printable ASCII). A line like the one before is
  shown as * unless -v.
  -n N       show N bytes at most
  -s OFFSET  skip OFFSET bytes first (0x... for hexadecimal)"""
ABOUT = "show the bytes of files in hexadecimal"

WIDTH = 16
BLOCK = 256


def __main__(args):
    opts, files = cmdargs.parse(args, "Cv", "ns")
    skip = _number(opts.get("s", "0"), "offset")
    count = _number(opts["n"], "number of bytes") if "n" in opts else None
    dump = _Dump(munix.proc().stdout, skip, "C" in opts, "v" in opts)
    cwd = munix.session().cwd
    status = 0
    for name in files or ["-"]:
        if count is not None and dump.shown >= count:
            break
        try:
            with fileops.open_input(name, cwd, True) as f:
                if dump.skip and name != "-":
                    dump.skip -= _seek(f, dump.skip)
                while count is None or dump.shown < count:
                    data = f.read(BLOCK if count is None else min(BLOCK, count - dump.shown))
                    if not data:
                        break
                    # the standard input gives a line at a time, whatever the size asked
                    dump.feed(data if count is None else data[:count - dump.shown])
        except OSError as e:
            status = cmdargs.error(name, e)
    dump.end()
    return status


def _number(text, what):
    try:
        value = int(text, 0)
    except ValueError:
        value = cmdargs.number(text, what)     # 010 is ten, as hexdump takes it
    if value < 0:
        raise cmdargs.UsageError("%s: not a %s" % (text, what))
    return value


def _seek(f, skip):
    """Skip up to skip bytes of the file f by seeking; how many it had."""
    size = f.seek(0, 2)
    f.seek(min(skip, size))
    return min(skip, size)


class _Dump:
    """The lines of the dump, written as whole lines come in; what is
    skipped is dropped as it comes, so that a pipe can be skipped too."""

    def __init__(self, out, skip, canonical, verbose):
        self.out = out
        self.skip = skip
        self.canonical = canonical
        self.verbose = verbose
        self.offset = skip        # of the first byte of pending
        self.shown = 0
        self.pending = b""
        self.previous = None
        self.starred = False

    def feed(self, data):
        if self.skip:
            dropped = min(self.skip, len(data))
            self.skip -= dropped
            data = data[dropped:]
        self.shown += len(data)
        pending = self.pending + data
        start = 0
        while len(pending) - start >= WIDTH:
            self._line(pending[start:start + WIDTH])
            start += WIDTH
        self.pending = pending[start:]

    def _line(self, line):
        if line == self.previous and not self.verbose:
            if not self.starred:
                self.out.write("*\n")
                self.starred = True
        else:
            self.out.write(self._format(line))
            self.starred = False
        self.previous = line
        self.offset += len(line)

    def _format(self, line):
        if not self.canonical:
            words = "".join(" %02x%02x" % (line[i + 1] if i + 1 < len(line) else 0, line[i])
                            for i in range(0, len(line), 2))
            return "%07x%-40s\n" % (self.offset, words)
        cells = ["%02x " % b for b in line] + ["   "] * (WIDTH - len(line))
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in line)
        return "%08x  %s %s |%s|\n" % (self.offset, "".join(cells[:8]), "".join(cells[8:]), text)

    def end(self):
        if self.pending:
            self._line(self.pending)
        if self.shown:
            self.out.write(("%08x\n" if self.canonical else "%07x\n") % self.offset)
