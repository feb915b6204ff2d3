"""``munix bench --soak MINUTES``: everything at once, for a while.

The compiled tree boots with uftpd, utelnetd, uhttpd and crond running
(a cron job every five seconds) and a password set, as a user runs them;
then, until the time is up, clients on the loopback keep them busy at once,
each logging in:

- telnet: two sessions, each running `echo`, `ls /bin/e*` and a background
  job (`true &` then `wait`) in turn;
- FTP: a 32 KB file uploaded, downloaded and compared, again and again,
  a login each time;
- HTTP: a static file, /api/sys and /api/run, on new connections;
- a hostile client, in turn: a connection closed at once on each port,
  random bytes to FTP and telnet, an HTTP request with two Content-Lengths
  (400 expected), one that sends half its head and leaves, /api/run with
  $(( )) nested 300 deep (refused in one line), connections to every port
  that never log in and are held past the slots' patience, wrong passwords
  sent at once from another address (127.0.0.2), and an /api/run `watch`
  whose client leaves (the command must end with it).

The legitimate clients must never fail meanwhile: the idle connections
and the guesses are what login slots, deadlines and lockouts are for.
Without the hostile client (--no-hostile), the figures are those of the
users' clients alone: what the daemons share of a board's heap.

Every request is checked (its answer, or the prompt after a command); the
report gives per kind the requests served, the failures and the slowest
answer, then the heap in use after a collection before and after the run
(drift), the modules first loaded during the run (the warm-up round should
have loaded them all: each is drift that is no leak), and the threads and
open sockets of the runtime before and after, once the clients have left
(leaks). Its status is 1 when a legitimate request failed, a thread or a
socket leaked, a client got stuck or, in a run of DRIFT_MINUTES or more,
the heap drifted by DRIFT_MAX or more: a shorter run's drift is mostly
what its clients held as it ended (one-minute runs drift by -3 to +4 KiB
either way, thirty-minute runs by under 1 KiB), reported but not judged.

The drift is what the run left behind beyond the warm-up's state. It was
finished jobs kept in the process table (an ended telnet session's kept the
whole session alive, cron's filled the table's last eight) and ended
telnet sessions kept by their terminal, which telnetd's watcher still
referred to (in its locals, or as a stale word on its thread's stack,
which the collector scans conservatively). What remains, a few hundred
bytes either way, is such stale words: it does not add up over time.
"""

import base64
import ftplib
import http.client
import io
import json
import os
import re
import socket
import tempfile
import threading
import time
from pathlib import Path

from munixtool import bench_net
from munixtool import sim as simulator

FTP_FILE = 32 * 1024
CRON_EVERY_S = 5
# For the daemons to close what the clients left: a client gone while it
# waited for room in a board's heap is closed at the end of that wait
# (netd, 10 s at most); 3 s counted such clients of the esp32's as leaked.
SETTLE_S = 11
WARM_S = 5
RETRY_S = 0.5           # a client's pause after a failed request
AUTH_ROUNDS = 4000      # setauth's (lib/auth.py)
DRIFT_MAX = 1024        # bytes: issue 28's target for a soak
DRIFT_MINUTES = 10      # of a run whose drift is judged (issue 28: 30 and 10 minutes)
USER = "soak"
HOLD_S = 5              # an idle connection's hold, past the 3.5 s a login waits for a slot
INTRUDER = "127.0.0.2"  # the idle and guessing clients' address, not the users'
MODULES_PROBE = "import sys\n\ndef __main__(args):\n    print(' '.join(sorted(sys.modules)))\n"


class Kind:
    """The tally of one kind of request."""

    def __init__(self, name: str):
        self.name = name
        self.served = 0
        self.failures: list[str] = []
        self.slowest = 0.0
        self.lock = threading.Lock()

    def timed(self, action) -> bool:
        """Run action, a request; whether it was served. A client that
        failed tries again a moment later, as a user would: at once, a
        telnet session the OS had closed failed millions of times in a
        minute, and its failures said nothing more."""
        start = time.perf_counter()
        try:
            action()
        except Exception as e:      # any failure is a figure of the soak, not its end
            with self.lock:
                self.failures.append("%s: %s" % (type(e).__name__, e))
            time.sleep(RETRY_S)
            return False
        took = time.perf_counter() - start
        with self.lock:
            self.served += 1
            self.slowest = max(self.slowest, took)
        return True


