"""uhttpd's terminal: GET /api/term upgraded to a WebSocket (websocket.py)
carrying a shell session, as telnet does, for the web desktop's page.

Client to server, text messages: the keys as a terminal sends them (Enter
"\\r", Backspace "\\x7f", Ctrl-C "\\x03", Tab, arrows "\\x1b[A" ...); a
message starting with NUL is control, JSON after it: {"cols": 100, "rows":
30} sets $COLUMNS and $LINES. Server to client, text messages: the
terminal's output, the line editor's VT100 sequences included. `exit` (or
Ctrl-D) ends the session with a Close frame; so does "idle_s" of the
telnet settings without a key (600 s).

Who does what. The shell runs in a thread of its own (threadctl.start_thread,
asked before the upgrade: 503 when none is free), as telnet's sessions do;
shell.serve() blocks, commands block, and the asyncio loop must not. The
WebSocket stays with httpd's asyncio task, which alone reads and writes
the socket: a reader task takes frames in (keys into a bounded queue,
pings, resizes, the close), and the connection's own task writes what the
shell's thread queued (bounded too: a writer waits while the client does
not read), the pongs and the closing frame. Handing the socket to the
thread instead would need a second reader of it for Ctrl-C while a command
runs (telnet's watcher thread); here the reader task is always there: a
Ctrl-C that comes while a command runs asks the command to stop at once
(procctl.set_state), and its next write raises KeyboardInterrupt. Each
side looks for the other's work every _FAST_MS while keys or output came
within BUSY_MS, else every _SLOW_MS: a blocking lock has no timeout for the
idle and stop checks, and an asyncio.ThreadSafeFlag per session would cost
the simulator a pipe that is never closed.

The terminal behaves as telnet's (telnetd.Terminal): the console's line
editor (lineedit: editing, history, Tab completion), Ctrl-C, input without
echo for passwords, $COLUMNS and $LINES. It is not telnetd's class: loading
telnetd (and what it imports) would take some 11 KiB of heap that a small
board running uhttpd does not have; what they share would belong in a
module of its own that both import.
"""
import asyncio
import json
import time
from micropython import const

import httpd
import lending
import lineplain
import netd
import procctl
import threadctl
import shell
import process
import system
import websocket

_OUT_MAX = const(4096) # output bytes queued for the client, at most
_SLOW_MS = const(20) # how often each side looks for the other's work,
_FAST_MS = const(1)  # and while keys or output came within BUSY_MS
BUSY_MS = 300
_IDLE_S = const(600) # telnet's default
INPUT_MAX = 4096    # keys typed ahead and not read yet
LINE_MAX = 1024     # a password's characters
_LISTEN_MS = const(86400000) # the reader's wait: the shell's idle timeout ends a silent session
_HEAP_MORE = const(28 * 1024) # than a job needs to start: a session's shell, and what it runs


async def answer(conn, method, headers, user):
    """Upgrade the request and serve the session until it ends; user: who
    logged in (None without logins, or with Basic)."""
    if method != "GET":
        raise httpd.Error(405, "only GET (a WebSocket upgrade) here", "GET")
    key = websocket.accept(headers)
    daemon = conn.server.daemon
    term = Terminal(daemon, system.setting(system.settings("telnet"), "idle_s", _IDLE_S) * 1000)
    try:
        threadctl.start_thread(term.run, ("web %s" % conn.ip, user), _HEAP_MORE)
    except threadctl.NoThread as e:
        raise httpd.Error(503, str(e))
    daemon.count("terminals")
    try:
        await websocket.upgrade(conn, key)
        await term.serve(conn)
    except MemoryError:
        # No HTTP answer once upgraded: the closing frame says why.
        lending.lend("logfile", "net", "http: terminal: out of memory")
        await websocket.close(conn, 1011)
    finally:
        term.end()
    # No HTTP request follows a WebSocket: the connection closes.
    raise OSError("the WebSocket closed")


