"""The telnet daemon, utelnetd, against real clients on the loopback: the
Debian telnet client and busybox telnet through a pseudo-terminal,
Python's telnetlib (while the host Python has it), raw sockets speaking
the protocol byte by byte, and hostile ones (garbage, huge lines, silent
and slow connections, wrong passwords, commands before login, floods).

Each test boots the OS in a pseudo-terminal with the daemon on a port of
its own (written into /etc/system.conf before the boot) and a password set
in /etc/shadow.
"""
import re
import shutil
import socket
import time
import warnings

import pexpect
import pytest

from conftest import (FILL_HEAP, HEAP_HOG, LET_GO, PASSWORD, USER, DaemonBoard, admission_heap, held_heap,
                      interned_names, seed_flash)
from munixtool import boards
from munixtool import sim as simulator

TIMEOUT = 10
PROMPT = r"/[^\r\n]* \$: "
IAC, DONT, DO, WONT, WILL, SB, SE, IP = 255, 254, 253, 252, 251, 250, 240, 244
ECHO, SGA, NAWS = 1, 3, 31


class TelnetBoard(DaemonBoard):
    """The OS in a pseudo-terminal, utelnetd started on a port of its own."""

    SECTION, COMMAND = "telnet", "utelnetd"

    def settings(self):
        return {"idle_s": 30}

    def raw(self, login=True):
        c = Raw(self.port)
        if login:
            c.login()
        return c

    def spawn(self, command):
        """A telnet client program in a pseudo-terminal, logged in."""
        child = pexpect.spawn(command % ("127.0.0.1", self.port), encoding="utf-8",
                              codec_errors="replace", timeout=TIMEOUT, dimensions=(24, 120))
        child.expect("login: ")
        child.send(USER + "\r")
        child.expect("Password: ")
        child.send(PASSWORD + "\r")
        child.expect(PROMPT)
        return child


class Raw:
    """A telnet client on a plain socket: what it receives, with the option
    negotiation kept apart (self.options: the commands received)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.options = []
        self.text = b""
        self.raw = b""

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def receive(self, timeout=TIMEOUT):
        """More bytes; False at the end of the connection or on timeout."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, ConnectionError):
            return False
        if not data:
            return False
        self.raw += data
        self._parse(data)
        return True

    def _parse(self, data):
        data = self.pending + data if hasattr(self, "pending") else data
        self.pending = b""
        i = 0
        while i < len(data):
            if data[i] == IAC:
                if i + 1 >= len(data) or data[i + 1] in (DO, DONT, WILL, WONT) and i + 2 >= len(data):
                    self.pending = data[i:]
                    break
                if data[i + 1] == IAC:
                    self.text += b"\xff"
                    i += 2
                elif data[i + 1] in (DO, DONT, WILL, WONT):
                    self.options.append(bytes(data[i:i + 3]))
                    i += 3
                else:
                    self.options.append(bytes(data[i:i + 2]))
                    i += 2
            else:
                self.text += data[i:i + 1]
                i += 1

    def until(self, pattern, timeout=TIMEOUT):
        """Everything received up to and including pattern (bytes), consumed."""
        deadline = time.monotonic() + timeout
        while pattern not in self.text:
            left = deadline - time.monotonic()
            if left <= 0 or not self.receive(left):
                raise AssertionError("no %r in %r" % (pattern, self.text[-300:]))
        end = self.text.index(pattern) + len(pattern)
        got, self.text = self.text[:end], self.text[end:]
        return got

    def prompt(self):
        return self.until(b" $: ")

    def login(self):
        self.until(b"login: ")
        self.send(USER + "\r\n")
        self.until(b"Password: ")
        self.send(PASSWORD + "\r\n")
        self.prompt()

    def cmd(self, line):
        """Run a line; its output, without the echo and the prompt."""
        self.send(line + "\r\n")
        out = self.prompt().decode()
        out = out[:out.rfind("\r\n") + 2]
        return out.split("\r\n", 1)[1] if "\r\n" in out else out

    def closed(self, timeout=TIMEOUT):
        """True once the server closed the connection (all it sent read)."""
        deadline = time.monotonic() + timeout
        self.sock.settimeout(timeout)
        while time.monotonic() < deadline:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return False
            except ConnectionError:
                return True
            if not data:
                return True
            self._parse(data)
        return False

    def close(self):
        self.sock.close()


@pytest.fixture
def telnet(flash):
    b = TelnetBoard(flash)
    yield b
    b.close()


# Real clients

def test_debian_telnet_client(telnet):
    if not shutil.which("telnet"):
        pytest.skip("no telnet client (Debian package telnet)")
    c = telnet.spawn("telnet %s %d")
    c.send("echo hello $USER\r")
    c.expect(PROMPT)
    assert c.before == "echo hello $USER\r\nhello alice\r\n"
    # The line editor: completion, history, editing keys, in character mode.
    c.send("cd /et\t")
    c.expect_exact("cd /etc/")
    c.send("\r")
    c.expect(r"/etc \$: ")
    c.send("pwdx\x7f\r")
    c.expect(r"/etc \$: ")
    assert c.before == "pwdx\x08 \x08\r\n/etc\r\n"
    c.send("\x1b[A\r")
    c.expect(r"/etc \$: ")
    assert c.before.endswith("/etc\r\n")
    # Ctrl-C at the prompt gives a fresh prompt; Ctrl-D ends the session.
    c.send("\x03")
    c.expect(r"/etc \$: ")
    c.send("\x04")
    c.expect("Connection closed by foreign host")
    c.expect(pexpect.EOF)
    assert "sessions" in telnet.run("utelnetd status")


def test_busybox_telnet_client(telnet):
    if not shutil.which("busybox"):
        pytest.skip("no busybox")
    c = telnet.spawn("busybox telnet %s %d")
    c.send("cd /etc; ls init.sh\r")
    c.expect(r"/etc \$: ")
    assert c.before.endswith("init.sh\r\n")
    c.send("exit\r")
    c.expect(pexpect.EOF)


