"""Jobs: commands run in the background, and asyncio programs.

background() runs a command line in a thread of its own as a job of the
session (`CMD &`); spawn_task() runs a coroutine as a job in the OS's
asyncio loop (asyncloop.py), without a thread; run_coroutine() runs the
coroutine an asyncio program's __main__ returned and waits for it.

A job's output goes to its session's terminal; once the session has ended
(process.py notices), or when the terminal fails, to a log file under /tmp
that never grows past LOG_LIMIT (the older half is kept as NAME.old).
stop(), hold() and resume() act on a process and everything it started;
stopping an asyncio program cancels its task.
"""
import _thread
import os
import time

import process

LOG_LIMIT = 4096
GRACE_MS = 2000     # how long a stop request may take before it counts as ignored
POLL_MS = 10

SLICE_MS = 50       # how often sleep() looks at the state
KEEP_DONE = 8       # finished jobs kept for wait and jobs

_log_lock = _thread.allocate_lock()
_threads = [0]      # threads started by the OS and still running


class NoThread(OSError):
    """No thread could be started for a job."""


def sleep(proc, ms):
    """Wait ms milliseconds, and on while held; False as soon as a stop
    is requested (then the program should end), else True."""
    left = ms
    last = time.ticks_ms()
    while proc.sts != process.STOPPING:
        if left <= 0 and proc.sts != process.HELD:
            return True
        time.sleep_ms(min(left, SLICE_MS) if left > 0 else SLICE_MS)
        now = time.ticks_ms()
        left -= time.ticks_diff(now, last)
        last = now
    return False


async def asleep(proc, ms):
    """sleep() for asyncio programs: await proc.asleep(ms)."""
    import asyncio
    left = ms
    while proc.sts != process.STOPPING:
        if left <= 0 and proc.sts != process.HELD:
            return True
        step = min(left, SLICE_MS) if left > 0 else SLICE_MS
        await asyncio.sleep_ms(step)
        left -= step
    return False


def _forget_old_jobs():
    """Keep the last KEEP_DONE finished jobs only (call with the lock)."""
    done = [pid for pid in process._table if process._table[pid].sts == process.DONE]
    if len(done) > KEEP_DONE:
        done.sort()
        for pid in done[:len(done) - KEEP_DONE]:
            del process._table[pid]


def get(pid):
    """The process with that pid (a finished job too), or None."""
    with process._lock:
        return process._table.get(pid)


def reap(proc):
    """Forget a finished job, once its status was collected."""
    with process._lock:
        if proc.sts == process.DONE:
            process._table.pop(proc.pid, None)


def family(proc):
    """proc and every process it started, directly or not."""
    with process._lock:
        found = [proc]
        for p in found:
            for q in process._table.values():
                if q.parent is p and q.sts != process.DONE:
                    found.append(q)
        return found


def set_state(proc, sts):
    """Hold (HELD), resume (RUNNING) or ask to stop (STOPPING) proc and
    what it started; returns those processes. A stop request is final."""
    group = family(proc)
    now = time.ticks_ms()
    for p in group:
        if p.sts == process.DONE or p.sts == process.STOPPING:
            continue
        p.sts = sts
        if sts == process.STOPPING:
            p.stop_at = now
    return group


def session_owner(proc):
    """True for the process that owns a session: stopping it would end the
    session, not a command."""
    return proc.parent is None and not proc.job and proc.kind != "daemon"


def start_thread(function, args, limit=None):
    """Start function(*args) in a new thread, counted against limit (the
    most threads the OS may have running, None for no limit). Raises
    NoThread when no thread can start."""
    with process._lock:
        if limit is not None and _threads[0] >= limit:
            raise NoThread("no thread free: this board runs at most %d" % limit)
        _threads[0] += 1
    try:
        _thread.start_new_thread(_counted, (function, args))
    except Exception as e:
        with process._lock:
            _threads[0] -= 1
        raise NoThread("cannot start a thread: %s" % (e.args[0] if e.args else type(e).__name__))


def _counted(function, args):
    try:
        function(*args)
    finally:
        with process._lock:
            _threads[0] -= 1