class _Login(bench_net.TelnetSession):
    """A telnet session that answers login: and Password: first."""

    def __init__(self, port: int, password: str):
        self.sock = bench_net._connect(port)
        for mark, answer in ((b"login: ", USER), (b"Password: ", password)):
            self.until(mark)
            self.sock.sendall(answer.encode() + b"\r\n")
        self.until_prompt()


def _telnet(port: int, password: str, kind: Kind, until: float) -> None:
    """A telnet user: logs in (a request too), runs the steps in turn, and
    after a session that did not answer logs in anew."""
    # Each line with what its answer must hold: a job refused ("cannot
    # start true in the background") was counted as served.
    steps = (("echo soak", rb"soak\r\n"), ("ls /bin/e*", rb"echo"), ("true &", rb"\[\d+\] \d+"),
             ("wait", rb""))
    sessions = []
    n = 0
    try:
        while time.monotonic() < until:
            if not sessions:
                kind.timed(lambda: sessions.append(_Login(port, password)))
                continue
            line, answer = steps[n % len(steps)]
            n += 1

            answered = []

            def step(line=line, answer=answer):
                got = sessions[0].run(line)
                answered.append(got)
                if not re.search(answer, got):
                    raise RuntimeError("%s answered %r" % (line, got[-80:]))
            # A line that failed but answered leaves its session as it was:
            # logging in anew is for a session that did not answer.
            if not kind.timed(step) and not answered:
                sessions.pop().close()
    finally:
        for session in sessions:
            session.close()


def _ftp(port: int, password: str, kind: Kind, until: float) -> None:
    data = os.urandom(FTP_FILE)
    while time.monotonic() < until:
        def transfer():
            f = ftplib.FTP()
            f.connect("127.0.0.1", port, timeout=bench_net.TIMEOUT)
            try:
                f.login(USER, password)
                f.storbinary("STOR /tmp/soak.bin", io.BytesIO(data))
                got = io.BytesIO()
                f.retrbinary("RETR /tmp/soak.bin", got.write)
                if got.getvalue() != data:
                    raise RuntimeError("the file came back changed")
            finally:
                f.close()
        kind.timed(transfer)


def _basic(password: str) -> str:
    return "Basic " + base64.b64encode(("%s:%s" % (USER, password)).encode()).decode()


def _http(port: int, password: str, kind: Kind, until: float) -> None:
    requests = (("GET", "/small.txt", None), ("GET", "/api/sys", None),
                ("POST", "/api/run", json.dumps({"cmd": "echo soak"})))
    headers = {"Connection": "close", "Authorization": _basic(password),
               "Content-Type": "application/json"}
    n = 0
    while time.monotonic() < until:
        method, path, body = requests[n % len(requests)]
        n += 1

        def request(method=method, path=path, body=body):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=bench_net.TIMEOUT)
            try:
                c.request(method, path, body, headers)
                r = c.getresponse()
                answer = r.read()
            finally:
                c.close()
            if r.status != 200:
                raise RuntimeError("%s %s: %d %s" % (method, path, r.status, answer[:80]))
        kind.timed(request)


