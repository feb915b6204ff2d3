"""The ROMFS partition (/rom) as a read-only filesystem that says so.

MicroPython's VfsRom has no write methods: removing or creating a file there
raised AttributeError from inside the VFS, which commands do not expect.
startup mounts this view over it instead: writes fail with OSError(EROFS)
like on any read-only filesystem, everything else is VfsRom's own (imports
still run the bytecode in place).
"""
from micropython import const

_EROFS = const(30)  # MicroPython's errno module has no name for it
_WRITES = ("remove", "rename", "mkdir", "rmdir")


class ReadOnly:
    def __init__(self, fs):
        self.fs = fs
        # The VFS finds these as the view's own, with no call of
        # __getattr__: each Python call costs a board's C stack, and a stat
        # is the deepest call of every command's lookup along $PATH.
        self.stat = fs.stat
        self.ilistdir = fs.ilistdir

    def __getattr__(self, name):
        if name in _WRITES:
            return _refuse
        return getattr(self.fs, name)

    def open(self, path, mode="r"):
        if "w" in mode or "a" in mode or "+" in mode or "x" in mode:
            _refuse()
        return self.fs.open(path, mode)


def _refuse(*args):
    raise OSError(_EROFS)


def remount(point="/rom"):
    """Put the read-only view over the VfsRom mounted at point, if one is."""
    import vfs
    for fs, where in vfs.mount():
        if where == point and type(fs).__name__ == "VfsRom":
            vfs.umount(point)
            vfs.mount(ReadOnly(fs), point)
            return
