import cmdargs
import jobcmd
import munix

USAGE = """[-s STOP|HOLD|CONT] NAME...
  kill every process running a command of that name (see kill)."""
ABOUT = "stop, hold or resume processes by name"


def __main__(args):
    what, rest = jobcmd.kill_args(args, "NAME")
    me = munix.proc()
    status = 0
    targets = []
    for name in rest:
        found = [p for p in jobcmd.table()
                 if p.name == name and p is not me and not jobcmd.session_owner(p)]
        if not found:
            status = cmdargs.error(name, "no process found")
        targets += found
    return jobcmd.act(targets, what) or status
