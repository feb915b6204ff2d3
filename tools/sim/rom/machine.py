"""Stand-in for the board's machine module: the unix port's machine, plus
what boards have (Pin, I2C, SPI, ADC, PWM, WDT, freq, unique_id, reset,
RTC ...), with MicroPython's API, wired to the simulated workbench
(simbench.py: wiring, inputs from the host, state for the host).

Pin (simpin.py), I2C and SPI (simbus.py), ADC and PWM (simanalog.py), WDT
(simwdt.py), UART (simuart.py: host pseudo-terminals) load on first use.
A reset ends the MicroPython process with status 100, which `tools/munix
sim` takes as a board reset: it boots the OS afresh. The watchdog resets
so when it is not fed in time (on boards with threads: the esp8266
profile has none to watch with).
"""
import ffi
import time
from umachine import *  # noqa: F401,F403  the built-in machine

import simbench

_libc = ffi.open("libc.so.6")
_exit = _libc.func("v", "_exit", "i")

RESET_STATUS = 100
PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5

_BOARD = simbench.BOARD
_FREQS = {
    "esp8266": (80000000, 160000000),
    "rp2040": None,
    "esp32c3": (80000000, 160000000),
}.get(_BOARD, (80000000, 160000000, 240000000))
_freq = [125000000 if _BOARD == "rp2040" else 80000000 if _BOARD == "esp8266" else 160000000]


def _reset(cause):
    simbench.write("reset_cause", b"%d" % cause)
    _exit(RESET_STATUS)


def _cause():
    data = simbench.read("reset_cause")
    simbench.remove("reset_cause")
    return int(data) if data else PWRON_RESET


_last_cause = _cause()


def freq(hz=None):
    if hz is None:
        return _freq[0]
    if _FREQS is None:
        if not 1000000 <= hz <= 250000000:
            raise ValueError("frequency out of range")
    elif hz not in _FREQS:
        raise ValueError("frequency must be %s MHz" % " or ".join(str(f // 1000000) for f in _FREQS))
    _freq[0] = hz


def unique_id():
    return b"munix\x01"


def reset():
    _reset(HARD_RESET if _BOARD == "rp2040" else SOFT_RESET)


def soft_reset():
    _exit(RESET_STATUS)


PIN_WAKE = EXT0_WAKE = 2
TIMER_WAKE = 4
_woken = [0]


def _sleep(ms):
    """Until ms have passed (0: for ever) or the level esp32.wake_on_ext0
    asked for is on its pin (the workbench's); why it woke."""
    import sys
    esp32 = sys.modules.get("esp32")
    wake = esp32 and esp32._wake.get("ext0")
    start = time.ticks_ms()
    while not ms or time.ticks_diff(time.ticks_ms(), start) < ms:
        if wake:
            from simpin import _level
            if _level(getattr(wake[0], "id", wake[0])) == wake[1]:
                return EXT0_WAKE
        time.sleep_ms(10)
    return TIMER_WAKE


def deepsleep(ms=0):
    _sleep(ms)
    _reset(DEEPSLEEP_RESET)


def lightsleep(ms=0):
    _woken[0] = _sleep(ms)


def wake_reason():
    return _woken[0]


def reset_cause():
    return _last_cause


def bitstream(pin, encoding, timing, buf):
    """Sends buf out of pin (a NeoPixel strip reads it): the host finds it
    in state.json, in hex."""
    simbench.state["bitstream"][str(getattr(pin, "id", pin))] = bytes(buf).hex()
    simbench.changed()


# The classes load on first use, each from a stand-in of its own: a board
# has them built in, costing no heap, and the esp8266 profile's 38 KiB has
# no room to compile them all at once.
_LAZY = {"Pin": "simpin", "I2C": "simbus", "SoftI2C": "simbus", "SPI": "simbus",
         "SoftSPI": "simbus", "ADC": "simanalog", "PWM": "simanalog", "WDT": "simwdt",
         "UART": "simuart", "I2CTarget": "simbus"}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(name)
    value = getattr(__import__(_LAZY[name]), name)
    globals()[name] = value
    return value


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
