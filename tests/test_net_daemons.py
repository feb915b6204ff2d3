"""What the three daemons (FTP, HTTP, telnet) share: their life cycle
through daemonctl, and all of them at once with crond, on few threads."""
import base64
import contextlib
import ftplib
import http.client
import io
import json
import os
import re
import socket
import threading
import time

import pytest

from conftest import (FILL_HEAP, LET_GO, PASSWORD, TELL_HELD, USER, Board, admission_heap, is_held,
                      free_port, held_heap, seed_flash, shadow_line)
from munixtool import boards
from munixtool import sim as simulator
from test_net_ftp import FtpBoard
from test_net_http import HttpBoard
from test_net_telnet import Raw, TelnetBoard

TIMEOUT = 30
HEAP_PROBE = """import gc

def __main__(args):
    gc.collect()
    print("free", gc.mem_free())
"""


# A failure logged by netd on a heap with no block free (the error made first).
LOG_ON_A_FULL_HEAP = """import netd

def __main__(args):
    error = MemoryError()
""" + FILL_HEAP + """    try:
        netd.failed("http", error)
        said = "lost"
    except MemoryError:
        said = "raised"
""" + LET_GO + """    print(said)
"""


# A daemon's task for a client it took in (uhttpd's: task; telnet's and
# FTP's: client), its first step run on a full heap while imports take their
# lock (a thread runs: the hog's job in
# test_uhttpd_takes_clients_again_after_the_whole_heap_was_held).
TASK_ON_A_FULL_HEAP = """import asyncio, importlock, netd, process, socket

def __main__(args):
    address = socket.getaddrinfo("127.0.0.1", int(args[0]))[0][-1]
    server = socket.socket()
    server.bind(address)
    server.listen(1)
    client = socket.socket()
    client.connect(address)
    taken, _ = server.accept()
    taken.setblocking(False)    # as netd leaves a client it took in
    daemon = netd.Daemon("http", 0)
    daemon.modules = ("httpd",)
    daemon.proc = process.current()
    serve = netd._task if args[1] == "task" else netd._client
    task = serve(daemon, asyncio.StreamReader(taken, {}), 4)
    importlock.guard(True)
    error = None
""" + FILL_HEAP + """    try:
        task.send(None)
    except BaseException as e:
        error = e
""" + LET_GO + """    importlock.guard(False)
    client.settimeout(2)
    try:
        said = "closed" if client.recv(16) == b"" else "answered"
    except OSError:
        said = "left open"
    print(said, type(error).__name__)
"""


@pytest.mark.parametrize("kind", ["task", "client"])
def test_a_client_taken_in_on_a_full_heap_is_closed_not_left_waiting(sim, kind):
    """A full heap as uhttpd's task for a client began (its import of
    asyncio, through the import lock while a thread runs) ended the task
    before it could close the client, which waited for an answer for ever
    (the esp32s3 profile's test_uhttpd_takes_clients_again_after_the_whole
    _heap_was_held timed out so in CI). Telnet's and FTP's the same. (On
    the 64-bit simulator the import needs no heap: there the task fails
    next, asking the loop that does not run for itself.)"""
    sim.write("/tmp/fulltask.py", TASK_ON_A_FULL_HEAP)
    r = sim.run("/tmp/fulltask %d %s" % (free_port(), kind), "echo status=$?")
    assert r.out.startswith("closed ") and r.out.endswith("\nstatus=0\n"), r


def test_a_log_line_the_heap_cannot_hold_is_lost_not_raised(sim):
    """A client's task ended by a full heap logs why; the log line failed
    too, and its MemoryError ended the task from inside its handler: "Task
    exception wasn't retrieved" on the console, in the daemons' soak on the
    esp32 profile."""
    sim.write("/tmp/fullog.py", LOG_ON_A_FULL_HEAP)
    r = sim.run("/tmp/fullog", "echo status=$?")
    assert r.out == "lost\nstatus=0\n" and r.err == "", r


@pytest.mark.parametrize("board_class", [FtpBoard, HttpBoard, TelnetBoard])
def test_port_in_use_is_a_one_line_error(flash, board_class):
    command = board_class.COMMAND
    with socket.socket() as blocker:
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        b = board_class(flash, start=False)
        try:
            blocker.bind(("127.0.0.1", b.port))
            blocker.listen(1)
            out = b.run("%s start; echo status=$?" % command)
            assert "%s: port %d: in use" % (command, b.port) in out and "status=1" in out
            assert "not running" in b.run("%s status" % command)
        finally:
            b.close()


