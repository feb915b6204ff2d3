"""uhttpd's dashboard, loaded by httpd.py at its first request:

    GET /api/dash   the daemons and their sessions, the jobs (as `ps`
                    lists them: a job's stop is POST /api/run "kill PID"),
                    the cron table, the last lines of /tmp/net.log

Only the tail of the log is read (a block from its end): the log may be
larger than the heap has free.
"""
import logfile
import netd
import process
import procctl
from system import CRONTAB
from micropython import const

_LOG_LINES = const(20)
_TAIL = const(2048)           # bytes read from the log's end
_CRON_MAX = const(40)         # lines of the cron table sent


def info():
    return {"daemons": _daemons(), "jobs": _jobs(), "cron": _cron(), "log": tail(logfile.NET, _LOG_LINES)}


def _daemons():
    found = []
    for p in process.table():
        if p.kind == "daemon":
            name = p.name[1:-1]         # uhttpd -> http
            d = netd.get(name)
            found.append({"name": p.name, "port": d.port if d else None,
                          "sessions": d.sessions if d else 0, "pid": p.pid})
    return found


def _jobs():
    """What `ps` lists but the sessions' shells and the daemons: what a
    user started and `kill` stops."""
    found = []
    for p in process.table():
        if p.kind == "daemon" or procctl.session_owner(p):
            continue
        found.append({"pid": p.pid, "cmd": procctl.describe(p), "state": procctl.state(p),
                      "started_by": p.session.name})
    return found


def _cron():
    lines = []
    try:
        with open(CRONTAB) as f:
            for line in f:
                if len(lines) >= _CRON_MAX:
                    break
                line = line.rstrip("\n")
                if line.strip() and not line.lstrip().startswith("#"):
                    lines.append(line)
    except (OSError, UnicodeError):
        pass
    return lines


def tail(path, count):
    """The last count lines of the file path (none when it cannot be read),
    from its last _TAIL bytes at most."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, 2)
            f.seek(max(0, size - _TAIL))
            data = f.read(_TAIL)
    except OSError:
        return []
    lines = data.split(b"\n")
    if size > _TAIL:
        lines = lines[1:]       # cut in its middle
    if lines and not lines[-1]:
        lines.pop()
    found = []
    for line in lines[-count:]:
        try:
            found.append(line.decode())
        except UnicodeError:
            found.append(repr(line)[2:-1])     # bytes that are not UTF-8, escaped
    return found
