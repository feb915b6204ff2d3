import jobcmd

USAGE = """PID|%JOB...
  Let held processes go on (see hold)."""
ABOUT = "let held processes go on"


def __main__(args):
    return jobcmd.command(args, jobcmd.resume)