def test_telnetlib(telnet):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        telnetlib = pytest.importorskip("telnetlib")
    t = telnetlib.Telnet("127.0.0.1", telnet.port, TIMEOUT)
    t.read_until(b"login: ", TIMEOUT)
    t.write(USER.encode() + b"\n")
    t.read_until(b"Password: ", TIMEOUT)
    t.write(PASSWORD.encode() + b"\n")
    t.read_until(b"$: ", TIMEOUT)
    t.write(b"echo one; echo two\n")
    assert t.read_until(b"$: ", TIMEOUT).endswith(b"one\r\ntwo\r\n/ $: ")
    t.write(b"exit\n")
    assert t.read_all() == b"exit\r\n"
    t.close()


# The protocol

def test_option_negotiation(telnet):
    c = telnet.raw(login=False)
    c.until(b"login: ")
    assert c.options == [bytes([IAC, WILL, ECHO]), bytes([IAC, WILL, SGA]),
                         bytes([IAC, DO, NAWS])]
    c.options.clear()
    # Agreeing answers nothing; unknown options are refused once; NAWS is read.
    c.send(bytes([IAC, DO, ECHO, IAC, DO, SGA, IAC, WILL, NAWS,
                  IAC, SB, NAWS, 0, 132, 0, 50, IAC, SE,
                  IAC, DO, 99, IAC, WILL, 98, IAC, DO, 99, IAC, WILL, 24]))
    c.send(USER + "\r\n")
    c.until(b"Password: ")
    assert c.options == [bytes([IAC, WONT, 99]), bytes([IAC, DONT, 98]), bytes([IAC, DONT, 24])]
    c.send(PASSWORD + "\r\n")
    c.prompt()
    assert c.cmd("echo $COLUMNS $LINES") == "132 50\r\n"
    # Switching echo off and on again is answered each time, loops never.
    c.options.clear()
    c.send(bytes([IAC, DONT, ECHO, IAC, DONT, ECHO, IAC, DO, ECHO]))
    assert c.cmd("echo x") == "x\r\n"
    assert c.options == [bytes([IAC, WONT, ECHO]), bytes([IAC, WILL, ECHO])]
    # Are you there?
    c.send(bytes([IAC, 246]))
    c.until(b"[munix: yes]")


def test_line_ends_and_escaped_bytes(telnet):
    c = telnet.raw()
    # CR NUL, CR LF and a bare LF each end one line; IAC IAC is a 255 byte.
    c.send(b"echo a\r\0echo b\r\necho c\n")
    out = c.until(b"c\r\n/ $: ")
    assert out.count(b"/ $: ") == 3
    assert b"a\r\n" in out and b"b\r\n" in out
    # A NAWS subnegotiation split over two packets, with an escaped 255.
    c.send(bytes([IAC, SB, NAWS, 0, IAC, IAC]))
    time.sleep(0.1)
    c.send(bytes([0, 40, IAC, SE]) + b"echo $COLUMNS\r\n")
    c.until(b"255\r\n/ $: ")
    # Output: a 255 byte goes out doubled, a lone CR as CR NUL.
    c.send("> import munix; munix.proc().stdout.write(b'<\\xff>'); print('x\\ry')\r\n")
    c.prompt()
    assert b"<\xff\xff>" in c.raw and b"x\r\0y\r\n" in c.raw
    # UTF-8 typed, even split between packets.
    c.send("echo h\xc3".encode("latin-1"))
    time.sleep(0.1)
    c.send(b"\xa9llo\r\n")
    c.until("h\u00e9llo\r\n/ $: ".encode())


def test_ctrl_c_interrupts_the_command_only(telnet):
    telnet.flash.joinpath("bin", "wait.py").write_text(
        "proc = None\n\ndef __main__(args):\n    while proc.sleep(50):\n        pass\n"
        "    print('stopped')\n    return 3\n")
    c = telnet.raw()
    c.cmd("cd /etc")
    # A command that prints: the next print raises KeyboardInterrupt.
    c.send("> while True: print('y' * 10)\r\n")
    c.until(b"yyyyyyyyyy\r\n")
    c.send(bytes([IAC, IP]))
    c.until(b"/etc $: ")
    assert c.cmd("echo $?") == "130\r\n"
    # A quiet one is asked to stop (proc.sleep returns False); what it
    # prints then is interrupted, as on the console.
    c.send("wait\r\n")
    time.sleep(0.3)
    c.send(b"\x03")
    assert c.until(b"/etc $: ") == b"wait\r\n^C\r\n/etc $: "
    assert c.cmd("echo $? $PWD") == "130 /etc\r\n"


@pytest.mark.parametrize("line", [
    "while true; do sleep 1; done", "sleep 10", "sh /loop.sh",
    # The Ctrl-C comes before the second command has begun: it stops it
    # and the line (sleep 30 ran its 30 s).
    "sleep 1; sleep 30; echo not reached"])
def test_ctrl_c_ends_a_quiet_loop_and_a_script(telnet, line):
    telnet.flash.joinpath("loop.sh").write_text("while true; do sleep 1; done\necho not reached\n")
    c = telnet.raw()
    c.send(line + "\r\n")
    c.until(line.encode() + b"\r\n")
    time.sleep(0.3)
    c.send(b"\x03")
    assert b"not reached" not in c.until(b"/ $: ")
    assert c.cmd("echo $?") == "130\r\n", line


def test_a_gone_client_and_a_stopped_daemon_end_the_sessions_commands(telnet):
    def gone(status):
        # The session too, not only its command: a session still ending
        # holds its heap (~25 KiB on the esp32 profile), which the next
        # session and `utelnetd stop` need.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if "sleep" not in telnet.run("ps") and status in telnet.run("utelnetd status"):
                return True
            time.sleep(0.2)
        return False

    c = telnet.raw()
    c.send("while true; do sleep 1; done\r\n")
    time.sleep(0.3)
    c.close()
    assert gone(" 0 sessions")
    c = telnet.raw()
    c.send("sleep 100\r\n")
    time.sleep(0.3)
    assert "stopped" in telnet.run("utelnetd stop")
    assert gone("not running")
    assert c.closed()


