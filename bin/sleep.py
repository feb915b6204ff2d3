USAGE = """SECONDS
  SECONDS may have a fraction (0.5) and a unit: s (default), m, h or d"""
ABOUT = "wait a while (Ctrl-C or kill stops it, hold pauses it)"

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# This run's process (the shell sets it): its sleep is all sleep needs of
# the program API, and munix stayed loaded, 1.2 KiB, for as long as a
# `sleep N &` job ran (or a telnet line's sleep). So did cmdargs, 3.4 KiB
# on the esp32 profile: a plain `sleep N` does without it.
proc = None


def __main__(args):
    ms = _ms(args[0]) if len(args) == 1 and args[0][:1] != "-" else -1
    if ms < 0:
        import cmdargs
        opts, rest = cmdargs.parse(args)
        if len(rest) != 1:
            raise cmdargs.UsageError("extra operand %s" % rest[1] if rest else "missing SECONDS")
        ms = _ms(rest[0])
        if ms < 0:
            raise cmdargs.UsageError("%s: not a number of seconds" % rest[0])
    # The process's own sleep honours kill (status 143, as a TERM'd
    # process) and hold, and times short steps: no ticks counter wraps.
    return 0 if proc.sleep(ms) else 143


def _ms(text):
    """text's milliseconds; -1 for what is no number of seconds."""
    unit = _UNITS.get(text[-1:])
    number = text[:-1] if unit else text
    try:
        ms = int(float(number) * (unit or 1) * 1000)
    except (ValueError, OverflowError):
        return -1
    return ms if ms >= 0 else -1