class NoInput:
    """A job's standard input: it never reads the terminal."""

    def input(self, prompt=""):
        raise EOFError

    def read(self, n=-1):
        return ""

    def readline(self):
        return ""


class Output:
    """A job's output stream: its session's terminal, then its log."""

    def __init__(self, job, stream):
        self.job = job
        self.stream = stream

    def write(self, text):
        job = self.job
        if job.log is None:
            try:
                return self.stream.write(text)
            except OSError:
                job.log = "/tmp/job%d.log" % job.pid
        log_write(job.log, text)


class LogStream:
    """An output stream that is a log file (see log_write)."""

    def __init__(self, path):
        self.path = path

    def write(self, text):
        log_write(self.path, text)


def log_write(path, text):
    """Append text to the log file path, keeping it under LOG_LIMIT bytes
    (what came before is kept as path.old)."""
    with _log_lock:
        try:
            size = os.stat(path)[6]
        except OSError:
            size = 0
        if size and size + len(text) > LOG_LIMIT:
            try:
                os.rename(path, path + ".old")
            except OSError:
                os.remove(path + ".old")
                os.rename(path, path + ".old")
        with open(path, "a") as f:
            f.write(text)


def thread_limit():
    """The most threads munix may run besides the console's: the board
    file's "threads", None when it sets none."""
    import kernel
    limit = kernel.board.get("threads")
    return limit if isinstance(limit, int) else None


def _new_job(sess, name, args, kind, log):
    proc = process.Process(name, args, sess)
    proc.kind = kind
    proc.log = log
    proc.stdin = NoInput()
    proc.stdout = Output(proc, sess.stdout)
    proc.stderr = Output(proc, sess.stderr)
    with process._lock:
        _forget_old_jobs()
    numbers = [p.job for p in process.table(True) if p.session is sess]
    proc.job = max(numbers) + 1
    return proc


def _announce(proc, quiet):
    if not quiet:
        proc.session.stdout.write("[%d] %d\n" % (proc.job, proc.pid))


def background(sess, name, args, body, log=None, quiet=False):
    """Run body() (it runs a command line, returns its status) in a new
    thread, as a job of sess; prints `[job] pid` unless quiet, returns the
    job's process. log: a log file for its output from the start. Raises
    NoThread (an OSError), leaving nothing behind, when no thread
    can start."""
    proc = _new_job(sess, name, args, "thread", log)
    go = _thread.allocate_lock()
    go.acquire()
    try:
        start_thread(_run_body, (proc, body, go), thread_limit())
    except NoThread:
        proc.discard()
        raise
    _announce(proc, quiet)
    go.release()
    return proc


def _run_body(proc, body, go):
    proc.enter()
    go.acquire()    # the `[job] pid` line comes first
    go.release()
    status = 1
    try:
        status = body()
    except SystemExit as e:
        import shell
        status = shell.system_exit_status(e)
    except Exception as e:
        import shell
        shell.report(proc.name, e)
    finally:
        proc.exit(status if isinstance(status, int) else 0)


def spawn_task(sess, name, args, coro, log=None, quiet=False):
    """Run coro as a job of sess in the asyncio loop (no thread of its
    own); prints `[job] pid` unless quiet, returns the job's process."""
    proc = _new_job(sess, name, args, "task", log)
    try:
        import asyncloop
        asyncloop.submit(proc, coro, _task_done)
    except NoThread:
        proc.discard()
        raise
    _announce(proc, quiet)
    return proc


def _task_done(proc, status):
    proc.exit(status)


def run_coroutine(coro, proc):
    """Run the coroutine of proc's program in the asyncio loop and wait
    for it; returns its status. Ctrl-C while waiting cancels it."""
    import asyncloop
    result = []
    proc.kind = "task"
    asyncloop.submit(proc, coro, lambda p, status: result.append(status))
    try:
        while not result:
            time.sleep_ms(POLL_MS)
    except KeyboardInterrupt:
        asyncloop.cancel(proc)
        _wait_list(result, GRACE_MS)
        proc.stderr.write("^C\n")
        return 130
    return result[0]


