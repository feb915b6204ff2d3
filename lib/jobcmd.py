"""What the job commands (kill, killall, hold, resume, fg, bg, wait, jobs,
ps, crond) share: their arguments, finding the processes they name, and
acting on them. The helper programs use for jobs, instead of the kernel's
process table and job control themselves.
"""

import cmdargs
import munix
import procctl
import system
from process import DONE, HELD, RUNNING, STOPPING, table  # noqa: F401
from procctl import GRACE_MS, describe, ignoring, reap, session_owner, state, stop  # noqa: F401


def hold(proc):
    """Hold proc and everything it started (stop: procctl.stop)."""
    procctl.set_state(proc, HELD)


def resume(proc):
    procctl.set_state(proc, RUNNING)


def exists(proc):
    """kill -0: nothing is done; that proc was found is the answer."""


def find(spec, sess):
    """The process a job spec names: %N (job N of sess), %% or %+ (its
    latest job) or a pid. Raises ValueError with a message."""
    if spec[:1] == "%":
        mine = [p for p in table(True) if p.session is sess and p.job]
        if spec in ("%", "%%", "%+"):
            if not mine:
                raise ValueError("no current job")
            return mine[-1]
        for p in mine:
            if "%" + str(p.job) == spec:
                return p
        raise ValueError("%s: no such job" % spec)
    try:
        pid = int(spec)
    except ValueError:
        raise ValueError("%s: not a pid or %%job" % spec)
    p = procctl.get(pid)
    if p is None:
        raise ValueError("%s: no such process" % spec)
    return p


def interrupt(sh):
    """What Ctrl-C in the session of sh, its shell, does: its foreground
    command and what that started are asked to stop, and where its
    terminal takes Ctrl-C as data (telnet, the web terminal) the shell's
    own loop stops too, at its next command (status 130); the session goes
    on. At its prompt there is nothing to stop."""
    term = sh.session.stdout
    if hasattr(term, "check_interrupt") and not term.reading:
        term.interrupted = True
    for p in procctl.family(sh)[1:]:
        if p.parent is sh and not p.job:
            procctl.set_state(p, STOPPING)


def end(proc):
    """kill -s KILL: stop proc; a session's shell ends its session, its
    client cut off, as when the client leaves: its command is interrupted,
    the loop's task serving the session (telnet's) is cancelled, and a
    terminal that ends by itself (the web terminal's, whose shell has a
    thread) is ended, its shell at once even at its prompt."""
    stop(proc)
    if session_owner(proc):
        interrupt(proc)
        if proc.task is not None:
            import asyncloop
            asyncloop.cancel(proc)
        ending = getattr(proc.session.stdout, "end", None)
        if ending is not None:
            ending()


ACTIONS = {"STOP": stop, "TERM": stop, "KILL": end, "INT": stop, "HOLD": hold,
          "TSTP": hold, "CONT": resume}
# kill -9, -15, -2 (the numbers every Unix gives those three).
NUMBERS = {"9": "KILL", "15": "TERM", "2": "INT"}


def lineage(proc):
    """proc, the process that started it, and so on up to its session's
    owner: none of them ends while proc runs."""
    found = []
    while proc is not None:
        found.append(proc)
        proc = proc.parent if proc.parent is not None else proc.session.owner
        if proc in found:
            break
    return found


def kill_args(args, operands):
    """The [-s STOP|HOLD|CONT|KILL|0] OPERAND... of kill and killall (-NAME,
    and -9, -15, -2, -0 for KILL, TERM, INT, 0, as -s): (the action to
    take, the operands); operands names them in the usage error (None:
    there may be none)."""
    first = args[0][1:] if args and args[0][:1] == "-" else ""
    if NUMBERS.get(first) or first.upper() in ACTIONS or first == "0":
        args = ["-s", NUMBERS.get(first, first)] + args[1:]
    opts, rest = cmdargs.parse(args, "", "s")
    name = opts.get("s", "STOP").upper()
    # POSIX's null signal: whether the processes are there.
    what = exists if name == "0" else ACTIONS.get(name[3:] if name[:3] == "SIG" else name)
    if what is None:
        raise cmdargs.UsageError("%s: not STOP, HOLD or CONT" % opts["s"])
    if not rest and operands:
        raise cmdargs.UsageError("no %s given" % operands)
    return what, rest


