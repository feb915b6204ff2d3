"""The time stand-in of a board profile (munix sim --board): as
tools/sim/rom/time.py, with the clock starting where the board's RTC does
at reset (MUNIX_SIM_CLOCK, seconds since 1970) and counting from the
board's epoch (MUNIX_SIM_EPOCH: 2000 on esp32 and esp8266)."""
from simconsole import port_module

_utime = port_module("time")
_getenv = port_module("os").getenv


def __getattr__(name):
    return getattr(_utime, name)

_EPOCH = 946684800 if _getenv("MUNIX_SIM_EPOCH") == "2000" else 0
_reset = _getenv("MUNIX_SIM_CLOCK")
_offset = [int(_reset) - int(_utime.time()) if _reset else 0]
del _reset


def time():
    # Whole seconds, as every board's time.time() gives.
    return int(_utime.time()) + _offset[0] - _EPOCH


def time_ns():
    return _utime.time_ns() + (_offset[0] - _EPOCH) * 1000000000


def gmtime(secs=None):
    return _utime.gmtime((int(time()) if secs is None else secs) + _EPOCH)


def localtime(secs=None):
    return _utime.localtime((int(time()) if secs is None else secs) + _EPOCH)


def mktime(t):
    return _utime.mktime(t) - _EPOCH


def set_clock(secs):
    """Make the wall clock read secs (seconds since 1970-01-01 UTC) now."""
    _offset[0] = secs - int(_utime.time())
