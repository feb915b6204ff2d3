"""Processes: every command run is one.

A process has a pid, a name, its arguments, the session it belongs to, its
three streams (inherited from its parent unless redirected), a state and,
once ended, an exit status. Each thread has a current process: the innermost
command that thread is running. print() and input() go to the current
process's streams.

States, upyOS's letters (a program's module global `proc` is its process,
and upyOS programs test `proc.sts`):
  "R" running, "H" held, "S" stop requested, "D" done.
Hold and stop requests go to a process and everything it started. A program
honours them through its handle: `while proc.sleep(500): work()` runs until
a stop is requested and waits while held.

A background job (`CMD &`, see jobctl.py) is a process with a job number;
once done it stays in the table, for `wait` and `jobs`, until reaped (the
last few only). When the process that owns a session (one without parent
that is not a job: the console's init, a telnet session's shell) ends, the
session has ended: its jobs' output goes to a log file under /tmp from then,
and its finished jobs are forgotten, as are those that finish later.

The waiting that honours hold and stop requests is a process's own
(Process.sleep); what acts on other processes is procctl.py's, and what
starts threads threadctl.py's, each loaded when first needed. The table
is guarded by a lock: MicroPython on the RP2040 runs threads without a
GIL.
"""
import time
from micropython import const

import system

RUNNING = "R"
HELD = "H"
STOPPING = "S"
DONE = "D"

_SLICE_MS = const(50)  # how often sleep() looks at the state
GRACE_MS = 2000     # how long a stop request may take before it counts as ignored

_lock = system.allocate_lock()
_table = {}        # pid -> Process
_current = {}      # thread id -> innermost Process of that thread
_next_pid = [1]
init = None        # the first process; threads the OS did not start map to it
# Kept here, not in procctl or threadctl, which a small heap drops between commands.
threads = [0]      # threads the OS started (threadctl.start_thread) that still run
core1 = []         # rp2: the lock core1's thread waits on and the work handed to it
waiting = []       # `CMD &` jobs waiting for a thread (procctl.start_or_wait), first come first
wanted = [0]       # lines waiting for a thread besides them (offload): served first


class Process:
    # Every attribute is made in __init__ (see session.Session): `kill`
    # and `ps` in other threads use a process while it runs. Nor does the
    # class get names later: upyOS's (sdata) replace these.
    cmd = stt = tid = None

    def __init__(self, name, args, session, parent=None, by=None):
        self.status = None
        self.stop_at = None     # ticks_ms of the first stop request
        self.job = 0            # job number in its session; 0: not a job
        self.kind = "fg"        # "fg", "thread" (a job's own thread), "task" (asyncio), "daemon"
        self.task = None        # the asyncio task running it, if any
        self.log = None         # where a job's output goes once its session ended
        self.name = name
        self.args = args
        self.session = session
        self.parent = parent    # the command it runs inside of (None: a job, a session's shell)
        self.by = by            # for a job: the process that started it
        src = parent if parent is not None else session
        self.stdin = src.stdin
        self.stdout = src.stdout
        self.stderr = src.stderr
        self.start = system.uptime_ms()
        self.thread = system.thread_ident()
        starter = parent if parent is not None else by
        self.ppid = starter.pid if starter is not None else None
        with _lock:
            # What a held or stopping process starts is held or stopping
            # too: decided under the lock, so that a stop request either
            # sees this process in the table or this process sees it.
            self.sts = starter.sts if starter is not None and starter.sts in (HELD, STOPPING) else RUNNING
            self.pid = _next_pid[0]
            _next_pid[0] += 1
            _table[self.pid] = self

    def enter(self):
        """Make this the current process of the calling thread."""
        self.thread = system.thread_ident()
        with _lock:
            _current[self.thread] = self

    def leave(self):
        """The calling thread no longer runs this process (a telnet
        session's shell between two lines, which may run in other threads)."""
        with _lock:
            if _current.get(self.thread) is self:
                del _current[self.thread]

    def exit(self, status, forget=False):
        """Record the exit status and give the thread back to the parent;
        forget: a job no one waits for (cron's) leaves the table now."""
        self.status = status
        self.sts = DONE
        with _lock:
            owner = self.session.owner
            if (forget or not self.job or self.session.shell_done
                    or owner is not None and owner.sts == DONE):
                # A job of an ended session, or of a job's subshell that
                # ended: no shell is left to wait for it, and kept it would
                # keep the session alive.
                _table.pop(self.pid, None)
            if _current.get(self.thread) is self:
                if self.parent is not None and self.parent.thread == self.thread:
                    _current[self.thread] = self.parent
                else:
                    del _current[self.thread]
            if self.parent is None and not self.job:
                _session_ended(self.session)
        # Let go of the starter: a finished job kept for `wait` must not
        # keep its ancestors alive (a script that starts itself would
        # chain every generation).
        self.parent = self.by = None
        if self.job:
            # And of its streams: their classes (jobctl's, logsession's)
            # keep their modules, which the shell drops after a command:
            # each finished job kept a copy of jobctl, procctl and
            # logsession loaded, 6 KiB of the esp32 profile's heap.
            self.stdin = self.stdout = self.stderr = None

    def discard(self):
        """Forget a process that never ran (its thread could not start)."""
        with _lock:
            _table.pop(self.pid, None)

    def elapsed(self):
        """Milliseconds since the process started."""
        return system.uptime_ms() - self.start

    def alive(self):
        return self.sts != DONE

    def sleep(self, ms):
        """Wait ms milliseconds, and on while held; False as soon as a stop
        is requested (then the program should end), else True."""
        left = ms
        last = time.ticks_ms()
        # A terminal's Ctrl-C is looked at here too: a telnet line run in
        # the loop's own thread (a board without a thread to spare) has no
        # loop to look at it meanwhile.
        look = getattr(self.stdin, "look", None)
        while self.sts != STOPPING:
            if left <= 0 and self.sts != HELD:
                return True
            if look is not None:
                look()
            system.idle(min(left, _SLICE_MS) if left > 0 else _SLICE_MS)
            now = time.ticks_ms()
            left -= time.ticks_diff(now, last)
            last = now
        return False

    async def asleep(self, ms):
        """sleep() for asyncio programs: await proc.asleep(ms)."""
        import asyncio
        left = ms
        while self.sts != STOPPING:
            if left <= 0 and self.sts != HELD:
                return True
            step = min(left, _SLICE_MS) if left > 0 else _SLICE_MS
            await asyncio.sleep_ms(step)
            left -= step
        return False

    def stopping(self):
        """True once a stop was requested: the program should end."""
        return self.sts == STOPPING

    def held(self):
        """True while held: the program should pause."""
        return self.sts == HELD


