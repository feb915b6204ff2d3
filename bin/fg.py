import cmdargs
import jobcmd
import munix

USAGE = """[PID|%JOB]
  Wait for a job (by default the latest of this session) as if it ran in
  the foreground, letting it go on if held; its status is fg's. Ctrl-C
  asks it to stop (an asyncio program is cancelled)."""
ABOUT = "bring a background job to the foreground"


def __main__(args):
    try:
        p = jobcmd.job_arg(args, munix.session())
    except ValueError as e:
        return cmdargs.error("", str(e))
    print(jobcmd.describe(p))
    jobcmd.resume(p)
    try:
        if not jobcmd.wait([p]) and jobcmd.at_prompt([p]):
            return cmdargs.error(str(p.pid), jobcmd.LATER % p.name)
    except KeyboardInterrupt:
        jobcmd.stop(p)
        jobcmd.wait([p], jobcmd.GRACE_MS)
        munix.proc().stderr.write("^C\n")
        return 130
    jobcmd.reap(p)
    return p.status