@pytest.mark.parametrize("board_class", [FtpBoard, HttpBoard, TelnetBoard])
def test_a_daemon_is_a_process_that_kill_stops(flash, board_class):
    command = board_class.COMMAND
    b = board_class(flash)
    try:
        client = socket.create_connection(("127.0.0.1", b.port), timeout=10)
        # The daemon has the client before it is killed: one still in the
        # listening socket's backlog is reset as the socket closes, as TCP
        # does (a loaded CI machine's loop had not taken it in yet).
        deadline = time.monotonic() + 10
        while "1 session," not in b.run("%s status" % command).strip() + ",":
            assert time.monotonic() < deadline, "the daemon never took the client in"
            time.sleep(0.1)
        rows = [row.split() for row in b.run("ps -l").splitlines()]
        mine = [row for row in rows if row[-2:] == [command, "start"]]
        assert len(mine) == 1 and mine[0][5] == "daemon", rows
        assert "yes" in b.run("test -p %s && echo yes" % command)
        out = b.run("kill %s; echo status=$?" % mine[0][0])
        assert "status=0" in out, out
        assert "not running" in b.run("%s status" % command)
        assert command not in b.run("ps")
        assert "no" in b.run("test -p %s || echo no" % command)
        client.settimeout(10)
        while client.recv(4096):
            pass
        client.close()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", b.port), timeout=10)
        assert "listening" in b.run("%s start" % command)
        assert "status=0" in b.run("killall %s; echo status=$?" % command)
        assert "not running" in b.run("%s status" % command)
    finally:
        b.close()


def test_a_daemon_refused_for_want_of_a_thread_lets_its_port_go(flash):
    """Every thread the board has held by jobs: utelnetd, refused, kept its
    port bound until reboot, and every later start said "in use". And the
    code the refused start loaded stayed (the jobs' threads keep a line's
    modules): 38 KiB of the esp32 profile's heap, and the next start found
    "too little heap" (CI, once)."""
    b = TelnetBoard(flash, start=False)
    try:
        board_file = flash / "etc" / "default.board"
        board_file.write_text('{"name": "small", "threads": 2}')
        b.run("loadboard; sleep 60 &")
        b.run("sleep 60 &")
        out = b.run("utelnetd start; echo status=$?")
        assert "utelnetd: " in out and "thread" in out and "status=1" in out, out
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", b.port), timeout=10)
        loaded = b.run("lsmod").split()
        assert not {"netd", "netctl", "asyncloop"} & set(loaded), loaded
        # Refused again, as the heap now allows: a pointer the jobs' stacks
        # still hold may keep part of the first try's code (the collector
        # cannot tell it from a number), until they end.
        out = b.run("utelnetd start; echo status=$?")
        assert "port %d: in use" % b.port not in out and "status=1" in out, out
        assert "thread" in out or "too little heap" in out, out
        b.run("killall sleep")
    finally:
        b.close()


@contextlib.contextmanager
def telnet_on_small_board(flash, threads):
    """utelnetd on a board whose file allows it threads threads, and a
    telnet client logged in: (board, client)."""
    b = TelnetBoard(flash, start=False)
    try:
        (flash / "etc" / "default.board").write_text('{"name": "small", "threads": %d}' % threads)
        assert "listening" in b.run("loadboard; utelnetd start")
        c = Raw(b.port)
        c.login()
        yield b, c
    finally:
        b.close()


@pytest.mark.skipif(simulator.board_name() == "esp8266", reason="the daemons do not fit its heap")
@pytest.mark.parametrize("threads", [0, 1])
def test_a_board_with_one_thread_at_most_serves_its_daemons_from_the_console(flash, threads):
    """A board with no thread to spare for the OS's loop (an ESP8266: none;
    an RP2040: core1) hosts it in the console's thread, which runs it while
    it waits: the daemons start and serve while the console is at its
    prompt, and the one thread is free for a job. Before, utelnetd was
    refused there ("no thread free"), or held the RP2040's core1, so that
    no job and no cron job could run beside a daemon."""
    with telnet_on_small_board(flash, threads) as (b, c):
        assert c.cmd("echo hi") == "hi\r\n"
        out = b.run("sleep 1 &")
        if threads:
            assert re.match(r"\[\d+\] \d+", out), out
            # The job holds the one thread: the line waits for it.
            assert c.cmd("echo again") == "again\r\n"
            assert "done 0    sleep 1" in b.run("jobs")
        else:
            assert "no thread free" in out, out
            assert c.cmd("echo again") == "again\r\n"
        # Ctrl-C at the console while it sleeps, serving the loop: the
        # sleep ends, the telnet session goes on.
        b.board.send("sleep 30\r")
        time.sleep(1)
        b.board.send("\x03")
        assert "^C" in b.board.read_to_prompt()
        assert b.run("echo $?") == "130\n"
        assert c.cmd("echo still") == "still\r\n"
        c.close()
        assert "stopped" in b.run("utelnetd stop")
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", b.port), timeout=10)


@pytest.mark.skipif(simulator.board_name() == "esp8266", reason="the daemons do not fit its heap")
def test_a_telnet_line_holding_the_one_thread_runs_the_job_it_waits_for(flash):
    """A telnet line runs in the board's one thread; its `CMD &` waits for
    a thread, and its `wait` runs the job there (each waited for the other
    for good); the console's job waits for the line's end and runs then."""
    with telnet_on_small_board(flash, 1) as (b, c):
        out = c.cmd("sleep 0.5 & jobs; wait; echo w=$?")
        assert re.search(r"\[1\]\s+\d+ waiting\s+sleep 0.5\r\n", out) and out.endswith("w=0\r\n"), out
        c.send("sleep 1; echo line done\r\n")
        time.sleep(0.3)
        assert re.match(r"\[\d+\] \d+", b.run("echo job ran > /tmp/ran &"))
        assert b"line done" in c.prompt()
        deadline = time.monotonic() + 10
        while b.run("cat /tmp/ran 2>/dev/null") != "job ran\n":
            assert time.monotonic() < deadline, b.run("jobs")
            time.sleep(0.2)
        c.close()


