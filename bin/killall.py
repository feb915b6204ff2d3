import cmdargs
import jobcmd
import munix

USAGE = """[-s STOP|HOLD|CONT|KILL|0] [NAME...]
  kill every process whose command name contains NAME (as upyOS matches:
  killall http stops uhttpd); see kill. Without NAME: every command and
  job of every session (not the daemons, nor what runs killall)."""
ABOUT = "stop, hold or resume processes by name"


def __main__(args):
    what, rest = jobcmd.kill_args(args, None)
    everything = not rest
    if everything:
        rest = [""]
    mine = jobcmd.lineage(munix.proc())
    status = 0
    targets = []
    while True:
        found = [p for p in jobcmd.table()
                 if p not in mine and p not in targets and not jobcmd.session_owner(p)
                 and not (everything and p.kind == "daemon")
                 and any(name in p.name for name in rest)]
        if not targets and not everything:
            for name in rest:
                if not any(name in p.name for p in found):
                    status = cmdargs.error(name, "no process found")
        for p in found:
            what(p)
        targets += found
        # Look again until a look finds nothing new: a job started by a
        # target's script that ended before the look is in no target's
        # family (a fork bomb's next generation). What is resumed may
        # start more for ever: one look.
        if not found or what is jobcmd.resume:
            return jobcmd.act(targets, what) or status
