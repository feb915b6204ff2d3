"""The network daemons against hostile clients (issue 14): the password
file and its folders through FTP, connections that never log in, commands
of /api/run whose client left, password guesses in parallel, and a power
cut during an FTP upload.

Each test boots the OS in a pseudo-terminal with the daemons on ports of
their own and a password set in /etc/shadow (see conftest.DaemonBoard).
"""
import ftplib
import io
import json
import random
import socket
import subprocess
import threading
import time

import pytest

from conftest import PASSWORD, USER, Board, free_port, shadow_line
from munixtool import sim as simulator
from test_net_ftp import FtpBoard
from test_net_http import BASIC, HttpBoard
from test_net_telnet import Raw, TelnetBoard

TIMEOUT = 10


@pytest.fixture
def ftp(flash):
    b = FtpBoard(flash)
    yield b
    b.close()


def refused(f, command):
    """The reply of a command FTP must refuse (a 5xx), as text."""
    with pytest.raises(ftplib.error_perm) as e:
        f.sendcmd(command)
    return str(e.value)


def names(f, command):
    lines = []
    f.retrlines(command, lines.append)
    return lines


# The password file and its folders through FTP

def test_ftp_never_shows_or_gives_the_password_file(ftp):
    f = ftp.client()
    f.cwd("/etc")
    for path in ("/etc/shadow", "/./etc/shadow", "//etc//shadow", "shadow",
                 "../etc/./shadow", "/etc/shadow.tmp"):
        for verb in ("STAT", "SIZE", "MDTM", "MLST"):
            reply = refused(f, "%s %s" % (verb, path))
            assert reply.startswith("550") and "shadow" not in reply.split(":", 1)[-1], reply
        with pytest.raises(ftplib.error_perm):
            f.retrbinary("RETR " + path, lambda b: None)
        for verb in ("LIST", "NLST"):
            with pytest.raises(ftplib.error_perm):
                names(f, "%s %s" % (verb, path))
    for command in ("LIST", "NLST", "MLSD", "LIST /etc", "NLST //etc", "LIST -la /./etc",
                    "MLSD ../etc"):
        listing = names(f, command)
        assert any("init.sh" in line for line in listing), (command, listing)
        assert not any("shadow" in line for line in listing), (command, listing)
    status = f.sendcmd("STAT /etc")
    assert "init.sh" in status and "shadow" not in status


def test_ftp_never_moves_or_replaces_the_password_file_or_its_folders(ftp):
    shadow = ftp.flash.joinpath("etc/shadow").read_text()
    f = ftp.client()
    f.storbinary("STOR /tmp/evil", io.BytesIO(b"root:1:00:00\n"))
    for path in ("/etc", "/./etc", "//etc", "etc/../etc", "/etc/", "/", "/etc/shadow",
                 "/etc/../etc/shadow"):
        reply = refused(f, "RNFR " + path)
        assert reply.startswith("550 Permission denied:"), (path, reply)
        assert "password" in reply, reply
    for command in ("DELE /etc/shadow", "DELE //etc/./shadow", "RMD /etc", "RMD etc/../etc",
                    "MKD /etc/shadow.tmp", "DELE /etc/shadow.old"):
        reply = refused(f, command)
        assert reply.startswith("550 Permission denied:") and "password" in reply, reply
    f.sendcmd("RNFR /tmp/evil")
    reply = refused(f, "RNTO /etc/./shadow")
    assert "password" in reply, reply
    for target in ("/etc/shadow", "//etc/shadow", "etc/../etc/shadow"):
        with pytest.raises(ftplib.error_perm) as e:
            f.storbinary("STOR " + target, io.BytesIO(b"root:1:00:00\n"))
        assert "password" in str(e.value)
    # The shell's protected files say why, whatever the path's form, and
    # whatever FAT would take for the same name: any case, trailing dots
    # and spaces ignored (FTP took STOR /MAIN.PY. on a FAT flash).
    for command in ("DELE /./main.py", "RNFR //lib", "DELE /lib/../boot.py", "DELE /MAIN.PY.",
                    "RNFR /Lib. ", "MKD /lib./x"):
        reply = refused(f, command)
        assert reply.startswith("550 Permission denied:") and "system" in reply, reply
    for command in ("RNFR /ETC.", "DELE /etc/Shadow..", "RNFR /etc /shadow"):
        reply = refused(f, command)
        assert reply.startswith("550 Permission denied:") and "password" in reply, reply
    with pytest.raises(ftplib.error_perm) as e:
        f.storbinary("STOR /Main.py ", io.BytesIO(b"import evil\n"))
    assert "system" in str(e.value)
    assert ftp.flash.joinpath("etc/shadow").read_text() == shadow
    assert not ftp.flash.joinpath("etcx").exists()
    # Other folders still move.
    f.mkd("/tmp/box")
    f.rename("/tmp/box", "/tmp/crate")
    assert ftp.flash.joinpath("tmp/crate").is_dir()