@pytest.mark.skipif(simulator.board_name() in ("rp2040", "esp8266"),
                    reason="one thread at most: a telnet line waits for it, its job does not")
def test_a_job_waiting_when_its_session_ends_ends_unrun(flash):
    """A job waiting for a thread kept its session (terminal, variables)
    for as long as it waited: on the esp32 profile's soak, sessions whose
    clients had gone kept the heap full until no line could run. It ends
    with its session, as a hang-up ends a terminal's jobs, and says so in
    its log."""
    with telnet_on_small_board(flash, 2) as (b, c):
        # With the loop's, every thread the board runs: the telnet line
        # waits for a worker, 3 s, then runs in the loop itself.
        assert re.match(r"\[\d+\] \d+", b.run("sleep 8 &"))
        out = c.cmd("echo ran > /tmp/ran &")
        pid = re.match(r"\[\d+\] (\d+)\r\n", out).group(1)
        c.close()
        deadline = time.monotonic() + 10
        while "not started" not in b.run("cat /tmp/job%s.log 2>/dev/null" % pid):
            assert time.monotonic() < deadline, b.run("jobs; ps")
            time.sleep(0.2)
        assert b.run("cat /tmp/job%s.log" % pid) == "sh: echo: not started: its session ended first\n"
        assert "echo" not in b.run("ps") and not (flash / "tmp" / "ran").exists()
        b.run("kill %1")


@pytest.mark.skipif(simulator.board_name() == "esp32",
                    reason="issue 27: two 100 KB uploads and a telnet command beside utelnetd and"
                    " uftpd run the esp32 profile's 112 KiB out at times (451 Out of memory, 1 run"
                    " in 2 to 5); the one-thread loop it checks is the rp2040's, and is tested on"
                    " the default board and the rp2040 profile")
def test_ftp_clients_transfer_at_once_with_one_thread_to_spare(flash):
    """An RP2040's one extra thread is the loop's. An FTP client had a
    thread of its own, so there the loop served one FTP client itself,
    every other client, FTP or telnet, waiting until it left. FTP sessions
    are tasks of the loop now: two clients upload, then download, at once,
    the one's chunks between the other's, while a telnet session runs a
    command."""
    e = Everything(flash, {"name": "small", "threads": 1})
    clients = []
    shell = None
    try:
        out = e.board.run("utelnetd start; uftpd start")
        assert out.count("listening on") == 2, out
        shell = Raw(e.ports["telnet"])
        shell.login()
        for _ in range(2):
            f = ftplib.FTP()
            f.connect("127.0.0.1", e.ports["ftp"], timeout=TIMEOUT)
            clients.append(f)
            f.login(USER, PASSWORD)
            f.voidcmd("TYPE I")
        blobs = [os.urandom(100_000) for _ in clients]
        datas = [f.transfercmd("STOR /tmp/up%d" % i) for i, f in enumerate(clients)]
        shell.send("sleep 1; echo from telnet\r\n")
        for i in range(0, 100_000, 10_000):
            for d, blob in zip(datas, blobs):
                d.sendall(blob[i:i + 10_000])
        assert b"from telnet" in shell.prompt()
        for d, f in zip(datas, clients):
            d.close()
            f.voidresp()
        for i, blob in enumerate(blobs):
            assert (flash / "tmp" / ("up%d" % i)).read_bytes() == blob
        datas = [f.transfercmd("RETR /tmp/up%d" % i) for i, f in enumerate(clients)]
        got = [b"", b""]
        for d in datas:
            d.settimeout(TIMEOUT)
        while any(len(g) < len(b) for g, b in zip(got, blobs)):
            for i, d in enumerate(datas):
                if len(got[i]) < len(blobs[i]):
                    chunk = d.recv(10_000)
                    assert chunk, (i, len(got[i]))
                    got[i] += chunk
        for d, f in zip(datas, clients):
            d.close()
            f.voidresp()
        assert got == blobs
        assert "from telnet too" in shell.cmd("echo from telnet too")
    finally:
        for f in clients:
            f.close()
        if shell is not None:
            shell.close()
        e.close()


@pytest.mark.parametrize("threads", [1, 2])
def test_telnet_sessions_waiting_at_their_prompt_hold_no_thread(flash, threads):
    """A telnet session is a task of the OS's loop; only a line it runs
    takes a thread, or the loop's own where none is free. On a board with
    one thread to spare (the loop's) or two, three clients log in while
    one runs a command, and every line is answered: a second client was
    refused while the first held the one thread ("Too many sessions")."""
    b = TelnetBoard(flash, start=False)
    try:
        (flash / "etc" / "default.board").write_text('{"name": "small", "threads": %d}' % threads)
        assert "listening" in b.run("loadboard; utelnetd start")
        first = b.raw()
        first.send("sleep 2; echo first\r\n")
        others = [b.raw() for _ in range(2)]
        try:
            answers = [c.cmd("echo $((%d * 2))" % i) for i, c in enumerate(others)]
        except AssertionError as e:
            # A line left unanswered for 10 s once in CI (the esp32s3's
            # lane; 2.7 s the whole test here): what ran then.
            log = flash / "tmp" / "net.log"
            raise AssertionError("%s\n%s%s" % (e, b.run("ps -l"),
                                               log.read_text() if log.exists() else "")) from None
        assert answers == ["0\r\n", "2\r\n"]
        assert first.until(b"/ $: ").endswith(b"first\r\n/ $: ")
        for c in [first] + others:
            c.close()
    finally:
        b.close()


