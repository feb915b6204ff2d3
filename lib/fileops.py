"""File operations shared by the file commands (cp, mv, rm, mkdir, cat,
grep ...): copying and removing trees, making folders, reading files and
standard input alike. Loaded by the commands that need it; the shell itself
only needs fspath."""
import os

import fspath

CHUNK = 512     # bytes read or written at a time: RAM is scarce


PROTECTED = fspath.SYSTEM + " (use -F to force)"
HOLDS = fspath.HOLDS_SYSTEM + " (use -F to force)"


def removal_problem(path):
    """Why removing or moving path away would hit protected files (cp, mv
    and rm say so, unless forced with -F), or None."""
    if fspath.is_protected(path):
        return PROTECTED
    return HOLDS if holds_protected(path) else None


def holds_protected(path):
    """True when path is protected or a folder with a protected path
    inside (/ holds them all): what removing or moving path would hit."""
    import fsguard
    return fsguard.holds(path, fspath.PROTECTED)


def sources_and_dest(rest):
    """The SRC... DEST operands of cp and mv: (sources, DEST made absolute,
    whether the sources go into DEST as a folder); None, once reported, when
    there are several sources and DEST is no folder."""
    import cmdargs
    import munix
    if len(rest) < 2:
        raise cmdargs.UsageError("needs SRC and DEST")
    dest = munix.path(rest[-1])
    into = fspath.isdir(dest)
    if len(rest) > 2 and not into:
        cmdargs.error(rest[-1], cmdargs.ERRORS[20])
        return None
    return rest[:-1], dest, into


def transfer_problem(src, target, st, verb):
    """Why src (whose stat is st) cannot be copied or moved (verb) to
    target, or None."""
    import cmdargs
    if st is None:
        return cmdargs.ERRORS[2]
    if target == src:
        return "source and destination are the same"
    if inside(target, src):
        return "cannot %s a folder into itself" % verb
    return None


def makedirs(path, _errno=17):
    """Make the folder path and any missing folders above it; nothing to do
    when it is already a folder. A file in the way is an OSError: File
    exists (17) for path itself, Not a directory (20) above it."""
    st = fspath.stat(path)
    if st is not None:
        if st[0] & fspath.DIR:
            return
        raise OSError(_errno)
    parent = fspath.split(path)[0]
    if parent != path:
        makedirs(parent, 20)
    os.mkdir(path)


def copy_file(src, dst, size=CHUNK):
    """Copy the file src to dst, size bytes at a time (see save): a failure
    midway (a full disk, Ctrl-C) leaves dst as it was."""
    if fspath.isdir(dst):
        raise OSError(21)
    with open(src, "rb") as fin:
        save(fin, dst, ".tmp", size)


def save(source, dst, suffix=".tmp", size=CHUNK):
    """Write what source.readinto() gives, to its end, into the file dst:
    through dst+suffix, renamed over dst once complete, so that a failure
    midway leaves dst as it was and no temporary file behind. The number of
    bytes written."""
    tmp = dst + suffix
    buf = bytearray(size)
    view = memoryview(buf)
    total = 0
    try:
        with open(tmp, "wb") as f:
            while True:
                n = source.readinto(buf)
                if not n:
                    break
                f.write(view[:n])
                total += n
        fspath.replace(tmp, dst)
    except BaseException:
        fspath.discard(tmp)
        raise
    return total


def walk(top, folder=None):
    """(path, is_folder) of top and everything below it, parents first,
    each folder's entries by name. folder: whether top is a folder, when
    the caller knows (saves a stat); below top, what the listing says is
    used, without stat(). A stack, not recursion: 400 nested folders (made
    over FTP) went past every board's C stack, and find, cp -r, rm -r and
    grep -r failed on them. Here, not in fspath: the kernel keeps fspath
    loaded, and only these commands walk."""
    if folder is None:
        folder = fspath.isdir(top)
    stack = [(top, folder)]
    while stack:
        path, sub = stack.pop()
        yield path, sub
        if sub:
            stack.extend(_below(path))


def walk_up(top, folder=None):
    """Like walk, but children before their folder: the order for deleting."""
    if folder is None:
        folder = fspath.isdir(top)
    stack = [(top, folder, False)]
    while stack:
        path, sub, listed = stack.pop()
        if sub and not listed:
            stack.append((path, sub, True))
            stack.extend([(p, s, False) for p, s in _below(path)])
        else:
            yield path, sub


def _below(folder):
    """(path, is_folder) of folder's entries, the last name first (a
    stack pops them in order)."""
    found = sorted(fspath.entries(folder), reverse=True)
    return [(fspath.join(folder, name), sub) for name, sub in found]


def copy_tree(src, dst, size=CHUNK):
    """Copy src, a file or a folder with everything below it, to dst;
    folders are made as needed, files copied with copy_file. dst must not be
    inside src. Stops at the first error (an OSError)."""
    for path, folder in walk(src):
        target = dst if path == src else fspath.join(dst, path[len(src):].lstrip("/"))
        if not folder:
            copy_file(path, target, size)
        elif not fspath.isdir(target):
            os.mkdir(target)


def remove_tree(top):
    """Remove top, a file or a folder with everything below it. Stops at the
    first error (an OSError)."""
    for path, folder in walk_up(top):
        if folder:
            os.rmdir(path)
        else:
            os.remove(path)


def inside(path, folder):
    """True when path is folder itself or somewhere below it."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


class Input:
    """The standard input of a process read like a file: readline(),
    read(size) (a line at most), iteration over lines, with; text, or bytes
    when binary. A terminal with only input(), like the console, is read a
    line at a time until EOFError (Ctrl-D); a stream with its own readline()
    is read through it."""

    def __init__(self, term, binary=False):
        self.term = term
        self.binary = binary
        self.eof = False

    def readline(self):
        if self.eof:
            return b"" if self.binary else ""
        reader = getattr(self.term, "readline", None)
        if reader is not None:
            line = reader()
            self.eof = not line
        else:
            try:
                line = self.term.input() + "\n"
            except EOFError:
                self.eof = True
                line = ""
        return line.encode() if self.binary and isinstance(line, str) else line

    def read(self, size=-1):
        return self.readline()

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        return False


def open_input(name, cwd="/", binary=False):
    """Open an input operand to read from, in a with statement: - is the
    running process's standard input, any other name a file (relative to
    cwd); text, or bytes when binary. Both give lines when iterated, and
    read(size) for chunks: the one way commands read files and standard
    input alike."""
    if name == "-":
        import process
        return Input(process.current().stdin, binary)
    return open(fspath.abspath(name, cwd), "rb" if binary else "r")
