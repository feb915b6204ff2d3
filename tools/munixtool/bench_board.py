"""``munix bench --board NAME``: munix's memory on a board profile.

The compiled tree (the ROMFS one on esp8266, which boots no other way) on
the board's MicroPython (boards.py), as a user brings it up: the heap in
use after boot, after joining Wi-Fi, after starting each daemon, crond
and fleetd (connected to a mosquitto started for the run, when the host
has one; the figure is where the next one does not fit), and how many
telnet sessions fit beside them; on a board with ESP-NOW, in a boot of
its own on Wi-Fi, fleetd with ESP-NOW and no broker, then with both.
Each figure is gc.mem_alloc() after a collection, read by a probe program
run as a command.

Then, in a boot of its own, issue 27's scenario: the three daemons and
crond started together with a password set, then at once two telnet
sessions each running a command, an FTP upload of 100 KB, an /api/run
call, a cron job firing (one each second) and a `sleep 5 &` job;
the figure is the heap free at the busiest, the lowest gc.mem_free()
after a collection of the probes the console runs meanwhile, with the
modules loaded then beside the daemons and the names interned, and what
failed.
"""

import ftplib
import http.client
import io
import json
import os
import select
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from munixtool import bench_soak, boards, paths, romfs
from munixtool import sim as simulator

PROBE = "import gc\n\ndef __main__(args):\n    gc.collect()\n    print('heap', gc.mem_alloc())\n"
STEPS = [
    ("after boot", []),
    ("on Wi-Fi", ["wifi sta on", "wifi sta connect munix-sim munix-sim-pass 5", "setauth -d"]),
    ("+ uhttpd", ["uhttpd start"]),
    ("+ utelnetd", ["utelnetd start"]),
    ("+ uftpd", ["uftpd start"]),
    ("+ crond", ["crond start"]),
    # A second's wait: the figure is of fleetd connected, its status sent.
    ("+ fleetd", ["fleetd -i start", "sleep 1"]),
]
# On a board with ESP-NOW, booted again: fleetd serving ESP-NOW only (two
# boards known), then restarted with the broker too.
ESPNOW_STEPS = [STEPS[1], ("fleetd ESP-NOW only", ["fleetd start", "sleep 1"]),
                ("fleetd ESP-NOW+MQTT", ["fleetd stop", "sleep 1", "cp /tmp/espnow.conf /etc/system.conf",
                                         "loadconfig", "fleetd -i start", "sleep 1"])]
ESPNOW_PEERS = {"pump1": "02:00:7f:00:00:01", "pump2": "02:00:7f:00:00:02"}
SESSIONS_MAX = 8
SESSION_WAIT = 12    # s: netd's two waits for room (2 x ROOM_MS), and a second
TIMEOUT = 60
# The heap free, and what holds it: the modules loaded and the names
# interned (qstr_info's "n_qstr=", printed by the runtime itself).
FREE_PROBE = """import gc, micropython, sys

def __main__(args):
    gc.collect()
    free = gc.mem_free()
    modules = ' '.join(sorted(sys.modules))
    print('free', free)
    print('modules', modules)
    micropython.qstr_info()
"""
UPLOAD = 100 * 1024
CRON_WAIT = 10  # seconds a cron job due during the burst has to run once it is over


def _flash(tmp: Path, name: str, broker: int | None, espnow: bool = False) -> Path:
    flash = tmp / ("flash-espnow" if espnow else "flash")
    board = boards.get(name)
    if board.romfs or board.pack:
        # As the board's users have it (a ROMFS partition, or a pack).
        romfs.seed(flash, paths.build_dir(), pack=board.pack)
    else:
        simulator.seed(flash, paths.build_dir())
    (flash / "tmp" / "heapprobe.py").write_text(PROBE)
    (flash / "tmp" / "freeprobe.py").write_text(FREE_PROBE)
    conf = {"telnet": {"port": _free_port()}, "ftp": {"port": _free_port()},
            "http": {"port": _free_port()}}
    (flash / "etc" / "fleet.key").write_text("ab" * 32 + "\n")
    if broker:
        conf["fleet"] = {"host": "127.0.0.1", "port": broker, "name": "bench"}
        (flash / "tmp" / "espnow.conf").write_text(json.dumps(
            dict(conf, fleet=dict(conf["fleet"], espnow=ESPNOW_PEERS))))
    if espnow:
        conf["fleet"] = {"name": "bench", "espnow": ESPNOW_PEERS}
    (flash / "etc" / "system.conf").write_text(json.dumps(conf))
    return flash


