"""Stand-in for the board's os module: the unix port's os, plus uname(),
which only boards have."""
import sys as _sys
from uos import *  # noqa: F401,F403  the built-in os


class _Uname:
    sysname = "sim"
    nodename = "sim"
    release = "%d.%d.%d" % _sys.implementation.version[:3]
    version = "v%s on munix simulator" % release
    machine = "munix simulator (unix port, %s)" % _sys.platform

    def __getitem__(self, i):
        return (self.sysname, self.nodename, self.release, self.version, self.machine)[i]

    def __repr__(self):
        return "(sysname=%r, nodename=%r, release=%r, version=%r, machine=%r)" % (
            self.sysname, self.nodename, self.release, self.version, self.machine)


_UNAME = _Uname()


def uname():
    return _UNAME
