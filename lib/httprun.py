"""uhttpd's POST /api/run {"cmd": "ls /"} -> {"status": 0, "truncated":
false, "output": "..."}: the command line runs in a thread of its own, as
a session of its own; its output is kept, _OUTPUT_MAX bytes at most.
Where no thread is free it runs on the loop itself, unless the console's
thread hosts the loop and the board's one thread is taken: then it waits
for it. A client that leaves before its answer ends its command (or its
wait): the loop looks meanwhile, or, when the command runs in the loop's
own thread, the command's sleeps and its loops' rounds do. Loaded by
httpd.py for the first such request, and dropped after it where the heap
is small (httpd.unload): the command has the heap that the rest of
uhttpd's code would take.
"""
import asyncio
import json
import time

import asyncloop
import httpd
import process
import procctl
import threadctl
import system
from micropython import const

_OUTPUT_MAX = const(16384)      # bytes of the output kept
_PART = const(512)              # the output is kept in blocks of at most this size
_WATCH_MS = const(250)          # how often it looks whether its client left


async def run(conn, method, headers, keep):
    if method != "POST":
        raise httpd.Error(405, "POST a JSON object {\"cmd\": ...}", "POST")
    cmd = (await httpd.load("httpbody").json_object(conn, headers)).get("cmd")
    if not isinstance(cmd, str):
        raise httpd.Error(400, "expected a JSON object {\"cmd\": \"...\"}")
    # What read the request goes before the command runs, which has the
    # heap it took (on a small heap: httpd.unload).
    httpd.unload()
    runner = Runner(cmd)
    try:
        while True:
            try:
                threadctl.start_thread(runner.run, ())
                break
            except threadctl.NoThread:
                # Where the console's thread hosts the loop (an RP2040),
                # here would hold the console too, on a main stack too
                # small for most lines: while the board's one thread is
                # taken (a job, another client's command), the command
                # waits for it, as a telnet line does (offload), and never
                # runs if its client leaves meanwhile. A heap that gives
                # no thread may stay so: then here, as elsewhere.
                if not (asyncloop.hosted() and system.board.get("threads")
                        and process.threads[0]):
                    # The loop's other clients wait meanwhile, as for a
                    # telnet line run here. The loop cannot look whether
                    # the client left: the command does (look()).
                    runner.conn = conn
                    runner.run()
                    break
            await asyncio.sleep_ms(_WATCH_MS)
            if _gone(conn, runner.peek):
                raise OSError("the client left")
        waited = 0
        while runner.status is None:
            await asyncio.sleep_ms(5)
            waited += 5
            # A client that left holds no slot while its command runs on.
            if waited % _WATCH_MS == 0 and _gone(conn, runner.peek):
                raise OSError("the client left")
        if runner.left:
            raise OSError("the client left")
    except BaseException:
        # Whatever ends the wait (the client gone, the daemon stopping, a
        # full heap) ends the command: none runs on without its client.
        runner.stop()
        raise
    # Sent a piece at a time, never as one JSON text: the output alone
    # may be more than a small board's heap has free in one block.
    head = ('{"status": %d, "truncated": %s, "output": "' % (
        runner.status, "true" if runner.dropped else "false")).encode()
    size = len(head) + 2
    for part in runner.parts():
        size += len(json.dumps(part).encode()) - 2
    try:
        await conn.head(200, (), size, keep, "application/json")
        await conn.send(head)
        for part in runner.parts():
            await conn.send(json.dumps(part)[1:-1].encode())
        await conn.send(b'"}')
    finally:
        # Its jobs, which may run on and keep the runner, write to their
        # logs now (closed): the blocks are the heap's again.
        runner.blocks = []