def _broker(tmp: Path) -> tuple[subprocess.Popen | None, int | None]:
    """A mosquitto on a free port of 127.0.0.1 for fleetd, (None, None)
    when the host has none."""
    if not shutil.which("mosquitto"):
        return None, None
    port = _free_port()
    conf = tmp / "mosquitto.conf"
    conf.write_text("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n" % port)
    broker = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return broker, port
        except OSError:
            time.sleep(0.1)
    broker.kill()
    broker.wait()
    return None, None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _read_until(child: subprocess.Popen, marker: bytes, seen: bytearray) -> str:
    """Output up to marker, TIMEOUT seconds at most: a board that stops
    answering (the esp8266 profile once its heap ran out) must not hold
    the bench for ever."""
    deadline = time.monotonic() + TIMEOUT
    while marker not in seen:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([child.stdout], [], [], left)[0]:
            break
        line = child.stdout.readline()
        if not line:
            break
        seen += line
    text = seen.decode(errors="replace")
    seen.clear()
    return text


def _telnet_sessions(port: int) -> str:
    """How many telnet sessions get a prompt at once (up to SESSIONS_MAX),
    and how long the slowest waited for it: a client the heap has no room
    for waits (netd: ROOM_MS, then its code is loaded as soon as it fits,
    as long again). Counted as refused at 5 s, four that each waited 5.1 s
    on the esp32 profile, fleetd running, were counted as none."""
    held = []
    served = 0
    slowest = 0.0
    try:
        for _ in range(SESSIONS_MAX):
            began = time.monotonic()
            s = socket.create_connection(("127.0.0.1", port), timeout=SESSION_WAIT)
            held.append(s)
            got = b""
            while b"$: " not in got:
                chunk = s.recv(256)
                if not chunk:
                    raise ConnectionError("closed before a prompt")
                got += chunk
            served += 1
            slowest = max(slowest, time.monotonic() - began)
    except OSError:
        pass
    finally:
        for s in held:
            s.close()
    return "%d (the slowest after %.1f s)" % (served, slowest)


def _boot(name: str, flash: Path) -> subprocess.Popen:
    # Unbuffered: select() sees the pipe, not what a buffer holds.
    return subprocess.Popen(simulator.command(flash, board=name), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=0)


def _step(child: subprocess.Popen, lines: list[str], seen: bytearray) -> float | str:
    """KiB in use after the lines, or the one-line failure."""
    for line in lines + ["/tmp/heapprobe", "echo step-done"]:
        child.stdin.write(line.encode() + b"\n")
    child.stdin.flush()
    text = _read_until(child, b"step-done", seen)
    used = [w.split()[1] for w in text.splitlines() if w.startswith("heap ")]
    failed = [w for w in text.splitlines() if "memory allocation failed" in w
              or "no thread free" in w or "too little heap" in w or "cannot" in w
              or w.startswith("fleetd: ") and "started" not in w]
    if not failed and not used:
        failed = ["no answer within %d s" % TIMEOUT]
    return failed[0] if failed else int(used[-1]) / 1024


