"""The telnet daemon: shell sessions for telnet clients (RFC 854).

Each client gets a session of its own (netctl.start: at most `sessions` of
them): its own working folder, variables, history and foreground command,
the exported variables shared. A session is a task of the OS's loop,
which reads its lines (the line editor fed a key at a time); each line
runs in a worker thread (offload), so a session at its prompt costs no
thread. When logins are asked (netguests.asked()) a session starts with
`login:` and `Password:`, to be answered within `login_s` seconds of
connecting, in one of `login_slots` (netguests); telnetlogin asks them,
loaded while a client logs in.

The protocol (RFC 854/855): the server offers WILL ECHO (RFC 857) and WILL
SUPPRESS-GO-AHEAD (RFC 858), so that clients send each key as typed and the
line editor echoes it, and asks DO NAWS (RFC 1073) for the window size.
Every other option is refused, and an option already in the state asked
is not answered again, so negotiation never loops. Incoming data: IAC IAC
is a 255 byte, CR LF and CR NUL are one Enter, IAC IP and IAC BRK are
Ctrl-C, IAC EC and IAC EL are backspace and Ctrl-U, IAC AYT is answered;
subnegotiations are collected (bounded) and NAWS read. Outgoing text: LF
becomes CR LF, a lone CR becomes CR NUL, 255 bytes are doubled.

The socket is non-blocking: the loop waits on it for keys and sends what
it writes without waiting on the client (a client that reads nothing for
`idle_s` is dropped), and a line running in a worker waits on it with poll
(netd). `utelnetd stop` ends every session within netd.POLL_MS (a line
running has netd.STOP_MS to end), and a session idle for `idle_s` seconds
ends. Ctrl-C while a line runs: every write of the command looks at what
the client sent, and a Ctrl-C there raises KeyboardInterrupt in the
command; the OS's loop looks at the sockets of sessions whose line runs
(netd's watch), and so does every sleep of the command's (look(), for a
line run in the loop itself), and a Ctrl-C there asks that command to stop
(procctl.set_state), which commands waiting through proc.sleep() honour at
once. Output leaves at once (TCP_NODELAY where the port has it), so that
a command's output and the next prompt are never held back by Nagle's
algorithm.
"""
import asyncio
import sys
import time
from micropython import const

import asyncloop
import errors
import lending
import lineplain
import netd
import netguests
import netsock
import offload
import process
import shell
import system

NAME = "telnet"
# The protocol's bytes (RFC 854, 857, 858, 1073), constants without names
# at run time: each name a module keeps is interned, for good.
_IAC = const(255)
_DONT = const(254)
_DO = const(253)
_WONT = const(252)
_WILL = const(251)
_SB = const(250)
_SE = const(240)
_IP = const(244)
_BRK = const(243)
_AYT = const(246)
_EC = const(247)
_EL = const(248)
_ECHO = const(1)
_SGA = const(3)
_NAWS = const(31)
_OURS = (_ECHO, _SGA)        # options the server does (WILL)
_THEIRS = (_NAWS,)           # options the server asks of the client (DO)
_SB_MAX = const(64)         # subnegotiation bytes kept
_INPUT_MAX = const(4096)    # characters typed ahead and not yet read
_LINE_MAX = const(1024)     # the longest line a session reads
_OWED_MAX = const(64)       # bytes of option replies kept for the session to send
_NOP = const(b"\xff\xf1")    # IAC NOP: asks whether the client is there (the client ignores it)


