import daemonctl

USAGE = """start|stop|status
  The cron daemon: runs the commands of /etc/crontab at their times (see
  crontab --help for the forms), each as a background process whose output
  goes to /tmp/cron.log, as do the daemon's own notes. It is an asyncio
  task: it takes no thread of its own."""
ABOUT = "run commands at set times (/etc/crontab)"


def __main__(args):
    return daemonctl.job("crond", args, _start, _status, "", ("cron", "jobctl", "asyncloop"))


def _start(opts):
    import cron
    p = cron.start()
    print("crond: started (pid %d), log %s" % (p.pid, cron.LOG))


def _status(proc):
    import cron
    count = len(cron.state.entries) if cron.state else 0
    print("crond: running (pid %d), %d job%s from %s, log %s" % (
        proc.pid, count, "" if count == 1 else "s", cron.CRONTAB, cron.LOG))
