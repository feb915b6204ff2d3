import cmdargs
import jobcmd
import munix

USAGE = """
  This session's jobs (CMD &): job number, pid, state and command. Finished
  jobs are listed once, with their exit status, then forgotten. A job
  "waiting" waits for a thread to run in (every thread the board runs is
  taken); a `wait` for it runs it."""
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
        else:
            state = jobcmd.state(p)
        print("[%d] %5d %-9s %s" % (p.job, p.pid, state, jobcmd.describe(p)))
