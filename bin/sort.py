import cmdargs
import fspath
import munix
import textin
from micropython import const

USAGE = """[-r] [-n] [-u] [-t SEP] [-k F1[,F2][bnr]]... [FILE...]
  Print the lines of the FILEs (the standard input when none, or -) in
  order. Memory stays small whatever the size: lines are sorted in runs,
  kept in /tmp while there are several, then merged.
  -r  in reverse order
  -n  by the number a line (or key) starts with (none counts as 0)
  -u  each line once (with -n or -k: the first of those whose keys are equal)
  -k  by the fields F1 to F2 (to the line's end without F2), counted from 1;
      after it b: without the blanks before, n: by number, r: in reverse
      (a key with none of these takes -n and -r); the next -k decides ties,
      then the whole line
  -t  fields parted by the character SEP (else each field is a run of
      blanks and what follows up to the next blank)"""
ABOUT = "sort lines"

_RUN = const(4096) # characters of lines sorted in RAM at a time
_FANIN = const(6) # runs merged at once: each is an open file


def __main__(args):
    opts, files = cmdargs.parse(args, "rnu", "tk", many="k")
    numeric = "n" in opts
    key = _numeric if numeric else None
    if "k" in opts:
        key = _keyed(opts["k"], opts.get("t"), numeric, "r" in opts)
    elif "t" in opts:
        raise cmdargs.UsageError("-t goes with -k")
    reverse = "r" in opts
    lines = textin.Lines(files)
    runs = []
    try:
        run = []
        size = 0
        for line in lines:
            run.append(line)
            size += len(line)
            if size >= _RUN:
                runs.append(_spill(run, key, reverse, len(runs)))
                run = []
                size = 0
        run.sort(key=key, reverse=reverse)
        if runs:
            if run:
                runs.append(_spill(run, key, reverse, len(runs)))
            run = None
            n = len(runs)
            while len(runs) > _FANIN:
                path = _tmp(n)
                n += 1
                with open(path, "w") as f:
                    _merge(runs[:_FANIN], key, reverse, f.write)
                _discard(runs[:_FANIN])
                runs = runs[_FANIN:] + [path]
        out = munix.proc().stdout
        _output(run, runs, key, reverse, "u" in opts, out.write)
    finally:
        _discard(runs)
    return lines.status


def _keyed(specs, sep, numeric, reverse):
    """The sort key of -k: the keys each spec (F1[,F2][bnr]) picks out of a
    line, then the line itself. As POSIX asks, a key with modifiers of its
    own takes neither -n nor -r; one sorted the other way than -r (the
    whole sort's way) is inverted."""
    if sep is not None and len(sep) != 1:
        raise cmdargs.UsageError("-t takes one character")
    keys = []
    for spec in specs:
        fields = spec
        while fields[-1:] in ("b", "n", "r"):
            fields = fields[:-1]
        flags = spec[len(fields):]
        comma = fields.find(",")
        first, last = (fields, "") if comma < 0 else (fields[:comma], fields[comma + 1:])
        if not first.isdigit() or int(first) < 1 or last and (not last.isdigit() or int(last) < int(first)):
            raise cmdargs.UsageError("%s: not a key (F1[,F2][bnr], fields from 1)" % spec)
        by_number = "n" in flags if flags else numeric
        inverted = ("r" in flags if flags else reverse) != reverse
        keys.append((int(first), int(last) if last else None, by_number, inverted, "b" in flags))

    def key(line):
        text = line[:-1] if line[-1:] == "\n" else line
        starts, ends = _fields(text, sep)
        picked = []
        for first, last, by_number, inverted, blanks in keys:
            begin = starts[first - 1] if first <= len(starts) else len(text)
            end = ends[min(last, len(ends)) - 1] if last is not None and ends else len(text)
            part = text[begin:max(begin, end)]
            if blanks:
                part = part.lstrip(" \t")
            value = _numeric(part)[0] if by_number else part
            if inverted:
                value = -value if by_number else _inverted(part)
            picked.append(value)
        picked.append(line)
        return tuple(picked)

    return key


def _inverted(text):
    """What orders as text in reverse: its characters' codes negated, then
    a number above them all, so that a text sorts after its longer ones."""
    return tuple([-ord(text[i:i + 1]) for i in range(len(text))] + [1])


def _fields(text, sep):
    """Where each field of text starts and ends: parted by sep, or (None)
    each a run of blanks and the text after it up to the next blank."""
    starts = [0]
    ends = []
    if sep is not None:
        at = text.find(sep)
        while at >= 0:
            ends.append(at)
            starts.append(at + 1)
            at = text.find(sep, at + 1)
        ends.append(len(text))
        return starts, ends
    i = 0
    n = len(text)
    while True:
        while i < n and text[i:i + 1] in " \t":
            i += 1
        while i < n and text[i:i + 1] not in " \t":
            i += 1
        ends.append(i)
        if i >= n:
            return starts, ends
        starts.append(i)


def _numeric(line):
    """The sort key of -n: the number the line starts with (0 when none),
    then the line itself."""
    i = 0
    n = len(line)
    while i < n and line[i] in " \t":
        i += 1
    j = i + 1 if i < n and line[i] in "+-" else i
    dot = False
    while j < n and ("0" <= line[j] <= "9" or line[j] == "." and not dot):
        dot = dot or line[j] == "."
        j += 1
    try:
        return (float(line[i:j]), line)
    except ValueError:
        return (0.0, line)


def _tmp(n):
    return "/tmp/.sort%d.%d" % (munix.proc().pid, n)


def _spill(run, key, reverse, n):
    """Sort run and write it to a file in /tmp: its path."""
    run.sort(key=key, reverse=reverse)
    path = _tmp(n)
    with open(path, "w") as f:
        for line in run:
            f.write(line)
    return path


def _merge(paths, key, reverse, write):
    """Write the lines of the sorted files at paths, merged in order."""
    files = [open(p) for p in paths]
    try:
        heads = []
        for f in files:
            line = f.readline()
            if line:
                heads.append([key(line) if key else line, line, f])
        while heads:
            best = 0
            for i in range(1, len(heads)):
                if (heads[i][0] > heads[best][0]) if reverse else (heads[i][0] < heads[best][0]):
                    best = i
            head = heads[best]
            write(head[1])
            line = head[2].readline()
            if line:
                head[0] = key(line) if key else line
                head[1] = line
            else:
                heads.pop(best)
    finally:
        for f in files:
            f.close()


def _output(run, runs, key, reverse, unique, write):
    """Write the sorted lines (run, or the runs in files merged), once each
    for -u (by their keys, when sorted by keys)."""
    if unique:
        last = [None]
        plain = write

        def write(line):
            same = key(line)[:-1] if key is not None else line
            if same != last[0]:
                last[0] = same
                plain(line)

    if run is not None:
        for line in run:
            write(line)
    else:
        _merge(runs, key, reverse, write)


def _discard(paths):
    for path in paths:
        fspath.discard(path)
