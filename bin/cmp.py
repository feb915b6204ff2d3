import cmdargs
import fileops
import munix

USAGE = """[-s] FILE1 FILE2
  Compare two files byte by byte (- is the standard input): say where
  they first differ, `FILE1 FILE2 differ: byte N, line M`, or that one
  ends first. -s: say nothing. Status: 0 the same, 1 different, 2 when
  one cannot be read."""
ABOUT = "compare two files byte by byte"


def __main__(args):
    opts, files = cmdargs.parse(args, "s", operands=2)
    if len(files) != 2:
        raise cmdargs.UsageError("give two FILEs")
    cwd = munix.session().cwd
    opened = []
    try:
        for name in files:
            opened.append(fileops.open_input(name, cwd, True))
        return _compare(opened[0], opened[1], files, "s" in opts)
    except OSError as e:
        cmdargs.error(files[len(opened) if len(opened) < 2 else 0], e)
        return 2
    finally:
        for f in opened:
            f.close()


def _compare(a, b, names, quiet):
    at = 0          # bytes compared
    line = 1
    whole = True    # the bytes compared end a line
    left = right = b""
    while True:
        if not left:
            left = a.read(fileops.CHUNK)
        if not right:
            right = b.read(fileops.CHUNK)
        if not left or not right:
            if left == right:
                return 0
            if not quiet:
                short = names[0 if not left else 1]
                munix.proc().stderr.write("cmp: EOF on %s %s\n" % (
                    short, "which is empty" if not at else "after byte %d, line %d" % (at, line - 1)
                    if whole else "after byte %d, in line %d" % (at, line)))
            return 1
        n = min(len(left), len(right))
        if left[:n] != right[:n]:
            i = 0
            while left[i] == right[i]:
                i += 1
            if not quiet:
                print("%s %s differ: byte %d, line %d" % (names[0], names[1], at + i + 1,
                                                          line + left[:i].count(b"\n")))
            return 1
        line += left[:n].count(b"\n")
        whole = left[n - 1:n] == b"\n"
        at += n
        left = left[n:]
        right = right[n:]
