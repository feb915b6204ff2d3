"""Keys handed to MicroPython's REPL once munix has left it the console:
the Ctrl-A the console read at its prompt, so that the REPL enters its raw
REPL as mpremote asked. Given through os.dupterm, as a terminal of its own
gives the REPL keys (WebREPL's way). Loaded only then.
"""
import io
import os


class _Keys(io.IOBase):
    def __init__(self, keys):
        self.keys = keys

    def readinto(self, buf):
        if not self.keys:
            return None
        buf[0] = self.keys[0]
        self.keys = self.keys[1:]
        return 1

    def write(self, data):
        return len(data)

    def ioctl(self, op, arg):
        return 0


def give(keys):
    """The REPL reads keys (bytes) next; a port without dupterm waits for
    keys of its own."""
    try:
        before = os.dupterm(_Keys(keys))
        os.dupterm_notify(None)
        os.dupterm(before)
    except AttributeError:
        pass
