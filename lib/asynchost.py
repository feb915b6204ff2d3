"""The OS's loop hosted by the console's thread (asyncloop's notes say
where and why), loaded for such a board only: the others carry none of it.
The console runs the loop whenever it waits, through system.idle and
system.wait_input, which this module puts in place.

Only from a wait that leaves the loop room on the C stack: the loop's
tasks run on top of the console's calls. A sleep inside a script's
second loop ran an RP2040's 8 KiB main stack out: each HTTP request and
telnet login then failed ("maximum recursion depth exceeded" in its
task), and inside $( ) uhttpd's listener too, refusing every connection
after. From deeper waits the clients wait until the console is back up
(at its prompt, at the latest).
"""
import asyncio
import time

import micropython
from micropython import const

import process
import system

# asyncloop's: [hosted, running the loop now], and its [ThreadSafeFlag]
# (None once the loop has ended), given by host(): asyncloop imports this
# module, not the reverse.
_state = [False, False]
_flag = [None]
# Python calls the loop's tasks nest on top of a wait, as measured on the
# rp2040 profile: an HTTP request 11 to 13, a telnet login 14 to 15 (served
# from a sleep in a script, they passed; from one in its loop, failed).
_LOOP_CALLS = const(15)
# stack_use() above which a wait does not run the loop: unlimited where the
# port cannot tell (no micropython.stack_use); measured by the console's
# thread at its first wait (the daemon started by a job on core1 would
# measure core1's stack).
_room = [hasattr(micropython, "stack_use") or None]
_call = [0]     # a Python call's bytes of the stack, as _measure() saw it
_missed = [False]   # the console's last idle() could not run the loop
# Heap kept back for beginning the loop on a full heap: what fills it (a
# job on core1, the loop's own clients, a program at the console) may let
# go only once the loop runs. The console could not begin it, and every
# daemon's session waited for the job to end (one the heap had stalled
# for netd.STALL_MS ended only then), and a program's sleep failed.
# Beginning takes 150 to 300 bytes in the simulator (64-bit; a 32-bit
# board takes less): a task, its coroutine, an entry of the poller.
_RESERVE = const(512)
_reserve = [None]   # the reserve; None while let go
_LOOK_MS = const(50)    # how often a wait for room looks


def host(serve, begin, state, flag_box):
    """The loop's ThreadSafeFlag, given asyncloop's serve(flag) and
    begin(ident) and its state; the inbox's task is queued, and runs at
    the console's next wait."""
    global _state, _flag
    _state, _flag = state, flag_box
    flag = asyncio.ThreadSafeFlag()
    begin(process.init.thread)
    asyncio.create_task(serve(flag))
    system.idle = idle
    system.wait_input = wait_input
    state[0] = True
    return flag


def idle(ms, full=False):
    """system.idle: ms pass, the loop serving its clients meanwhile when
    the caller is the console's thread and not already in the loop (a
    telnet line run by the loop itself); full, and until the reserve is
    whole again."""
    if here():
        try:
            _run(None, ms, full)
            # After: a task's wait inside the loop, which cannot run it,
            # said otherwise meanwhile.
            _missed[0] = False
            return
        except MemoryError:
            pass
    if process.init.thread == system.thread_ident():
        _missed[0] = True
    time.sleep_ms(ms)


def wait_input(stream):
    """system.wait_input: see idle(); at the prompt, which holds no heap."""
    if here():
        _run(stream, 0, True)


def held():
    """True when the loop cannot run while the caller waits: the caller is
    the console's thread, which hosts it, and its last wait could not run
    it (too deep on the stack, or inside the loop already). Asked from
    where the caller waited, after that wait: here() asked one call less
    deep said the loop could run, and its waits a call deeper did not."""
    return process.init.thread == system.thread_ident() and _missed[0]


def here():
    """True when the calling wait can run the loop: in the console's
    thread, not inside the loop already, with room on the stack."""
    if _state[1] or _flag[0] is None or process.init.thread != system.thread_ident():
        return False
    room = _room[0]
    if room is True:
        room = _room[0] = _measure()
    return room is None or micropython.stack_use() <= room


def room(calls):
    """True when a task of the loop has calls Python calls of the stack
    left beyond where it is: the loop runs from waits that leave its tasks
    _LOOP_CALLS, which some work needs more than (cron's start of a job)."""
    limit = _room[0]
    if limit is True or limit is None:
        return True
    return micropython.stack_use() + calls * _call[0] <= limit + _LOOP_CALLS * _call[0]


def _measure():
    """The stack's end, as stack_use() reads it past the last call the
    runtime allows, less _LOOP_CALLS calls, as deep as the calls to it
    here take (the port's, as its compiler builds them)."""
    uses = []
    try:
        _deeper(uses)
    except RuntimeError:    # "maximum recursion depth exceeded": the end
        pass
    # Started near the end already (a daemon started that deep), a call's
    # size is not seen: the loop then runs from no wait deeper than this.
    if len(uses) < 3:
        return uses[0] if uses else 0
    per_call = _call[0] = (uses[-1] - uses[1]) // (len(uses) - 2)
    return uses[-1] - _LOOP_CALLS * per_call


def _deeper(uses):
    uses.append(micropython.stack_use())
    _deeper(uses)


def _run(stream, ms, full):
    """Run the loop until _wait(stream, ms, full) ends. On a full heap the
    reserve is let go to begin it (MemoryError when it is gone already)."""
    me = process.current()
    _state[1] = True
    task = None
    try:
        while True:
            try:
                if task is None:
                    task = asyncio.create_task(_wait(stream, ms, full))
                asyncio.run_until_complete(task)
                return
            except MemoryError:
                # From beginning the loop (_wait never raises it), which
                # takes task again once the reserve is free.
                if _reserve[0] is None or task is not None and task.done():
                    raise
                _reserve[0] = None
    finally:
        _state[1] = False
        # Each task's step made its process the thread's current one.
        process.switch(me, process.init.thread)


async def _wait(stream, ms, full):
    """ms pass, or stream has something to read; then, full, the wait
    lasts until the reserve is whole again: the console, holding no heap,
    would find none to begin its next wait either."""
    if stream is None:
        await asyncio.sleep_ms(ms)
    else:
        io = asyncio.core._io_queue
        # Waited for already by a wait whose loop could not begin (_run):
        # it ends with the key that ends this one.
        while id(stream) in io.map:
            await asyncio.sleep_ms(_LOOK_MS)
        while True:
            try:
                yield io.queue_read(stream)
                break
            except MemoryError:
                await asyncio.sleep_ms(_LOOK_MS)
    # Taken at the end of the first wait, and again after each let go.
    while _reserve[0] is None:
        try:
            _reserve[0] = bytearray(_RESERVE)
        except MemoryError:
            if not full:
                break
            await asyncio.sleep_ms(_LOOK_MS)
