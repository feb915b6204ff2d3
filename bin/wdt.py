import cmdargs

USAGE = """[start [MS]]
  start [MS]  start the board's watchdog, MS ms (5000 by default; at most
              8388 on an RP2040), or give it a new timeout. From then on the
              OS feeds it while healthy: should the OS hang (a deadlock, its
              event loop stuck), it is no longer fed and resets the board.
              Once started it runs until the next reset: no board can stop it.
  With no operand: whether it runs, and why the board last reset."""
ABOUT = "start the watchdog that resets a hung board"

_CAUSES = (("PWRON_RESET", "power on"), ("HARD_RESET", "hard reset"), ("WDT_RESET", "watchdog"),
          ("DEEPSLEEP_RESET", "deep sleep"), ("SOFT_RESET", "soft reset"))


def __main__(args):
    opts, rest = cmdargs.parse(args, operands=2)
    import machine
    import munix
    if not rest:
        # eventd not loaded: no watchdog was started.
        events = munix.loaded("events")
        timeout, fed_by = events.watchdog() if events else (0, None)
        if not timeout:
            print("watchdog: off")
        elif fed_by is None:
            print("watchdog: on, %d ms, not fed: eventd was stopped" % timeout)
        else:
            print("watchdog: on, %d ms, fed by eventd (pid %d)" % (timeout, fed_by.pid))
        cause = machine.reset_cause()
        names = dict((getattr(machine, n, None), text) for n, text in _CAUSES)
        print("last reset: %s" % names.get(cause, cause))
        return 0
    if rest[0] != "start":
        raise cmdargs.UsageError("%s: start or nothing" % rest[0])
    ms = cmdargs.number(rest[1], "number of milliseconds") if len(rest) > 1 else 5000
    if ms < 1:
        raise cmdargs.UsageError("%d: not a number of milliseconds" % ms)
    import eventcmd
    cannot = eventcmd.refused()
    if cannot:
        return cmdargs.error(None, cannot)
    import events
    import threadctl
    try:
        events.watchdog(ms)
    except threadctl.NoThread as e:
        return cmdargs.error(None, e)
    except (ValueError, OSError) as e:
        return cmdargs.error(str(ms), e)
    print("watchdog: on, %d ms" % ms)
    return 0
