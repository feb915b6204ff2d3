"""A client's command line, run off the OS's loop: the loop serves every
network client, and a line of theirs may run for minutes.

    await offload.run(function, args, stop)

hands function(*args) to a worker thread, the loop serving the other
clients meanwhile, and comes back once it has ended. A worker waits
IDLE_MS for the next line before it ends, so that a session typing
commands does not start a thread for each (where it is the board's one
thread, it ends at once: a job may want it; anywhere, it ends as soon as
a thread is refused, which its own would have held); a new one is started
(threadctl, the one way to start a thread) when every worker is busy.
Without a thread free, a line waits for a worker, netd.STOP_MS at most;
when there is none (an ESP8266 has none), or none came, it runs in the
loop itself, the other clients waiting meanwhile. Where the console's thread hosts the loop (an
RP2040: asyncloop), a line waits for the board's one thread as long as it
takes rather than hold the console too. Loaded with the protocols that use
it, and dropped with them.
"""
import asyncio
import time
from micropython import const

import asyncloop
import netd
import process
import threadctl
import system

IDLE_MS = 2000      # how long a worker waits for a line before it ends
_WAIT_MS = const(20)   # how often an idle worker looks for a line, at most
_BUSY_MS = const(100)  # how often a line waiting for a worker asks again

_lock = system.allocate_lock()
_lines = []         # [function, args, done] waiting for a worker
_workers = [0, 0]   # workers running, and those of them waiting for a line


async def run(function, args, stop):
    """See the module's notes. When the task is cancelled (the daemon
    stops), stop() asks the line to end, which it has netd.STOP_MS to do."""
    item = [function, args, []]
    done = item[2]
    began = time.ticks_ms()
    waited = 0
    here = False
    wants = False       # counted in process.wanted: a thread that ends comes here first
    try:
        while True:
            with _lock:
                idle = _workers[1] > len(_lines)
                if idle:
                    _lines.append(item)
            if idle:
                break
            # The new worker is handed the line. Put in the list first, it could
            # be taken by a worker ending its own line while this start failed,
            # and taking it back then failed ("object not in sequence"): the
            # session ended while its line ran (met with the esp32 profile's
            # thread stacks charged to its heap, an experiment).
            try:
                with _lock:
                    _workers[0] += 1
                threadctl.start_thread(_work, (item,))
                break
            except Exception:   # NoThread or MemoryError: `except (A, B)` makes a tuple
                with _lock:
                    _workers[0] -= 1
                    workers = _workers[0]
            if (not workers or waited >= netd.STOP_MS) and (
                    not asyncloop.hosted() or not system.board.get("threads")):
                # No worker to wait for, or only those whose lines run on (a
                # stop ignored): here. Where the console's thread hosts the
                # loop, here would hold the console too: the line waits for
                # the board's one thread (a job's, or a worker about to end),
                # unless the board has none.
                here = True
                break
            if not wants:
                wants = True
                process.wanted[0] += 1
            await asyncio.sleep_ms(_BUSY_MS)
            waited = time.ticks_diff(time.ticks_ms(), began)
    finally:
        if wants:
            process.wanted[0] -= 1
    if here:
        function(*args)
        return
    pause = 1
    try:
        while not done:
            await asyncio.sleep_ms(pause)
            # A quick line answered at once, a long one looked at less often.
            pause = min(pause * 2, 25)
    except asyncio.CancelledError:
        with _lock:
            waiting = item in _lines
            if waiting:
                _lines.remove(item)
        if not waiting:
            stop()
            deadline = time.ticks_add(time.ticks_ms(), netd.STOP_MS)
            while not done and time.ticks_diff(deadline, time.ticks_ms()) > 0:
                await asyncio.sleep_ms(20)
        raise


def _work(item):
    """A worker: item, the line it was started for, then those in the list."""
    idle = 0
    pause = 1
    # A board's one thread (hosted loop) goes back at once: a job may want it.
    linger = 0 if asyncloop.hosted() else IDLE_MS
    refused = threadctl.refused
    seen = refused[0]
    while True:
        if item is None:
            with _lock:
                item = _lines.pop(0) if _lines else None
                if item is not None:
                    _workers[1] -= 1
                elif idle >= linger or refused[0] != seen:
                    _workers[0] -= 1
                    _workers[1] -= 1
                    return
        if item is None:
            time.sleep_ms(pause)
            idle += pause
            pause = min(pause * 2, _WAIT_MS)
            continue
        try:
            _call(item)
        finally:
            # The list outlives `item = None` as a stale word of this
            # frame, which the collector scans while the worker waits for
            # a line: emptied, it keeps neither the function nor its
            # arguments (they kept a closed session, and the protocol's
            # module it had run, 8.6 KiB on the esp32 profile, until the
            # worker ended).
            item[0] = item[1] = None
            item[2].append(1)
            item = None
            with _lock:
                _workers[1] += 1
        idle = 0
        pause = 1
        seen = refused[0]


def _call(item):
    # A frame of its own: the function and arguments it holds as stale
    # words go with it, not left in the worker's.
    try:
        item[0](*item[1])
    except Exception as e:
        netd.failed("line", e)
