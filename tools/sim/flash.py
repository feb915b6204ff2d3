"""The simulated board's flash: a host folder as the filesystem at /.

The unix port's VfsPosix does this, but in MicroPython 1.25 its rename
joins both paths into one buffer (renaming a file onto itself) and takes
relative paths from the process's real directory; renames are done here
through the C library instead. A subclass of VfsPosix would be smaller, but
the import machinery then calls VfsPosix's C code on the wrong object.
"""
import ffi
import os
import vfs

_rename = ffi.open("libc.so.6").func("i", "rename", "ss")


class Flash:
    """VfsPosix on root, with rename mended; the filesystem protocol's other
    calls go to VfsPosix as they are."""

    def __init__(self, root):
        self.posix = vfs.VfsPosix(root)
        self.root = root.rstrip("/")

    def __getattr__(self, name):
        return getattr(self.posix, name)

    def _real(self, path):
        if not path.startswith("/"):
            path = os.getcwd().rstrip("/") + "/" + path
        return self.root + path

    def rename(self, old, new):
        self.posix.stat(old)
        if _rename(self._real(old), self._real(new)) != 0:
            raise OSError(22)