class Terminal:
    """A shell session's terminal whose keys and output go through a
    WebSocket's task (see above): input(prompt) for lines, read() for keys
    (the line editor's), write(text) for output. hide_input: input(prompt,
    echo=False) reads without echo (passwd.ask)."""

    hide_input = True

    def __init__(self, daemon, idle_ms):
        self.daemon = daemon
        self.idle_ms = idle_ms
        self.session = None
        self.editor = None
        self.lock = system.allocate_lock()     # the queues, shared by two threads
        self.chars = []         # keys not read yet
        self.interrupted = False
        self.reading = True     # in input(), not running a command
        self.ended = False
        self.width, self.height = 80, 24
        self.out = []           # output queued for the client (bytes)
        self.queued = 0
        self.control = []       # frames the reader task wants sent (pongs, the close)
        self.done = False       # the shell has ended
        self.gone = False       # the client has (its connection broke)
        self.typed = time.ticks_ms()    # the last key
        self.busy = self.typed          # the last key or output

    # The shell's side (its thread)

    def run(self, name, user):
        try:
            shell.serve(netd.remote(self, name, user))
        except (netd.Stopped, OSError, KeyboardInterrupt):
            pass
        finally:
            self.done = True

    def send(self, data):
        """Queue output for the client, waiting while too much is queued."""
        while self.queued > _OUT_MAX:
            if self.ended or self.daemon.stopping:
                raise netd.Stopped()
            time.sleep_ms(_SLOW_MS)
        if self.ended:
            raise netd.Stopped()
        with self.lock:
            self.out.append(data)
            self.queued += len(data)
        self.busy = time.ticks_ms()

    def pause(self):
        """How long either side sleeps before looking again: a key's echo
        leaves at once, an idle session costs little."""
        return _FAST_MS if time.ticks_diff(time.ticks_ms(), self.busy) < BUSY_MS else _SLOW_MS

    def send_text(self, text):
        if "\r\n" in text:
            text = text.replace("\r\n", "\n")
        self.send(text.replace("\n", "\r\n").encode())

    def write(self, text):
        self.check_interrupt()
        if isinstance(text, (bytes, bytearray)):
            try:
                text = bytes(text).decode()
            except UnicodeError:
                text = "".join([chr(b) if b < 0x80 else "?" for b in text])
        self.send_text(text)

    def flush(self):
        pass

    def check_interrupt(self):
        """KeyboardInterrupt once the user pressed Ctrl-C, the client left or
        the daemon stops: what runs for the session ends."""
        self.look()
        if self.interrupted or self.ended or self.daemon.stopping:
            self.interrupted = False
            raise KeyboardInterrupt

    def input(self, prompt="", echo=True):
        """A line, prompt first; EOFError at Ctrl-D on an empty line or when
        the client left, KeyboardInterrupt at Ctrl-C."""
        self.reading = True
        self.interrupted = False
        try:
            if echo:
                return self.editor.input(prompt, process.current() is self.session.owner)
            return lineplain.plain_line(self.read, self.send_text, prompt, False, LINE_MAX)
        finally:
            self.reading = False

    def look(self):
        """While a line runs (process.sleep, check_interrupt): a Ctrl-C that
        came as the line was being read, after its Enter, was kept as a key
        (the WebSocket's task takes keys at any time), and one that came
        before the command had begun found nothing to stop: either stops
        it now (`sleep 30` ran its 30 s)."""
        if self.reading:
            return
        with self.lock:
            if "\x03" in self.chars:
                del self.chars[:self.chars.index("\x03") + 1]
                self.interrupted = True
        if self.interrupted:
            netd.interrupt(self)

    def resized(self):
        """The window size in $COLUMNS and $LINES of the session, once it
        has begun: a browser sends the size as the WebSocket opens, which
        can be before the shell's thread made the session (run() then
        sets what came). Under the lock, as two threads call it."""
        with self.lock:
            if self.session is not None:
                self.session.vars["COLUMNS"] = str(self.width)
                self.session.vars["LINES"] = str(self.height)

    def read(self):
        """The next key; "" once the client left. The session ends
        (netd.Stopped) after idle_ms without a key, or when the daemon
        stops."""
        while True:
            with self.lock:
                if self.chars:
                    return self.chars.pop(0)
            if self.ended:
                return ""
            if self.daemon.stopping:
                raise netd.Stopped()
            if time.ticks_diff(time.ticks_ms(), self.typed) > self.idle_ms:
                self.send_text("\nidle too long: session closed\n")
                self.ended = True
                raise netd.Stopped()
            time.sleep_ms(self.pause())

    # The WebSocket's side (httpd's asyncio task)

    def feed(self, text):
        """Keys from the client."""
        self.typed = self.busy = time.ticks_ms()
        with self.lock:
            if "\x03" in text:
                # Whatever was typed before it goes with it, as a terminal
                # flushes its input. A line being read gets it as a key; a
                # command running is asked to stop.
                self.chars = []
                text = text[text.rfind("\x03"):]
                if not self.reading:
                    self.interrupted = True
                    netd.interrupt(self)
                    text = text[1:]
            if len(self.chars) + len(text) <= INPUT_MAX:
                self.chars.extend(text)

    async def serve(self, conn):
        reader = asyncio.create_task(self.receive(conn))
        try:
            await self.transmit(conn)
        finally:
            reader.cancel()

    async def receive(self, conn):
        """Frames in, until the client closes, breaks the protocol or
        leaves: each ends the session."""
        partial = [None, None]
        try:
            while True:
                try:
                    opcode, data = await websocket.receive(conn, _LISTEN_MS, partial)
                except asyncio.TimeoutError:
                    continue
                if opcode == websocket.PING:
                    self.control.append(websocket.frame(websocket.PONG, data))
                elif opcode == websocket.TEXT and data[:1] == b"\0":
                    self.resize(data[1:])
                elif opcode == websocket.TEXT:
                    self.feed(data.decode())
        except websocket.Closed as e:
            code = e.args[0]
        except (OSError, MemoryError):
            # Out of heap the session ends too, giving back what it holds.
            code = None
            self.gone = True
        # The close first: the shell, ended next, must not be taken for
        # an exit (1000) by transmit, on another thread without a GIL.
        if code is not None:
            self.control.append(websocket.frame(websocket.CLOSE, code.to_bytes(2, "big")))
        self.ended = True
        netd.interrupt(self)

    def resize(self, data):
        try:
            size = json.loads(data)
            cols, rows = int(size["cols"]), int(size["rows"])
        except (ValueError, KeyError, TypeError):
            return
        if 0 < cols < 1000 and 0 < rows < 1000:
            with self.lock:
                self.width, self.height = cols, rows
            self.resized()

    async def transmit(self, conn):
        """What the shell wrote and the reader asked, out; a Close frame
        once the shell has ended (exit) or the client closed."""
        closing = False
        while True:
            await asyncio.sleep_ms(self.pause())
            if self.daemon.stopping:
                self.ended = True
                netd.interrupt(self)
                await websocket.close(conn, 1001)
                return
            while self.control:
                frame = self.control.pop(0)
                await conn.send(frame)
                closing = closing or frame[0] == 0x80 | websocket.CLOSE
            with self.lock:
                out = b"".join(self.out)
                self.out = []
                self.queued = 0
            if out and not closing:
                await websocket.send(conn, websocket.TEXT, out)
            if closing or self.gone:
                return
            if self.done and not self.out and not self.control:
                await websocket.close(conn, 1000)
                return

    def end(self):
        """The WebSocket is gone: so is the session, its command stopped."""
        self.ended = True
        netd.interrupt(self)
