"""Stand-in for the board's os module: the unix port's os, plus uname(),
which only boards have. Other names are looked up in the built-in os on
use rather than copied, to keep the heap as a board's would be."""
import sys as _sys
from simconsole import dupterm, dupterm_notify  # noqa: F401  the board's, as names of os
from simconsole import port_module as _port_module

_uos = _port_module("os")


def __getattr__(name):
    return getattr(_uos, name)


def uname():
    # As a firmware answers: version "v1.25.0 on <build date>".
    from collections import namedtuple
    release = "%d.%d.%d" % _sys.implementation.version[:3]
    fields = ("sysname", "nodename", "release", "version", "machine")
    return namedtuple("uname_result", fields)(
        "sim", "sim", release, "v%s on %s" % (release, _sys.version.rsplit(" on ", 1)[-1]),
        "munix simulator (unix port, %s)" % _sys.platform)
