"""The OS's one asyncio event loop, started on first use: in a thread of
its own where the board has threads to spare, else hosted by the console's
thread.

A board whose file names one extra thread at most (an RP2040: core1; an
ESP8266: none) hosts the loop in the console's thread, which runs it
whenever it waits: for a key at its prompt (system.wait_input) and in
every sleep and wait of its commands (system.idle, which asynchost puts
in place: loaded for such a board only). The daemons' sockets so stay on the core that owns the network
(sockets used from an RP2040's core1 are reported to break its Wi-Fi), and
core1 is free for jobs. A foreground command that computes without
sleeping holds the loop's clients until it ends.

Other threads hand the loop work through an inbox (asyncio itself is not
thread safe): submit() starts a program's coroutine as a task, cancel()
throws CancelledError into it. Each step of a task runs with the task's
process as the loop thread's current process, so print() inside an asyncio
program goes to that program's streams.

On a small heap the loop's work takes turns at it (turn(), end_turn()): a
telnet line, an FTP command, an HTTP request, cron's start of a job. Each
began whenever it found room, and two telnet sessions running lines back
to back kept the heap from the other daemons' clients and from cron (the
esp32 soak: FTP 0 transfers in 14, cron 3 runs in 24). Waiting in one
queue, first come first served, each gets its turn.
"""
import asyncio
import time
from micropython import const

import process
import threadctl
import system

_lock = system.allocate_lock()
_inbox = []        # (process, coroutine) to start; (process, None) to cancel
_flag = [None]     # the loop's ThreadSafeFlag, once the loop runs
_ident = [None]    # the loop thread's ident (process.switch)
host_state = [False, False]  # the console's thread hosts the loop, runs it now (asynchost)
_spare = [None]    # heap held back for mending the poller (_enqueue)
_queue = []        # the tasks waiting for a turn at the heap, first come first served
_turns = [0]       # turns taken and not ended
_TURN_MS = const(5000)  # how long a turn is waited for at most
# The heap free that a turn asks beside the turns under way: a telnet
# line's command with its thread, an HTTP request's login and module. With
# 8 KiB they began into each other's room, and the esp32 profile's FTP
# logins and /api/run calls failed beside two telnet sessions.
_TURN_ROOM = const(16384)
_LOOK_MS = const(50)    # how often a task waiting for its turn looks


def _enqueue(io, sock, idx, enqueue=asyncio.core.IOQueue._enqueue):
    """asyncio's wait on a socket (or flag), which a full heap must not
    leave half made: a MemoryError inside poll.register() leaves the
    loop's poller an entry with nothing in it, which its next poll follows
    to address 0, and the runtime dies (extmod/modselect.c: "This case is
    not handled"). That entry is made whole by registering again, in the
    heap held back for it (a registration takes 96 bytes at most, the
    unix port's table of descriptors growing), or once the thread holding
    the heap lets go; then the wait is undone and the task that asked gets
    the MemoryError. In place once this module has loaded: every wait of
    the OS's one loop."""
    try:
        enqueue(io, sock, idx)
    except MemoryError:
        # Let go first: registering again below takes heap.
        _spare[0] = None
        entry = io.map.get(id(sock))
        # Half made only where the socket was new to the poller.
        if entry is not None and entry[1 - idx] is None:
            while True:
                try:
                    io.poller.register(sock)
                    break
                except MemoryError:
                    time.sleep_ms(10)
            io._dequeue(sock)
        raise
    if _spare[0] is None:
        try:
            _spare[0] = bytearray(256)
        except MemoryError:
            pass


asyncio.core.IOQueue._enqueue = _enqueue


async def turn(need=_TURN_ROOM, code=0):
    """Wait, in the loop, for the current task's turn at the heap: the
    first in the queue goes once need bytes are free beside the code its
    work will load (code bytes: netd.code_size), or once no turn is under
    way (what holds the heap then is not the loop's work, and waiting on
    would not make room); any goes after _TURN_MS, to find
    room or fail as it did before there were turns (a job may hold the
    heap for good). Every turn taken ends with end_turn(). On a heap of
    512 KiB or more, at once."""
    if system.ROOMY_HEAP:
        return
    need += code
    me = asyncio.current_task()
    _queue.append(me)
    began = time.ticks_ms()  # by the clock: a busy loop's sleeps take longer
    waited = 0
    try:
        while waited < _TURN_MS and (_queue[0] is not me or _turns[0]
                                     and system.heap_free(need) < need):
            await asyncio.sleep_ms(_LOOK_MS)
            waited = time.ticks_diff(time.ticks_ms(), began)
    finally:
        _queue.remove(me)
    _turns[0] += 1


