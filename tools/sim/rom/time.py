"""Stand-in for the board's time module: the unix port's, with a wall
clock that can be set, as a board's is through its RTC
(machine.RTC().datetime(...), as ntpupdate does). Tests set it to jump to a
given moment; it runs on from there at the host's pace. The ticks counters
stay monotonic, as on a board. Other names are looked up in the built-in
time on use rather than copied, to keep the heap as a board's would be."""
from simconsole import port_module

_utime = port_module("time")


def __getattr__(name):
    return getattr(_utime, name)

_offset = [0]


def time():
    return _utime.time() + _offset[0]


def time_ns():
    return _utime.time_ns() + _offset[0] * 1000000000


def gmtime(secs=None):
    return _utime.gmtime(int(time()) if secs is None else secs)


def localtime(secs=None):
    return _utime.localtime(int(time()) if secs is None else secs)


def set_clock(secs):
    """Make the wall clock read secs (seconds since 1970-01-01 UTC) now."""
    _offset[0] = secs - int(_utime.time())
