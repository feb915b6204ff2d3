"""asyncio.ThreadSafeFlag for the unix port, with a file descriptor.

MicroPython's select.poll on the unix port hands file-descriptor objects to
the system's poll() and asks the others (a ThreadSafeFlag) through their
ioctl. When its array of pollfds has to move to grow, it also rebases the
pointer of the objects that have none (extmod/modselect.c,
poll_set_add_fd, in 1.25 and later), and the next poll follows a wild
pointer: the OS's asyncio loop, which waits on a ThreadSafeFlag for work
from other threads, crashes once a dozen clients of uhttpd are polled at
once. Boards poll every object through its ioctl and have no such bug.

This flag is readable through a pipe (libc, through ffi), so every object
the loop polls has a file descriptor. install() makes it asyncio's
ThreadSafeFlag once asyncio is first used, so that the OS's heap at boot is
a board's: asyncio is not loaded before something needs it.
"""
import sys

_GET_FILENO = 10    # MP_STREAM_GET_FILENO
_POLL = 3           # MP_STREAM_POLL
_O_NONBLOCK = 0o4000


def install():
    sys.modules["asyncio"] = _LazyAsyncio()


class _LazyAsyncio:
    """Stands for asyncio in sys.modules until first used; then loads the
    frozen asyncio, mends it and leaves the place to it."""

    real = None

    def __getattr__(self, name):
        if self.real is None:
            del sys.modules["asyncio"]
            import asyncio
            asyncio.ThreadSafeFlag = _flag_class(asyncio)
            _LazyAsyncio.real = asyncio
        return getattr(self.real, name)


def _flag_class(asyncio):
    import ffi
    import io
    libc = ffi.open("libc.so.6")
    pipe2 = libc.func("i", "pipe2", "pi")
    read = libc.func("i", "read", "ipi")
    write = libc.func("i", "write", "isi")

    class ThreadSafeFlag(io.IOBase):
        """asyncio's ThreadSafeFlag, set() waking the loop through a pipe."""

        def __init__(self):
            fds = bytearray(8)
            if pipe2(fds, _O_NONBLOCK) != 0:
                raise OSError("pipe2")
            self.fd = int.from_bytes(fds[0:4], sys.byteorder)
            self.write_fd = int.from_bytes(fds[4:8], sys.byteorder)
            self.drain = bytearray(64)
            self.state = 0

        def ioctl(self, request, flags):
            if request == _GET_FILENO:
                return self.fd
            if request == _POLL:
                return self.state * flags
            return -1

        def set(self):
            self.state = 1
            write(self.write_fd, "x", 1)

        def clear(self):
            self.state = 0

        async def wait(self):
            if not self.state:
                yield asyncio.core._io_queue.queue_read(self)
            self.state = 0
            while read(self.fd, self.drain, len(self.drain)) > 0:
                pass

    return ThreadSafeFlag