def test_sessions_are_separate_and_share_exports(telnet):
    a, b = telnet.raw(), telnet.raw()
    a.cmd("cd /etc; X=mine; export SHARED=both")
    assert b.cmd("pwd; echo x=$X shared=$SHARED") == "/\r\nx= shared=both\r\n"
    assert a.cmd("pwd") == "/etc\r\n"
    # Ending one session leaves the other and the console alone.
    a.send("exit\r\n")
    assert a.closed()
    assert b.cmd("echo still here") == "still here\r\n"
    assert telnet.run("echo $SHARED") == "both\n"
    b.send(b"\x04")
    assert b.closed()


def test_a_session_answers_command_after_command(telnet):
    # The watcher thread, reading a session's input while its command runs,
    # could take in the next line just as the session went back to read it:
    # the session then waited on an empty socket, its line unseen (~1 in 100).
    c = telnet.raw()
    for i in range(400):
        c.send("echo %d\r\n" % i)
        assert c.until(b" $: ", timeout=5).endswith(b"%d\r\n/ $: " % i)


def test_session_limit(flash):
    t = TelnetBoard(flash, sessions=2)
    try:
        a, b = t.raw(), t.raw()
        c = Raw(t.port)
        assert c.closed()
        assert b"Too many sessions" in c.text
        a.send("exit\r\n")
        assert a.closed()
        deadline = time.monotonic() + TIMEOUT
        while True:
            d = Raw(t.port)
            if not d.closed(0.5):
                break
            assert time.monotonic() < deadline
        d.login()
        assert d.cmd("echo ok") == "ok\r\n"
        assert b.cmd("echo ok") == "ok\r\n"
    finally:
        t.close()


def test_idle_sessions_time_out(flash):
    t = TelnetBoard(flash, idle_s=1)
    try:
        c = t.raw()
        # Its second of idleness counts once the protocol serves it, which
        # loads telnet's code first: 5 s were not enough once in CI's
        # loaded suite (not reproduced here).
        assert c.closed(TIMEOUT)
        assert b"idle too long: session closed" in c.text
        assert "0 sessions" in t.run("utelnetd status")
    finally:
        t.close()


# Logins

def test_a_blocked_address_is_told_so_before_its_client_waits_for_room(flash):
    """As FTP's client is (test_net_ftp): told at once, not after a wait for
    room and telnet's code and auth's loaded for it."""
    flash = seed_flash(flash.parent / "compiled", compiled=True)
    telnet = TelnetBoard(flash, heap=admission_heap(), auth={"delay_ms": 10, "failures": 2, "block_s": 60})
    try:
        c = Raw(telnet.port)
        for _ in range(2):
            c.until(b"login: ")
            c.send(USER + "\r\nwrong\r\n")
            c.until(b"Login incorrect\r\n")
        assert c.closed()
        # 12 KiB left: no room for telnet's code beside netd's _ROOM (some
        # 27 KiB), room for taking the client in and the check of its
        # address (loginblock). With 4 the rp2040 lane's check found none at
        # times, and the client was told the server was busy, as
        # netguests.blocked() lets it through where the heap is full. FTP's
        # test failed so on that lane with 8 and again with 12, the job
        # holding the heap running on the other core: not the margin alone,
        # cause not found.
        held_heap(telnet, flash, 12000, 12)
        d = Raw(telnet.port)
        assert d.until(b"\r\n") == b"Too many failed logins, try again later.\r\n"
        d.close()
        telnet.board.run("wait", timeout=2 * TIMEOUT)
    finally:
        telnet.close()


def test_wrong_passwords_and_commands_before_login(telnet):
    c = telnet.raw(login=False)
    for attempt in ("touch /pwned", "ls"):
        c.until(b"login: ")
        c.send(attempt + "\r\n")
        c.until(b"Password: ")
        c.send("echo hi\r\n")
        c.until(b"Login incorrect\r\n")
    c.until(b"login: ")
    c.send(USER + "\r\nnot it\r\n")
    assert c.closed()
    assert b"hi" not in c.text     # the password is never echoed
    assert not telnet.flash.joinpath("pwned").exists()
    # The address is blocked (failures 4) until block_s has passed.
    d = Raw(telnet.port)
    d.until(b"login: ")
    d.send(USER + "\r\nwrong\r\n")
    assert d.closed()
    e = Raw(telnet.port)
    assert e.closed()
    assert b"Too many failed logins" in e.text
    time.sleep(2.2)
    telnet.raw().close()
    log = telnet.flash.joinpath("tmp", "net.log").read_text()
    assert "telnet: login failed for alice from 127.0.0.1" in log
    assert "echo hi" not in log and "not it" not in log


def test_the_login_code_goes_with_the_last_client_logging_in(telnet):
    """telnetlogin is loaded while clients log in: one logged in leaves it
    to the other still at `login:`, and the last one takes it away."""
    loaded = "> import sys; print('telnetlogin' in sys.modules)"
    c = telnet.raw(login=False)
    d = telnet.raw(login=False)
    d.until(b"login: ")
    assert telnet.run(loaded) == "True\n"
    c.login()
    assert telnet.run(loaded) == "True\n"
    d.send(USER + "\r\n")
    d.until(b"Password: ")
    d.send(PASSWORD + "\r\n")
    d.prompt()
    assert telnet.run(loaded) == "False\n"
    assert c.cmd("echo hi") == "hi\r\n"
    c.close()
    d.close()


def test_no_login_without_passwords(flash):
    t = TelnetBoard(flash, password=False, start=False)
    try:
        assert "no password set" in t.run("utelnetd start")
        assert "listening" in t.run("utelnetd -i start")
        c = Raw(t.port)
        c.prompt()
        assert c.cmd("echo open") == "open\r\n"
        assert "no login (-i)" in t.run("utelnetd status")
    finally:
        t.close()


