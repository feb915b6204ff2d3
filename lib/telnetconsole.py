"""The console shared with one telnet client, on a board with no thread to
spare (the ESP8266), as upyOS's utelnetd shares it there (MicroPython's
dupterm): a session of its own (telnetd), with the OS's loop and netd to
serve it, does not fit beside the shell in that heap. This costs the
listening socket and this module beside the console (auth's code while a
client logs in).

One client at a time logs in (`login:` and `Password:`, within "login_s"
seconds of connecting, 3 tries; none asked after `setauth -d` or a start
with -i before any password), then types into the console's line editor
as the serial console does and sees what the console shows; a second
client is told to try later. Its `exit`, or Ctrl-D at an empty prompt,
logs it out and the console goes on; so does a client idle for "idle_s"
seconds. Ctrl-A, which asks the console for MicroPython's raw REPL, is
the serial console's only.

Served whenever the console waits: for a key (key(), in place of reading
the serial port), in each sleep of its commands and with each write of
their output (look(), which takes a Ctrl-C the client typed as
KeyboardInterrupt). A command that neither sleeps nor writes keeps a
client waiting until it ends. Where the console hosts the OS's loop
(asynchost), a wait for a key gives the loop its turns between looks at
the sockets.

The protocol is telnetd's (RFC 854): WILL ECHO and WILL SUPPRESS-GO-AHEAD
offered, the client's options and subnegotiations skipped, IAC IP a
Ctrl-C, CR LF line ends out.
"""
import select
import sys
import time
from micropython import const

import netsock
import system

NAME = "telnet"
_IAC = const(255)
_SB = const(250)
_SE = const(240)
_IP = const(244)
_WILL = const(251)
_OFFER = b"\xff\xfb\x01\xff\xfb\x03"   # IAC WILL ECHO, IAC WILL SUPPRESS-GO-AHEAD
_BUSY = b"Too many sessions, try again later.\r\n"
_TRIES = const(3)       # wrong passwords before the connection closes
_ANSWER_MAX = const(128)
_AHEAD_MAX = const(256)  # keys typed ahead of the console's reading, at most (a Ctrl-C always)
_SEND_S = const(5)      # a client that takes no output for that long is gone
_TICK_MS = const(50)    # the loop's turn in a wait for a key, where the console hosts it
_LOOK_MS = const(50)    # between looks at the sockets while a command runs (each write looks)
# Where a client is: logging in (its name, its password, the pause after a
# wrong one), or logged in (None).
_USER = const(1)
_PASSWORD = const(2)
_PAUSE = const(3)

_shared = [None]


