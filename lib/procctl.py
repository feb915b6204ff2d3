"""Process control: what acts on processes other than the caller's own
(find one, its family, hold and stop requests, forgetting finished jobs),
and jobs waiting for a thread (threadctl starts them). Loaded when first
needed, so the resident process table stays small.
"""
import time

import process
import system
import threadctl
from micropython import const
from process import GRACE_MS, ignoring, table  # noqa: F401 (programs' way to them)

_KEEP_DONE = const(8)       # finished jobs kept for wait and jobs
_POLL_MS = const(10)        # how often wait() looks
_WAITING = const(4)         # `CMD &` jobs waiting for a thread at most


def get(pid):
    """The process with that pid (a finished job too), or None."""
    with process._lock:
        return process._table.get(pid)


def reap(proc):
    """Forget a finished job, once its status was collected."""
    with process._lock:
        if proc.sts == process.DONE:
            process._table.pop(proc.pid, None)


def forget_old_jobs():
    """Keep the last _KEEP_DONE finished jobs only."""
    with process._lock:
        done = [pid for pid in process._table if process._table[pid].sts == process.DONE]
        if len(done) > _KEEP_DONE:
            done.sort()
            for pid in done[:len(done) - _KEEP_DONE]:
                del process._table[pid]


def family(proc):
    """proc and every process it started, directly or not: the commands
    it runs and the jobs they started."""
    with process._lock:
        return _family(proc)


def _family(proc):
    found = [proc]
    for p in found:
        for q in process._table.values():
            if (q.parent is p or q.by is p) and q.sts != process.DONE and q not in found:
                found.append(q)
    return found


def stop(proc):
    """Ask proc and what it started to stop; asyncio ones are cancelled.
    Only a loaded asyncloop runs tasks: stopping a thread daemon (end.sh, on
    a nearly full heap) loads no asyncio."""
    loop = system.import_lock.get("asyncloop")
    for p in set_state(proc, process.STOPPING):
        if _unqueue(p) is not None:
            # It never ran: it ends as a job killed does.
            p.exit(143)
        elif p.kind in ("task", "daemon") and loop is not None:
            loop.cancel(p)


def set_state(proc, sts):
    """Hold (HELD), resume (RUNNING) or ask to stop (STOPPING) proc and
    what it started; returns those processes. A stop request is final."""
    now = time.ticks_ms()
    with process._lock:
        group = _family(proc)
        for p in group:
            if p.sts == process.DONE or p.sts == process.STOPPING:
                continue
            p.sts = sts
            if sts == process.STOPPING:
                p.stop_at = now
    return group


def describe(proc):
    """The command line a process runs, as ps shows it."""
    return " ".join([proc.name] + [str(a) for a in proc.args])


# The words ps, jobs and the web dashboard give a process's state in.
_STATES = {process.RUNNING: "running", process.HELD: "held", process.STOPPING: "stopping",
           process.DONE: "done"}


def state(proc):
    """What proc does, in a word: running, held, stopping, done; ignoring
    (asked to stop more than GRACE_MS ago, and running); waiting (a job
    waiting for a thread to run in)."""
    if ignoring(proc):
        return "ignoring"
    if waits(proc):
        return "waiting"
    return _STATES.get(proc.sts, proc.sts)


def session_owner(proc):
    """True for the process that owns a session: stopping it would end the
    session, not a command."""
    return proc.parent is None and not proc.job and proc.kind != "daemon"


def start_or_wait(proc, function, args, heap=0):
    """start_thread(function, args, heap) for the job proc, or, when every
    thread the board runs is taken, let the job wait for one (_WAITING
    jobs at most), first come first: the next thread of the OS to end
    runs it if the heap has room for it then (_counted), a shell back at
    its prompt starts it if a thread can start then (shell.idle), and a
    `wait` or `fg` for it runs it in its own thread (run_here). A client's
    line waiting for a thread (process.wanted) comes before them. True if
    it started, False if it waits; NoThread when it can do neither: the
    board runs no threads, _WAITING jobs wait already, or it is the heap
    that is short (waiting, a job holds its session, and on the esp32
    profile's soak the jobs waiting held the heap the clients needed: 436
    requests failed in 2 minutes, not 136)."""
    try:
        threadctl.start_thread(function, args, heap)
        return True
    except threadctl.NoThread as e:
        most = threadctl.limit()
        if not most or process.threads[0] < most:
            raise
        with process._lock:
            if len(process.waiting) >= _WAITING:
                raise threadctl.NoThread("%s, and %d jobs wait for one" % (e.args[0], _WAITING))
            process.waiting.append((proc, function, args, heap))
    return False