def test_passwords_typed_in_a_session_are_not_echoed(telnet):
    c = telnet.raw()
    c.send("setauth bob\r\n")
    c.until(b"New password for bob: ")
    c.send("bobs-secret\r\n")
    c.until(b"Again: ")
    c.send("bobs-secret\r\n")
    c.prompt()
    assert b"bobs-secret" not in c.raw
    assert "bob:" in telnet.flash.joinpath("etc", "shadow").read_text()


# Life cycle

def test_start_stop_status(telnet):
    c = telnet.raw()
    assert "already running" in telnet.run("utelnetd start")
    out = telnet.run("utelnetd status")
    assert "telnet: listening on 127.0.0.1:%d, 1 session, logins 1" % telnet.port in out
    assert "stopped" in telnet.run("utelnetd stop")
    assert c.closed()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", telnet.port), timeout=TIMEOUT)
    assert "not running" in telnet.run("utelnetd status; echo status=$?")
    assert "status=0" in telnet.run("utelnetd -q stop; echo status=$?")
    assert "listening" in telnet.run("utelnetd start")
    telnet.raw().close()
    assert "usage" in telnet.run("utelnetd restart")


def test_a_session_stopping_the_daemon(telnet):
    c = telnet.raw()
    c.send("utelnetd stop\r\n")
    assert c.closed()
    assert "not running" in telnet.run("utelnetd status")


def test_end_sh_stops_the_daemon(telnet):
    c = telnet.raw()
    telnet.board.send("exit\r")
    telnet.board.expect("telnet: stopped")
    assert c.closed()


# Hostile clients

def test_hostile_clients_leave_the_others_unharmed(telnet):
    good = telnet.raw()
    # Garbage bytes (commands, options, broken UTF-8, Ctrl-D: the session
    # may well end), and a 1 MB line on a session that survives it.
    bad = telnet.raw()
    try:
        bad.send(bytes(range(256)) * 20)
        bad.send(bytes([IAC, SB, NAWS]) + b"\x01" * 5000 + bytes([IAC, SE]))
    except ConnectionError:
        pass
    huge = telnet.raw()
    huge.send(b"echo " + b"A" * 1_000_000 + b"\r\n")
    assert len(huge.prompt()) < 2 * 1024 + 100      # cut at 1024 characters
    assert huge.cmd("echo $((1 + 1))") == "2\r\n"
    assert good.cmd("echo fine") == "fine\r\n"
    # Half-open (silent) and slowloris (a byte now and then) before login.
    silent = Raw(telnet.port)
    slow = Raw(telnet.port)
    slow.send(b"al")
    assert good.cmd("ls /etc/init.sh") == "/etc/init.sh\r\n"
    bad.close()
    huge.close()
    silent.close()
    slow.close()
    assert good.cmd("echo still fine") == "still fine\r\n"
    assert "listening" in telnet.run("utelnetd status")


def test_fifty_connections_at_once(telnet):
    good = telnet.raw()
    socks = []
    for _ in range(50):
        try:
            socks.append(Raw(telnet.port))
        except OSError:
            pass
    # Two at most not logged in (login_slots), an old one giving its slot
    # to a newer: the others are told to come back later (two of them once
    # they have waited 3.5 s for a slot).
    busy = sum(1 for s in socks if s.closed(6) and (b"Too many sessions" in s.text
                                                    or b"took the slot" in s.text))
    name = simulator.board_name()
    if name and boards.get(name).pcbs[0] < len(socks):
        # lwIP's few TCP connections (an RP2040's 5): past them, a client is
        # closed by the stack itself, unanswered; none is left waiting.
        busy += sum(1 for s in socks if s.closed(0) and not s.text)
    assert busy >= len(socks) - 2
    assert good.cmd("echo alive") == "alive\r\n"
    for s in socks:
        s.close()
    deadline = time.monotonic() + TIMEOUT
    while True:
        c = Raw(telnet.port)
        if not c.closed(0.5):
            break
        assert time.monotonic() < deadline
    c.login()
    assert c.cmd("echo again") == "again\r\n"


HEAP = "import gc\n\ndef __main__(args):\n    gc.collect()\n    print('heap', gc.mem_alloc())\n"

# A board with PSRAM (the esp32s3 and esp32cam profiles, 8 and 4 MiB of
# heap): the shell keeps what its lines load there, and a worker waiting
# for a line takes 7.5 KiB of it (1.4 KiB on the esp32 profile), whatever
# the heap left (filled to the esp32 profile's, it took as much), and
# none of it the ended session's (a 16 KiB variable the session set was
# not among it): 12 KiB there, which a kept session on top would pass.
# Elsewhere 4 KiB, less than the session it kept (8.6 KiB).
_BOARD = boards.get(simulator.board_name()) if simulator.board_name() else None
WAITING_WORKER_MAX = 4096 if not (_BOARD and _BOARD.psram) else 12288
# The heap of the esp32 profile, the biggest without PSRAM.
ESP32_HEAP = boards.get("esp32").heap


def heap_of_the_esp32(board):
    """On a board with PSRAM, fill the heap (in the console, kept there)
    until as much is left as on the esp32 profile, and in one piece, as
    there, so that what fills the rest takes as long as there. (What the
    blocks of 16 KiB left was in the holes between the OS's own, none big
    enough for a job's 3 KiB on the esp32cam profile.)"""
    if not (_BOARD and _BOARD.psram):
        return
    # Blocks of each size until the heap has none, in a chain (a list's
    # growth needs a bigger block each time), then the spare goes: all in
    # one line, compiled before the heap is full.
    board.run("> import gc; gc.collect(); hog = None; spare = bytearray(%d - gc.mem_alloc()); "
              "exec('for n in (16384, 1024, 64):\\n try:\\n  while 1: hog = [hog, bytearray(n)]\\n"
              " except MemoryError: pass\\nspare = None')" % ESP32_HEAP)
    free = int(board.run("> gc.collect(); print(gc.mem_free())").split()[-1])
    assert free < ESP32_HEAP, free


