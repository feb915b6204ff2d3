"""What crond (cron.py) does now and then, loaded for it and dropped after
(cron.work): read a changed table, start the jobs due, log, work out the
day's sunrise or sunset. Each function is given crond's Daemon (its path,
log, session, entries) or an entry, and what it changes it sets there:
this module keeps nothing.
"""
import clock
import logfile
import system


def location():
    """(lat, lon) of /etc/system.conf's "location", or None."""
    loc = system.conf.get("location")
    try:
        return float(loc["lat"]), float(loc["lon"])
    except (TypeError, KeyError, ValueError):
        return None


def reload(d, stamp):
    """Read the table again (it changed: stamp is its new one, None when
    gone); log its errors. A line kept keeps its last run."""
    d.stamp = stamp
    if stamp is None:
        d.entries = []
        logfile.line(d.log, "%s: no such file: nothing to run" % d.path)
        return
    try:
        import crontable
        with open(d.path) as f:
            entries, errors = crontable.parse(f)
    except MemoryError:
        # Read again at the next pass (a stamp no table has).
        d.stamp = ()
        raise
    if location() is None:
        for e in [e for e in entries if e.sun is not None]:
            errors.append((e.number, "%s needs \"location\" in /etc/system.conf" % e.sun[0]))
            entries.remove(e)
    for number, message in errors:
        logfile.line(d.log, "%s: line %d: %s" % (d.path, number, message))
    old = dict((e.command, e.proc) for e in d.entries)
    for e in entries:
        e.proc = old.get(e.command)
    # What waits for a thread still does, if its line is still there.
    waiting = [e.command for e in d.waiting]
    d.waiting = [e for e in entries if e.command in waiting]
    d.entries = entries
    logfile.line(d.log, "%s: %d job%s" % (d.path, len(entries), "" if len(entries) == 1 else "s"))


def jumped(d, now, gap, back_limit):
    """The clock moved by gap seconds since the last pass, more than a
    step: what was due in between is skipped, what ran is not run again."""
    if gap > 0:
        logfile.line(d.log, "clock jumped ahead by %d s: skipped what was due in between" % gap)
        d.last = now
        return
    if -gap > back_limit:
        logfile.line(d.log, "clock set back by %d s: starting afresh" % -gap)
        d.last = now
    elif not d.behind:
        logfile.line(d.log, "clock set back by %d s: what already ran is not run again" % -gap)
    d.behind = True


def start(d, due):
    """Start the entries due, each as a background process of crond's
    session, unless its last run still runs. One that finds no thread free
    (a board with one to spare, taken by a job) waits in d.waiting for one,
    and runs as it frees: jobs due together take turns. True if one
    started: crond then says the passes a full heap cut short (cron)."""
    import jobctl
    import jobthread
    import threadctl
    sess = d.session
    started = False
    # Once one finds no thread, those after it wait too, in their order:
    # tried, one could take a thread freed meanwhile before those waiting
    # longer (on a loaded machine the third of three ran before the second).
    refused = None
    for e in due:
        waited = e in d.waiting
        said = None
        if e.proc is not None and e.proc.alive():
            said = "line %d still running (pid %d): not started again" % (e.number, e.proc.pid)
        elif refused is None:
            words = e.command.split()
            try:
                e.proc = jobctl.background(sess, words[0], words[1:], jobthread.line_in_subshell,
                                           (e.command, sess), log=d.log, quiet=True)
                said = "line %d: pid %d: %s" % (e.number, e.proc.pid, e.command)
                started = True
            except threadctl.NoThread as err:
                refused = err
            except OSError as err:
                said = "line %d: cannot start: %s" % (e.number, err)
        if said is None:
            if not waited:
                d.waiting.append(e)
                logfile.line(d.log, "line %d: waits: %s" % (e.number, refused))
            continue
        # Out of d.waiting only once done with: a full heap cutting this
        # pass short (MemoryError) left it waiting, not due anew and said
        # again (CI, 2 runs in 24 on the esp32 profile).
        if waited:
            d.waiting.remove(e)
        logfile.line(d.log, said)
    return started


def sun_due(e, day, where):
    """Work out, for sun entry e, the second of local day its event comes
    (None: not that day); where: (lat, lon, tz minutes), None for the
    configured ones."""
    import sun
    due = None
    if where is None:
        loc = location()
        where = None if loc is None else (loc[0], loc[1], clock.tz_seconds() // 60)
    if where is not None:
        lat, lon, tz = where
        rise, set_ = sun.times(day, lat, lon)
        m = rise if e.sun[0] == "sunrise" else set_
        if m is not None:
            due = int((m + tz + e.sun[1]) * 60 + 0.5)
    # Last: failing (the heap full), it is worked out again.
    e.sun_due = due
    e.sun_day = day
