import cmdargs
import jobcmd

USAGE = """start|stop|status
  The cron daemon: runs the commands of /etc/crontab at their times (see
  crontab --help for the forms), each as a background process whose output
  goes to /tmp/cron.log, as do the daemon's own notes. It is an asyncio
  task: it takes no thread of its own."""
ABOUT = "run commands at set times (/etc/crontab)"


def __main__(args):
    opts, rest = cmdargs.parse(args, operands=1)
    if not rest or rest[0] not in ("start", "stop", "status"):
        raise cmdargs.UsageError("start, stop or status?")
    running = [p for p in jobcmd.table() if p.name == "crond" and p.job]
    if rest[0] == "start":
        if running:
            return cmdargs.error("", "already running (pid %d)" % running[0].pid)
        import cron
        p = cron.start()
        print("crond: started (pid %d), log %s" % (p.pid, cron.LOG))
    elif rest[0] == "stop":
        if not running:
            return cmdargs.error("", "not running")
        return jobcmd.act(running, jobcmd.stop)
    else:
        if not running:
            print("crond: not running")
            return 3
        import cron
        count = len(cron.state.entries) if cron.state else 0
        print("crond: running (pid %d), %d job%s from %s, log %s" % (
            running[0].pid, count, "" if count == 1 else "s", cron.CRONTAB, cron.LOG))