def test_moving_over_what_was_typed_leaves_no_names_behind(telnet):
    """The editor showed the character the cursor moved over (Right) as one
    taken out of the line: MicroPython keeps each character taken so for
    good, and every new one a client moved over took heap that no
    collection gave back."""
    c = telnet.raw()
    c.cmd("# warm")
    c.send("#x\x1b[D\x1b[C\r\n")
    c.prompt()
    before = interned_names(telnet)
    typed = "".join(chr(0x4e00 + i) for i in range(40))
    c.send("#" + typed + "\x1b[H" + "\x1b[C" * 41 + "\r\n")
    c.prompt()
    assert interned_names(telnet) - before < 5


LINES_PAST_ASCII = [
    ("echo {a}{b} {b} x", "{a}{b} {b} x"),
    ("x='{a}'; echo \"$x{b}\" ${{x}} $(echo {b}) `echo {a}` \\{b} x", "{a}{b} {a} {b} {a} {b} x"),
    ("echo ${{y:-{a}}}{b} \"${{y:-{b}}}\" $((1+1)) 2>/dev/null", "{a}{b} {b} 2"),
    ("case {a} in {a}) echo in;; esac", "in"),
    ("{a}{b}", "{a}{b}: command not found"),
    ("echo x {b}", "x {b}"),
    ("set -{a} 2>&1", "sh: set: -{a}: unknown option"),
    ("echo {a}{b} | grep {b}", "{a}{b}"),
    ("echo {a}{b} | grep -i {b}", "{a}{b}"),
    ("setauth {a}:{b} 2>&1", "setauth: {a}:{b}: not a user name (letters, digits, _ . -)"),
    ("echo {a}{b}x{a} | tr {a}x {b}y", "{b}{b}y{b}"),
    ("echo {a}{b}{b}x | tr -s -d {a} {b}", "{b}x"),
    ("echo 1{a}2{b}3 | tr -c '0-9\\n' -", "1-2-3"),
    ("echo 1{a}2{b}3 > /tmp/r; IFS={a}{b} read p q r < /tmp/r; echo $q$r", "23"),
]


def test_lines_past_ascii_leave_no_names_behind(flash):
    """The shell read a line a character at a time (its parser, glob and
    case patterns, cmdargs each argument's first ones, a plain line's first
    and last characters, set's options), and so did grep -i's pattern,
    setauth's user, tr and read's IFS: MicroPython keeps each character
    taken out of a str for good, and every new one a user typed took heap
    that no collection gave back. On a board profile with 32 KiB more heap
    than the board's: the names are what is tested, and on the esp32's
    these lines leave 4 KiB free at their busiest (a line failed for want
    of heap once in CI)."""
    name = simulator.board_name()
    telnet = TelnetBoard(flash, heap=boards.get(name).heap + 32 * 1024 if name else None)
    try:
        c = telnet.raw()
        for line, _ in LINES_PAST_ASCII:
            c.cmd(line.format(a="q", b="w"))
        c.cmd("ls -l /tmp/x -y /x")
        before = interned_names(telnet)
        for n in range(8):
            a, b = chr(0x4e00 + 2 * n), chr(0x4e01 + 2 * n)
            for line, out in LINES_PAST_ASCII:
                assert c.cmd(line.format(a=a, b=b)) == out.format(a=a, b=b) + "\r\n"
            c.cmd("ls -l /tmp/%s -%s /x" % (a, b))
        assert interned_names(telnet) - before < 5
    finally:
        telnet.close()


def test_keys_typed_ahead_take_their_bytes_only(telnet):
    """What a client types while a command runs waits for the session's
    next reads (INPUT_MAX characters at most): kept as a list of strings,
    each took 20 bytes past ASCII on a 32-bit board, and 3,500 of them
    filled the esp32 profile's heap."""
    (telnet.flash / "tmp" / "heap.py").write_text(HEAP)

    def heap():
        return int(telnet.run("/tmp/heap").split()[-1])

    word = "\u00e9" * 500
    c = telnet.raw()
    c.send("sleep 2\r\n")
    time.sleep(0.5)
    before = heap()         # a command running (its thread), nothing typed ahead
    c.prompt()
    c.send("sleep 3\r\n")
    c.send(("echo %s %%d\r\n" % word * 7) % tuple(range(7)))
    time.sleep(1)
    assert heap() - before < 16384
    c.prompt()
    for n in range(7):
        assert ("\r\n%s %d\r\n" % (word, n)).encode() in c.prompt()
    assert c.cmd("echo done") == "done\r\n"


def test_an_ended_session_leaves_nothing_in_the_heap(telnet):
    """The watcher, idle again, kept the last terminal it had watched,
    and with it the ended session (here a 16 KiB variable), until it
    watched another."""
    (telnet.flash / "tmp" / "heap.py").write_text(HEAP)

    def heap():
        return int(telnet.run("/tmp/heap").split()[-1])

    def session(*lines):
        c = telnet.raw()
        for line in lines:
            c.cmd(line)
        c.send("exit\r\n")
        assert c.closed()

    # What a session loads stays (the parser, for the loop): not measured.
    session("x=0; for i in 1; do x=$x$x; done", "sleep 0.3")
    before = heap()
    session("x=0123456789abcdef; for i in 1 2 3 4 5 6 7 8 9 10; do x=$x$x; done",
            "sleep 0.3")
    deadline = time.monotonic() + TIMEOUT
    while heap() - before > 8192 and time.monotonic() < deadline:
        time.sleep(0.2)     # the session's thread may still be ending
    held = heap() - before
    # What may hold the session, said when it does (CI's run of b22c319,
    # once in three runs that day: 19 KiB held for TIMEOUT seconds).
    where = "" if held < 8192 else telnet.run("ps -l") + telnet.run(
        "< (lambda d: (d.sessions, len(d.tasks), len(d.watched), len(d.clients)))"
        "(__import__('netd').get('telnet'))")
    assert held < 8192, where


