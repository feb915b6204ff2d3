import jobcmd

USAGE = """[-s STOP|HOLD|CONT] PID|%JOB...
  Ask processes to stop (STOP, the default; TERM, KILL and INT mean the
  same), hold them (HOLD) or let held ones go on (CONT). An asyncio program
  is cancelled at once; a thread ends when it next looks (munix.sleep, or
  proc.sts for upyOS programs): kill waits up to 2 s for it and says so
  when it ignores the request."""
ABOUT = "stop, hold or resume processes"


def __main__(args):
    what, rest = jobcmd.kill_args(args, "PID")
    found, status = jobcmd.targets(rest)
    return jobcmd.act(found, what) or status