def test_a_password_file_not_in_utf8_fails_closed_on_ftp_and_telnet(flash):
    """Bytes that are not UTF-8 in /etc/shadow dropped FTP and telnet
    logins without a word (HTTP answered 500): each daemon refuses them
    as it refuses a wrong password, the console saying why."""
    for kind in (FtpBoard, TelnetBoard):
        b = kind(flash)
        try:
            (flash / "etc" / "shadow").write_bytes(b"\xff\xfe:1:00:00\n")
            if kind is FtpBoard:
                s, r = b.raw()
                assert say_ftp(s, r, "USER %s" % USER).startswith("331")
                assert say_ftp(s, r, "PASS %s" % PASSWORD).startswith("530 ")
                assert say_ftp(s, r, "PWD").startswith("530 ")
                s.close()
            else:
                c = Raw(b.port)
                c.until(b"login: ")
                c.send(USER + "\r\n")
                c.until(b"Password: ")
                c.send(PASSWORD + "\r\n")
                c.until(b"Login incorrect\r\n")
                c.sock.close()
            b.board.send("echo x\r")
            assert "no user in /etc/shadow: logins refused" in b.board.read_to_prompt()
            log = (flash / "tmp" / "net.log").read_text()
            assert "login failed for %s from 127.0.0.1" % USER in log, log
        finally:
            b.close()
        (flash / "tmp" / "net.log").unlink()


def say_ftp(sock, reader, line):
    sock.sendall(line.encode() + b"\r\n")
    return reader.readline().decode()


# A FAT image in RAM (MicroPython's VfsFat): what it opens for each name,
# and whether fsguard refuses that name.
FAT_PROBE = """import vfs

import fsguard


class RAM:
    def __init__(self, blocks):
        self.data = bytearray(blocks * 512)

    def readblocks(self, n, buf):
        buf[:] = self.data[n * 512:n * 512 + len(buf)]

    def writeblocks(self, n, buf):
        self.data[n * 512:n * 512 + len(buf)] = buf

    def ioctl(self, op, arg):
        if op == 4:
            return len(self.data) // 512
        if op == 5:
            return 512


def __main__(args):
    dev = RAM(128)
    vfs.VfsFat.mkfs(dev)
    fs = vfs.VfsFat(dev)
    fs.mkdir("/etc")
    with fs.open("/etc/shadow", "w") as f:
        f.write("secret")
    with fs.open("/main.py", "w") as f:
        f.write("boot")
    for name in args:
        with fs.open(name, "r") as f:
            text = f.read()
        print("%r %s %s" % (name, text, fsguard.guarded(name) is not None))
"""


def test_every_name_fat_takes_for_a_guarded_file_is_refused(sim):
    """On a FAT flash or SD card, /ETC/SHADOW, /etc/shadow. and /Main.Py.
    open /etc/shadow and /main.py: fsguard must refuse each of them, as
    FTP and HTTP ask it, where it compared names exactly."""
    sim.write("/opt/fatprobe.py", FAT_PROBE)
    names = ["/ETC/SHADOW", "/etc/shadow.", "/etc /shadow", "/Main.Py. ", "/MAIN.PY", "/etc/SHADOW.. "]
    r = sim.run("/opt/fatprobe " + " ".join("'%s'" % n for n in names))
    assert r.err == "", r
    assert r.out.splitlines() == ["%r %s True" % (n, "boot" if "ain" in n.lower() else "secret")
                                  for n in names]


# Connections that never log in

def dribblers(port, count, first=b""):
    """count connections that send a byte now and then and never log in."""
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        if first:
            s.sendall(first)
        socks.append(s)
    return socks


