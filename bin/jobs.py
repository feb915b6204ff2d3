import cmdargs
import jobcmd
import munix

USAGE = """
  This session's jobs (CMD &): job number, pid, state and command. Finished
  jobs are listed once, with their exit status, then forgotten. A job
  "waiting" waits for a thread to run in (the board runs no more at once,
  or its heap has no room for one now); a `wait` for it runs it."""
ABOUT = "list this session's background jobs"


def __main__(args):
    cmdargs.parse(args, operands=0)
    sess = munix.session()
    for p in jobcmd.table(True):
        if p.session is not sess or not p.job:
            continue
        if p.sts == jobcmd.DONE:
            state = "done %d" % p.status
            jobcmd.reap(p)
        elif jobcmd.ignoring(p):
            state = "ignoring"
        elif jobcmd.waiting(p):
            state = "waiting"
        else:
            state = {jobcmd.HELD: "held", jobcmd.STOPPING: "stopping"}.get(p.sts, "running")
        print("[%d] %5d %-9s %s" % (p.job, p.pid, state, jobcmd.describe(p)))