def test_ctrl_c_ends_a_telnet_line_run_in_the_loop_itself(flash):
    """With no thread to spare but the loop's, a telnet line runs in the
    loop, which cannot watch the session meanwhile: the command's own
    sleep looks at the keys typed, and a Ctrl-C ended nothing there."""
    b = TelnetBoard(flash, start=False)
    try:
        (flash / "etc" / "default.board").write_text('{"name": "small", "threads": 1}')
        assert "listening" in b.run("loadboard; utelnetd start")
        c = b.raw()
        c.send("sleep 60\r\n")
        c.until(b"sleep 60\r\n")
        c.send(b"\x03")
        c.until(b"/ $: ")
        assert c.cmd("echo $?") == "130\r\n"
        c.close()
    finally:
        b.close()


class Everything:
    """The OS in a pseudo-terminal with the three daemons' settings on free
    ports, a password, and a crontab job each minute; on Wi-Fi on a board
    profile. board: the board file's settings, when given."""

    def __init__(self, flash, board=None, heap=None):
        # Each port its own: free_port() may give one twice.
        ports = set()
        while len(ports) < 3:
            ports.add(free_port())
        self.ports = dict(zip(("telnet", "ftp", "http"), sorted(ports)))
        conf = {name: {"port": port} for name, port in self.ports.items()}
        base = free_port() // 20 * 20
        while any(base <= port < base + 20 for port in ports):
            base = free_port() // 20 * 20
        conf["ftp"]["pasv_ports"] = [base, base + 19]
        (flash / "etc" / "system.conf").write_text(json.dumps(conf))
        (flash / "etc" / "shadow").write_text(shadow_line(USER, PASSWORD))
        (flash / "etc" / "crontab").write_text("* * * * * echo fired >> /tmp/fired\n")
        (flash / "tmp" / "heapprobe.py").write_text(HEAP_PROBE)
        if board is not None:
            (flash / "etc" / "default.board").write_text(json.dumps(board))
        self.flash = flash
        self.board = Board(flash, heap=heap)
        if simulator.board_name():
            self.board.run("wifi sta on")
            self.board.run("wifi sta connect munix-sim munix-sim-pass 5")

    def start(self):
        """Start them all; what each said."""
        return self.board.run("utelnetd start; uftpd start; uhttpd start; crond start")

    def telnet(self, line):
        c = Raw(self.ports["telnet"])
        try:
            c.login()
            return c.cmd(line)
        finally:
            c.close()

    def ftp_upload(self, name, data):
        f = ftplib.FTP()
        f.connect("127.0.0.1", self.ports["ftp"], timeout=TIMEOUT)
        f.login(USER, PASSWORD)
        f.storbinary("STOR " + name, io.BytesIO(data))
        size = f.size(name)
        f.quit()
        return size

    def api_run(self, line):
        c = http.client.HTTPConnection("127.0.0.1", self.ports["http"], timeout=TIMEOUT)
        token = base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
        c.request("POST", "/api/run", json.dumps({"cmd": line}),
                  {"Authorization": "Basic " + token, "Content-Type": "application/json"})
        answer = json.loads(c.getresponse().read())
        c.close()
        return answer

    def close(self):
        self.board.close()


def test_one_thread_to_spare_runs_every_daemon(flash):
    """An RP2040 has one thread to spare: every daemon listens in the OS's
    loop, which takes it, and their clients are served in turn by the loop
    itself (telnet never started there: it wanted a listener thread and a
    watcher thread, FTP and HTTP a thread each)."""
    e = Everything(flash, {"name": "small", "threads": 1})
    try:
        out = e.board.run("utelnetd start; uftpd start; uhttpd start")
        assert out.count("listening on") == 3, out
        assert e.telnet("echo via telnet") == "via telnet\r\n"
        assert e.ftp_upload("/tmp/up", b"x" * 1000) == 1000
        assert e.api_run("echo via http") == {"status": 0, "truncated": False, "output": "via http\n"}
        assert e.board.run("ps").count(" start\n") == 3
    finally:
        e.close()


