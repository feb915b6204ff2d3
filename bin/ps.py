import cmdargs
import jobcmd

USAGE = """[-l]
  Every running process: pid, state, time since it started, session (or
  the log file its output goes to, once its session ended) and command.
  STATE: running, held (hold), stopping (asked to stop), ignoring (asked
  to stop more than 2 s ago and still running: it ignores stop requests),
  waiting (a job waiting for a thread to run in).
  A job that is one command (`sleep 9 &`) is listed once, by the job's
  pid ($!, what kill and wait take).
  -l  every process, the command a job runs too; also the parent pid (for
      a job, the process that started it), the kind (fg: in the
      foreground, thread: a job in a thread of its own, task: an asyncio
      task, daemon: a daemon's own) and the heap in use"""
ABOUT = "list the processes"


def __main__(args):
    opts, rest = cmdargs.parse(args, "l", operands=0)
    long = "l" in opts
    procs = [p for p in jobcmd.table() if long or not repeats(p)]
    places = [where(p) for p in procs]
    # The SESSION column as wide as its widest entry (a log file's path).
    fmt = "%5s %-9s %9s %-" + str(max([12] + [len(w) for w in places])) + "s "
    head = fmt % ("PID", "STATE", "TIME", "SESSION")
    if long:
        head += "%5s %-6s " % ("PPID", "KIND")
    rows = [head + "COMMAND"]
    for p, place in zip(procs, places):
        row = fmt % (p.pid, jobcmd.state(p), cmdargs.duration(p.elapsed() // 1000), place)
        if long:
            row += "%5s %-6s " % (p.ppid or "-", p.kind)
        rows.append(row + jobcmd.describe(p))
    print("\n".join(rows))
    if long:
        total, used, free = cmdargs.memory()
        print("heap: %s used, %s free" % (cmdargs.human(used), cmdargs.human(free)))


def repeats(p):
    """Whether p is the one command its job runs: the job says it."""
    job = p.parent
    return job is not None and job.job and job.name == p.name and job.args == p.args


def where(p):
    """The session's name, or the log file of the job p belongs to once
    its session has ended."""
    q = p
    while q is not None:
        if q.log is not None:
            return q.log
        q = q.parent
    return p.session.name
