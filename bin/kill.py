import jobcmd

USAGE = """[-s STOP|HOLD|CONT|KILL|0] PID|%JOB... | -l [STATUS...]
  Ask processes to stop (STOP, the default; TERM and INT mean the same),
  hold them (HOLD) or let held ones go on (CONT). An asyncio program
  is cancelled at once; a thread ends when it next looks (munix.sleep, or
  proc.sts for upyOS programs): kill waits up to 2 s for it and says so
  when it ignores the request. The shell of another session (telnet's)
  has its foreground command stopped, as Ctrl-C there does; KILL ends
  that session. -NAME, -9, -15 and -2 stand for -s NAME, KILL,
  TERM and INT. -0 (-s 0) does nothing: its status says whether every
  process named is there. -l lists the names, or the one a STATUS of
  128 + N stands for (kill -l $?)."""
ABOUT = "stop, hold or resume processes"


def __main__(args):
    if args[:1] == ["-l"]:
        return _names(args[1:])
    what, rest = jobcmd.kill_args(args, "PID")
    found, status = jobcmd.targets(rest, True, what is jobcmd.exists)
    return jobcmd.act(found, what) or status


def _names(statuses):
    if not statuses:
        print(" ".join(sorted(jobcmd.ACTIONS)))
        return 0
    import cmdargs
    status = 0
    for text in statuses:
        number = str(int(text) - 128) if text.isdigit() and int(text) > 128 else text
        name = jobcmd.NUMBERS.get(number)
        if name is None:
            status = cmdargs.error(text, "not 2, 9, 15, nor 128 plus one of them")
        else:
            print(name)
    return status
