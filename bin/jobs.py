import cmdargs
import jobctl
import munix
import process

USAGE = """
  This session's jobs (CMD &): job number, pid, state and command. Finished
  jobs are listed once, with their exit status, then forgotten."""
ABOUT = "list this session's background jobs"


def __main__(args):
    cmdargs.parse(args, operands=0)
    sess = munix.session()
    for p in process.table(True):
        if p.session is not sess or not p.job:
            continue
        if p.sts == process.DONE:
            state = "done %d" % p.status
            jobctl.reap(p)
        elif jobctl.ignoring(p):
            state = "ignoring"
        else:
            state = {process.HELD: "held", process.STOPPING: "stopping"}.get(p.sts, "running")
        print("[%d] %5d %-9s %s" % (p.job, p.pid, state, jobctl.describe(p)))
