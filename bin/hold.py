import jobcmd

USAGE = """PID|%JOB...
  Hold processes: a program pauses at its next munix.sleep (upyOS
  programs: when they see proc.sts == "H") until resume."""
ABOUT = "pause processes (resume lets them go on)"


def __main__(args):
    return jobcmd.command(args, jobcmd.hold)
