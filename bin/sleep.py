import time

import cmdargs

USAGE = """SECONDS
  SECONDS may have a fraction (0.5) and a unit: s (default), m, h or d"""
ABOUT = "wait a while (Ctrl-C stops it)"

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def __main__(args):
    opts, rest = cmdargs.parse(args)
    if len(rest) != 1:
        raise cmdargs.UsageError("extra operand %s" % rest[1] if rest else "missing SECONDS")
    left = _ms(rest[0])
    # Short steps, each timed on its own: Ctrl-C gets through at once, and
    # no ticks counter wraps however long the wait.
    last = time.ticks_ms()
    while left > 0:
        time.sleep_ms(min(left, 100))
        now = time.ticks_ms()
        left -= time.ticks_diff(now, last)
        last = now


def _ms(text):
    unit = UNITS.get(text[-1:])
    number = text[:-1] if unit else text
    try:
        ms = int(float(number) * (unit or 1) * 1000)
    except (ValueError, OverflowError):
        ms = -1
    if ms < 0:
        raise cmdargs.UsageError("%s: not a number of seconds" % text)
    return ms
