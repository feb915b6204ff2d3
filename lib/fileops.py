"""File operations shared by the file commands (cp, mv, rm, mkdir, cat,
grep ...): copying and removing trees, making folders, reading files and
standard input alike. Loaded by the commands that need it; the shell itself
only needs fspath."""
import errno
import os
from micropython import const

import fspath

_ENOTDIR = const(20)     # errno's, which the esp32's errno module does not name

CHUNK = 512     # bytes read or written at a time: RAM is scarce


def refused(name, path, forcible=True):
    """True, once reported as name's error, when removing, moving or
    replacing path would hit the password file, the files the system needs
    to boot or a folder holding one, by any name FAT takes for them: in the
    words of the daemons' refusals (fsguard.guarded), `mv: /etc: holds the
    password file (use -F to force)`; forcible: the command has -F."""
    import cmdargs
    import fsguard
    why = fsguard.guarded(path)
    if why is None:
        return False
    cmdargs.error(name, (why[3:] if why[:3] == "is " else why) + (" (use -F to force)" if forcible else ""))
    return True


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
        cmdargs.error(rest[-1], OSError(_ENOTDIR))
        return None
    return rest[:-1], dest, into


def transfer_problem(src, target, st, verb):
    """Why src (whose stat is st) cannot be copied or moved (verb) to
    target, or None."""
    import cmdargs
    if st is None:
        return cmdargs.strerror(OSError(errno.ENOENT))
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


def chunks(f, size=CHUNK):
    """What f (a file, or open_input()'s) holds, size at a time."""
    while True:
        chunk = f.read(size)
        if not chunk:
            return
        yield chunk


# What walk yields each path as.
FILE = 0
FOLDER = 1      # a folder, before what is inside it
LEFT = 2        # the same folder again, after what is inside it


def walk(top, folder=None):
    """(path, kind, size) of top and everything below it, each folder's
    entries by name: kind FILE for a file, FOLDER for a folder before what
    is inside it, LEFT for it again after that (the order for totalling or
    deleting); size a file's size where the listing gives it (FAT,
    littlefs), else -1. folder: whether top is a folder, when the caller
    knows (saves a stat); below top, what the listing says is used, without
    stat(). The one walk of find, du, grep -r, cp -r, mv and rm -r.

    A stack, not recursion: 400 nested folders (made over FTP) went past
    every board's C stack. Nor a path per level: 400 paths of up to 800
    characters took 160 KB, more than an ESP32's heap. Kept are the path
    of the folder being walked and, per level, the entries it has still to
    visit; a level with none left costs nothing. Here, not in fspath: the
    kernel keeps fspath loaded, and only these commands walk."""
    if folder is None:
        folder = fspath.isdir(top)
    if not folder:
        yield top, FILE, -1
        return
    yield top, FOLDER, -1
    here = top      # the folder being walked
    depth = 0       # how far below top it is
    levels = []     # (depth, entries left) of the folders with entries left
    _enter(levels, 0, top)
    while True:
        at = levels[-1][0] if levels else 0
        while depth > at:
            yield here, LEFT, -1
            here = fspath.split(here)[0]
            depth -= 1
        if not levels:
            break
        left = levels[-1][1]
        entry = left.pop()
        if not left:
            levels.pop()
        path = fspath.join(here, entry[0])
        if entry[1] & fspath.DIR:
            yield path, FOLDER, -1
            here = path
            depth += 1
            _enter(levels, depth, path)
        else:
            yield path, FILE, entry[3] if len(entry) > 3 else -1
    yield top, LEFT, -1


def _enter(levels, depth, folder):
    """Put folder's entries onto levels, the last name first (a stack pops
    them in order); nothing for an empty folder."""
    found = list(os.ilistdir(folder))
    if found:
        found.sort(reverse=True)
        levels.append((depth, found))


def copy_tree(src, dst, size=CHUNK):
    """Copy src, a file or a folder with everything below it, to dst;
    folders are made as needed, files copied with copy_file. dst must not be
    inside src. Stops at the first error (an OSError)."""
    for path, kind, _ in walk(src):
        if kind == LEFT:
            continue
        target = dst if path == src else fspath.join(dst, path[len(src):].lstrip("/"))
        if kind == FILE:
            copy_file(path, target, size)
        elif not fspath.isdir(target):
            os.mkdir(target)


def remove_tree(top):
    """Remove top, a file or a folder with everything below it. Stops at the
    first error (an OSError)."""
    for path, kind, _ in walk(top):
        if kind == FILE:
            os.remove(path)
        elif kind == LEFT:
            os.rmdir(path)


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
