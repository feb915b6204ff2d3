"""The OS's loop hosted by the console's thread (asyncloop's notes say
where and why), loaded for such a board only: the others carry none of it.
The console runs the loop whenever it waits, through system.idle and
system.wait_input, which this module puts in place.
"""
import asyncio
import time

import process
import system

# asyncloop's: [hosted, running the loop now], and its [ThreadSafeFlag]
# (None once the loop has ended), given by host(): asyncloop imports this
# module, not the reverse.
_state = [False, False]
_flag = [None]


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


def idle(ms):
    """system.idle: ms pass, the loop serving its clients meanwhile when
    the caller is the console's thread and not already in the loop (a
    telnet line run by the loop itself)."""
    if _here():
        _run(_sleep(ms))
    else:
        time.sleep_ms(ms)


def wait_input(stream):
    """system.wait_input: see idle()."""
    if _here():
        _run(_readable(stream))


def _here():
    return (not _state[1] and _flag[0] is not None
            and process.init.thread == system.thread_ident())


def _run(coro):
    me = process.current()
    _state[1] = True
    try:
        asyncio.run(coro)
    finally:
        _state[1] = False
        # Each task's step made its process the thread's current one.
        process.switch(me, process.init.thread)


async def _sleep(ms):
    await asyncio.sleep_ms(ms)


async def _readable(stream):
    yield asyncio.core._io_queue.queue_read(stream)