async def client(daemon, stream):
    """A telnet client, served by a task of the OS's loop from the first
    byte to the last; only its command lines run elsewhere (offload):
    a session waiting at its prompt costs no thread."""
    sock = stream.s
    term = Terminal(daemon, sock, system.setting(system.settings(NAME), "idle_s", 600) * 1000)
    term.stream = stream
    ip = netsock.peer_ip(stream.get_extra_info("peername"))
    term.negotiate()
    user = sh = None
    if netguests.asked(daemon.insecure):
        try:
            user = await _login(daemon, term, ip)
        except netguests.Expired as e:
            term.send_text("\nnot logged in: %s\n" % e)
            await term.drain()
            return
        except MemoryError:
            # Said, where it ended without a word. Not asked again: what
            # the client typed meanwhile would be read as its answer, a
            # password shown as a user's name.
            term.say(errors.SH_FULL)
            return
        if user is None:
            await term.drain()
            return
    stalled = None      # ticks_ms since the heap has been full for this session
    while sh is None:
        try:
            daemon.guests.remove(sock)
            sess = netd.remote(term, "telnet %s" % ip, user)
            lending.lend("logfile", "net", "telnet: session for %s from %s" % (user or "-", ip))
            sh = shell.begin(sess)
            sh.task = asyncio.current_task()    # what kill -s KILL cancels (jobcmd.end)
            daemon.count("logins")
        except MemoryError:
            # The heap ran out as the session was made (the others' work:
            # the esp32 soak's two sessions and an FTP upload beside it),
            # and it ended without a word. It is made again once there is
            # room, as a line at the prompt waits.
            if sh is not None:
                sh.exit(1)
                sh = None
            if stalled is None:
                stalled = time.ticks_ms()
            if not await _room_for(daemon, term, stalled):
                term.say(errors.SH_FULL)
                return
    full = False        # a full heap has been said, and no line read since
    prompted = False    # the prompt of the line being read is shown
    stalled = None      # ticks_ms since the heap has been full for this session
    try:
        while not term.exited:
            try:
                if not prompted:
                    term.editor.begin(sess.prompt(), True)
                    prompted = True
                try:
                    line = await term.line(term.editor)
                except EOFError as e:
                    prompted = False
                    if e.args:
                        continue    # Ctrl-A, the console's key for the raw REPL
                    break
                except KeyboardInterrupt:
                    prompted = False
                    sess.status = 130
                    continue
                prompted = full = False
                stalled = None
                await term.drain()      # the line's echo, before its output
                await asyncloop.turn()
                try:
                    await offload.run(_run, (term, line), lambda: netd.interrupt(term))
                finally:
                    asyncloop.end_turn()
            except MemoryError:
                # Another's work holds the heap (a job's). While a line is
                # read nothing is lost (the keys not taken wait, the prompt
                # is shown): the reading goes on once there is room, and
                # nothing is said (a client that reads up to each prompt, a
                # script's, was one answer behind after the words and a
                # second prompt). Else what this session was doing is lost,
                # said once in a line that takes no heap (it was lost
                # without a word). The session goes on once there is room
                # for a line, or after netd.STOP_MS, to see whether its
                # client is still there (it ended, its client cut off, even
                # at its prompt); unless it was killed meanwhile, whose
                # cancel the error may be. Whether its client has gone is
                # asked without heap: else the wait's own step could find no
                # heap to see it, and sessions whose clients had gone held
                # the heap full for good (the esp32 soak, once a second
                # prompt no longer asked for them).
                if stalled is None:
                    stalled = time.ticks_ms()
                if sh.stopping() or time.ticks_diff(time.ticks_ms(), stalled) > netd.STALL_MS:
                    break
                if not prompted and not full:
                    full = True
                    term.full()
                else:
                    term.say(_NOP)
                began = time.ticks_ms()
                while (time.ticks_diff(time.ticks_ms(), began) < netd.STOP_MS
                       and not sh.stopping() and not term.ended
                       and system.heap_free(system.SHELL_ROOM) < system.SHELL_ROOM):
                    await asyncio.sleep_ms(netd.FULL_MS)
    finally:
        shell.end(sess)
        # A stale reference to the terminal can outlive the session (the
        # loop's, which the collector scans conservatively): it then keeps
        # the terminal only, not the session. So can one to this ended
        # coroutine (the loop's queue keeps a stale child: netd._client),
        # whose frame kept the session in its locals.
        term.session = term.editor = term.stream = None
        sess = sh = None


