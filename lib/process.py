"""Processes: every command run is one.

A process has a pid, a name, its arguments, the session it belongs to, its
three streams (inherited from its parent unless redirected) and, once ended,
an exit status. Each thread has a current process: the innermost command that
thread is running. print() and input() go to the current process's streams.

The table is guarded by a lock: MicroPython on the RP2040 runs threads
without a GIL.
"""
import _thread
import time

RUNNING = "R"
DONE = "D"

_lock = _thread.allocate_lock()
_table = {}        # pid -> Process
_current = {}      # thread id -> innermost Process of that thread
_next_pid = [1]
init = None        # the first process; threads the OS did not start map to it


class Process:
    def __init__(self, name, args, session, parent=None):
        self.name = name
        self.args = args
        self.session = session
        self.parent = parent
        src = parent if parent is not None else session
        self.stdin = src.stdin
        self.stdout = src.stdout
        self.stderr = src.stderr
        self.sts = RUNNING
        self.status = None
        self.start = time.ticks_ms()
        self.thread = _thread.get_ident()
        with _lock:
            self.pid = _next_pid[0]
            _next_pid[0] += 1
            _table[self.pid] = self

    def enter(self):
        """Make this the current process of the calling thread."""
        with _lock:
            _current[self.thread] = self

    def exit(self, status):
        """Record the exit status and give the thread back to the parent."""
        self.status = status
        self.sts = DONE
        with _lock:
            _table.pop(self.pid, None)
            if _current.get(self.thread) is self:
                if self.parent is not None and self.parent.thread == self.thread:
                    _current[self.thread] = self.parent
                else:
                    del _current[self.thread]

    def elapsed(self):
        """Milliseconds since the process started."""
        return time.ticks_diff(time.ticks_ms(), self.start)


def current():
    """The process the calling thread is running."""
    with _lock:
        return _current.get(_thread.get_ident(), init)


def table():
    """A snapshot of the running processes, by pid."""
    with _lock:
        return [_table[pid] for pid in sorted(_table)]


def start_init(session):
    """Create the first process, which owns the console session."""
    global init
    init = Process("init", [], session)
    init.enter()
    return init