def _clients(conf: dict, password: str) -> tuple[list[threading.Thread], dict]:
    """Issue 27's clients, started at once: their threads, and what each
    answered (a failure as its one line)."""
    results = {}

    def telnet(line, expected):
        session = bench_soak._Login(conf["telnet"]["port"], password)
        try:
            got = session.run(line)
        finally:
            session.close()
        if expected not in got:
            raise RuntimeError("answered %r" % got[-80:])

    def ftp():
        f = ftplib.FTP()
        f.connect("127.0.0.1", conf["ftp"]["port"], timeout=TIMEOUT)
        try:
            f.login(bench_soak.USER, password)
            f.storbinary("STOR /tmp/upload", io.BytesIO(os.urandom(UPLOAD)))
            if f.size("/tmp/upload") != UPLOAD:
                raise RuntimeError("the file's size is not %d" % UPLOAD)
        finally:
            f.close()

    def api_run():
        c = http.client.HTTPConnection("127.0.0.1", conf["http"]["port"], timeout=TIMEOUT)
        try:
            c.request("POST", "/api/run", json.dumps({"cmd": "echo run"}),
                      {"Authorization": bench_soak._basic(password),
                       "Content-Type": "application/json"})
            answer = c.getresponse().read()
        finally:
            c.close()
        if json.loads(answer).get("output") != "run\n":
            raise RuntimeError("answered %r" % answer[:80])

    def one(key, work, *args):
        try:
            work(*args)
            results[key] = "ok"
        except Exception as e:      # a figure of the bench, not its end
            results[key] = "%s: %s" % (type(e).__name__, e)

    clients = [threading.Thread(target=one, args=("telnet 1", telnet, "sleep 1; echo one",
                                                  b"one\r\n")),
               threading.Thread(target=one, args=("telnet 2", telnet, "sleep 1; echo two",
                                                  b"two\r\n")),
               threading.Thread(target=one, args=("FTP upload", ftp)),
               threading.Thread(target=one, args=("/api/run", api_run))]
    for client in clients:
        client.start()
    return clients, results


def _count_threads(pid: int, clients: list[threading.Thread], most: list[int]) -> None:
    """most[0]: the most threads the runtime pid ran beside the console's
    while clients ran (the pid is the runtime's: the command execs it)."""
    while any(c.is_alive() for c in clients):
        most[0] = max(most[0], len(os.listdir("/proc/%d/task" % pid)) - 1)
        time.sleep(0.01)


def everything_at_once(name: str, tmp: Path) -> str:
    """Issue 27's scenario on the board (the module's notes): the heap free
    at the busiest and what failed, in a line."""
    (tmp / "once").mkdir()
    flash = _flash(tmp / "once", name, None)
    conf = json.loads((flash / "etc" / "system.conf").read_text())
    password = os.urandom(8).hex()
    (flash / "etc" / "shadow").write_text(simulator.shadow_line(bench_soak.USER, password,
                                                                bench_soak.AUTH_ROUNDS))
    (flash / "etc" / "crontab").write_text("*:*:*:*!echo fired >> /tmp/fired\n")
    child = _boot(name, flash)
    seen = bytearray()
    try:
        started = _step(child, STEPS[1][1][:2] + ["utelnetd start; uftpd start; uhttpd start; "
                                                  "crond start", "sleep 5 &"], seen)
        if isinstance(started, str):
            return "not reached: " + started
        before = _probe(child, seen)
        clients, results = _clients(conf, password)
        threads = [0]
        watch = threading.Thread(target=_count_threads, args=(child.pid, clients, threads))
        watch.start()
        probes = []
        while any(c.is_alive() for c in clients):
            probe = _probe(child, seen)
            if probe is not None:
                probes.append(probe)
            time.sleep(0.2)
        for client in clients:
            client.join(TIMEOUT)
        watch.join(TIMEOUT)
        child.stdin.write(b"wait %1; echo job $?; echo wait-done\n")
        lines = _read_until(child, b"wait-done", seen).splitlines() or ["no answer"]
        results["sleep 5 &"] = "ok" if "job 0" in lines else "ended: " + lines[0]
        # A cron job due meanwhile may wait for a thread (a telnet line's
        # worker lingers 2 s after it, offload.py): it has CRON_WAIT seconds.
        for _ in range(CRON_WAIT):
            child.stdin.write(b"cat /tmp/fired; echo cron-log\ntail -n 2 /tmp/cron.log; echo after-done\n")
            text, _, log = _read_until(child, b"after-done", seen).partition("cron-log\n")
            lines = text.splitlines()
            if "fired" in lines:
                break
            time.sleep(1)
        # Else what the console and crond said (cat failed, a job waits
        # for a thread, tail failed).
        said = [line for line in lines if not line.startswith("job ")] + log.splitlines()[:-1]
        results["cron job"] = "ok" if "fired" in lines else "no run seen (%s)" % " / ".join(said)
    finally:
        _end(child)
    failed = ["%s %s" % item for item in results.items() if item[1] != "ok"]
    low = "no probe answered"
    if probes:
        free, modules, names = min(probes)
        added = " ".join(m for m in modules if before is None or m not in before[1]) or "nothing"
        low = ("%.1f KiB free at the busiest (the lowest of %d probes; loaded then beside the"
               " daemons: %s; %s names interned), threads beside the console's: %d at most"
               % (free / 1024, len(probes), added, names, threads[0]))
    return low + ("; failed: " + "; ".join(failed) if failed else "; every client served")


