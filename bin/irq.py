import cmdargs

USAGE = """[-f] PIN rising|falling|both [--debounce MS] COMMAND... | -l | -d N...
  Run COMMAND (a command line: quote it to give ; or |) as a background
  job each time PIN changes: on a rising edge, a falling one, or both.
  --debounce MS  ignore edges closer than MS ms to the last one (a button)
  -l    list the pin events: number, pin, edge, command, who set it up
  -d N  end event N and let its pin go
  -f    use a pin the board reserves all the same
  The pin is booked while the event lasts (lshw -p). Events last until
  removed or the next reset: put them in /etc/init.sh to have them at
  every boot. A command still running at the next edge is not started
  again (irq -l counts it missed)."""
ABOUT = "run a command when a pin changes"


def __main__(args):
    import eventcmd
    status, words = eventcmd.command("irq", args)
    if words is None:
        return status
    force = words[:1] == ["-f"]
    words = words[force:]
    if len(words) < 2:
        raise cmdargs.UsageError("missing %s" % ("PIN" if not words else "rising, falling or both"))
    trigger = words[1]
    if trigger not in eventcmd.TRIGGERS:
        raise cmdargs.UsageError("%s: not rising, falling or both" % trigger)
    rest = words[2:]
    debounce = 0
    if rest[:1] == ["--debounce"]:
        if len(rest) < 2:
            raise cmdargs.UsageError("option --debounce needs a value")
        debounce = cmdargs.number(rest[1], "number of milliseconds")
        if debounce < 0:
            raise cmdargs.UsageError("%d: not a number of milliseconds" % debounce)
        rest = rest[2:]
    if not rest:
        raise cmdargs.UsageError("missing COMMAND")
    cannot = eventcmd.refused()
    if cannot:
        return cmdargs.error(None, cannot)
    # machine.Pin before eventd's modules: built into a board's firmware,
    # it costs nothing there; the simulator's stand-in compiles in the
    # heap, and at boot, after them, found no room (esp32 profile).
    import machine
    machine.Pin
    import events
    import munix
    import pins
    import threadctl
    try:
        gpio = pins.number(words[0])
        ev = events.add_irq(gpio, trigger, debounce, eventcmd.line(rest), munix.session(), force)
    except (pins.PinError, threadctl.NoThread) as e:
        return cmdargs.error(None, e)
    except (ValueError, OSError) as e:
        return cmdargs.error(words[0], e)
    print("irq %d: %s" % (ev.number, ev.describe()))
    return 0