def test_the_daemons_outlast_a_deep_wait_of_the_console(flash):
    """Where the console's thread hosts the loop (an RP2040), the loop's
    tasks ran on top of whatever the console was in: a sleep inside a
    script's second loop left them too little of the 8 KiB main stack,
    and every HTTP request and telnet login then failed ("maximum
    recursion depth exceeded" in their tasks); inside $( ), uhttpd's
    listener died too and refused every connection after. Clients that
    come meanwhile are served once the console is back up. Where the loop
    has a thread of its own (the ESP32 family), no wait of the console
    runs it; the default simulator hosts it as an RP2040 does, with the
    board file's one thread."""
    name = simulator.board_name()
    if name and boards.get(name).threads != 1:
        pytest.skip("the loop is hosted by the console only where a board has one thread")
    e = Everything(flash, None if name else {"name": "small", "threads": 1})
    (flash / "www" / "a.txt").write_text("hello\n")
    (flash / "tmp" / "deep.sh").write_text(
        "for i in 1; do\n  while true; do\n    if true; then sleep 2; fi\n    break\n"
        "  done\ndone\necho $(echo $(sleep 2; echo deep))\n")

    def get():
        c = http.client.HTTPConnection("127.0.0.1", e.ports["http"], timeout=TIMEOUT)
        try:
            c.request("GET", "/a.txt")
            answer = c.getresponse()
            return answer.status, answer.read()
        finally:
            c.close()

    results = {}

    def one(key, work, *args):
        time.sleep(0.5)
        try:
            results[key] = work(*args)
        except Exception as error:      # shown by the assertion below
            results[key] = error

    try:
        out = e.start()
        assert out.count("listening on") == 3, out
        clients = [threading.Thread(target=one, args=("http", get)),
                   threading.Thread(target=one, args=("telnet", e.telnet, "echo hi"))]
        for c in clients:
            c.start()
        assert e.board.run("sh /tmp/deep.sh", timeout=TIMEOUT) == "deep\n"
        for c in clients:
            c.join(TIMEOUT)
        assert results == {"http": (200, b"hello\n"), "telnet": "hi\r\n"}, results
        clients = [threading.Thread(target=one, args=("http", get))]
        clients[0].start()
        e.board.run("sh /tmp/deep.sh", timeout=TIMEOUT)
        clients[0].join(TIMEOUT)
        assert results["http"] == (200, b"hello\n")
        assert get() == (200, b"hello\n")
        assert "recursion" not in (flash / "tmp" / "net.log").read_text()
    finally:
        e.close()


# Holds the heap but ARG[1] KiB until /tmp/look appears (ARG[0] ms at most),
# then says whether auth's code was loaded then. The KiB are kept in pieces
# of 4 at most: a job on the esp32 profile, a telnet session beside it,
# found no block of 20 in one piece in 2 runs of 7 (and died), and what the
# clients that come next ask of the heap comes in far smaller blocks.
AUTH_WATCH = """import gc, os, sys, time

def __main__(args):
    kib = int(args[1])
    spare = [bytearray(min(4, kib - n) * 1024) for n in range(0, kib, 4)]
    told = open("/tmp/hog.ready", "wb")
""" + FILL_HEAP + """    spare = None
    gc.collect()
""" + TELL_HELD + """    deadline = time.ticks_add(time.ticks_ms(), int(args[0]))
    while time.ticks_diff(deadline, time.ticks_ms()) > 0:
        try:
            os.stat("/tmp/look")
            break
        except Exception:   # MemoryError too: the hog must not die of the heap it holds
            time.sleep_ms(20)
    loaded = "auth" in sys.modules
""" + LET_GO + """    print("auth loaded" if loaded else "no auth")
"""


FTP_READY = b"220 munix FTP ready\r\n"


def _ftp_tries(port):
    """What a new FTP client was told (its greeting, or the error of its
    connection), up to four tries half a second apart, until greeted."""
    said = []
    for _ in range(4):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
                said.append(s.makefile("rb").readline())
        except OSError as error:
            said.append(error)
        if said[-1] == FTP_READY:
            break
        time.sleep(0.5)
    return said


def test_idle_connections_from_one_address_leave_the_others_a_socket(flash):
    """Clients not logged in from one address (idle connections) held every
    socket of a board's network stack (the esp32's 10), which reset every
    other client until their login time ran out (HTTP's 10 s, FTP's 30):
    the daemons' own limits never saw those clients. A client that finds no
    socket free now makes the address whose guests hold the most give one,
    and the next client is served."""
    name = simulator.board_name()
    if not name:
        pytest.skip("the simulator's own board has no limit on sockets")
    if name == "esp8266":
        pytest.skip("the daemons do not fit the esp8266")
    e = Everything(flash)
    held = []

    def intruder(port):
        s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT, source_address=("127.0.0.2", 0))
        held.append(s)
        return s

    try:
        assert e.start().count("listening on") == 3
        # FTP's and telnet's slots, then idle HTTP connections until the
        # board has no socket for one.
        for port in (e.ports["ftp"], e.ports["ftp"], e.ports["telnet"], e.ports["telnet"]):
            assert intruder(port).recv(64)
        for _ in range(20):
            s = intruder(e.ports["http"])
            s.settimeout(0.5)
            try:
                if not s.recv(64):
                    break
            except socket.timeout:
                continue
            except OSError:
                break
        else:
            pytest.fail("the board took every connection")
        said = _ftp_tries(e.ports["ftp"])
        assert said[-1] == FTP_READY, said
    finally:
        for s in held:
            s.close()
        e.close()