def _probe(child: subprocess.Popen, seen: bytearray) -> tuple[int, list[str], str] | None:
    """The heap free, the modules loaded and the names interned, as the
    console's probe saw them; None when it could not run whole (the heap
    full: a probe that said the heap free, then ran out of it, was taken
    for the busiest and said nothing of what was loaded)."""
    child.stdin.write(b"/tmp/freeprobe\necho probe-done\n")
    text = _read_until(child, b"probe-done", seen)
    free = modules = None
    names = "?"
    for line in text.splitlines():
        if line.startswith("free "):
            free = int(line.split()[1])
        elif line.startswith("modules "):
            modules = line.split()[1:]
        elif "n_qstr=" in line:
            names = line.split("n_qstr=")[1].split(",")[0]
    return None if free is None or modules is None else (free, modules, names)


def _end(child: subprocess.Popen) -> None:
    child.stdin.close()
    try:
        child.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def measure(name: str) -> dict:
    """The board's figures: {step: KiB in use or the one-line failure}, and
    the telnet sessions that fit."""
    board = boards.get(name)
    result = {}
    with tempfile.TemporaryDirectory(prefix="munix-bench-") as tmp:
        broker, broker_port = _broker(Path(tmp))
        flash = _flash(Path(tmp), name, broker_port)
        telnet_port = json.loads((flash / "etc" / "system.conf").read_text())["telnet"]["port"]
        child = _boot(name, flash)
        seen = bytearray()
        try:
            for label, lines in STEPS:
                if label == "+ fleetd" and broker is None:
                    result[label] = "no mosquitto on this host"
                    continue
                result[label] = _step(child, lines, seen)
            # Where utelnetd shares the console (daemonctl.shared_console), it
            # serves its client while the console waits for a key, which the
            # bench's piped console never does: the tests' terminal shows it.
            shares = board.threads == 0 and board.heap < 64 * boards.KIB
            result["telnet sessions"] = ("1, sharing the console" if shares
                                         else _telnet_sessions(telnet_port))
        finally:
            _end(child)
        result["everything at once"] = everything_at_once(name, Path(tmp))
        try:
            if "espnow" in board.modules:
                child = _boot(name, _flash(Path(tmp), name, broker_port, espnow=True))
                try:
                    for label, lines in ESPNOW_STEPS[:3 if broker else 2]:
                        value = _step(child, lines, seen)
                        if label != STEPS[1][0]:
                            result[label] = value
                        if isinstance(value, str):
                            # Nothing runs to restart (the esp8266's).
                            break
                finally:
                    _end(child)
        finally:
            if broker is not None:
                broker.terminate()
                broker.wait(TIMEOUT)
    result["heap KiB"] = board.heap / 1024
    return result


def report(names: list[str]) -> None:
    """Each board's figures, with what each leaves free of the board's heap."""
    for name in names:
        figures = measure(name)
        heap = figures.pop("heap KiB")
        print("%s (%s), heap %d KiB:" % (name, boards.get(name).title, heap))
        for label, value in figures.items():
            shown = ("%.1f KiB in use, %.1f free" % (value, heap - value)
                     if isinstance(value, float) else value)
            print("  %-19s %s" % (label, shown))
