"""The simulated board's flash: a host folder as the filesystem at /.

The unix port's VfsPosix does this, but in MicroPython 1.25 its rename
joins both paths into one buffer (renaming a file onto itself) and takes
relative paths from the process's real directory; renames are done here
through the C library instead. A subclass of VfsPosix would be smaller, but
the import machinery then calls VfsPosix's C code on the wrong object.

VfsPosix builds every path in one buffer of its own and lets other threads
run during the system call: two threads using the flash at once (background
jobs) would read each other's paths. Calls are taken one at a time here, as
a board's filesystem driver does under its lock.
"""
import _thread
import ffi
import os
import sys
import vfs

_rename = ffi.open("libc.so.6").func("i", "rename", "ss")
_lock = _thread.allocate_lock()


class Flash:
    """VfsPosix on root, with rename mended; the filesystem protocol's other
    calls go to VfsPosix as they are."""

    def __init__(self, root):
        self.posix = vfs.VfsPosix(root)
        self.root = root.rstrip("/")

    def __getattr__(self, name):
        call = getattr(self.posix, name)
        if not callable(call):
            return call

        def locked(*args):
            with _lock:
                return call(*args)
        return locked

    def _real(self, path):
        if not path.startswith("/"):
            path = os.getcwd().rstrip("/") + "/" + path
        return self.root + path

    def rename(self, old, new):
        with _lock:
            self.posix.stat(old)
            if _rename(self._real(old), self._real(new)) != 0:
                raise OSError(22)


def mount(root, rom):
    """Make the board: the folder root as its flash at /, the stand-ins
    for its built-in modules (the folder rom) at /rom, and the sys.path a
    board has."""
    vfs.mount(Flash(root), "/")
    vfs.mount(vfs.VfsPosix(rom), "/rom")
    os.chdir("/")
    sys.path.clear()
    sys.path.extend(["", ".frozen", "/rom", "/lib"])