def _gone(conn, peek):
    """Whether the client has closed its side, looked at without waiting,
    read into peek, a buffer made before the command ran: a heap the command
    took whole had no block to read into, and the MemoryError left the
    command running for good. What it sent meanwhile (a next request) is
    kept."""
    if len(conn.buf) >= 1024:
        return False
    try:
        n = conn.reader.s.readinto(peek)
    except OSError:
        return True
    if n is None:
        return False
    if n:
        conn.buf += bytes(peek[:n])
    return not n


class Runner:
    """A command line run in a thread of its own as a session of its own,
    its output kept (_OUTPUT_MAX bytes at most, less on a heap with little
    free) in blocks filled one after the other: a new piece of heap per
    write, or per growth, would scatter the heap that the command itself
    needs."""

    def __init__(self, cmd):
        import gc
        self.cmd = cmd
        self.blocks = []
        self.fill = 0           # bytes used of the last block
        self.size = 0
        # No more than an eighth of the heap free: the command must run too.
        self.limit = min(_OUTPUT_MAX, gc.mem_free() // 8)
        self.dropped = 0
        self.status = None
        self.session = None
        self.conn = None        # the client's, while the command runs in the loop's thread
        self.looked = time.ticks_ms()
        self.left = False
        self.peek = bytearray(16)
        # Once the command ended (closed), the answer is what the blocks
        # hold: its jobs, which run on in threads of their own, write to
        # their logs instead (jobthread.Output, on the OSError). Under the
        # lock, so that no write is half done as the answer is measured.
        self.closed = False
        self.lock = system.allocate_lock()

    def write(self, text):
        with self.lock:
            if self.closed:
                raise OSError("the request has been answered")
            self._keep(text)

    def _keep(self, text):
        data = text if isinstance(text, (bytes, bytearray)) else text.encode()
        room = self.limit - self.size
        if len(data) > room:
            self.dropped += len(data) - max(room, 0)
            data = data[:max(room, 0)]
        while data:
            blocks = self.blocks
            if not blocks or self.fill == len(blocks[-1]):
                # Blocks double up to _PART: a short output takes little.
                blocks.append(bytearray(min(_PART, max(len(data), 2 * len(blocks[-1]) if blocks else 32))))
                self.fill = 0
            block = blocks[-1]
            n = min(len(block) - self.fill, len(data))
            block[self.fill:self.fill + n] = data[:n]
            self.fill += n
            self.size += n
            data = data[n:]

    def parts(self):
        """The output as text, a block at a time; a character cut in two
        by a block's end, and bytes that are not UTF-8, come out as "?"."""
        last = len(self.blocks) - 1
        for i, block in enumerate(self.blocks):
            piece = bytes(block[:self.fill] if i == last else block)
            try:
                yield piece.decode()
            except UnicodeError:
                yield "".join(chr(b) if b < 128 else "?" for b in piece)

    def input(self, prompt=""):
        raise EOFError

    def look(self):
        """Whether the client left, looked at every _WATCH_MS by the
        command's sleeps (process.sleep) and between its commands
        (shell.interrupted, as check_interrupt) while it runs in the loop's
        own thread, which cannot look meanwhile: then it is asked to stop.
        Only there: the loop reads the client's socket otherwise."""
        conn = self.conn
        if conn is None or time.ticks_diff(time.ticks_ms(), self.looked) < _WATCH_MS:
            return
        self.looked = time.ticks_ms()
        if _gone(conn, self.peek):
            self.conn = None
            self.left = True
            self.stop()

    check_interrupt = look

    def stop(self):
        """Ask the command, and what it started, to stop."""
        owner = self.session.owner if self.session is not None else None
        if owner is not None:
            procctl.set_state(owner, process.STOPPING)

    def run(self):
        import session
        import shell
        self.session = session.Session("http", self, self, self)
        status = 1
        try:
            status = shell.serve(self.session, self.cmd)
        except Exception as e:
            import errors
            self.write("sh: %s\n" % errors.words(e))
        finally:
            self.conn = None
            with self.lock:
                self.closed = True
            self.status = status
