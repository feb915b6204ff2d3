"""Stand-in for the board's machine module: the unix port's machine, plus
what boards have (Pin, freq, unique_id, reset, RTC ...). A reset ends the
MicroPython process with status 100, which `tools/munix sim` takes as a
board reset: it boots the OS afresh."""
import ffi
import time
from umachine import *  # noqa: F401,F403  the built-in machine

_libc = ffi.open("libc.so.6")
_exit = _libc.func("v", "_exit", "i")

RESET_STATUS = 100
PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5

_freq = [160000000]


def freq(hz=None):
    if hz is None:
        return _freq[0]
    if hz not in (80000000, 160000000, 240000000):
        raise ValueError("frequency must be 80, 160 or 240 MHz")
    _freq[0] = hz


def unique_id():
    return b"munix\x01"


def reset():
    _exit(RESET_STATUS)


def soft_reset():
    _exit(RESET_STATUS)


def deepsleep(ms=0):
    if ms:
        time.sleep_ms(ms)
    _exit(RESET_STATUS)


def lightsleep(ms=0):
    time.sleep_ms(ms)


def reset_cause():
    return PWRON_RESET


class Pin:
    """A GPIO that remembers its level: outputs read back what was set."""
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_RISING = 1
    IRQ_FALLING = 2
    _levels = {}

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self.id = id
        self.init(mode, pull, value)

    def init(self, mode=-1, pull=-1, value=None):
        if mode != -1:
            self.mode = mode
        if pull == Pin.PULL_UP and self.id not in Pin._levels:
            Pin._levels[self.id] = 1
        if value is not None:
            self.value(value)

    def value(self, level=None):
        if level is None:
            return Pin._levels.get(self.id, 0)
        Pin._levels[self.id] = 1 if level else 0

    __call__ = value

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def toggle(self):
        self.value(1 - self.value())

    def irq(self, handler=None, trigger=3):
        return None

    def __repr__(self):
        return "Pin(%s)" % self.id


class RTC:
    """The board's real-time clock, in UTC: the host's clock until set;
    setting it sets the time module's clock (time.time(), gmtime ...)."""

    def datetime(self, when=None):
        if when is not None:
            y, m, d, _, hh, mm, ss = when[:7]
            y -= m <= 2
            era = y // 400
            yoe = y - era * 400
            doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
            days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
            time.set_clock(days * 86400 + hh * 3600 + mm * 60 + ss)
            return
        t = time.gmtime()
        return (t[0], t[1], t[2], t[6], t[3], t[4], t[5], 0)