def test_connections_kept_idle_between_requests_leave_a_new_client_a_socket(flash):
    """HTTP connections kept open after a request (as browsers keep them),
    logged in, and logged-in sessions took every socket of a board's network stack,
    and each new client of any daemon was reset until uhttpd's idle time
    (30 s) ran out: only clients not logged in gave theirs. A client that
    finds no socket free now makes HTTP end its oldest idle connection (a
    server may close a kept connection at any time), and the next client
    is served."""
    name = simulator.board_name()
    if not name:
        pytest.skip("the simulator's own board has no limit on sockets")
    if name == "esp8266":
        pytest.skip("the daemons do not fit the esp8266")
    board = boards.get(name)
    # What the board leaves its clients beside the three listening sockets.
    room = min(board.sockets - 3, board.pcbs[0])
    # 64 KiB more heap than the board's: its sockets are what is tested,
    # and on the esp32's heap each session waited 5 s for room.
    e = Everything(flash, heap=board.heap + 64 * 1024)
    kept, sessions = [], []
    try:
        assert e.start().count("listening on") == 3
        # Logged in (a guest's connection gives its slot to the next client).
        request = ("GET /api/sys HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Basic %s\r\n\r\n"
                   % (e.ports["http"], base64.b64encode(b"%s:%s" % (USER.encode(), PASSWORD.encode())).decode()))
        for _ in range(4):
            c = socket.create_connection(("127.0.0.1", e.ports["http"]), timeout=TIMEOUT)
            kept.append(c)
            c.sendall(request.encode())
            answer = c.makefile("rb")
            assert answer.readline() == b"HTTP/1.1 200 OK\r\n"
            length = 0
            while (line := answer.readline()) != b"\r\n":
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            assert answer.read(length)
        for _ in range(room - 4):
            sessions.append(Raw(e.ports["telnet"]))
            sessions[-1].login()
        said = _ftp_tries(e.ports["ftp"])
        assert said[-1] == FTP_READY, said
        assert said[0] != FTP_READY, "the board had a socket to spare: %r" % said
    finally:
        for c in sessions + kept:
            c.close()
        e.close()


def waiting_board(tmp_path, more=0):
    """Everything on a heap where clients wait for room (admission_heap),
    more bytes added, the tree compiled, with AUTH_WATCH as /tmp/watch."""
    heap = admission_heap()
    if more:
        heap = (heap or boards.get(simulator.board_name()).heap) + more
    flash = seed_flash(tmp_path / "flash", compiled=True)
    flash.joinpath("tmp", "watch.py").write_text(AUTH_WATCH)
    return Everything(flash, heap=heap)


def hold_heap(e, ms, spare_kib):
    """AUTH_WATCH run as a job of e's board: the heap held but spare_kib
    until /tmp/look appears (ms at most); back once it holds it."""
    ready = e.flash / "tmp" / "hog.ready"
    ready.unlink(missing_ok=True)
    e.board.run("/tmp/watch %d %d > /tmp/watch.out &" % (ms, spare_kib))
    deadline = time.monotonic() + TIMEOUT
    while not is_held(ready):
        assert time.monotonic() < deadline, "the job never held the heap"
        time.sleep(0.05)


def test_a_client_waiting_for_room_keeps_no_login_code(tmp_path):
    """auth's code stayed while any client of a session daemon had not
    logged in, one that only waited for the heap to have room for it too:
    at the busiest moment of issue 27's scenario on the esp32 it was
    loaded for nobody. Here an FTP client waits for room (a job holds
    the heap) while a telnet client logs in: once that login is done,
    auth's code is gone. The second login needs some 20 KiB beside the
    job: a job on the esp32 profile's heap, a telnet session beside it,
    could take 16 to 20 (and the second login never began), so the heap
    has 16 KiB more than the board's here."""
    e = waiting_board(tmp_path, 16 * 1024)
    try:
        out = e.board.run("utelnetd start; uftpd start")
        assert out.count("listening on") == 2, out
        first = Raw(e.ports["telnet"])
        try:
            first.login()   # telnet's code stays loaded for the second
            hold_heap(e, 20000, 20)
            deadline = time.monotonic() + TIMEOUT
            with socket.create_connection(("127.0.0.1", e.ports["ftp"]), timeout=TIMEOUT):
                second = Raw(e.ports["telnet"])
                try:
                    second.login()
                finally:
                    second.close()
                e.flash.joinpath("tmp", "look").write_text("")
                said = e.flash / "tmp" / "watch.out"
                while not said.read_text() and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert said.read_text() == "no auth\n"
        finally:
            first.close()
        e.board.run("wait")
    finally:
        e.close()


