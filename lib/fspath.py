"""Paths and files: one place for normalising paths, telling files from
folders, walking trees, protecting the files the system needs to boot, and
replacing files without ever losing the old one.

MicroPython has no os.path; os.stat returns a tuple whose first item is the
mode (0x4000 for a folder).
"""
import os

DIR = 0x4000

# The files the board needs to boot: removing one bricks the shell; the
# OS's pack and its modules in it too (lib/packfs.py).
# (Lists: a tuple of constant strings takes a block of heap for each.)
PROTECTED = ["/main.py", "/boot.py", "/lib", "/munix.romfs", "/rom/lib"]
# How every command and daemon words its refusal to change them, and the
# folders holding them.
SYSTEM = "part of the system"
HOLDS_SYSTEM = "holds files of the system"
# What the shell runs as a program: a module (.py, .mpy) or a script (.sh).
PROGRAMS = [".py", ".mpy", ".sh"]


def normpath(path):
    """Collapse //, . and .. of an absolute path; .. never climbs above /."""
    if (path.startswith("/") and "//" not in path and "/." not in path
            and (path == "/" or not path.endswith("/"))):
        # Already so, as most are (/bin/echo): each string a split or a
        # join makes is first looked for among all the interned names.
        return path
    parts = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part and part != ".":
            parts.append(part)
    return "/" + "/".join(parts)


def abspath(path, cwd="/"):
    """The normalised absolute form of path, relative paths taken from cwd."""
    if not path.startswith("/"):
        path = cwd + "/" + path
    return normpath(path)


def join(folder, name):
    return folder + name if folder.endswith("/") else folder + "/" + name


def split(path):
    """(folder, name) of a normalised absolute path."""
    i = path.rfind("/")
    return (path[:i] or "/"), path[i + 1:]


def basename(path):
    return path[path.rfind("/") + 1:]


def stat(path):
    """os.stat, or None when nothing is there."""
    try:
        return os.stat(path)
    except OSError:
        return None


def exists(path):
    return stat(path) is not None


# os.stat from here, not through stat(): each Python call costs a board's
# C stack, and these are the deepest calls of every command's lookup.
def isdir(path):
    try:
        return os.stat(path)[0] & DIR != 0
    except OSError:
        return False


def isfile(path):
    try:
        return os.stat(path)[0] & DIR == 0
    except OSError:
        return False


def module_file(name):
    """(path, stat) of what `import name` finds on sys.path, in
    MicroPython's order: in each folder a package, then name.py, then
    name.mpy; None when there is none. name: dotted."""
    import sys
    name = name.replace(".", "/")
    for folder in sys.path:
        base = folder + "/" + name if folder else name
        for end in ("", ".py", ".mpy"):
            st = stat(base + end)
            if st is not None and (end or st[0] & DIR):
                return base + end, st
    return None


def is_protected(path):
    """True for a boot file or anything under /lib; path must be normalised."""
    for p in PROTECTED:
        if path.startswith(p) and (len(path) == len(p) or path.startswith("/", len(p))):
            return True
    return False


def discard(path):
    """Remove the file path if it is there; no error if it is not."""
    try:
        os.remove(path)
    except OSError:
        pass


def entries(folder):
    """(name, is_folder) for each entry of folder, unsorted, without stat()."""
    for entry in os.ilistdir(folder):
        yield entry[0], entry[1] & DIR != 0


def replace(tmp, target):
    """Move tmp over target. A filesystem that refuses to rename over an
    existing file (FAT) gets the old file moved aside first, and removed only
    once the new one is in place."""
    try:
        os.rename(tmp, target)
    except OSError:
        if not exists(target):
            raise
        old = target + ".old"
        os.rename(target, old)
        os.rename(tmp, target)
        os.remove(old)


def write_file(path, data):
    """Write data to path through a temporary file, so a failure midway
    leaves the old content intact."""
    tmp = path + ".tmp"
    with open(tmp, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    replace(tmp, path)
