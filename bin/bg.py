import cmdargs
import jobcmd
import munix

USAGE = """[PID|%JOB]
  Let a held job (by default the latest of this session) go on in the
  background, as resume does."""
ABOUT = "let a held job go on in the background"


def __main__(args):
    try:
        p = jobcmd.job_arg(args, munix.session())
    except ValueError as e:
        return cmdargs.error("", str(e))
    if p.sts == jobcmd.DONE:
        return cmdargs.error(str(p.pid), "already done")
    jobcmd.resume(p)
    print("[%d] %d %s" % (p.job, p.pid, jobcmd.describe(p)))