def test_a_waiting_line_worker_keeps_nothing_of_an_ended_session(telnet):
    """A worker waiting for the next line (offload.IDLE_MS) kept the last
    line's function and arguments as stale words of its frame: the ended
    session's terminal and telnetd's code, dropped by netd, stayed in the
    heap until the worker ended (8.6 KiB on the esp32 profile, where this
    failed; the default simulator's stale words happened to miss them).
    What is measured is the waiting worker with whatever it keeps: see
    WAITING_WORKER_MAX for the boards with PSRAM.

    The collector reads the worker's C stack word by word, and a word a
    frame leaves unwritten can point at what the last line used. Which
    words those are depends on where the worker is when the collector
    looks: asleep, or waiting for the GIL (the esp32 profiles) on a busy
    machine; so what it keeps is the least of three looks during its
    wait (a single look under CI's load once read 9 KiB more: the size
    of the ended session's protocol code). What its frames keep, the
    fault this test is for, shows in every look."""
    (telnet.flash / "tmp" / "heap.py").write_text(HEAP)

    def heap():
        return int(telnet.run("/tmp/heap").split()[-1])

    def waiting_heap():
        looks = []
        for _ in range(3):
            looks.append(heap())
            time.sleep(0.1)
        return min(looks)

    def session():
        c = telnet.raw()
        c.cmd("echo hi")
        c.send("exit\r\n")
        assert c.closed()

    # On a heap of 512 KiB or more netd keeps a daemon's code for a second
    # after its last client (system.ROOMY_HEAP): a session kept open holds it in
    # both measurements, which then differ by what the worker keeps only.
    keeper = telnet.raw() if telnet.run("> import system; print(system.ROOMY_HEAP)") == "True\n" else None
    try:
        session()
        time.sleep(3)           # its worker has ended
        before = heap()
        session()
        assert waiting_heap() - before < WAITING_WORKER_MAX
    finally:
        if keeper is not None:
            keeper.close()


def test_a_full_heap_leaves_the_daemon_running(telnet):
    """The loop looks at the sockets of sessions running a command, and
    that takes heap: with none left, the MemoryError ended the listener's
    task, and with it the daemon, its sessions cut off. On a board with
    PSRAM the heap is first filled to the esp32 profile's, so that the hog
    fills the rest within its moment, as there (filling 4 or 8 MiB in
    2-tuples took longer than the test's sleeps under load, and the heap
    was not yet full when the clients came)."""
    (telnet.flash / "tmp" / "hog.py").write_text(HEAP_HOG)
    heap_of_the_esp32(telnet)
    c = telnet.raw()
    c.send("sleep 4\r\n")
    time.sleep(0.3)
    telnet.run("/tmp/hog 2000 &")
    time.sleep(0.5)
    clients = []
    for _ in range(3):
        clients.append(socket.create_connection(("127.0.0.1", telnet.port), timeout=5))
    time.sleep(2)
    for client in clients:
        client.close()
    telnet.run("wait")
    c.close()
    deadline = time.monotonic() + TIMEOUT
    while " 0 sessions" not in telnet.run("utelnetd status") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert " 0 sessions" in telnet.run("utelnetd status")


def session_beside_a_full_heap(telnet, ms, spare=0, keep=False):
    """A session logged in, which has run a line; then HEAP_HOG run as a
    job for ms, spare KiB left (as on the esp32 profile; with keep, what is
    freed taken back): returns once the heap is held."""
    heap_of_the_esp32(telnet)
    c = telnet.raw()
    assert c.cmd("echo one") == "one\r\n"
    held_heap(telnet, telnet.flash, ms, spare, keep)
    return c


def test_a_session_outlives_lines_typed_into_a_full_heap(telnet):
    """Lines typed while a job holds the whole heap run once it lets go, or
    fail in a line that says so (the session said nothing, and gave a
    prompt at each try, a row of them): each is answered once, with one
    prompt, and the session is still there."""
    c = session_beside_a_full_heap(telnet, 1500)
    time.sleep(0.5)
    for _ in range(3):
        c.send("echo x\r\n")
        time.sleep(0.2)
    time.sleep(1.5)
    telnet.run("wait")
    c.send("echo again\r\n")
    got = c.until(b"again\r\n")
    answers = got.split(b"/ $: ")
    assert len(answers) == 4 and answers[-1] == b"echo again\r\n", got
    for answer in answers[:3]:
        assert re.fullmatch(rb"echo x\r\n(x|\w+: memory allocation failed[^\r\n]*)\r\n", answer), got
    c.close()


def test_a_session_waiting_at_its_prompt_through_a_full_heap_says_nothing(telnet):
    """The heap fills while a session waits at its prompt, nothing typed:
    nothing is lost, so nothing is said. Its wait for the client's keys
    takes heap, and its MemoryError said "sh: memory allocation failed"
    and gave a second prompt: a client that reads up to each prompt (a
    script's, the soak's) was one answer behind from then on."""
    c = session_beside_a_full_heap(telnet, 1500)
    time.sleep(2.5)
    telnet.run("wait")
    c.send("echo again\r\n")
    got = c.until(b"again\r\n/ $: ")
    assert got == b"echo again\r\nagain\r\n/ $: ", got
    c.close()


# Holds the whole heap for ARG ms, or until the telnet daemon has no
# session left; then says which came first. It looks without heap.
SESSIONS_WATCH = """import time
import netd

def __main__(args):
    daemon = netd.get("telnet")
    ended = [False]
""" + FILL_HEAP + """    deadline = time.ticks_add(time.ticks_ms(), int(args[0]))
    while time.ticks_diff(deadline, time.ticks_ms()) > 0:
        if not daemon.sessions:
            ended[0] = True
            break
        time.sleep_ms(50)
""" + LET_GO + """    print("ended" if ended[0] else "held")
"""


