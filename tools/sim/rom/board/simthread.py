"""_thread of a board that takes a thread's stack from the Python heap, as
rp2 takes core1's (MicroPython 1.25, ports/rp2/mpthreadport.c,
mp_thread_create): the stack, 4 KiB by default and 2 KiB at least, is
allocated with m_new when the thread is created, rooted for the collector
while the thread runs (mp_thread_gc_others, while core1_entry is set), and
garbage once it has ended, freed by the next collection. flash.mount()
puts this module in the place of _thread when the profile says so
(MUNIX_SIM_HEAP_STACK: the default, the least, the bytes of C stack a
Python call takes on the board, and 1 for rp2's core1, 0 for threads as
memory allows: the esp32 profile charged so, by hand, for the memory its
FreeRTOS tasks take beside the heap). The thread's own stack stays the
unix port's, sized by the board as before.
"""
import os
import _thread

_default, _least, _call, _core1 = (int(n) for n in os.getenv("MUNIX_SIM_HEAP_STACK").split(","))
_asked = [0]
_running = [0]
# rp2 marks core1 taken before it allocates the stack: when the heap cannot
# give it, core1 stays "in use" until a reset.
_lost = [False]


def stack_size(size=None):
    before = _asked[0]
    if size is not None:
        _asked[0] = size
    return before


def start_new_thread(function, args, kwargs=None):
    if _core1 and (_lost[0] or _running[0]):
        raise OSError("core1 in use")
    size = _asked[0]
    if size == 0:
        size = _default
    elif size < _least:
        size = _least
    size &= ~3
    try:
        # A bytearray's object is one 16-byte block of the collector's: with
        # it, the same blocks as the port's one allocation.
        stack = bytearray(size - 16)
    except MemoryError:
        if not _core1:
            raise OSError("can't create thread")
        _lost[0] = True
        raise
    # _run is one Python call more on the thread's stack than the board
    # has there: the unix port's stack is given one call more.
    _thread.stack_size(size + _call)
    _running[0] += 1
    try:
        return _thread.start_new_thread(_run, (stack, function, args, kwargs or {}))
    except BaseException:
        _running[0] -= 1
        raise


def _run(stack, function, args, kwargs):
    try:
        function(*args, **kwargs)
    finally:
        _running[0] -= 1


def __getattr__(name):
    return getattr(_thread, name)