def _session_ended(session, logged=True):
    """Forget the session's finished jobs: their statuses are for its
    shell's `wait` and `jobs`; and, if logged, send the output of those
    still running to log files from now on."""
    for pid in list(_table):
        p = _table[pid]
        if p.job and p.session is session:
            if p.sts == DONE:
                del _table[pid]
            elif logged and p.log is None:
                p.log = "/tmp/job%d.log" % p.pid


def subshell_ended(session):
    """The shell of a job's subshell (session.subshell) is done: the jobs
    it started go from the table as they end, as no shell is left to wait
    for them (a chain of jobs each started by the one before kept the
    last few, each with its subshell). Their output still goes where it
    went: the session the subshell copied lives on."""
    with _lock:
        session.shell_done = True
        _session_ended(session, False)


def current():
    """The process the calling thread is running."""
    with _lock:
        return _current.get(system.thread_ident(), init)


def core1_loop(wake):
    """rp2's core1 thread (threadctl.start_thread): each function handed to
    it in turn. Here, not in threadctl: a small heap drops threadctl between
    commands, and this loop, which never ends, kept its copy loaded beside
    the next (4 KiB of the rp2040 profile's heap)."""
    while True:
        wake.acquire()
        function, args = core1[1]
        core1[1] = None
        try:
            function(*args)
        except Exception as e:
            # What a thread of its own would have printed as it ended.
            import sys
            sys.print_exception(e)
        function = args = None


def ignoring(proc):
    """True if proc was asked to stop more than GRACE_MS ago and runs on."""
    return (proc.sts == STOPPING and proc.stop_at is not None
            and time.ticks_diff(time.ticks_ms(), proc.stop_at) >= GRACE_MS)


def ignoring_in(ident):
    """True if the thread ident runs a process that ignores its stop."""
    with _lock:
        proc = _current.get(ident)
    return proc is not None and ignoring(proc)


def switch(proc, ident):
    """Make proc the current process of the thread ident, the caller (the
    asyncio loop's thread runs a step of one task after another). The
    caller gives its ident, kept: asked at every step, it was a call more
    each."""
    with _lock:
        _current[ident] = proc


def table(done=False):
    """A snapshot of the processes, by pid; finished jobs too if done."""
    with _lock:
        return [_table[pid] for pid in sorted(_table) if done or _table[pid].sts != DONE]