class Shared:
    """The console's sharing: its listener, its one client (None, logging
    in or logged in) and the keys that client typed, not read yet."""

    def __init__(self, listener, host, port, insecure):
        self.listener = listener
        self.host = host
        self.port = port
        self.insecure = insecure
        conf = system.settings(NAME)
        self.login_ms = system.setting(conf, "login_s", 60) * 1000
        self.idle_ms = system.setting(conf, "idle_s", 600) * 1000
        self.poll = select.poll()
        self.poll.register(listener, select.POLLIN)
        self.poll.register(sys.stdin, select.POLLIN)
        self.console = system.console
        self.client = None
        self.state = None
        self.keys = ""
        self.logins = 0
        self.reading = False
        self.looked = time.ticks_ms()
        self.from_client = False    # the last key read was the client's

    def status(self):
        return "%s: listening on %s:%d, the console shared, %d client%s, logins %d%s" % (
            NAME, self.host, self.port, 1 if self.client else 0, "" if self.client else "s",
            self.logins, "" if _asked(self.insecure) else ", no login")

    # The console's side

    def key(self):
        """The console's next key, the serial port's or the client's."""
        self.reading = True
        try:
            while not self.keys:
                hosted = "asynchost" in sys.modules
                if self.serve(0 if hosted else -1):
                    self.from_client = False
                    return sys.stdin.read(1)
                if hosted and not self.keys:
                    system.idle(_TICK_MS)
            c = self.keys[:1]
            self.keys = self.keys[1:]
            self.from_client = True
            return c
        finally:
            self.reading = False

    def look(self):
        """Serve the sockets, without waiting; KeyboardInterrupt once the
        client typed Ctrl-C (while a line is read it is a key)."""
        if self.reading or self.listener is None:
            return
        now = time.ticks_ms()
        if time.ticks_diff(now, self.looked) < _LOOK_MS:
            return
        self.looked = now
        self.serve(0)
        at = self.keys.find("\x03")
        if at >= 0:
            self.keys = self.keys[at + 1:]
            raise KeyboardInterrupt

    def hang_up(self, raw=False):
        """True when the line that ends the console's shell was the
        client's: an exit or Ctrl-D logs it out instead, its Ctrl-A (raw:
        the raw REPL asked for) is ignored."""
        if not self.from_client:
            return False
        self.from_client = False
        if not raw:
            self.drop("logged out")
        return True

    def write(self, text):
        """Text the console shows, as the client sees it."""
        if self.client is None or self.state:
            return
        if isinstance(text, str):
            if "\r" in text:
                text = text.replace("\r\n", "\n").replace("\r", "\r\0")
            self._send(text.replace("\n", "\r\n").encode())
        else:
            self._send(bytes(text).replace(b"\xff", b"\xff\xff").replace(b"\n", b"\r\n"))

    # The sockets' side

    def serve(self, ms):
        """Take in what came, waiting up to ms (-1: until something comes or
        a deadline passes); True when the serial console has a key."""
        if self.client is not None:
            left = time.ticks_diff(self.until, time.ticks_ms())
            if left <= 0:
                self._deadline()
                return False
            ms = left if ms < 0 else min(ms, left)
        key = False
        for obj, _ in self.poll.poll(ms):
            if obj is self.listener:
                self._accept()
            elif obj is self.client:
                self._take()
            else:
                key = True
        return key

    def _accept(self):
        try:
            sock, addr = self.listener.accept()
        except OSError:
            return
        if self.client is not None:
            netsock.refuse(sock, _BUSY)
            return
        sock.settimeout(_SEND_S)
        self.client = sock
        self.ip = netsock.peer_ip(addr)
        self.poll.register(sock, select.POLLIN)
        self.keys = ""
        self.raw = b""
        self.iac = 0
        self.cr = False
        self.answer = ""
        self.tries = 0
        self.state = _USER
        self._send(_OFFER)
        self.asked = _asked(self.insecure)
        if not self.asked:
            self._attach()
            return
        import loginblock
        if loginblock.blocked(self.ip):
            self._say("Too many failed logins, try again later.\n")
            self.drop("refused (too many failures)")
            return
        self.login_end = time.ticks_add(time.ticks_ms(), self.login_ms)
        self._ask(_USER, "login: ")

    def _take(self):
        try:
            data = self.client.recv(64)
        except OSError:
            data = b""
        if not data:
            self.drop("left")
            return
        text = self._text(data)
        if not self.state:
            self._typed(text)
            return
        # A character at a time as a slice: one taken out of a str by
        # iterating or indexing is a name MicroPython keeps for good.
        for i in range(len(text)):
            c = text[i:i + 1]
            if self.cr and (c == "\n" or c == "\0"):
                self.cr = False
                continue
            self.cr = c == "\r"
            if not self.state:
                self._typed(c)
            elif self.state == _PAUSE:
                pass
            elif c == "\r" or c == "\n":
                self._answered()
            elif c == "\x03" or c == "\x04":
                self.drop("left")
                return
            elif c == "\x7f" or c == "\x08":
                if self.answer:
                    self.answer = self.answer[:-1]
                    if self.state == _USER:
                        self._say("\b \b")
            elif c >= " " and len(self.answer) < _ANSWER_MAX:
                self.answer += c
                if self.state == _USER:
                    self._say(c)
            if self.client is None:
                return

    def _typed(self, text):
        if len(self.keys) < _AHEAD_MAX:
            self.keys += text
        elif "\x03" in text:
            self.keys += "\x03"
        self.until = time.ticks_add(time.ticks_ms(), self.idle_ms)

    def _text(self, data):
        """The characters of data, the telnet commands taken out; a
        character cut at the end waits for the rest of it."""
        out = bytearray()
        iac = self.iac
        for b in data:
            if iac == 0:
                if b == _IAC:
                    iac = 1
                else:
                    out.append(b)
            elif iac == 1:
                iac = 0
                if b == _IAC:
                    out.append(b)
                elif b == _IP:
                    out.append(3)
                elif b == _SB:
                    iac = 3
                elif b >= _WILL:
                    iac = 2
            elif iac == 2:
                iac = 0     # the option of a WILL, WONT, DO or DONT
            elif iac == 3:
                if b == _IAC:
                    iac = 4
            else:
                iac = 0 if b == _SE else 3
        self.iac = iac
        data = self.raw + out
        n = len(data)
        for end in range(n, max(n - 4, -1), -1):
            try:
                text = str(data[:end], "utf-8")
            except UnicodeError:
                continue
            self.raw = data[end:]
            return text
        self.raw = b""      # not UTF-8: dropped
        return ""

    # The login

    def _ask(self, state, prompt):
        self.state = state
        self.answer = ""
        self.until = self.login_end
        self._say(prompt)

    def _answered(self):
        answer = self.answer
        if self.state == _USER:
            self.user = answer
            self._ask(_PASSWORD, "Password: ")
            return
        self._say("\n")
        import auth
        if auth.check(self.user, answer, self.ip, NAME, delay=False):
            self._attach()
            return
        self.tries += 1
        self.state = _PAUSE
        self.until = time.ticks_add(time.ticks_ms(), auth.limit("delay_ms", auth.DELAY_MS))

    def _deadline(self):
        if self.state != _PAUSE:
            self.drop("timed out")
            return
        import loginblock
        self._say("Login incorrect\n")
        if self.tries >= _TRIES or loginblock.blocked(self.ip) or \
                time.ticks_diff(self.login_end, time.ticks_ms()) <= 0:
            self.drop("login failed")
        else:
            self._ask(_USER, "login: ")

    def _attach(self):
        self.state = None
        self.logins += 1
        self.until = time.ticks_add(time.ticks_ms(), self.idle_ms)
        _forget_auth()
        import lending
        lending.lend("logfile", "net", "telnet: console shared with %s from %s"
                    % (self.user if self.asked else "-", self.ip))
        self._say("The board's console, shared with its serial port.\n")
        editor = self.console.stdin.editor
        if self.reading and editor is not None:
            line = editor.line
            self.write(editor.prompt + line + "\b" * (len(line) - editor.pos))

    def _say(self, text):
        state, self.state = self.state, None
        self.write(text)
        self.state = state if self.client is not None else None

    def _send(self, data):
        try:
            self.client.write(data)
        except OSError:
            self.drop("left")

    def drop(self, why):
        client = self.client
        if client is None:
            return
        self.client = None
        self.state = None
        self.keys = ""
        self.poll.unregister(client)
        client.close()
        _forget_auth()
        import lending
        lending.lend("logfile", "net", "telnet: %s from %s" % (why, self.ip))

    def stop(self):
        self.drop("stopped")
        self.poll.unregister(self.listener)
        self.listener.close()
        self.listener = None


