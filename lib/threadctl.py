"""Threads: the one way the OS starts one (start_thread), within the
board's limits; the count of those running; a thread that ends goes on
with the jobs waiting for one (procctl.start_or_wait queues them). Apart
from procctl (what acts on processes, loaded for the commands that do)
because the OS's loop, crond and the telnet lines' workers start threads
for as long as they run: each held all of procctl, 4.5 KiB of the esp32
profile's heap, beside the daemons for good.
"""
import sys

import process
import system
from micropython import const

_THREADS = const(16)        # threads at most where the board file names no limit
_RESERVE = const(6144)      # heap free that a new thread needs, for it and the console
_PER_THREAD = const(5120)   # and for each running thread, which may still allocate
_SIM_STACK = const(262144)  # C stack of a thread in the simulator (see start_thread)

# Threads refused so far (start_thread): a thread that only waits for work
# (offload's idle worker) ends when it sees the count grow, its thread
# given to what was refused: a job waiting for one (procctl.start_or_wait), a
# cron run trying again.
refused = [0]


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
    most = limit()
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
        elif process.threads[0] >= most:
            # Whole sentences: a string of up to 10 characters ("none") is
            # a name, interned for good as the module loads.
            why = ("no thread free: this board runs none" if most == 0 else
                   "no thread free: this board runs at most %d" % most)
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


def limit():
    """How many threads the OS may have started at once on this board."""
    most = system.board.get("threads")
    if not isinstance(most, int):
        most = _THREADS
    if sys.platform == "rp2":
        most = min(most, 1)   # core1, the one thread beside the console's
    return most


def thread_need(heap=0):
    """The heap free that start_thread() asks of a board limited by memory
    before it starts a thread that needs heap more than a job."""
    return _RESERVE + _PER_THREAD * process.threads[0] + heap


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