def job_arg(args, sess):
    """The job named by the [PID|%JOB] of fg and bg (the session's latest
    by default); ValueError when there is none such."""
    opts, rest = cmdargs.parse(args, operands=1)
    return find(rest[0] if rest else "%", sess)


def act(targets, what):
    """Do what (stop, end, hold or resume) to targets; after a stop, wait
    for them and report those that ignore it. A stop to a session's shell
    interrupts its foreground command (interrupt). Returns a status."""
    waited = []
    for p in targets:
        if what is stop and session_owner(p):
            interrupt(p)
            waited += [q for q in procctl.family(p)[1:] if q.parent is p and not q.job]
        else:
            what(p)
            waited.append(p)
    if what is not stop and what is not end:
        return 0
    # What the caller runs inside of (a script's `kill $$`) can end only
    # once the caller has returned: waited for, it was said to ignore the
    # request.
    p = munix.proc()
    while p is not None:
        waited = [q for q in waited if q is not p]
        p = p.parent
    # Not through wait(): a call less on the stack (`crond stop` in a
    # script's function on an RP2040).
    if procctl.wait(waited, GRACE_MS, _ends_here):
        return 0
    status = 0
    later = at_prompt(waited)
    for p in waited:
        if p in later:
            # Not said to ignore stop requests: it ends a moment later.
            print("%s: %d: %s" % (munix.proc().name, p.pid, LATER % p.name))
        elif p.sts != DONE:
            status = cmdargs.error(str(p.pid), "%s still runs %d s after the stop request: "
                                   "it ignores stop requests" % (p.name, GRACE_MS // 1000))
    return status


# What a wait is told of a process that at_prompt() names.
LATER = "%s ends once the console is back at its prompt"


def wait(procs, ms=None):
    """procctl.wait() for the job commands: over once only processes that
    cannot end meanwhile (at_prompt()) are left. Without a limit, a job
    that waits for a thread runs in the caller's (procctl.run_here): a
    thread the caller holds may be the only one it could get."""
    if ms is None:
        for p in procs:
            procctl.run_here(p)
    return procctl.wait(procs, ms, _ends_here)


def at_prompt(procs):
    """Those of procs, not done, that cannot end while the caller waits
    (after a wait): tasks of the loop, or processes waiting for one (an
    asyncio program's job), where the console's thread hosts the loop and
    could not run it from this deep (a script's line: asynchost.held()),
    only from a wait nearer its prompt. Waited for, they held the wait for
    good (`wait`, `fg`), or were said to ignore stop requests (kill)."""
    return [p for p in procs if p.sts != DONE and not _ends_here(p)]


def _ends_here(p):
    # A job's first asyncio program (on an RP2040's core1) may be
    # importing asynchost.
    host = system.import_lock.get("asynchost")
    if host is None or not host.held():
        return True
    for q in table():
        if q.kind in ("task", "daemon") and q.sts != DONE:
            while q is not None and q is not p:
                q = q.parent
            if q is p:
                return False
    return True


def targets(specs, sessions=False, every=False):
    """The live processes specs (pids, %jobs) name, and a status: 1 when
    some could not be (each said so on stderr). A session's shell is a
    target only with sessions (kill: see act), and never the one of the
    session asking nor the console's: exit ends them; with every, any
    (kill -0, which acts on none)."""
    sess = munix.session()
    found = []
    status = 0
    for spec in specs:
        try:
            p = find(spec, sess)
        except ValueError as e:
            status = cmdargs.error("", str(e))
            continue
        if p.sts == DONE:
            status = cmdargs.error(spec, "already done")
        elif session_owner(p) and not every and (not sessions or p.session is sess or p.session.console):
            status = cmdargs.error(spec, "%s owns session %s: exit ends it" % (p.name, p.session.name))
        else:
            found.append(p)
    return found, status


def command(args, what):
    """hold and resume: do what to the processes args name; a status."""
    opts, rest = cmdargs.parse(args)
    if not rest:
        raise cmdargs.UsageError("no PID given")
    found, status = targets(rest)
    return act(found, what) or status
