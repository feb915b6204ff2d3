"""The simulated board's flash: a host folder as a filesystem mounted at /.

It wraps the unix port's VfsPosix and keeps its own working directory, as a
board's filesystems do, handing VfsPosix only absolute paths: VfsPosix in
MicroPython 1.25 follows the process's real directory for relative paths
and joins both paths of a rename into one buffer (renaming a file onto
itself). Renames go straight to the C library instead.
"""
import ffi
import vfs

_rename = ffi.open("libc.so.6").func("i", "rename", "ss")


class Flash:
    def __init__(self, root):
        self.root = root.rstrip("/")
        self.posix = vfs.VfsPosix(self.root)
        self.cwd = "/"

    def _path(self, path):
        if not path.startswith("/"):
            path = self.cwd + "/" + path
        parts = []
        for part in path.split("/"):
            if part == "..":
                if parts:
                    parts.pop()
            elif part and part != ".":
                parts.append(part)
        return "/" + "/".join(parts)

    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        pass

    def open(self, path, mode):
        return self.posix.open(self._path(path), mode)

    def ilistdir(self, path):
        return self.posix.ilistdir(self._path(path))

    def chdir(self, path):
        path = self._path(path)
        if not self.posix.stat(path)[0] & 0x4000:
            raise OSError(20)
        self.cwd = path

    def getcwd(self):
        return self.cwd

    def mkdir(self, path):
        self.posix.mkdir(self._path(path))

    def remove(self, path):
        self.posix.remove(self._path(path))

    def rmdir(self, path):
        self.posix.rmdir(self._path(path))

    def rename(self, old, new):
        old, new = self._path(old), self._path(new)
        self.posix.stat(old)
        if _rename(self.root + old, self.root + new) != 0:
            self.posix.stat(new)
            raise OSError(22)

    def stat(self, path):
        return self.posix.stat(self._path(path))

    def statvfs(self, path):
        return self.posix.statvfs(self._path(path))
