import cmdargs
import munix
import textin

USAGE = """-f LIST [-d DELIM] [FILE...] | -c LIST [FILE...]
  Print the chosen fields (-f) or characters (-c) of each line of the FILEs
  (the standard input when none, or -). Fields are separated by DELIM, one
  character (a tab unless told); a line without DELIM is printed whole.
  LIST: numbers from 1 and ranges, comma-separated: 1,3  2-4  3-  -2"""
ABOUT = "print chosen fields or characters of lines"


def __main__(args):
    opts, files = cmdargs.parse(args, "", "fcd")
    if ("f" in opts) == ("c" in opts):
        raise cmdargs.UsageError("give one of -f LIST and -c LIST")
    delim = opts.get("d", "\t")
    if len(delim) != 1:
        raise cmdargs.UsageError("the delimiter must be one character")
    if "d" in opts and "c" in opts:
        raise cmdargs.UsageError("-d goes with -f only")
    ranges = _ranges(opts.get("f") or opts.get("c"))
    out = munix.proc().stdout
    lines = textin.Lines(files)
    for line in lines:
        text = line[:-1]
        if "c" in opts:
            out.write("".join(_pick(text, ranges)) + "\n")
        elif delim in text:
            out.write(delim.join(_pick(text.split(delim), ranges)) + "\n")
        else:
            out.write(line)
    return lines.status


def _ranges(text):
    """LIST as (first, last) pairs, counted from 1; last None: to the end."""
    ranges = []
    for part in text.split(","):
        dash = part.find("-")
        lo, hi = (part, "") if dash < 0 else (part[:dash], part[dash + 1:])
        try:
            first = int(lo) if lo else 1
            last = first if dash < 0 else int(hi) if hi else None
        except ValueError:
            raise cmdargs.UsageError("%s: not a list of numbers and ranges" % text)
        if first < 1 or last is not None and last < first:
            raise cmdargs.UsageError("%s: invalid range" % part)
        ranges.append((first, last))
    return ranges


def _pick(items, ranges):
    """The items (fields, or characters of a str) whose place is in ranges,
    in their order, each once."""
    return [x for i, x in enumerate(items, 1)
            if any(lo <= i and (hi is None or i <= hi) for lo, hi in ranges)]