class _Output:
    """The console's output, also shown to the client (a Ctrl-C it typed
    meanwhile interrupts the command writing)."""

    def __init__(self, stream, shared):
        self.stream = stream
        self.shared = shared

    def write(self, text):
        shared = self.shared
        shared.look()
        self.stream.write(text)
        shared.write(text)

    def check_interrupt(self):
        self.shared.look()


def _asked(insecure):
    """auth.asked(insecure), auth's code gone after."""
    import auth
    try:
        return auth.asked(insecure)
    finally:
        _forget_auth()


def _forget_auth():
    for name in ("auth", "hmacsha", "loginblock"):
        system.unload(name)


def control(args, port):
    """utelnetd [-i] [-q] start|stop|status on such a board; its status."""
    import daemonctl
    return daemonctl.serve(NAME, args, _shared[0], Shared.status, _end,
                           lambda insecure: _start(port, insecure))


def _start(port, insecure):
    _forget_auth()
    port = system.setting(system.settings(NAME), "port", port)
    host = netsock.address()
    try:
        listener = netsock.listen(host, port, 1)
    except OSError as e:
        import daemonctl
        return daemonctl.port_error(port, e)
    shared = _shared[0] = Shared(listener, host, port, insecure)
    console = shared.console
    console.stdin.shared = shared
    console.stdin.look = shared.look
    for holder in (console, console.owner):
        if holder is not None:
            holder.stdout = _Output(holder.stdout, shared)
            holder.stderr = _Output(holder.stderr, shared)
    print(shared.status())
    return 0


def _end(shared):
    """Stop sharing the console; True (daemonctl.serve's stop)."""
    console = shared.console
    shared.stop()
    console.stdin.shared = None
    del console.stdin.look
    for holder in (console, console.owner):
        if holder is not None:
            for name in ("stdout", "stderr"):
                stream = getattr(holder, name)
                if isinstance(stream, _Output):
                    setattr(holder, name, stream.stream)
    _shared[0] = None
    return True
