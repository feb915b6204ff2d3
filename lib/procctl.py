"""Process control: what acts on processes other than the caller's own
(find one, its family, hold and stop requests, forgetting finished jobs)
and starting threads, within the board's limits: the one way the OS
starts a thread. Loaded when first needed, so the resident process table
stays small.
"""
import sys
import time

import process
import system
from micropython import const
from process import GRACE_MS, ignoring, table  # noqa: F401 (programs' way to them)

_KEEP_DONE = const(8)       # finished jobs kept for wait and jobs
_THREADS = const(16)        # threads at most where the board file names no limit
_RESERVE = const(6144)      # heap free that a new thread needs, for it and the console
_PER_THREAD = const(5120)   # and for each running thread, which may still allocate
_SIM_STACK = const(262144)  # C stack of a thread in the simulator (see start_thread)
_POLL_MS = const(10)        # how often wait() looks
_WAITING = const(4)         # `CMD &` jobs waiting for a thread at most
# Threads refused so far (start_thread): a thread that only waits for work
# (offload's idle worker) ends when it sees the count grow, its thread
# given to what was refused: a job waiting for one (start_or_wait), a
# cron run trying again.
refused = [0]


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


class NoThread(OSError):
    """No thread could be started."""


def start_thread(function, args, heap=0):
    """Start function(*args) in a new thread, within the board file's
    limits: at most "threads" started by the OS at once (none when 0;
    _THREADS when unset, so that no runaway script exhausts the heap), each
    with a C stack of "stack" bytes (16 KiB on a board when unset, for a
    shell command or a TLS handshake; _SIM_STACK in the simulator, whose
    threads need far more: with the unix port's default of 64 KiB, the
    shell's own limits on nesting came after the runtime's, and an import
    made near that limit overflowed its 8 KiB margin and crashed the whole
    OS, as its frame holds a 4 KiB path). Raises NoThread, with the
    reason, when none can start. On a board whose threads are limited by
    memory only, it is the heap that refuses: below _RESERVE bytes free, and
    _PER_THREAD more for each thread running, and heap more for a thread
    that needs more than a job (a web terminal's session); so that a thread
    that would run out of memory, or starve the console, is refused at its
    start instead.
    What is free is known after a collection, made only when the heap
    looks short: counting garbage as free (up to gc.threshold(), all that
    can pile up between two collections) let a fork bomb's threads take
    the memory the console's killall then needed."""
    limit = _limit()
    # The simulator's own board (linux) is a 64-bit runtime whose calls
    # take more stack than any board's: its threads keep _SIM_STACK,
    # whatever the board file says (a board profile names its platform).
    stack = _SIM_STACK if sys.platform == "linux" else system.board.get("stack") or 16384
    # rp2 takes the stack from this heap, in one block (m_new in its
    # mp_thread_create), and one it cannot give leaves core1 "in use" until
    # a reset: the block is tried first. What it leaves is garbage, which
    # the port's allocation collects.
    if sys.platform == "rp2" and not process.core1:
        try:
            bytearray(stack)
        except MemoryError:
            raise NoThread("no thread free: the heap has no block of %d KiB for its stack"
                           % (stack // 1024))
    with process._lock:
        # Under the lock: threads started in one burst each count the others.
        need = thread_need(heap)
        free = system.heap_free(need)
        why = None
        if free < need:
            why = ("no thread free: the heap is nearly full (%d KiB free, %d needed)"
                   % (free // 1024, need // 1024))
        elif process.threads[0] >= limit:
            # Whole sentences: a string of up to 10 characters ("none") is
            # a name, interned for good as the module loads.
            why = ("no thread free: this board runs none" if limit == 0 else
                   "no thread free: this board runs at most %d" % limit)
        if why is not None:
            refused[0] += 1
            raise NoThread(why)
        process.threads[0] += 1
        if process.threads[0] == 1:
            import importlock
            importlock.guard(True)
    try:
        if sys.platform == "rp2":
            _on_core1(stack, function, args)
        else:
            import _thread
            _thread.stack_size(stack)
            _thread.start_new_thread(_counted, (function, args))
    except Exception as e:
        _uncount()
        if isinstance(e, ImportError):
            raise NoThread("no thread free: this port has no threads")
        raise NoThread("cannot start a thread: %s" % (e.args[0] if e.args else type(e).__name__))


def _limit():
    """How many threads the OS may have started at once on this board."""
    limit = system.board.get("threads")
    if not isinstance(limit, int):
        limit = _THREADS
    if sys.platform == "rp2":
        limit = min(limit, 1)   # core1, the one thread beside the console's
    return limit


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
        start_thread(function, args, heap)
        return True
    except NoThread as e:
        limit = _limit()
        if not limit or process.threads[0] < limit:
            raise
        with process._lock:
            if len(process.waiting) >= _WAITING:
                raise NoThread("%s, and %d jobs wait for one" % (e.args[0], _WAITING))
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
            start_thread(job[1], job[2], job[3])
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


def thread_need(heap=0):
    """The heap free that start_thread() asks of a board limited by memory
    before it starts a thread that needs heap more than a job."""
    return _RESERVE + _PER_THREAD * process.threads[0] + heap


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


def wait_threads(ms):
    """Wait until no thread the OS started runs, ms at most; True if none does."""
    while process.threads[0] and ms > 0:
        time.sleep_ms(10)
        ms -= 10
    return not process.threads[0]


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


def _on_core1(stack, function, args):
    """Run function(*args) on rp2's core1, in the one thread that keeps it
    from its first use on, each function in turn: a thread of its own each
    time took its stack from the heap in one block as it started, freed
    when it ended, and the small blocks the daemons' clients took meanwhile
    left none that size, 61 KiB free in pieces: cron jobs and telnet lines
    then waited for a thread that never came."""
    core1 = process.core1
    if not core1:
        import _thread
        wake = _thread.allocate_lock()
        wake.acquire()
        _thread.stack_size(stack)
        _thread.start_new_thread(process.core1_loop, (wake,))
        core1[:] = [wake, None]
    core1[1] = (_counted, (function, args))
    core1[0].release()


def _counted(function, args):
    try:
        function(*args)
        # The thread goes on with the jobs waiting for one, while the heap
        # has room for each as for a thread started beside the others.
        while True:
            job = _next_waiting()
            if job is None:
                break
            job[1](*job[2])
            job = None
    finally:
        _uncount()


def _next_waiting():
    with process._lock:
        # A client's line waiting for a thread goes first: a job that
        # starts jobs (a fork bomb through /api/run) kept an RP2040's one
        # thread from every line.
        if not process.waiting or process.wanted[0]:
            return None
        need = thread_need(process.waiting[0][3]) - _PER_THREAD
        if system.heap_free(need) < need:
            return None
        return process.waiting.pop(0)


def _uncount():
    # The import lock first, as everywhere (a program loads under it, and
    # prints, which takes the process table's lock): taken inside the
    # table's, the last thread's end waited for it while the console,
    # loading a program, waited for the table's, and the OS hung.
    with system.import_lock:
        with process._lock:
            process.threads[0] -= 1
            if not process.threads[0]:
                import importlock
                importlock.guard(False)
