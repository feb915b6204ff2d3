import cmdargs
import jobcmd
import munix

USAGE = """[-t SECONDS] [PID|%JOB...]
  Wait until the processes end (by default every job of this session);
  the status is the last one's. -t gives up after SECONDS, with status 124.
  Ctrl-C ends the wait, not the jobs; but a job still waiting for a
  thread runs in this wait's, where Ctrl-C stops it."""
ABOUT = "wait for background jobs to end"


def __main__(args):
    opts, rest = cmdargs.parse(args, "", "t", anywhere=True)
    ms = None
    if "t" in opts:
        try:
            ms = int(float(opts["t"]) * 1000)
        except ValueError:
            ms = -1
        if ms < 0:
            raise cmdargs.UsageError("%s: not a number of seconds" % opts["t"])
    sess = munix.session()
    status = 0
    if rest:
        targets = []
        me = munix.proc()
        for spec in rest:
            try:
                p = jobcmd.find(spec, sess)
            except ValueError as e:
                cmdargs.error("", str(e))
                status = 127
                continue
            if p in jobcmd.lineage(me):
                # What runs this wait, or owns its session, ends after it.
                status = cmdargs.error(spec, "%s cannot end before this wait does" % p.name)
            else:
                targets.append(p)
    else:
        targets = [p for p in jobcmd.table(True) if p.session is sess and p.job]
    if status and not targets:
        return status
    whole = jobcmd.wait(targets, ms)
    if not whole:
        if munix.proc().stopping():
            return 143      # killed, as sleep is
        later = jobcmd.at_prompt(targets)
        for p in later:
            cmdargs.error(str(p.pid), jobcmd.LATER % p.name)
        left = " ".join(str(p.pid) for p in targets if p.sts != jobcmd.DONE and p not in later)
        if left:
            cmdargs.error("", "still running after %s s: %s" % (opts["t"], left))
            return 124
    # Those that ended go, after a whole wait and after one that left only
    # jobs ending once the console is back at its prompt.
    for p in targets:
        if p.sts == jobcmd.DONE:
            if p.status is not None:
                status = p.status
            jobcmd.reap(p)
    return status if whole else 1