def test_a_session_whose_client_leaves_while_the_heap_is_full_ends(telnet):
    """A session waiting at its prompt through a full heap waits for room
    without a word; its client leaving meanwhile went unseen, as seeing it
    took heap: such sessions held the heap full for good once their
    clients had gone (the esp32 soak). The session now asks whether its
    client is there in bytes made in advance (a telnet NOP), and ends."""
    (telnet.flash / "tmp" / "watch.py").write_text(SESSIONS_WATCH)
    heap_of_the_esp32(telnet)
    c = telnet.raw()
    assert c.cmd("echo one") == "one\r\n"
    telnet.run("/tmp/watch 12000 > /tmp/watch.out &")
    time.sleep(0.5)
    c.close()
    out = telnet.flash / "tmp" / "watch.out"
    deadline = time.monotonic() + 2 * TIMEOUT
    while not (out.is_file() and out.read_text()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert out.read_text() == "ended\n"
    telnet.run("wait")


def test_a_session_the_heap_stays_full_for_ends(telnet):
    """Sessions that wait for heap that they hold between them waited for
    good: after the esp32 soak two telnet sessions (and two FTP ones) held
    35 KiB, their lines unread, and the console could run nothing more. A
    session for which the heap has been full for netd.STALL_MS (20 s) now
    ends, and so lets the others go on. A first line may still find room
    (what the console's line frees once the job holds the heap) and fail
    in the shell, the session then at its prompt needing no heap: the
    second, typed once the job has taken that back, waits for heap."""
    c = session_beside_a_full_heap(telnet, 30000, keep=True)
    held = time.monotonic()
    time.sleep(0.5)
    c.send("echo x\r\n")
    time.sleep(1)
    c.send("echo y\r\n")
    # When the session said what, should it not end in time, tells whether
    # the heap had room (at once) or the session did not end when it had
    # none (once the job let go). Its NOPs (asking whether the client is
    # there) are no text.
    said = []
    while time.monotonic() < held + 40 and c.receive(held + 40 - time.monotonic()):
        if not said or said[-1][1] != c.text:
            said.append(("%.1f s" % (time.monotonic() - held), c.text))
    took = time.monotonic() - held
    assert took < 30, "the session ended only once the heap had room (%.1f s), having said %r" % (took, said)
    let_go = held + 30
    time.sleep(let_go - time.monotonic() + 0.5)
    telnet.run("wait")
    assert telnet.raw().cmd("echo back") == "back\r\n"


def test_a_login_the_heap_runs_out_under_is_never_ended_without_a_word(telnet):
    """The heap ran out as a client that had been let in logged in, or as
    its session was made (the esp32 soak, two sessions and an FTP upload
    beside it), and the session ended at once without a word
    ("telnet: MemoryError" in the log, the client reset). A session the
    heap has no room to make waits for it, as one at its prompt does; a
    login cut short says so in words made in advance, and is not asked
    again (what the client typed meanwhile would be read as its answer: a
    password shown as a user's name). Here a job holds the whole heap
    from the password on, for 2 s."""
    heap_of_the_esp32(telnet)
    telnet.raw().close()        # telnet's code loaded: the next client is let in at once
    c = Raw(telnet.port)
    c.until(b"login: ")
    c.send(USER + "\r\n")
    c.until(b"Password: ")
    held_heap(telnet, telnet.flash, 2000, 0, keep=True)
    held = time.monotonic()
    c.send(PASSWORD + "\r\n")
    if c.closed(TIMEOUT):
        # The line after the hidden password may come first (CI, once).
        assert c.text.strip() == b"sh: memory allocation failed", c.text
    else:
        c.prompt()
    # The console's next line once the job has let go: a line typed at it
    # while the heap is full may fail as a whole.
    time.sleep(max(0, held + 2.5 - time.monotonic()))
    telnet.run("wait")
    if c.closed(0.1):
        c = telnet.raw()
    assert c.cmd("echo back") == "back\r\n"
    assert PASSWORD.encode() not in c.raw
    c.close()


@pytest.mark.parametrize("spare", [1, 2])
def test_a_line_that_finds_no_heap_is_never_lost_without_a_word(telnet, spare):
    """A job holds the heap but a KiB or two while a line comes: the line
    runs, or fails in a line that says so (the shell's or the program's). With no heap left even for
    that line's words, the session said nothing (the line echoed, then a
    prompt alone; the esp32 soak's telnet failures): the terminal now
    says it in words made in advance."""
    c = session_beside_a_full_heap(telnet, 1500, spare)
    time.sleep(0.5)
    c.send("echo soak\r\n")
    time.sleep(1.5)
    telnet.run("wait")
    c.send("echo again\r\n")
    got = c.until(b"again\r\n")
    said = got.split(b"echo soak\r\n", 1)[1].split(b"/ $: ", 1)[0]
    # The shell's words, or the program's own (echo: ...), in one line.
    assert said == b"soak\r\n" or re.fullmatch(rb"\w+: memory allocation failed[^\r\n]*\r\n", said), got
    c.close()


@pytest.mark.xfail(simulator.board_name() in ("rp2040",), strict=True,
                   reason="issue 27: a board without a thread to spare runs a telnet line in the"
                   " loop itself, which Python that never ends holds, with every daemon, until reset")
def test_python_that_ignores_a_stop_never_leaves_the_daemon_half_stopped(telnet):
    """No thread can interrupt Python running in another: `> while True:
    pass` over telnet ran on, unlisted, and `utelnetd stop` left the daemon
    "ignoring" for good. The line is now a process of its own, listed as
    ignoring, and the daemon ends without it, its client cut off."""
    c = telnet.raw()
    c.send("> while True: pass\r\n")
    time.sleep(0.5)
    c.send("\x03")
    deadline = time.monotonic() + TIMEOUT
    while "ignoring" not in telnet.run("ps") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert re.search(r"ignoring .* > while True: pass", telnet.run("ps"))
    assert "stopped" in telnet.run("utelnetd stop")
    ps = telnet.run("ps")
    assert "utelnetd" not in ps and "> while True: pass" in ps, ps
    assert c.closed()
    started = telnet.run("utelnetd start")
    if re.fullmatch(r"utelnetd: too little heap: \d+ KiB free, its code and \d+ KiB needed\n", started):
        # The line keeps its session (and the protocol's code) while it
        # runs, and on the esp32 profile, in about one run in ten with
        # three boards at once, 9 KiB more until it ends (18 KiB free after
        # a collection, not 27): a stale word of its thread's stack (gdb)
        # points to a function of the `ps` the console ran meanwhile, which
        # keeps ps's module, jobcmd and the program API. The collector
        # reads words as pointers; a board's reads a thread's whole stack.
        # The start is then refused for heap, in one line, and the daemon
        # is not half there.
        assert telnet.run("utelnetd status") == "telnet: not running\n"
        return
    assert "listening" in started, started
    assert telnet.raw().cmd("echo again") == "again\r\n"


def test_a_python_sleep_over_telnet_ends_at_ctrl_c(telnet):
    """time.sleep() in a Python line looks at the stop request that a
    Ctrl-C over telnet makes: the loop ran on for ever."""
    c = telnet.raw()
    c.send("> while True: time.sleep(1)\r\n")
    time.sleep(0.5)
    c.send("\x03")
    c.prompt()
    assert c.cmd("echo $?") == "130\r\n"
    assert c.cmd("> time.sleep_ms(10); print(time.ticks_ms() > 0)") == "True\r\n"


def session_shell(telnet):
    """The pid of the telnet session's shell, as the console's ps shows it."""
    for row in telnet.run("ps").splitlines():
        if " 127.0.0.1 " in row and row.rstrip().endswith(" sh"):
            return row.split()[0]
    raise AssertionError(telnet.run("ps"))


# The esp32 profile's heap cannot hold a loop's parser beside a telnet
# session and kill's modules at once (7.4 KiB left: issue 27): there the
# session's foreground command is a sleep, which kill stops the same way.
LOOP = "sleep 60" if simulator.board_name() == "esp32" else "while true; do :; done"


# Run in the OS's loop: once the alarm of the session's wait for its
# client has rung, before the session's task wakes to it, what kill -s
# KILL does to the session's shell (jobcmd.end; the cancel comes from the
# loop's inbox).
KILL_WITH_THE_ALARM = """import asyncio
import process
import procctl


async def __main__(args):
    sh = [p for p in process.table() if p.pid == int(args[0])][0]
    rang = sh.session.stdout.rang
    while not rang[0]:
        await asyncio.sleep_ms(0)
    procctl.stop(sh)
    sh.task.cancel()
"""


def test_a_kill_that_comes_with_the_idle_alarm_still_ends_the_session(telnet):
    """A session at its prompt waits for its client in steps of a quarter
    second, each ended by an alarm that cancels the wait; a kill whose
    cancel came in the same turn of the loop as the alarm's was taken for
    the alarm's, and the session went on, its shell "ignoring" for good
    (the rp2040 lane, 1 run in 11 under load). Here it comes in that turn."""
    idle = telnet.raw()
    pid = session_shell(telnet)
    (telnet.flash / "tmp" / "killrace.py").write_text(KILL_WITH_THE_ALARM)
    assert telnet.run("/tmp/killrace %s" % pid) == ""
    assert idle.closed()
    assert " 127.0.0.1 " not in telnet.run("ps")


def test_the_console_stops_a_sessions_loop_with_kill(telnet):
    """A shell loop of built-ins over telnet could be stopped only by a
    Ctrl-C there: the console's kill of the session's shell said "sh owns
    session telnet ...: exit ends it". It now stops the foreground command,
    as Ctrl-C in that session does (status 130), and the session goes on;
    kill -9 ends the session."""
    c = telnet.raw()
    # Looked up first: with the loop running, the esp32 profile's heap has
    # no room for ps beside it.
    pid = session_shell(telnet)
    c.send(LOOP + "\r\n")
    time.sleep(0.5)
    assert telnet.run("kill %s; echo st=$?" % pid) == "st=0\n"
    c.prompt()
    assert c.cmd("echo $?") == "130\r\n"
    ps = telnet.run("ps")
    assert [row.split()[0] for row in ps.splitlines() if " 127.0.0.1 " in row] == [pid], ps
    assert c.cmd("echo ok") == "ok\r\n"
    c.send("sleep 30\r\n")
    time.sleep(0.5)
    assert telnet.run("kill -9 %s; echo st=$?" % pid) == "st=0\n"
    assert c.closed()
    assert " 127.0.0.1 " not in telnet.run("ps")
    idle = telnet.raw()
    pid = session_shell(telnet)
    assert telnet.run("kill -s KILL %s; echo st=$?" % pid) == "st=0\n"
    assert idle.closed()
    assert telnet.raw().cmd("echo again") == "again\r\n"


def test_a_login_leaves_no_log_writer_loaded(telnet):
    """A login's line in the network log loaded logfile, which stayed
    beside every client while another session's line ran (a small board's
    shell drops its helpers only when no line runs: the esp32's busiest
    moment of issue 27 had it loaded). The log's writer goes once the line
    is written."""
    a = telnet.raw()
    a.send("sleep 4\r\n")
    b = telnet.raw()
    assert b.cmd("echo in") == "in\r\n"
    assert telnet.run("< 'logfile' in sys.modules") == "False\n"
    assert "telnet: session for" in telnet.run("cat /tmp/net.log")
    a.close()
    b.close()


def test_the_line_editor_loads_for_the_first_key_that_edits(telnet):
    """Lines sent whole are read without the line editor (lineplain, 3.6
    KiB less of an ESP32's heap): it loads for the first key that edits,
    and goes on with the line typed and with the lines entered before as
    its history."""
    loaded = "> import sys; print('lineedit' in sys.modules)"
    # The console's editor (a terminal's) has it loaded: out of the table,
    # the console's goes on with its own.
    telnet.run("> import sys; del sys.modules['lineedit']")
    c = telnet.raw()
    assert c.cmd("echo one") == "one\r\n"
    assert c.cmd("echo two") == "two\r\n"
    assert telnet.run(loaded) == "False\n"
    c.send("echo thred\x7fe\r\n")
    assert c.prompt().endswith(b"echo thred\x08 \x08e\r\nthree\r\n/ $: ")
    assert telnet.run(loaded) == "True\n"
    c.send("\x1b[A\x1b[A\r\n")
    assert c.prompt().endswith(b"\r\ntwo\r\n/ $: ")
    c.close()
