import cmdargs
import jobctl
import munix
import process

USAGE = """[-s STOP|HOLD|CONT] NAME...
  kill every process running a command of that name (see kill)."""
ABOUT = "stop, hold or resume processes by name"


def __main__(args):
    opts, rest = cmdargs.parse(args, "", "s")
    what = jobctl.action(opts.get("s", "STOP"))
    if what is None:
        raise cmdargs.UsageError("%s: not STOP, HOLD or CONT" % opts["s"])
    if not rest:
        raise cmdargs.UsageError("no NAME given")
    me = munix.proc()
    status = 0
    targets = []
    for name in rest:
        found = [p for p in process.table()
                 if p.name == name and p is not me and not jobctl.session_owner(p)]
        if not found:
            status = cmdargs.error(name, "no process found")
        targets += found
    return jobctl.act(targets, what) or status
