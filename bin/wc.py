import cmdargs
import fileops
import munix

USAGE = """[-l] [-w] [-c] [FILE...]
  Count the lines (-l), words (-w) and bytes (-c) of each FILE, all three
  unless told; - (or no FILE: then no name is shown) is the standard input.
  With several FILEs, a total line follows. Several counts are aligned in
  columns; a single count of a single input is printed as it is."""
ABOUT = "count lines, words and bytes"

_SPACE = b" \t\n\r\v\f"
# Small chunks: split() makes a list of a chunk's words, and on a
# fragmented heap even 2 KB in one piece may not be there.
CHUNK = 128


def __main__(args):
    opts, files = cmdargs.parse(args, "lwc")
    shown = [i for i, c in enumerate("lwc") if c in opts] or [0, 1, 2]
    cwd = munix.session().cwd
    total = [0, 0, 0]
    status = 0
    for name in files or ["-"]:
        try:
            counts = _count(name, cwd)
        except OSError as e:
            status = cmdargs.error(name, e)
            continue
        _show(counts, shown, name if files else "", len(shown) > 1 or len(files) > 1)
        for i in range(3):
            total[i] += counts[i]
    if len(files) > 1:
        _show(total, shown, "total", True)
    return status


def _count(name, cwd):
    """[lines, words, bytes] of an input, read as bytes a chunk at a time;
    a word cut in two by a chunk's end is counted once."""
    lines = words = size = 0
    inword = False
    with fileops.open_input(name, cwd, True) as f:
        for chunk in fileops.chunks(f, CHUNK):
            lines += chunk.count(b"\n")
            words += len(chunk.split())
            if inword and chunk[0] not in _SPACE:
                words -= 1
            inword = chunk[-1] not in _SPACE
            size += len(chunk)
    return [lines, words, size]


def _show(counts, shown, name, aligned):
    # One count of one input alone, as POSIX prints it (`wc -l` gives 2);
    # columns otherwise.
    form = "%7d" if aligned else "%d"
    print(("%s %s" % (" ".join([form % counts[i] for i in shown]), name)).rstrip())
