"""Stand-in for the board's os module: the unix port's os, plus uname(),
which only boards have. Other names are looked up in the built-in os on
use rather than copied, to keep the heap as a board's would be.

On a board profile, uname() answers as the board's firmware does, and
stat() gives times from the board's epoch (MUNIX_SIM_EPOCH), as its
filesystem does."""
import sys as _sys
import uos as _uos

_EPOCH = 946684800 if _uos.getenv("MUNIX_SIM_EPOCH") == "2000" else 0


def __getattr__(name):
    return getattr(_uos, name)


def uname():
    from collections import namedtuple
    release = "%d.%d.%d" % _sys.implementation.version[:3]
    fields = ("sysname", "nodename", "release", "version", "machine")
    machine = _uos.getenv("MUNIX_SIM_MACHINE")
    if machine:
        return namedtuple("uname_result", fields)(
            _sys.platform, _sys.platform, release,
            "v%s on munix simulator" % release, machine)
    return namedtuple("uname_result", fields)(
        "sim", "sim", release, "v%s on munix simulator" % release,
        "munix simulator (unix port, %s)" % _sys.platform)


if _EPOCH:
    def stat(path):
        st = _uos.stat(path)
        return st[:7] + (st[7] - _EPOCH, st[8] - _EPOCH, st[9] - _EPOCH)
