import cmdargs

USAGE = """SECONDS COMMAND... | -l | -d N...
  Run COMMAND (a command line: quote it to give ; or |) as a background
  job every SECONDS seconds (decimals allowed, 0.1 at least), the first
  time SECONDS from now.
  -l    list the periodic events: number, period, command, who set it up
  -d N  end event N
  Events last until removed or the next reset: put them in /etc/init.sh
  to have them at every boot. A command still running when due again is
  not started twice (every -l counts it missed)."""
ABOUT = "run a command every so many seconds"


def __main__(args):
    import eventcmd
    status, words = eventcmd.command("every", args)
    if words is None:
        return status
    if len(words) < 2:
        raise cmdargs.UsageError("missing %s" % ("SECONDS" if not words else "COMMAND"))
    try:
        ms = round(float(words[0]) * 1000)
    except ValueError:
        ms = -1
    if ms < 100:
        raise cmdargs.UsageError("%s: not a number of seconds (0.1 at least)" % words[0])
    cannot = eventcmd.refused()
    if cannot:
        return cmdargs.error(None, cannot)
    import events
    import munix
    import threadctl
    try:
        ev = events.add_every(ms, eventcmd.line(words[1:]), munix.session())
    except threadctl.NoThread as e:
        return cmdargs.error(None, e)
    print("every %d: %s" % (ev.number, ev.describe()))
    return 0
