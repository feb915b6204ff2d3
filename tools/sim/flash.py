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

mount() makes the whole board: the flash, the stand-ins for built-in
modules, a ROMFS partition when the board has one, the board's sys.path,
a mend for asyncio on the unix port (rom/threadflag.py; a board
profile's MicroPython has it in C), and, on a board whose thread stacks
come from the Python heap, a _thread that takes them there
(rom/board/simthread.py).
"""
import ffi
import os
import sys
import vfs

_rename = ffi.open("libc.so.6").func("i", "rename", "ss")
try:
    import _thread
    _lock = _thread.allocate_lock()
except ImportError:     # a board without threads (esp8266) needs no lock
    class _NoLock:
        def __enter__(self):
            pass

        def __exit__(self, exc_type, exc, tb):
            pass
    _lock = _NoLock()


class Flash:
    """VfsPosix on root, with rename mended and the working folder kept
    here: VfsPosix's is the process's, which it reads back as a host path
    less root's length, and root is a path to an open folder
    (/proc/self/fd/9), not the host's path to it. Paths reach VfsPosix
    whole, so the process's folder is never used."""

    def __init__(self, root):
        self.posix = vfs.VfsPosix(root)
        self.root = root.rstrip("/")
        self.cwd = "/"

    def __getattr__(self, name):
        call = getattr(self.posix, name)
        if not callable(call):
            return call

        def locked(*args):
            if args and isinstance(args[0], str) and not args[0].startswith("/"):
                args = (self._whole(args[0]),) + args[1:]
            with _lock:
                return call(*args)
        return locked

    def _whole(self, path):
        if path.startswith("/"):
            return path
        return self.cwd.rstrip("/") + "/" + path

    def chdir(self, path):
        parts = []
        for part in self._whole(path).split("/"):
            if part == "..":
                if parts:
                    parts.pop()
            elif part and part != ".":
                parts.append(part)
        path = "/" + "/".join(parts)
        with _lock:
            if not self.posix.stat(path)[0] & 0x4000:
                raise OSError(20)   # ENOTDIR
        self.cwd = path

    def getcwd(self):
        return self.cwd

    def ilistdir(self, path):
        # With each file's size, as littlefs and FAT give it (mpremote's
        # `fs ls` shows it); VfsPosix gives none. An entry at a time, as a
        # board's driver gives them: the whole folder at once, in lists,
        # took 15 KiB of the esp32 profile's heap for /bin, which a board
        # never asks of its heap.
        folder = self._whole(path).rstrip("/") + "/"
        with _lock:
            found = self.posix.ilistdir(folder)
        return self._entries(folder, found)

    def _entries(self, folder, found):
        while True:
            with _lock:
                try:
                    e = next(found)
                except StopIteration:
                    return
                try:
                    size = 0 if e[1] == 0x4000 else self.posix.stat(folder + e[0])[6]
                except OSError:
                    # Removed (by another thread) since the listing began:
                    # a board's listing would not have it.
                    continue
            yield (e[0], e[1], 0, size)

    def statvfs(self, path):
        # A board profile's flash is the board's size (rom/simflash.py).
        import simflash
        with _lock:
            return simflash.statvfs(self.posix, self._whole(path))

    def rename(self, old, new):
        old, new = self._whole(old), self._whole(new)
        with _lock:
            self.posix.stat(old)
            if _rename(self.root + old, self.root + new) != 0:
                raise OSError(22)


# The flash folder and its ROMFS image as munix sim opens them for the
# runtime (tools/munixtool/sim.py, with_flash); 8 is /dev/null when the
# board has no ROMFS partition.
FLASH = "/proc/self/fd/9"
ROMFS = "/proc/self/fd/8"


def mount(root, rom):
    """Make the board: the folder root as its flash at /, the stand-ins
    for its built-in modules (the folder rom) at /rom, and the sys.path a
    board has. When the flash has a ROMFS image (ROOT.romfs, or ROMFS
    beside FLASH), the board has a ROMFS partition holding it: it is
    mounted at /rom, as MicroPython does on such boards, and the stand-ins
    move to /.builtin, as they do for a pack (lib/packfs.py). A board
    profile has its stand-ins frozen, as a board has its modules: no
    folder of them, and no /rom without a ROMFS partition, as on the
    board."""
    partition = _map(ROMFS if root == FLASH else root.rstrip("/") + ".romfs")
    where = BUILTIN
    try:
        os.stat(root.rstrip("/") + "/munix.romfs")
    except OSError:
        if partition is None:
            where = "/rom"
    vfs.mount(Flash(root), "/")
    path = ["", ".frozen"]
    if partition is not None:
        vfs.mount(vfs.VfsRom(partition), "/rom")
        path += ["/rom", "/rom/lib"]
    if not os.getenv("MUNIX_BOARD"):
        vfs.mount(vfs.VfsPosix(rom), where)
        path.append(where)
    path.append("/lib")
    os.chdir("/")
    sys.path.clear()
    sys.path.extend(path)
    if os.getenv("MUNIX_SIM_HEAP_STACK"):
        import simthread
        sys.modules["_thread"] = simthread
    # A board profile's MicroPython has the poll mended in C (boardport.patch).
    if not os.getenv("MUNIX_BOARD"):
        sys.modules["asyncio"] = _LazyAsyncio()


BUILTIN = "/.builtin"


def _map(image):
    """The host file image mapped into memory, read-only, as a board maps
    its ROMFS partition: outside the heap, so that code run from it costs no
    heap. None when there is no such file."""
    try:
        size = os.stat(image)[6]
    except OSError:
        return None
    if not size:
        return None
    import uctypes
    libc = ffi.open("libc.so.6")
    fd = libc.func("i", "open", "si")(image, 0)
    address = libc.func("p", "mmap", "pLiiil")(None, size, 1, 2, fd, 0)    # PROT_READ, MAP_PRIVATE
    libc.func("i", "close", "i")(fd)
    if fd < 0 or not address or address == (1 << 64) - 1 or address == -1:
        raise OSError("cannot map " + image)
    return uctypes.bytearray_at(address, size)


class _LazyAsyncio:
    """Stands for asyncio in sys.modules until first used; then loads the
    frozen asyncio with rom/threadflag.py's mend (a ThreadSafeFlag the unix
    port's select.poll does not crash on) and leaves the place to it: the
    heap at boot stays a board's."""

    real = None

    def __getattr__(self, name):
        if _LazyAsyncio.real is None:
            del sys.modules["asyncio"]
            import threadflag   # a stand-in, in /rom
            _LazyAsyncio.real = threadflag.asyncio
        return getattr(_LazyAsyncio.real, name)