def test_a_request_takes_its_turn_once_the_heap_has_room_for_its_code_too(tmp_path):
    """A request took its turn at the heap once 16 KiB were free, then
    loaded its code (/api/run's: the API, its login and the command's, 12
    KiB on the esp32 profile): beside two telnet sessions running lines,
    issue 27's scenario left the esp32 profile 9 KiB in half the bench's
    runs. Its turn counts that code now: while a telnet line has its turn
    and the heap has room for 16 KiB but not for the code too, the request
    waits for the line to end. (32 KiB more than a board's heap: the
    esp32 profile has less than 24 KiB free beside the session.)"""
    name = simulator.board_name()
    if name and boards.get(name).threads == 1:
        pytest.skip("the job that holds the heap holds the board's one thread: the line waits for it")
    e = waiting_board(tmp_path, more=32 * 1024)
    kept = None
    try:
        assert e.start().count("listening on") == 3
        session = Raw(e.ports["telnet"])
        session.login()
        # A connection kept open keeps uhttpd's own code loaded: what is
        # waited for is the request's turn, not the client's admission.
        kept = socket.create_connection(("127.0.0.1", e.ports["http"]), timeout=TIMEOUT)
        kept.sendall(b"GET /nothing HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % e.ports["http"])
        answer = kept.makefile("rb")
        assert answer.readline().startswith(b"HTTP/1.1 404")
        while answer.readline() != b"\r\n":
            pass
        answer.read(len(b'{"error": "not found: /nothing"}'))
        # 24 KiB free: past 16 with the line running, short of 16 and the code.
        hold_heap(e, 60000, 24)
        try:
            session.send("sleep 3\r\n")
            time.sleep(0.5)
            body = json.dumps({"cmd": "echo run"}).encode()
            kept.sendall(b"POST /api/run HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Basic %s\r\n"
                         b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                         % (e.ports["http"], base64.b64encode(b"%s:%s" % (USER.encode(), PASSWORD.encode())),
                            len(body), body))
            status = answer.readline()
            session.sock.setblocking(False)
            try:
                echoed = session.sock.recv(4096)
            except BlockingIOError:
                echoed = b""
            session.sock.setblocking(True)
        finally:
            e.flash.joinpath("tmp", "look").write_text("")
        assert status.startswith(b"HTTP/1.1 "), status
        assert b"$: " in echoed, "answered %r while the line still ran (its echo: %r)" % (status, echoed)
        e.board.run("wait")
    finally:
        if kept is not None:
            kept.close()
        e.close()


def test_a_client_that_waited_its_time_for_room_is_served_once_there_is_some(tmp_path):
    """A client waits for room in the heap 5 s, then its protocol's code is
    loaded come what may: into a heap still full, that failed, and the
    client was closed without a word (an FTP client beside two telnet
    sessions running lines on the esp32 profile, 4 in 6). It now tries
    again for as long once more, auth's code with the protocol's, and is
    served once the job that held the heap lets go (7 s)."""
    e = waiting_board(tmp_path)
    try:
        assert "listening on" in e.board.run("uftpd start")
        held_heap(e.board, e.flash, 7000, 8)
        f = ftplib.FTP()
        f.connect("127.0.0.1", e.ports["ftp"], timeout=TIMEOUT)
        try:
            assert f.getwelcome().startswith("220")
            f.login(USER, PASSWORD)
            assert f.size("/etc/init.sh") > 0
        finally:
            f.close()
        e.board.run("wait")
        assert e.board.run("echo still") == "still\n"
    finally:
        e.close()


def test_a_client_the_heap_never_has_room_for_is_told_to_try_again_later(tmp_path):
    """A client whose protocol's code found no room in its wait (a job held
    the heap for longer) was closed without a word, a dropped connection
    for its user: it is now told to try again later, as when the daemon
    is full; once the job lets go, clients are served."""
    e = waiting_board(tmp_path)
    try:
        assert "listening on" in e.board.run("uftpd start")
        hold_heap(e, 60000, 8)
        try:
            with socket.create_connection(("127.0.0.1", e.ports["ftp"]), timeout=2 * TIMEOUT) as sock:
                said = sock.makefile("rb").readline()
        finally:
            e.flash.joinpath("tmp", "look").write_text("")
        assert said == b"421 Too many connections, try again later\r\n"
        e.board.run("wait")
        assert e.ftp_upload("/tmp/up", b"x" * 100) == 100
    finally:
        e.close()



@pytest.mark.parametrize("spare_kib", [1, 8])
def test_an_http_client_the_heap_never_has_room_for_is_told_to_try_again_later(tmp_path, spare_kib):
    """The same for HTTP, and for a client the heap had no room to take in
    at all (1 KiB spare): reset without a word (the esp32 soak's silent
    failures), the client is now answered 503, once what it sent is read
    (a socket closed with data unread is reset, and the client may lose
    the answer)."""
    e = waiting_board(tmp_path)
    try:
        assert "listening on" in e.board.run("uhttpd start")
        hold_heap(e, 60000, spare_kib)
        try:
            c = http.client.HTTPConnection("127.0.0.1", e.ports["http"], timeout=2 * TIMEOUT)
            c.request("GET", "/api/sys")
            answer = c.getresponse()
            said = answer.status, json.loads(answer.read())
            c.close()
        finally:
            e.flash.joinpath("tmp", "look").write_text("")
        assert said == (503, {"error": "busy, try again later"})
        e.board.run("wait")
        assert e.api_run("echo served")["output"] == "served\n"
    finally:
        e.close()


@pytest.mark.parametrize("spare_kib", [3, 4])
def test_an_http_request_the_heap_runs_out_in_is_told_to_try_again_later(tmp_path, spare_kib):
    """A request taken in, whose answer then finds the heap full (a job
    holds it), was answered 500 "internal error: MemoryError", as if the
    server were at fault, or closed unanswered: it is busy, and says so as
    when it is full. (With less than 3 KiB left, a request that comes
    while its connection waits for it may still find it closed after the
    wait's 10 s: docs/measurements.md, the esp32 soak.)"""
    e = waiting_board(tmp_path)
    try:
        assert "listening on" in e.board.run("uhttpd start")
        c = http.client.HTTPConnection("127.0.0.1", e.ports["http"], timeout=2 * TIMEOUT)
        c.request("GET", "/")
        first = c.getresponse()
        assert first.status == 200
        first.read()
        hold_heap(e, 60000, spare_kib)
        try:
            c.request("GET", "/")
            answer = c.getresponse()
            said = answer.status, answer.read()
            c.close()
        finally:
            e.flash.joinpath("tmp", "look").write_text("")
        assert said == (503, b'{"error": "busy, try again later"}'), said
        e.board.run("wait")
        assert e.api_run("echo served")["output"] == "served\n"
    finally:
        e.close()


@pytest.mark.xfail(simulator.board_name() in ("esp32", "esp8266"), strict=True,
                   reason="issue 27: not yet on these boards (2026-11-27: on the esp32 every"
                   " client is served in most runs, 15 to 19 KiB left at the busiest, not 24)")
@pytest.mark.xfail(simulator.board_name() == "esp32c3", strict=False,
                   reason="issue 27: on the esp32c3 8 to 25 KiB are left at the busiest, with"
                   " where the pool of interned names' next block (9 KiB) falls: below 24 in"
                   " 6 of 7 runs of the bench's scenario (2026-11-27)")
def test_every_daemon_and_their_clients_at_once(flash):
    """The three daemons and crond started together, then at once: two
    telnet sessions each running a command, an FTP upload of 100 KB, an
    /api/run call, a cron job firing and a job in the background; the
    console answers meanwhile, with 24 KiB of heap left at least (issue
    27's target on the esp32 profile), the lowest of the probes it runs
    while the clients are served (one probe alone may come before the
    busiest moment or after it)."""
    e = Everything(flash)
    try:
        out = e.start()
        assert out.count("listening on") == 3 and "crond: started" in out, out
        e.board.run("> import machine, time; t = time.localtime(); "
                    "machine.RTC().datetime((t[0], t[1], t[2], 0, t[3], t[4], 58, 0))")
        job = re.match(r"\[(\d+)\] \d+\n", e.board.run("sleep 5 &"))
        assert job
        data = os.urandom(100 * 1024)
        results = {}

        def one(key, work, *args):
            try:
                results[key] = work(*args)
            except Exception as error:      # shown by the assertion below
                results[key] = error

        clients = [threading.Thread(target=one, args=("t1", e.telnet, "sleep 1; echo one")),
                   threading.Thread(target=one, args=("t2", e.telnet, "sleep 1; echo two")),
                   threading.Thread(target=one, args=("ftp", e.ftp_upload, "/tmp/big", data)),
                   threading.Thread(target=one, args=("http", e.api_run, "echo run"))]
        for c in clients:
            c.start()
        free = []
        while any(c.is_alive() for c in clients):
            free += [int(w.split()[1]) for w in e.board.run("/tmp/heapprobe").splitlines()
                     if w.startswith("free ")]
        for c in clients:
            c.join(TIMEOUT * 2)
        assert results == {"t1": "one\r\n", "t2": "two\r\n", "ftp": len(data),
                           "http": {"status": 0, "truncated": False, "output": "run\n"}}, results
        assert (flash / "tmp" / "big").read_bytes() == data
        assert "fired" in e.board.run("sleep 2; cat /tmp/fired")
        assert "status=0" in e.board.run("wait %%%s; echo status=$?" % job.group(1))
        free = min(free)
        print("heap free with everything running: %.1f KiB" % (free / 1024))
        # Issue 27's target of free heap is the esp32's; the rp2040's is that
        # nothing is refused: run from its pack (6.5 KiB of its heap), 23.7
        # to 31.9 KiB were left (CI, here).
        if simulator.board_name() != "rp2040":
            assert free >= 24 * 1024
    finally:
        e.close()


@pytest.mark.skipif(simulator.board_name() in ("rp2040", "esp8266"),
                    reason="one thread at most: the console hosts the loop, a worker ends with its line")
def test_an_idle_worker_gives_its_thread_to_a_job(flash):
    """A telnet line's worker waits offload.IDLE_MS for the next line
    before it ends. Every thread the board runs taken by the loop and such
    an idle worker, `CMD &` waited for a thread in vain and was refused
    (and on the esp32 profile, limited by heap, the soak's telnet users'
    `true &` waited 0.3 s on average): an idle worker ends as soon as a
    thread is refused."""
    with telnet_on_small_board(flash, 2) as (b, c):
        assert c.cmd("echo hi") == "hi\r\n"
        out = b.run("sleep 1 &")
        assert re.match(r"\[\d+\] \d+", out), out
        assert b.run("wait $!; echo status=$?") == "status=0\n"
        assert c.cmd("echo again") == "again\r\n"
        c.close()