def end_turn():
    """The current task's turn at the heap has ended (turn())."""
    if not system.ROOMY_HEAP:
        _turns[0] -= 1


def submit(proc, coro, done):
    """Run coro as a task for proc; done(proc, status) is called in the
    loop's thread when it ends. Raises threadctl.NoThread when the loop's
    thread cannot start."""
    _post((proc, (coro, done)))


def cancel(proc):
    """Cancel proc's task, if it has one (CancelledError goes into it)."""
    if _flag[0] is not None:
        _post((proc, None))


def room(calls):
    """False in a task of the loop that the console's thread hosts from a
    wait too deep on its stack for calls more Python calls (asynchost.room);
    True elsewhere."""
    if not host_state[0]:
        return True
    import asynchost
    return asynchost.room(calls)


def in_loop():
    """True in the loop's own thread, or in the loop where it is hosted."""
    return (_ident[0] == system.thread_ident() and _flag[0] is not None
            and (host_state[1] or not host_state[0]))


def hosted():
    """True where the console's thread hosts the loop."""
    return host_state[0]


def running():
    return _flag[0] is not None


def end():
    """End the loop's thread once what is in the inbox is done (at
    shutdown: its tasks were cancelled already)."""
    if _flag[0] is not None:
        _post((None, None))


def _post(item):
    with _lock:
        _inbox.append(item)
        flag = _flag[0]
        if flag is None:
            threads = system.board.get("threads")
            if isinstance(threads, int) and threads <= 1:
                import asynchost
                flag = asynchost.host(serve, begin, host_state, _flag)
                # Last: the console hosts the loop once this is seen.
                _flag[0] = flag
            else:
                flag = _flag[0] = asyncio.ThreadSafeFlag()
                try:
                    threadctl.start_thread(_run_loop, (flag,))
                except threadctl.NoThread:
                    _flag[0] = None
                    _inbox.remove(item)
                    raise
    flag.set()


def _run_loop(flag):
    begin(system.thread_ident())
    asyncio.run(serve(flag))


def begin(ident):
    """The loop is about to run in the thread ident."""
    _ident[0] = ident
    asyncio.get_event_loop().set_exception_handler(_lost)


def _lost(loop, context):
    """A task nobody awaits ended by an error: told as asyncio tells it,
    when it can be. Out of memory, or with a value that cannot be
    printed, the telling raised again and ended the loop, and with it
    every daemon, crond and asyncio program."""
    try:
        loop.default_exception_handler(loop, context)
    except Exception:
        pass


async def serve(flag):
    """The inbox's task: what other threads hand the loop."""
    while True:
        await flag.wait()
        with _lock:
            items = _inbox[:]
            del _inbox[:]
        early = []
        for proc, work in items:
            if proc is None:
                with _lock:
                    _flag[0] = None
                return
            if work is None:
                if proc.task is False:
                    early.append(proc)
                elif proc.task is not None:
                    proc.task.cancel()
            else:
                proc.task = False
                asyncio.create_task(_task(proc, work[0], work[1]))
        if early:
            # Tasks that have not begun: cancelled now, they would end
            # before their first step, in neither their coroutine's code
            # (crond's last log line) nor _task's (their process's end,
            # which never came). Asked again once the loop has run them.
            await asyncio.sleep_ms(0)
            for proc in early:
                _post((proc, None))


async def _task(proc, coro, done):
    status = 1
    try:
        result = await _steps(coro, proc)
        status = result if isinstance(result, int) else 0
    except asyncio.CancelledError:
        status = 130 if proc.sts == process.RUNNING else 143
    except SystemExit as e:
        import errors
        status = errors.exit_status(e)
    except Exception as e:
        process.switch(proc, _ident[0])
        try:
            import errors
            errors.report(proc.name, e)
        except MemoryError:
            # Untold: still, the process must end.
            pass
    proc.task = None
    done(proc, status)


def _steps(coro, proc):
    """Drive coro like `yield from coro`, making proc the current process
    before each of its steps."""
    value = None
    error = None
    while True:
        process.switch(proc, _ident[0])
        try:
            if error is None:
                out = coro.send(value)
            else:
                out = coro.throw(error)
        except StopIteration as e:
            return e.value
        if proc.task is False:
            # Its first step taken, which spawn_task's caller waits for; a
            # cancel asked meanwhile (serve's early ones) now reaches it.
            proc.task = asyncio.current_task()
        error = None
        value = None
        try:
            value = yield out
        except BaseException as e:  # CancelledError and the like go on into coro
            error = e