def waits(proc):
    """True while the job proc waits for a thread (start_or_wait)."""
    with process._lock:
        return _place(proc) >= 0


def _unqueue(proc):
    """The job proc, taken from those waiting for a thread; None if it is
    not one of them."""
    with process._lock:
        i = _place(proc)
        return process.waiting.pop(i) if i >= 0 else None


def _place(proc):
    # Under process._lock.
    for i in range(len(process.waiting)):
        if process.waiting[i][0] is proc:
            return i
    return -1


def hang_up(session):
    """The session has ended: its jobs still waiting for a thread end
    without running (143, as a hang-up ends a terminal's jobs), said in
    their logs. Kept, each kept the ended session (its terminal, its
    variables) in a heap too full to start them, the esp32 profile's
    soak's till no line could run."""
    with process._lock:
        gone = [job[0] for job in process.waiting if job[0].session is session]
        process.waiting[:] = [job for job in process.waiting if job[0].session is not session]
    for p in gone:
        try:
            p.stderr.write("sh: %s: not started: its session ended first\n" % p.name)
        except Exception:   # OSError, MemoryError: the status says it still
            pass
        p.exit(143)


def start_waiting():
    """Start the jobs waiting for a thread, first come first, while threads
    can start, after the lines waiting for one (process.wanted)."""
    while process.waiting and not process.wanted[0]:
        with process._lock:
            if not process.waiting:
                return
            job = process.waiting.pop(0)
        try:
            threadctl.start_thread(job[1], job[2], job[3])
        except Exception:   # NoThread, or MemoryError as it says why
            # Back in its place (the list kept the room it had): lost, it
            # never ended, and a `wait` for it waited for good.
            with process._lock:
                process.waiting.insert(0, job)
            return


def run_here(proc):
    """Run the job proc, if it waits for a thread, in the calling thread,
    which waits for it (`wait`, `fg`): that thread may be the only one the
    job could get (a telnet line's on an RP2040's core1)."""
    job = _unqueue(proc)
    if job is None:
        return
    me = process.current()
    try:
        job[1](*job[2])
    finally:
        me.enter()


def wait(procs, ms=None, ends=None):
    """Wait until every process of procs is done, at most ms milliseconds
    (None: no limit); True if they all are. Ctrl-C, or a stop request to
    the waiting process, ends the wait; so does having left, after a sleep
    of the wait, only processes for which ends(p), when given, is False
    (they cannot end meanwhile)."""
    me = process.current()
    start = time.ticks_ms()
    while any(p.sts != process.DONE for p in procs):
        if ms is not None and time.ticks_diff(time.ticks_ms(), start) >= ms:
            return False
        if not me.sleep(_POLL_MS):
            return False
        if ends is not None:
            # A loop, not any(): a generator's frame more on the stack,
            # which the waits of a script's function on an RP2040 lack.
            for p in procs:
                if p.sts != process.DONE and ends(p):
                    break
            else:
                break
    return all(p.sts == process.DONE for p in procs)


def thread_ends(running, ms):
    """Wait until fewer than running threads the OS started run (running:
    their number before a start that was refused), ms at most; True if so.
    Counted after the refusal, the number took in the thread that was
    ending meanwhile, and the wait was for one more to end: the caller's
    own, which never would (a chain of jobs ended on a busy machine)."""
    while running and process.threads[0] >= running and ms > 0:
        system.idle(_POLL_MS)
        ms -= _POLL_MS
    return process.threads[0] < running


