"""What lightsleep and deepsleep share: their arguments, and waking by a
pin (pins.wake_on) or a timer."""
import cmdargs


def args(argv):
    """([-f] [-p PIN [-l 0|1]] [MS]) -> (ms, (PIN, level, forced) or
    None); MS 0 when not given. UsageError on bad input."""
    opts, rest = cmdargs.parse(argv, "f", "pl", operands=1)
    ms = cmdargs.number(rest[0], "number of milliseconds") if rest else 0
    if ms < 0 or rest and ms == 0:
        raise cmdargs.UsageError("%s: not a number of milliseconds" % rest[0])
    if "l" in opts and "p" not in opts:
        raise cmdargs.UsageError("-l without -p PIN")
    level = opts.get("l", "0")
    if level not in ("0", "1"):
        raise cmdargs.UsageError("%s: not a level (0 or 1)" % level)
    if not ms and "p" not in opts:
        raise cmdargs.UsageError("nothing would wake it: give MS or -p PIN")
    return ms, (opts["p"], int(level), "f" in opts) if "p" in opts else None


def sleep(how, ms, pin):
    """Arm the pin, if any, and sleep by how(ms); a status."""
    import pins
    if pin is not None:
        try:
            pins.wake_on(pins.number(pin[0]), pin[1], pin[2])
        except pins.PinError as e:
            return cmdargs.error(None, e)
        except (ValueError, OSError) as e:
            return cmdargs.error(pin[0], e)
    how(ms)
    return 0
