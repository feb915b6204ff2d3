import cmdargs
import jobcmd
import munix

USAGE = """[-s STOP|HOLD|CONT] [NAME...]
  kill every process whose command name contains NAME (as upyOS matches:
  killall http stops uhttpd); see kill. Without NAME: every command and
  job of every session (not the daemons, nor what runs killall)."""
ABOUT = "stop, hold or resume processes by name"


def __main__(args):
    opts, rest = cmdargs.parse(args, "", "s")
    everything = not rest
    what, rest = jobcmd.kill_args(args + ["--", ""] if everything else args, "NAME")
    mine = jobcmd.lineage(munix.proc())
    status = 0
    targets = []
    for name in rest:
        found = [p for p in jobcmd.table()
                 if name in p.name and p not in mine and p not in targets
                 and not jobcmd.session_owner(p) and not (everything and p.kind == "daemon")]
        if not found and not everything:
            status = cmdargs.error(name, "no process found")
        targets += found
    return jobcmd.act(targets, what) or status
