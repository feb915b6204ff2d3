"""The os stand-in of a board profile (munix sim --board): as
tools/sim/rom/os.py, with uname() answering as the board's firmware does
and stat() giving times from the board's epoch (MUNIX_SIM_EPOCH), as its
filesystem does."""
import sys as _sys
from simconsole import dupterm, dupterm_notify  # noqa: F401  the board's, as names of os
from simconsole import port_module as _port_module

_uos = _port_module("os")

_EPOCH = 946684800 if _uos.getenv("MUNIX_SIM_EPOCH") == "2000" else 0


def __getattr__(name):
    return getattr(_uos, name)


def uname():
    from collections import namedtuple
    release = "%d.%d.%d" % _sys.implementation.version[:3]
    fields = ("sysname", "nodename", "release", "version", "machine")
    return namedtuple("uname_result", fields)(
        _sys.platform, _sys.platform, release,
        "v%s on %s" % (release, _sys.version.rsplit(" on ", 1)[-1]), _uos.getenv("MUNIX_SIM_MACHINE"))


if _EPOCH:
    def stat(path):
        st = _uos.stat(path)
        return st[:7] + (st[7] - _EPOCH, st[8] - _EPOCH, st[9] - _EPOCH)
