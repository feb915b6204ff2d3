import cmdargs
import fspath
import munix
import textin
from micropython import const

USAGE = """[-r] [-n] [-u] [FILE...]
  Print the lines of the FILEs (the standard input when none, or -) in
  order. Memory stays small whatever the size: lines are sorted in runs,
  kept in /tmp while there are several, then merged.
  -r  in reverse order
  -n  by the number a line starts with (none counts as 0)
  -u  each line once (with -n: each number once)"""
ABOUT = "sort lines"

_RUN = const(4096) # characters of lines sorted in RAM at a time
_FANIN = const(6) # runs merged at once: each is an open file


def __main__(args):
    opts, files = cmdargs.parse(args, "rnu")
    numeric = "n" in opts
    key = _numeric if numeric else None
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
        _output(run, runs, key, reverse, "u" in opts, numeric, out.write)
    finally:
        _discard(runs)
    return lines.status


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


def _output(run, runs, key, reverse, unique, numeric, write):
    """Write the sorted lines (run, or the runs in files merged), once each
    for -u."""
    if unique:
        last = [None]
        plain = write

        def write(line):
            same = _numeric(line)[0] if numeric else line
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
