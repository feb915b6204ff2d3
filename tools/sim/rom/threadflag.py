"""asyncio.ThreadSafeFlag for the unix port, with a file descriptor.

MicroPython's select.poll on the unix port hands file-descriptor objects to
the system's poll() and asks the others (a ThreadSafeFlag) through their
ioctl. When its array of pollfds has to move to grow, it also rebases the
pointer of the objects that have none (extmod/modselect.c,
poll_set_add_fd, in 1.25 and later), and the next poll follows a wild
pointer: the OS's asyncio loop, which waits on a ThreadSafeFlag for work
from other threads, crashed once a dozen clients of uhttpd were polled at
once. Boards poll every object through its ioctl and have no such bug.

This flag is readable through a pipe (libc, through ffi), so every object
the loop polls has a file descriptor. It lives with the board's stand-ins
in /rom, and start.py loads it, and asyncio, when asyncio is first used:
the heap at boot stays a board's.
"""
import asyncio
import ffi
import io
import sys

_GET_FILENO = 10    # MP_STREAM_GET_FILENO
_POLL = 3           # MP_STREAM_POLL
_O_NONBLOCK = 0o4000

_libc = ffi.open("libc.so.6")
_pipe2 = _libc.func("i", "pipe2", "pi")
_read = _libc.func("i", "read", "ipi")
_write = _libc.func("i", "write", "isi")


class ThreadSafeFlag(io.IOBase):
    """asyncio's ThreadSafeFlag, set() waking the loop through a pipe."""

    def __init__(self):
        fds = bytearray(8)
        if _pipe2(fds, _O_NONBLOCK) != 0:
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
        _write(self.write_fd, "x", 1)

    def clear(self):
        self.state = 0

    async def wait(self):
        if not self.state:
            yield asyncio.core._io_queue.queue_read(self)
        self.state = 0
        while _read(self.fd, self.drain, len(self.drain)) > 0:
            pass


asyncio.ThreadSafeFlag = ThreadSafeFlag
