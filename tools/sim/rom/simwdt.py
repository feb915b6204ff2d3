"""machine.WDT of the simulated board (see machine.py): a watchdog that
really resets the board, from a thread of its own (the esp8266 profile,
which has no threads, cannot watch)."""
import time

import machine
import simbench


class WDT:
    """The watchdog: once started it cannot be stopped; not fed within its
    timeout, it resets the board (reset_cause() then says WDT_RESET)."""
    _timeout = [0]
    _fed = [0]

    def __init__(self, id=0, timeout=5000):
        if timeout < 1 or (simbench.BOARD == "rp2040" and timeout > 8388):
            raise ValueError("timeout out of range")
        first = not WDT._timeout[0]
        WDT._timeout[0] = timeout
        WDT._fed[0] = time.ticks_ms()
        simbench.state["wdt"] = {"timeout": timeout}
        simbench.changed()
        if first:
            try:
                import _thread
                _thread.start_new_thread(_wdt_loop, ())
            except ImportError:
                pass

    def feed(self):
        WDT._fed[0] = time.ticks_ms()


def _wdt_loop():
    while time.ticks_diff(time.ticks_ms(), WDT._fed[0]) < WDT._timeout[0]:
        time.sleep_ms(20)
    machine._reset(machine.WDT_RESET)
