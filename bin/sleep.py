import cmdargs

USAGE = """SECONDS
  SECONDS may have a fraction (0.5) and a unit: s (default), m, h or d"""
ABOUT = "wait a while (Ctrl-C or kill stops it, hold pauses it)"

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# This run's process (the shell sets it): its sleep is all sleep needs of
# the program API, and munix stayed loaded, 1.2 KiB, for as long as a
# `sleep N &` job ran (or a telnet line's sleep).
proc = None


def __main__(args):
    opts, rest = cmdargs.parse(args)
    if len(rest) != 1:
        raise cmdargs.UsageError("extra operand %s" % rest[1] if rest else "missing SECONDS")
    # The process's own sleep honours kill (status 143, as a TERM'd
    # process) and hold, and times short steps: no ticks counter wraps.
    return 0 if proc.sleep(_ms(rest[0])) else 143


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
