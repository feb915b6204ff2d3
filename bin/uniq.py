import cmdargs
import munix
import textin

USAGE = """[-c] [-d] [-u] [FILE]
  Print the lines of FILE (the standard input when none, or -) with each
  run of equal adjacent lines printed once; sort first to catch them all.
  -c  each line after the number of times it came
  -d  only the lines that came more than once
  -u  only the lines that came once"""
ABOUT = "drop repeated adjacent lines"


def __main__(args):
    opts, files = cmdargs.parse(args, "cdu", operands=1)
    out = munix.proc().stdout
    lines = textin.Lines(files)
    last = None
    count = 0
    for line in lines:
        if line == last:
            count += 1
            continue
        _emit(out, opts, last, count)
        last = line
        count = 1
    _emit(out, opts, last, count)
    return lines.status


def _emit(out, opts, line, count):
    if line is None or "d" in opts and count == 1 or "u" in opts and count > 1:
        return
    out.write("%7d %s" % (count, line) if "c" in opts else line)