def _hostile(ports: dict, password: str, kind: Kind, until: float) -> None:
    """Clients that misbehave; each counts as served when the OS answered it
    as it should (or closed it) in time."""

    def connect(port, source="127.0.0.1"):
        return socket.create_connection(("127.0.0.1", port), timeout=bench_net.TIMEOUT,
                                        source_address=(source, 0))

    def closed_at_once():
        for port in ports.values():
            connect(port).close()

    def garbage(port):
        with connect(port) as s:
            s.recv(4096)
            s.sendall(os.urandom(300).replace(b"\n", b"") + b"\r\n")
            s.recv(4096)

    def http_head(head: bytes) -> bytes:
        with connect(ports["http"]) as s:
            s.sendall(head)
            answer = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    return answer
                answer += chunk

    def two_lengths():
        answer = http_head(b"POST /api/run HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
                           b"Content-Length: 7\r\nConnection: close\r\n\r\n12345")
        # Refused, or not read at all by a board too busy for it (503).
        if not answer.startswith((b"HTTP/1.1 400", b"HTTP/1.1 503")):
            raise RuntimeError("two Content-Lengths: %r" % answer[:80])

    def half_a_head():
        with connect(ports["http"]) as s:
            s.sendall(b"GET /small.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            time.sleep(1)

    def api_run(command: str) -> bytes:
        body = json.dumps({"cmd": command}).encode()
        return (b"POST /api/run HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
                b"\r\nAuthorization: %s\r\nConnection: close\r\nContent-Length: %d\r\n\r\n"
                % (_basic(password).encode(), len(body)) + body)

    def deep():
        answer = http_head(api_run("echo $((%s1%s))" % ("(" * 300, ")" * 300)))
        if answer.startswith(b"HTTP/1.1 503"):
            return      # not run: the board too busy for it
        if not answer.startswith(b"HTTP/1.1 200") or b'"status": 0' in answer:
            raise RuntimeError("300 levels of $(( )): %r" % answer[:80])

    def idle():
        held = [connect(port, INTRUDER) for port in ports.values() for _ in range(2)]
        try:
            time.sleep(HOLD_S)
        finally:
            for s in held:
                s.close()

    def guesses():
        def guess():
            try:
                with connect(ports["ftp"], INTRUDER) as s:
                    s.recv(4096)
                    s.sendall(b"USER intruder\r\nPASS %s\r\n" % os.urandom(8).hex().encode())
                    s.recv(4096)
                    s.recv(4096)
            except OSError:
                pass        # closed or refused: a block does that
        guessers = [threading.Thread(target=guess) for _ in range(4)]
        for g in guessers:
            g.start()
        for g in guessers:
            g.join(2 * bench_net.TIMEOUT)

    def watch_left():
        with connect(ports["http"]) as s:
            # Every second until stopped (-n is its count of runs).
            s.sendall(api_run("watch -t 1 echo soak"))
            time.sleep(1.5)

    attacks = (closed_at_once, lambda: garbage(ports["ftp"]), lambda: garbage(ports["telnet"]),
               two_lengths, half_a_head, deep, idle, guesses, watch_left)
    n = 0
    while time.monotonic() < until:
        kind.timed(attacks[n % len(attacks)])
        n += 1


class _Board(bench_net.RunningOS):
    """The OS on a board profile (its heap), or on the default board."""

    def __init__(self, flash: Path, board: str | None):
        import subprocess
        self.child = subprocess.Popen(
            simulator.command(flash, heap=None if board else "2M", board=board),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def threads_and_sockets(self) -> tuple[int, int]:
        """The runtime's threads and open sockets, from /proc."""
        pid = self.child.pid
        # `env VAR=... micropython` (a board profile) execs: the pid is the runtime's.
        threads = len(os.listdir("/proc/%d/task" % pid))
        sockets = 0
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                sockets += os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:")
            except OSError:
                pass
        return threads, sockets


def _heap(os_: _Board) -> int | None:
    """The heap in use after a collection; None when the OS could not run
    the probe (its heap full, on a board profile)."""
    try:
        return os_.heap()
    except ValueError:
        return None


def _modules(os_: _Board) -> set[str]:
    """The modules loaded; none when the OS could not run the probe."""
    answer = os_.run("/tmp/modprobe")
    return set() if answer.startswith("modprobe:") else set(answer.split())


def _cron_runs(os_: _Board) -> int | None:
    """The cron job's runs so far; None when the OS could not count them
    (its heap full, on a board profile)."""
    answer = os_.run("cat /tmp/soak.cron | wc -l").split()
    return int(answer[-1]) if answer and answer[-1].isdigit() else None


def _clients(ports: dict, password: str, kinds: dict, seconds: float,
             hostile: bool = True) -> list[threading.Thread]:
    """Every client at once for seconds (the hostile one with hostile);
    their threads, ended or stuck."""
    until = time.monotonic() + seconds
    clients = [threading.Thread(target=_telnet, args=(ports["telnet"], password, kinds["telnet"],
                                                      until)),
               threading.Thread(target=_telnet, args=(ports["telnet"], password, kinds["telnet"],
                                                      until)),
               threading.Thread(target=_ftp, args=(ports["ftp"], password, kinds["ftp"], until)),
               threading.Thread(target=_http, args=(ports["http"], password, kinds["http"], until))]
    if hostile:
        clients.append(threading.Thread(target=_hostile,
                                        args=(ports, password, kinds["hostile"], until)))
    for client in clients:
        client.start()
    for client in clients:
        client.join(seconds + 4 * bench_net.TIMEOUT)
    return clients


def soak(tree: Path, minutes: float, board: str | None = None, hostile: bool = True) -> dict:
    ports = {"telnet": bench_net.free_port(), "ftp": bench_net.free_port(),
             "http": bench_net.free_port()}
    conf = {name: {"port": port} for name, port in ports.items()}
    kinds = {name: Kind(name) for name in ("telnet", "ftp", "http") + ("hostile",) * hostile}
    password = os.urandom(8).hex()
    with tempfile.TemporaryDirectory(prefix="munix-soak-") as tmp:
        flash = bench_net._flash(tmp, tree, conf)
        # setauth's rounds: every FTP transfer logs in as a user's client does.
        (flash / "etc" / "shadow").write_text(simulator.shadow_line(USER, password, AUTH_ROUNDS))
        (flash / "www" / "small.txt").write_bytes(b"x" * bench_net.SMALL_FILE)
        (flash / "etc" / "crontab").write_text("*:*:*:*/%d!echo cron >> /tmp/soak.cron\n"
                                               % CRON_EVERY_S)
        (flash / "tmp" / "modprobe.py").write_text(MODULES_PROBE)
        os_ = _Board(flash, board)
        try:
            os_.run("uftpd start; utelnetd start; uhttpd start; crond start")
            # A first round loads what the clients use: the heap it takes
            # stays (modules, the daemons' tables) and is not drift.
            _clients(ports, password, {name: Kind(name) for name in kinds}, WARM_S, hostile)
            time.sleep(SETTLE_S)
            # Counted first: what counting loads (cat, wc) is then no drift.
            crons = _cron_runs(os_)
            modules = _modules(os_)
            before = _heap(os_), os_.threads_and_sockets()
            start = time.monotonic()
            clients = _clients(ports, password, kinds, minutes * 60, hostile)
            elapsed = time.monotonic() - start
            time.sleep(SETTLE_S)
            runs = _cron_runs(os_)
            crons = None if runs is None or crons is None else runs - crons
            after = _heap(os_), os_.threads_and_sockets()
            modules = _modules(os_) - modules
            os_.run("crond stop; utelnetd stop; uhttpd stop; uftpd stop")
        finally:
            os_.close()
    return {"kinds": kinds, "seconds": elapsed, "heap": (before[0], after[0]),
            "threads": (before[1][0], after[1][0]), "sockets": (before[1][1], after[1][1]),
            "cron runs": crons, "modules": sorted(modules),
            "stuck clients": sum(c.is_alive() for c in clients)}


def report(tree: Path, minutes: float, board: str | None = None, hostile: bool = True) -> int:
    """Soak, print the figures; 1 when a request failed or something leaked."""
    print("soak: %.1f minutes on the %s board (compiled tree)%s ..." % (
        minutes, board or "default", "" if hostile else ", no hostile client"), flush=True)
    try:
        s = soak(tree, minutes, board, hostile)
    except RuntimeError as e:
        print("soak: FAILED, %s" % e)
        return 1
    print("%-8s %10s %9s %14s" % ("clients", "requests", "failed", "slowest ms"))
    failed = 0
    for kind in s["kinds"].values():
        failed += len(kind.failures)
        print("%-8s %10d %9d %14.1f" % (kind.name, kind.served, len(kind.failures),
                                        kind.slowest * 1000))
    expected = int(s["seconds"] // CRON_EVERY_S)
    if s["cron runs"] is None:
        failed += 1
        print("cron     not counted: the OS could not run cat | wc (about %d due)" % expected)
    else:
        print("cron     %10d runs (about %d due)" % (s["cron runs"], expected))
    heap = s["heap"]
    if None in heap:
        failed += 1
        print("heap in use after a collection: not measured (the OS could not run the probe"
              " %s the run: its heap full)" % ("before" if heap[0] is None else "after"))
    else:
        print("heap in use after a collection: %.1f KiB before, %.1f KiB after, drift %+.2f KiB"
              % (heap[0] / 1024, heap[1] / 1024, (heap[1] - heap[0]) / 1024))
    print("modules loaded during the run: %s" % (" ".join(s["modules"]) or "none"))
    print("threads: %d before, %d after; sockets: %d before, %d after" % (
        *s["threads"], *s["sockets"]))
    for kind in s["kinds"].values():
        for failure in kind.failures[:3]:
            print("  %s failed: %s" % (kind.name, failure))
    leaked = (s["threads"][1] > s["threads"][0] or s["sockets"][1] > s["sockets"][0]
              or minutes >= DRIFT_MINUTES and None not in heap and heap[1] - heap[0] >= DRIFT_MAX)
    return 1 if failed or leaked or s["stuck clients"] else 0
