"""The simulator with a power cut: runs tools/sim/start.py, counting the
flash's renames on standard error, and kills itself (SIGKILL, as a power
loss stops a board at once) just before rename number CUT (0: never).

Run as: micropython powercut_start.py START CUT FLASH MODE
"""
import sys

import ffi

start, cut = sys.argv[1], int(sys.argv[2])
sys.path.insert(0, start.rsplit("/", 1)[0])
import flash  # noqa: E402  start.py finds this very module in sys.modules

_libc = ffi.open("libc.so.6")
_kill = _libc.func("i", "kill", "ii")
_getpid = _libc.func("i", "getpid", "")
_count = [0]
_rename = flash.Flash.rename


def _counted(self, old, new):
    _count[0] += 1
    if _count[0] == cut:
        _kill(_getpid(), 9)
    sys.stderr.write("#rename %s %s\n" % (old, new))
    return _rename(self, old, new)


flash.Flash.rename = _counted
sys.path.pop(0)
sys.argv[:] = [start] + sys.argv[3:]
exec(open(start).read(), {"__name__": "__main__"})