def _run(term, line):
    """Run a line of the session, where offload chose."""
    sess = term.session
    sh = sess.owner
    term.looping = term.reading = False
    term.daemon.watch(term)
    try:
        sh.enter()
        term.exited = sess.run(shell, line, sh)
    finally:
        sh.leave()
        term.daemon.watch(term, False)
        term.looping = term.reading = True


async def _room_for(daemon, term, since):
    """Wait for room in the heap (system.SHELL_ROOM free) for the session
    whose heap has been full since ticks_ms since; False once that has
    lasted netd.STALL_MS, or the daemon stops, or the client has gone."""
    while system.heap_free(system.SHELL_ROOM) < system.SHELL_ROOM:
        if daemon.stopping or term.ended or time.ticks_diff(time.ticks_ms(), since) > netd.STALL_MS:
            return False
        await asyncio.sleep_ms(netd.FULL_MS)
    return True


async def _login(daemon, term, ip):
    """telnetlogin.login(), its module loaded for the clients logging in
    and dropped after the last of them (logging_in in daemon.state counts
    them: they all run in the loop)."""
    state = daemon.state
    state["logging_in"] = state.get("logging_in", 0) + 1
    try:
        with system.import_lock:
            telnetlogin = system.import_module("telnetlogin")
        return await telnetlogin.login(term, ip)
    finally:
        telnetlogin = None
        state["logging_in"] -= 1
        if not state["logging_in"]:
            with system.import_lock:
                if "telnetlogin" in sys.modules:
                    system.unload("telnetlogin")


def _utf8_size(b):
    """How many bytes the UTF-8 character whose first byte is b takes."""
    return 1 if b < 0x80 else 2 if b < 0xE0 else 3 if b < 0xF0 else 4


