import jobcmd

USAGE = """[-s STOP|HOLD|CONT|KILL] PID|%JOB...
  Ask processes to stop (STOP, the default; TERM and INT mean the same),
  hold them (HOLD) or let held ones go on (CONT). An asyncio program
  is cancelled at once; a thread ends when it next looks (munix.sleep, or
  proc.sts for upyOS programs): kill waits up to 2 s for it and says so
  when it ignores the request. The shell of another session (telnet's)
  has its foreground command stopped, as Ctrl-C there does; KILL ends
  that session. -NAME, -9, -15 and -2 stand for -s NAME, KILL,
  TERM and INT."""
ABOUT = "stop, hold or resume processes"


def __main__(args):
    what, rest = jobcmd.kill_args(args, "PID")
    found, status = jobcmd.targets(rest, True)
    return jobcmd.act(found, what) or status
