import cmdargs
import fileops
import munix

USAGE = """[-f] [-n N] [FILE...]
  Print the last N lines (10 unless told; -N is -n N) of each FILE, or with
  -n +N those from the Nth on; - (or no FILE) is the standard input. With
  several FILEs, each comes under a ==> FILE <== heading. A file is read
  backwards from its end, so its size does not matter. -f: then print what
  is added to the FILEs as it comes (from the start again of one that
  shrank), until Ctrl-C or kill."""
ABOUT = "print the last lines of files"


def __main__(args):
    count, files, opts = cmdargs.lines_and_files(args, "n", "f")
    from_start = "+" in opts
    out = munix.proc().stdout
    status = 0
    sep = "" if len(files) > 1 else None    # before the next heading
    for name in files:
        try:
            if from_start:
                text, start = munix.path(name) if name != "-" else name, None
            elif name == "-":
                text, start = _last_lines(name, count), 0
            else:
                text = munix.path(name)
                with open(text, "rb") as f:
                    start = _start(f, count)
            if sep is not None:
                print("%s==> %s <==" % (sep, name))
                sep = "\n"
            if isinstance(text, list):
                for line in text:
                    out.write(line)
            elif start is None:
                _from_line(text, count, out)
            else:
                _copy(text, start, out)
        except OSError as e:
            status = cmdargs.error(name, e)
        except UnicodeError:
            status = cmdargs.error(name, "not a text file")
    if "f" in opts:
        return _follow([name for name in files if name != "-"], out)
    return status


# How often -f looks at the files' sizes.
_FOLLOW_MS = 500


def _follow(names, out):
    """-f: print what is added to the files of names as it comes, until a
    stop (kill: status 143, as sleep's; Ctrl-C ends it as it ends any
    command). Each is looked at by its size."""
    import os
    me = munix.proc()
    paths = [munix.path(name) for name in names]
    sizes = []
    for path in paths:
        try:
            sizes.append(os.stat(path)[6])
        except OSError:
            sizes.append(0)
    shown = len(paths) - 1
    while me.sleep(_FOLLOW_MS):
        for i in range(len(paths)):
            try:
                size = os.stat(paths[i])[6]
            except OSError:
                continue
            if size == sizes[i]:
                continue
            if size < sizes[i]:
                sizes[i] = 0
            if len(paths) > 1 and shown != i:
                out.write("\n==> %s <==\n" % names[i])
                shown = i
            # Where the reading ended: what came meanwhile is printed once.
            sizes[i] = _copy(paths[i], sizes[i], out)
    return 143


def _start(f, count):
    """Where the last count lines of the binary file f begin: newlines are
    counted backwards from the end, a chunk at a time."""
    end = f.seek(0, 2)
    if count == 0 or end == 0:
        return end
    f.seek(end - 1)
    pos = end - 1 if f.read(1) == b"\n" else end     # the last line's own \n
    found = 0
    while pos > 0:
        size = min(fileops.CHUNK, pos)
        pos -= size
        f.seek(pos)
        chunk = f.read(size)
        i = size
        while True:
            i = chunk.rfind(b"\n", 0, i)
            if i < 0:
                break
            found += 1
            if found == count:
                return pos + i + 1
    return 0


def _copy(path, start, out):
    """Print the file at path from byte start on, a chunk at a time;
    where it ended."""
    with open(path) as f:
        f.seek(start)
        for chunk in fileops.chunks(f):
            out.write(chunk)
        return f.tell()


def _from_line(name, first, out):
    """Print name (a path, or - for the standard input) from its line
    first on."""
    with fileops.open_input(name) as f:
        n = 1
        for line in f:
            if n >= first:
                out.write(line)
            else:
                n += 1


def _last_lines(name, count):
    """The last count lines of a stream that cannot seek (standard input):
    only those are kept, in a ring, as it is read."""
    ring = [None] * count
    n = 0
    with fileops.open_input(name) as f:
        for line in f:
            if count:
                ring[n % count] = line
            n += 1
    return [ring[i % count] for i in range(max(0, n - count), n)]