class Terminal:
    """A session's terminal over a telnet connection: input(prompt) for
    lines, read() for single characters (the line editor's), write(text)
    for output. hide_input: input(prompt, echo=False) reads without echo
    (passwords, passwd.ask)."""

    hide_input = True

    def __init__(self, daemon, sock, idle_ms):
        # Every attribute is made here: the loop and the session's line,
        # in another thread, use a terminal at once (see session.Session).
        self.daemon = daemon
        self.sock = sock
        self.idle_ms = idle_ms
        self.lock = system.allocate_lock()     # one reader of the socket at a time
        # The characters not read yet, UTF-8: as a list of strings they
        # took 4 bytes each, 20 each past ASCII (typed ahead to _INPUT_MAX:
        # 16 KiB and 80 KiB on a 32-bit board).
        self.chars = bytearray()
        self.ours = {}          # our options: True on, False off (absent: off, never asked)
        self.theirs = {}
        self.session = None
        self.editor = None
        self.ahead = 0          # how many characters are not read yet
        self.at = 0             # where in chars they begin
        self.raw = b""          # bytes of an unfinished command or UTF-8 sequence
        self.cr = False         # the last data byte was CR
        self.sb = None          # the subnegotiation being collected
        self.interrupted = False
        self.reading = True     # in input(), not running a command
        self.line_len = 0       # characters typed since the last line end
        self.ended = False
        self.owed = b""         # option replies the loop took in, for the session to send
        self.width = 80
        self.height = 24
        self.stream = None      # the loop's stream: what the loop writes is queued there
        self.looping = True     # the loop serves the session (no line of it runs)
        self.exited = False     # the session's shell has exited
        self.rang = [False]     # the alarm of within() has cancelled its wait

    # Output

    def negotiate(self):
        out = bytearray()
        for opt in _OURS:
            self.ours[opt] = True
            out += bytes((_IAC, _WILL, opt))
        for opt in _THEIRS:
            self.theirs[opt] = True
            out += bytes((_IAC, _DO, opt))
        self.send(out)

    def send(self, data):
        if self.ended:
            raise netd.Stopped()
        if self.owed:
            owed, self.owed = self.owed, b""
            data = owed + data
        if self.looping and self.stream is not None and asyncloop.in_loop():
            # The loop never waits on one client: it sends what the
            # socket takes, the rest at the line's end (drain()).
            self.stream.write(data)
            return
        try:
            netd.send(self.sock, data, self.daemon, self.idle_ms)
        except OSError:
            self.ended = True
            raise

    def full(self):
        """Say that the heap ran out, in words that take none of it
        (Session._out_of_memory, client())."""
        self.say(errors.SH_FULL)

    def say(self, data):
        """Send data made in advance, taking no heap; ended once the client
        has gone."""
        try:
            self.sock.write(data)
        except OSError:
            self.ended = True

    def send_text(self, text):
        """Text as it goes on the wire: CR LF line ends, CR NUL for a lone CR."""
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\r\0")
        self.send(text.replace("\n", "\r\n").encode())

    def write(self, text):
        """Output of a command: a Ctrl-C the client sent meanwhile
        interrupts the command (KeyboardInterrupt)."""
        self.check_interrupt()
        if isinstance(text, (bytes, bytearray)):
            self.send(bytes(text).replace(b"\xff", b"\xff\xff").replace(b"\n", b"\r\n"))
        else:
            self.send_text(text)

    def flush(self):
        pass

    def check_interrupt(self):
        """KeyboardInterrupt once the user pressed Ctrl-C, the client left or
        the daemon stops: what runs for the session ends. While a line is
        read, what the client sends is the reader's (a job's output must
        not take the keys typed at the prompt)."""
        if not self.reading:
            self.poll()
        if self.interrupted or self.ended or self.daemon.stopping:
            self.interrupted = False
            raise KeyboardInterrupt

    # Input

    def input(self, prompt="", echo=True):
        """A line, prompt first; EOFError at Ctrl-D on an empty line or when
        the client left, KeyboardInterrupt at Ctrl-C."""
        self.reading = True
        self.daemon.watch(self, False)
        # A read of the loop's under way ends before ours start: what it
        # takes in is then in self.chars, not left behind while we wait on
        # a socket it emptied (the session hung there).
        with self.lock:
            pass
        self.interrupted = False
        try:
            if echo and self.editor is not None:
                own = process.current() is self.session.owner
                return self.editor.input(prompt, own)
            # Before the login, and without echo: no editor.
            return lineplain.plain_line(self.read, self.send_text, prompt, echo, _LINE_MAX)
        finally:
            self.reading = False
            if self.session is not None and self.session.owner is not None:
                self.daemon.watch(self)

    async def line(self, reader):
        """The next line typed, read in the loop: reader (a begun
        lineplain.PlainEditor or lineedit.LineEditor) takes the keys, each once it took
        it (a key whose echo found the heap full is taken again). EOFError
        once the client left; netd.Stopped after idle_ms without input.
        The echo of the line's end is the caller's to send (drain()): a
        full heap there must not lose the line read."""
        try:
            while True:
                while self.keys():
                    try:
                        line = reader.key(self.peek_char())
                    except (EOFError, KeyboardInterrupt):
                        self.take_char()    # Ctrl-D, Ctrl-C: keys too
                        raise
                    self.take_char()
                    if line is not None:
                        return line
                if self.ended:
                    raise EOFError
                await self.drain()
                await self.readable()
                self.poll()
        except (EOFError, KeyboardInterrupt):
            await self.drain()
            raise

    async def readable(self):
        """Wait in the loop for the client to send something, as read()
        does in a thread."""
        waited = 0
        while True:
            step = self.idle_ms - waited
            if self.daemon.guests is not None:
                step = self.daemon.guests.check(self.sock, min(step, netd.POLL_MS))
            if await self.within(_readable(self.sock), step):
                return
            waited += step
            if waited >= self.idle_ms:
                self.send_text("\nidle too long: session closed\n")
                await self.drain()
                self.ended = True
                raise netd.Stopped()

    async def drain(self):
        """Send what the loop queued, idle_ms at most."""
        if self.stream is not None and self.stream.out_buf:
            if not await self.within(self.stream.drain(), self.idle_ms):
                self.ended = True
                raise netd.Stopped()

    async def within(self, wait, ms):
        """Await wait, a coroutine, for ms at most: False when the time
        ran out. The task itself waits, and an alarm ends the wait:
        asyncio.wait_for would take two tasks and three coroutines, and
        asyncio.funcs with them."""
        rang = self.rang
        rang[0] = False
        alarm = asyncio.create_task(netd.alarm(asyncio.current_task(), ms, rang))
        try:
            await wait
            return True
        except asyncio.CancelledError:
            # A kill's cancel that came in the loop's turn the alarm rang
            # in is one with the alarm's: the shell's stop tells them apart.
            sh = self.session.owner if self.session is not None else None
            if not rang[0] or self.daemon.stopping or sh is not None and sh.stopping():
                raise
            return False
        finally:
            alarm.cancel()

    def read(self):
        """The next character typed; "" once the client left. The session
        ends (netd.Stopped) after idle_ms without input, or when the
        daemon stops."""
        while not self.keys():
            if self.ended:
                return ""
            if not self.daemon.wait(self.sock, self.idle_ms):
                try:
                    self.send_text("\nidle too long: session closed\n")
                except OSError:
                    pass
                self.ended = True
                raise netd.Stopped()
            self.poll()
        return self.next_char()

    def next_char(self):
        """The first character not read yet, taken."""
        c = self.peek_char()
        self.take_char()
        return c

    def keys(self):
        """How many bytes typed are not read yet."""
        return len(self.chars) - self.at

    def peek_char(self):
        """The first character not read yet."""
        at = self.at
        size = _utf8_size(self.chars[at])
        return chr(self.chars[at]) if size == 1 else str(self.chars[at:at + size], "utf-8")

    def take_char(self):
        """Take the first character not read yet, with no heap (the bytes
        read go when more come, _char): a key the line editor took is never
        taken twice."""
        self.at += _utf8_size(self.chars[self.at])
        self.ahead -= 1

    def look(self):
        """Take in what the client sent while a line runs (a Ctrl-C stops
        it, also one that came before its command had begun and found
        nothing to stop); nothing while a line is read, whose keys they are."""
        if not self.reading:
            try:
                self.poll()
            except OSError:
                self.ended = True
            if self.interrupted or self.ended:
                netd.interrupt(self)

    def on_input(self):
        """The client sent something while a command runs (netd's loop):
        a Ctrl-C, or the client leaving, ends the command."""
        try:
            self.poll(watcher=True)
        except OSError:
            self.ended = True
        if self.ended:
            netd.interrupt(self)

    def on_stop(self):
        """The daemon stops: the command running ends."""
        netd.interrupt(self)

    def poll(self, watcher=False):
        """Take in what the client sent, without waiting. False when
        another thread is reading. The loop (watcher=True) leaves the
        input alone once the session reads a line itself, and sends
        nothing: a client that reads nothing must not hold it up."""
        if not self.lock.acquire(0):
            return False
        try:
            if watcher and self.reading:
                return True
            while True:
                try:
                    data = self.sock.recv(256)
                except OSError as e:
                    if e.args and e.args[0] in (11, 115):   # EAGAIN, EINPROGRESS: nothing yet
                        return True
                    raise
                if data is None:
                    return True
                if not data:
                    self.ended = True
                    return True
                self.feed(data, watcher)
                if len(data) < 256:
                    return True
        finally:
            self.lock.release()

    def feed(self, data, owe=False):
        """Parse bytes from the client into characters and option replies;
        owe: the replies go with the session's next output."""
        reply = bytearray()
        raw = self.raw + data
        self.raw = b""
        i = 0
        n = len(raw)
        while i < n:
            b = raw[i]
            if self.sb is not None:
                # Inside a subnegotiation: until IAC SE, IAC IAC a 255.
                if b == _IAC:
                    if i + 1 >= n:
                        break
                    i += 2
                    if raw[i - 1] == _SE:
                        self._subnegotiation(bytes(self.sb))
                        self.sb = None
                    elif len(self.sb) < _SB_MAX:
                        self.sb.append(raw[i - 1])
                    continue
                if len(self.sb) < _SB_MAX:
                    self.sb.append(b)
                i += 1
                continue
            if b == _IAC:
                if i + 1 >= n:
                    break
                cmd = raw[i + 1]
                if cmd in (_DO, _DONT, _WILL, _WONT):
                    if i + 2 >= n:
                        break
                    self._option(cmd, raw[i + 2], reply)
                    i += 3
                    continue
                i += 2
                if cmd == _IAC:
                    self._byte(_IAC)
                elif cmd == _SB:
                    self.sb = bytearray()
                elif cmd in (_IP, _BRK):
                    self._char("\x03")
                elif cmd == _EC:
                    self._char("\x7f")
                elif cmd == _EL:
                    self._char("\x15")
                elif cmd == _AYT:
                    reply += b"\r\n[munix: yes]\r\n"
                continue
            if b >= 0x80 and not self.cr:
                # A UTF-8 sequence, whole or kept for the next bytes.
                size = _utf8_size(b)
                if i + size > n and _IAC not in raw[i:]:
                    break
                chunk = bytes(raw[i:i + size])
                try:
                    self._char(chunk.decode())
                except UnicodeError:
                    self._char("?")
                i += size
                continue
            self._byte(b)
            i += 1
        self.raw = bytes(raw[i:])
        if len(self.raw) > 8:
            self.raw = b""      # no command or character is that long: garbage
        if reply and owe:
            self.owed = (self.owed + reply)[:_OWED_MAX]
        elif reply:
            self.send(reply)

    def _byte(self, b):
        """One data byte: CR LF and CR NUL are one Enter (CR)."""
        if self.cr:
            self.cr = False
            if b in (10, 0):
                return
        if b == 13:
            self.cr = True
        self._char(chr(b) if b < 0x80 else "?")

    def _char(self, c):
        if c == "\x03":
            # Ctrl-C: whatever was typed ahead is dropped with it. A line
            # being read gets it as a key; a command running is stopped.
            self.chars = bytearray()
            self.at = self.ahead = 0
            if not self.reading:
                self.interrupted = True
                netd.interrupt(self)
                return
        # A line longer than _LINE_MAX loses what is typed past it: a client
        # sending a megabyte without a line end must not fill the memory.
        if c in ("\r", "\n", "\x15"):
            self.line_len = 0
        elif c in ("\x7f", "\x08"):
            self.line_len = max(0, self.line_len - 1)
        elif self.line_len >= _LINE_MAX:
            return
        else:
            self.line_len += 1
        if self.ahead < _INPUT_MAX:
            if self.at:
                self.chars[:self.at] = b""
                self.at = 0
            self.ahead += 1
            if c < "\x80":
                self.chars.append(ord(c))
            else:
                self.chars.extend(c.encode())

    def _option(self, verb, opt, reply):
        """Answer DO/DONT/WILL/WONT opt: accept what is in _OURS (DO) or
        _THEIRS (WILL), refuse the rest, and answer only changes."""
        if verb in (_DO, _DONT):
            table, wanted, yes, no = self.ours, _OURS, _WILL, _WONT
            on = verb == _DO
        else:
            table, wanted, yes, no = self.theirs, _THEIRS, _DO, _DONT
            on = verb == _WILL
        if on and opt not in wanted:
            if table.get(opt) is not False:
                table[opt] = False
                reply += bytes((_IAC, no, opt))
            return
        if table.get(opt) == on:
            return      # the answer to our own request, or no change
        table[opt] = on
        reply += bytes((_IAC, yes if on else no, opt))

    def _subnegotiation(self, data):
        if len(data) == 5 and data[0] == _NAWS:
            self.width = data[1] << 8 | data[2] or 80
            self.height = data[3] << 8 | data[4] or 24
            self.resized()

    def resized(self):
        """The window size in $COLUMNS and $LINES of the session."""
        if self.session is not None:
            self.session.vars["COLUMNS"] = str(self.width)
            self.session.vars["LINES"] = str(self.height)


async def _readable(sock):
    yield asyncio.core._io_queue.queue_read(sock)