def dribble(socks, seconds, byte=b"x"):
    """Each of socks sends a byte every half second for seconds; the ones
    the server closed are left out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for s in list(socks):
            try:
                s.sendall(byte)
            except OSError:
                socks.remove(s)
        time.sleep(0.5)


def closed_by_server(sock, timeout):
    """All the server sent until it closed sock; None if it did not within timeout."""
    sock.settimeout(0.5)
    got = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            try:
                sock.sendall(b"x")
            except OSError:
                return got
            continue
        except OSError:
            return got
        if not chunk:
            return got
        got += chunk
    return None


def test_ftp_logins_get_in_past_idle_connections(flash):
    ftp = FtpBoard(flash, login_s=6, idle_s=60)
    try:
        member = ftp.client()
        idle = dribblers(ftp.port, 5)
        dribble(idle, 4)
        f = ftp.client()
        assert f.sendcmd("NOOP").startswith("200")
        f.quit()
        assert member.sendcmd("NOOP").startswith("200")
        # No connection stays unlogged past login_s, however busy it is.
        for s in idle:
            got = closed_by_server(s, 10)
            assert got is not None and (got == b"" or b"421" in got), got
            s.close()
        assert member.sendcmd("NOOP").startswith("200")
    finally:
        ftp.close()


def test_one_address_cannot_take_every_wait_for_a_login_slot(ftp):
    """Clients of one address held both login slots and both waits for
    one (the soak's guesses from another address): a login from anywhere
    else got "421 Too many connections" at once. An address waits for one
    slot at a time now; the login from elsewhere waits for the oldest
    guest's slot."""
    def connect():
        return socket.create_connection(("127.0.0.1", ftp.port), timeout=TIMEOUT,
                                        source_address=("127.0.0.2", 0))
    held = [connect() for _ in range(2)]
    waiting = []
    try:
        for s in held:
            assert s.makefile("rb").readline().startswith(b"220")
        waiting = [connect() for _ in range(2)]
        replies = [s.makefile("rb") for s in waiting]
        # One of them waits for a slot; the other is told at once.
        assert replies[1].readline().startswith(b"421")
        f = ftp.client()
        assert f.sendcmd("NOOP").startswith("200")
        f.quit()
    finally:
        for s in held + waiting:
            s.close()


def test_telnet_logins_get_in_past_idle_connections(flash):
    telnet = TelnetBoard(flash, login_s=6)
    try:
        member = telnet.raw()
        idle = dribblers(telnet.port, 5)
        dribble(idle, 4, b"a")
        c = telnet.raw()
        assert c.cmd("echo in") == "in\r\n"
        c.close()
        for s in idle:
            got = closed_by_server(s, 10)
            assert got is not None, "an idle connection stayed past login_s"
            s.close()
        assert member.cmd("echo still") == "still\r\n"
    finally:
        telnet.close()


def test_http_requests_get_in_past_idle_connections(flash):
    web = HttpBoard(flash, login_s=6, idle_s=60)
    try:
        member = web.conn()
        member.request("GET", "/api/sys", headers={"Authorization": BASIC})
        r = member.getresponse()
        assert r.status == 200 and r.read()
        # Requests begun and never finished, a byte every half second.
        idle = dribblers(web.port, 5, b"GET /hello.txt HTTP/1.1\r\nX-Slow: ")
        dribble(idle, 4)
        status, r, data = web.request("GET", "/hello.txt", login=False)
        assert (status, data) == (200, b"hello, world\n")
        status, r, data = web.request("GET", "/api/sys")
        assert status == 200, data
        for s in idle:
            assert closed_by_server(s, 10) is not None, "a request was still unfinished past login_s"
            s.close()
        member.request("GET", "/api/sys", headers={"Authorization": BASIC})
        r = member.getresponse()
        assert r.status == 200 and r.read()
    finally:
        web.close()


def test_http_connections_kept_open_without_a_request_give_way(flash):
    web = HttpBoard(flash, idle_s=60)
    try:
        kept = []
        for _ in range(5):
            c = web.conn()
            c.request("GET", "/api/sys", headers={"Authorization": BASIC})
            assert c.getresponse().read()
            kept.append(c)
        for _ in range(3):
            status, r, data = web.request("GET", "/hello.txt", login=False)
            assert (status, data) == (200, b"hello, world\n")
        for c in kept:
            c.close()
    finally:
        web.close()


def test_a_connection_that_sent_nothing_gives_its_slot_without_an_answer(flash):
    """A browser connects ahead of its requests (Chromium: a connection
    made for a request that another took, kept for the next). Told 503
    when a new client took its slot, the browser read that answer as its
    next request's, and showed "too many clients" for the web desktop's
    first page. Closed without a word, the browser asks on another."""
    web = HttpBoard(flash, login_s=30)
    try:
        silent = dribblers(web.port, 2)
        time.sleep(3.5)     # past the age at which a guest gives its slot
        status, r, data = web.request("GET", "/hello.txt", login=False)
        assert (status, data) == (200, b"hello, world\n")
        # The oldest gave its slot.
        silent[0].settimeout(TIMEOUT)
        assert silent[0].recv(4096) == b""
        for s in silent:
            s.close()
    finally:
        web.close()


# /api/run and its client

def test_api_run_ends_when_its_client_leaves(flash):
    if simulator.board_name():
        pytest.skip("watch through /api/run, several at once, runs out of a small board's heap")
    web = HttpBoard(flash)
    try:
        body = json.dumps({"cmd": "watch -t 1 echo x"}).encode()
        for _ in range(4):
            s = web.raw()
            s.sendall(b"POST /api/run HTTP/1.1\r\nAuthorization: %s\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n%s" % (BASIC.encode(), len(body), body))
            time.sleep(0.5)
            s.close()
        # The four slots are free again: the page answers, and the commands end.
        assert web.request("GET", "/", login=False)[0] == 200
        deadline = time.monotonic() + TIMEOUT
        while "watch" in web.run("ps"):
            assert time.monotonic() < deadline, web.run("ps")
            time.sleep(0.3)
        assert web.api("POST", "/run", json.dumps({"cmd": "echo ok"})) == (
            200, {"status": 0, "output": "ok\n", "truncated": False})
    finally:
        web.close()


# Guesses per daemon, and the failures that block: a board's sockets and
# threads hold fewer sessions at once.
GUESSES = 2 if simulator.board_name() else 4
ROUNDS = 200_000        # a check long enough for guesses to overlap


class TwoDaemons:
    """uftpd and utelnetd on one board, a slow password hash."""

    def __init__(self, flash):
        self.ftp, self.telnet = free_port(), free_port()
        # GUESSES connections each may wait for a login (login_slots).
        conf = {"ftp": {"port": self.ftp, "login_slots": GUESSES},
                "telnet": {"port": self.telnet, "login_slots": GUESSES},
                "auth": {"delay_ms": 10, "failures": GUESSES, "block_s": 3}}
        (flash / "etc" / "system.conf").write_text(json.dumps(conf))
        (flash / "etc" / "shadow").write_text(shadow_line(USER, PASSWORD, ROUNDS))
        self.flash = flash
        self.board = Board(flash)
        if simulator.board_name():
            self.board.run("wifi sta on")
            self.board.run("wifi sta connect munix-sim munix-sim-pass 5")
        assert "listening" in self.board.run("uftpd start")
        assert "listening" in self.board.run("utelnetd start")

    def ftp_guesser(self, source):
        deadline = time.monotonic() + TIMEOUT
        while True:
            s = socket.create_connection(("127.0.0.1", self.ftp), timeout=30,
                                         source_address=(source, 0))
            r = s.makefile("rb")
            if r.readline().startswith(b"220"):
                break
            # The sessions of the last guesses are still ending.
            s.close()
            assert time.monotonic() < deadline
            time.sleep(0.2)
        s.sendall(b"USER %s\r\n" % USER.encode())
        assert r.readline().startswith(b"331")
        return lambda password: (s.sendall(b"PASS %s\r\n" % password), r.readline(), r.close(),
                                 s.close())

    def telnet_guesser(self, source):
        s = socket.create_connection(("127.0.0.1", self.telnet), timeout=30,
                                     source_address=(source, 0))
        got = b""
        for prompt in (b"login: ", b"Password: "):
            while prompt not in got:
                chunk = s.recv(1024)
                assert chunk, got
                got += chunk
            if prompt == b"login: ":
                s.sendall(USER.encode() + b"\r\n")

        def guess(password):
            # The answer, not the line end echoed at once: the check (and
            # its line in the log) comes before the answer only.
            s.sendall(password + b"\r\n")
            answer = b""
            while not any(word in answer for word in (b"incorrect", b"Too many", b" $: ")):
                chunk = s.recv(1024)
                if not chunk:
                    break
                answer += chunk
            s.close()
            return answer
        return guess

    def burst(self, guessers, password=b"wrong"):
        threads = [threading.Thread(target=g, args=(password,)) for g in guessers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)

    def checked(self):
        log = (self.flash / "tmp" / "net.log").read_text()
        return log.count(": login failed for %s" % USER)

    def close(self):
        self.board.close()


@pytest.fixture
def two(flash):
    if simulator.board_name():
        pytest.skip("uftpd and utelnetd with sessions waiting in both: past a small board's heap")
    b = TwoDaemons(flash)
    yield b
    b.close()


def test_parallel_guesses_from_one_address_are_counted(two):
    guessers = [two.ftp_guesser("127.0.0.1") for _ in range(GUESSES)]
    guessers += [two.telnet_guesser("127.0.0.1") for _ in range(GUESSES)]
    two.burst(guessers)
    assert two.checked() == GUESSES


def test_parallel_guesses_for_one_user_are_counted(two):
    sources = ["127.0.0.%d" % n for n in range(2, 2 + 2 * GUESSES)]
    guessers = [two.ftp_guesser(ip) for ip in sources[:GUESSES]]
    guessers += [two.telnet_guesser(ip) for ip in sources[GUESSES:]]
    two.burst(guessers)
    assert two.checked() == GUESSES
    # The user is blocked for block_s, from any address; then let in.
    assert two.ftp_guesser("127.0.0.20")(PASSWORD.encode())[1][:3] in (b"530", b"421")
    deadline = time.monotonic() + 15
    while True:
        reply = two.ftp_guesser("127.0.0.21")(PASSWORD.encode())[1]
        if reply.startswith(b"230"):
            break
        assert time.monotonic() < deadline, reply
        time.sleep(0.5)


# A power cut during an upload

def test_a_power_cut_during_an_ftp_upload_leaves_nothing_behind(flash):
    port, base = free_port(), random.randrange(30000, 60000, 20)
    conf = {"ftp": {"port": port, "pasv_ports": [base, base + 19]}}
    (flash / "etc" / "system.conf").write_text(json.dumps(conf))
    (flash / "etc" / "shadow").write_text(shadow_line(USER, PASSWORD))
    argv = simulator.command(flash, interactive=False)
    board = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
    try:
        if simulator.board_name():
            board.stdin.write(b"wifi sta on\nwifi sta connect munix-sim munix-sim-pass 5\n")
        board.stdin.write(b"uftpd start\n")
        board.stdin.flush()
        seen = b""
        while b"listening" not in seen:
            line = board.stdout.readline()
            assert line, seen
            seen += line
        f = ftplib.FTP()
        f.connect("127.0.0.1", port, timeout=TIMEOUT)
        f.login(USER, PASSWORD)
        f.voidcmd("TYPE I")
        data = f.transfercmd("STOR /tmp/new.bin")
        data.sendall(b"half of it" * 5000)
        deadline = time.monotonic() + TIMEOUT
        while not any(p.stat().st_size for p in (flash / "tmp").glob("new.bin*")):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        board.kill()
        board.wait(TIMEOUT)
        data.close()
        f.sock.close()
    finally:
        if board.poll() is None:
            board.kill()
            board.wait(TIMEOUT)
        board.stdout.close()
        board.stdin.close()
    names = sorted(p.name for p in (flash / "tmp").iterdir())
    assert "new.bin" not in names, names
    assert any(n.endswith(".part") for n in names), names
    after = subprocess.run(argv, input=b"ls -a /tmp\n", capture_output=True, timeout=30)
    listing = after.stdout.decode()
    assert ".gitkeep" in listing and "new.bin" not in listing, listing
    assert sorted(p.name for p in (flash / "tmp").iterdir()) == [".gitkeep"]


def test_boot_after_a_clean_stop_sweeps_nothing(sim):
    """Only a run that ended without a shutdown leaves the mark that makes
    the next boot look for temporaries."""
    sim.write("/tmp/a.txt.tmp", "mine")
    out = sim.run("ls -a /etc", "ls /tmp").out
    assert ".running" in out and "a.txt.tmp" in out
    assert not sim.path("/etc/.running").exists()
    assert "a.txt.tmp" in sim.run("ls /tmp").out


def test_boot_removes_stale_temporaries_only(sim):
    # The mark of a run that ended without a shutdown: a power cut.
    sim.write("/etc/.running", "")
    sim.write("/tmp/a.txt.tmp", "half")
    sim.write("/www/pic.jpg.3.part", b"\xff\xd8")
    sim.write("/data/log.csv.part", "1,2")
    sim.write("/tmp/notes.old", "mine")
    sim.write("/tmp/party", "mine")
    sim.write("/tmp/a.txt", "whole")
    # A replace cut on FAT: the old file moved aside, the new one complete.
    sim.write("/etc/conf.json.old", "old")
    sim.write("/etc/conf.json.tmp", "new\n")
    out = sim.run("ls -a /tmp /www /data", "cat /etc/conf.json").out
    assert "a.txt.tmp" not in out and "pic.jpg.3.part" not in out and "log.csv.part" not in out
    assert "notes.old" in out and "party" in out and "new\n" in out
    for gone in ("/tmp/a.txt.tmp", "/www/pic.jpg.3.part", "/data/log.csv.part",
                 "/etc/conf.json.tmp", "/etc/conf.json.old"):
        assert not sim.path(gone).exists(), gone
    assert sim.path("/tmp/a.txt").read_text() == "whole"