def _wait_list(result, ms):
    while not result and ms > 0:
        time.sleep_ms(POLL_MS)
        ms -= POLL_MS


def stop(proc):
    """Ask proc and what it started to stop; asyncio ones are cancelled."""
    import asyncloop
    for p in set_state(proc, process.STOPPING):
        if p.kind == "task":
            asyncloop.cancel(p)


def hold(proc):
    set_state(proc, process.HELD)


def resume(proc):
    set_state(proc, process.RUNNING)


def wait(procs, ms=None):
    """Wait until every process of procs is done, at most ms milliseconds
    (None: no limit); True if they all are. Ctrl-C ends the wait."""
    start = time.ticks_ms()
    while any(p.sts != process.DONE for p in procs):
        if ms is not None and time.ticks_diff(time.ticks_ms(), start) >= ms:
            return False
        time.sleep_ms(POLL_MS)
    return True


def ignoring(proc):
    """True if proc was asked to stop more than GRACE_MS ago and runs on."""
    return (proc.sts == process.STOPPING and proc.stop_at is not None
            and time.ticks_diff(time.ticks_ms(), proc.stop_at) >= GRACE_MS)


def find(spec, sess):
    """The process a job spec names: %N (job N of sess), %% or %+ (its
    latest job) or a pid. Raises ValueError with a message."""
    if spec[:1] == "%":
        mine = [p for p in process.table(True) if p.session is sess and p.job]
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
    p = get(pid)
    if p is None:
        raise ValueError("%s: no such process" % spec)
    return p


def describe(proc):
    """The command line a process runs, as ps shows it."""
    return " ".join([proc.name] + [str(a) for a in proc.args])


ACTIONS = {"STOP": stop, "TERM": stop, "KILL": stop, "INT": stop, "HOLD": hold,
           "TSTP": hold, "CONT": resume}


def kill_args(args, operands):
    """The [-s STOP|HOLD|CONT] OPERAND... of kill and killall: (the action
    to take, the operands); operands names them in the usage error."""
    import cmdargs
    opts, rest = cmdargs.parse(args, "", "s")
    name = opts.get("s", "STOP").upper()
    what = ACTIONS.get(name[3:] if name[:3] == "SIG" else name)
    if what is None:
        raise cmdargs.UsageError("%s: not STOP, HOLD or CONT" % opts["s"])
    if not rest:
        raise cmdargs.UsageError("no %s given" % operands)
    return what, rest


def job_arg(args, sess):
    """The job named by the [PID|%JOB] of fg and bg (the session's latest
    by default); ValueError when there is none such."""
    import cmdargs
    opts, rest = cmdargs.parse(args, operands=1)
    return find(rest[0] if rest else "%", sess)


def act(targets, what):
    """Do what (stop, hold or resume) to targets; after a stop, wait for
    them and report those that ignore it. Returns a status."""
    for p in targets:
        what(p)
    if what is not stop or wait(targets, GRACE_MS):
        return 0
    import cmdargs
    status = 0
    for p in targets:
        if p.sts != process.DONE:
            status = cmdargs.error(str(p.pid), "%s still runs %d s after the stop request: "
                                   "it ignores stop requests" % (p.name, GRACE_MS // 1000))
    return status



def targets(specs):
    """The live processes specs (pids, %jobs) name, and a status: 1 when
    some could not be (each said so on stderr). A session's own shell is
    never a target: exit ends a session."""
    import cmdargs
    import munix
    sess = munix.session()
    found = []
    status = 0
    for spec in specs:
        try:
            p = find(spec, sess)
        except ValueError as e:
            status = cmdargs.error("", str(e))
            continue
        if p.sts == process.DONE:
            status = cmdargs.error(spec, "already done")
        elif session_owner(p):
            status = cmdargs.error(spec, "%s owns session %s: exit ends it" % (p.name, p.session.name))
        else:
            found.append(p)
    return found, status


def command(args, what):
    """hold and resume: do what to the processes args name; a status."""
    import cmdargs
    opts, rest = cmdargs.parse(args)
    if not rest:
        raise cmdargs.UsageError("no PID given")
    found, status = targets(rest)
    return act(found, what) or status
