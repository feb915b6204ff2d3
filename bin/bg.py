import cmdargs
import jobctl
import munix
import process

USAGE = """[PID|%JOB]
  Let a held job (by default the latest of this session) go on in the
  background, as resume does."""
ABOUT = "let a held job go on in the background"


def __main__(args):
    try:
        p = jobctl.job_arg(args, munix.session())
    except ValueError as e:
        return cmdargs.error("", str(e))
    if p.sts == process.DONE:
        return cmdargs.error(str(p.pid), "already done")
    jobctl.resume(p)
    print("[%d] %d %s" % (p.job, p.pid, jobctl.describe(p)))
