import cmdargs
import jobctl
import munix

USAGE = """[PID|%JOB]
  Wait for a job (by default the latest of this session) as if it ran in
  the foreground, letting it go on if held; its status is fg's. Ctrl-C
  asks it to stop (an asyncio program is cancelled)."""
ABOUT = "bring a background job to the foreground"


def __main__(args):
    try:
        p = jobctl.job_arg(args, munix.session())
    except ValueError as e:
        return cmdargs.error("", str(e))
    print(jobctl.describe(p))
    jobctl.resume(p)
    try:
        jobctl.wait([p])
    except KeyboardInterrupt:
        jobctl.stop(p)
        jobctl.wait([p], jobctl.GRACE_MS)
        munix.proc().stderr.write("^C\n")
        return 130
    jobctl.reap(p)
    return p.status
