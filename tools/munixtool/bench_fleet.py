"""``munix bench --fleet N``: the fleet through a broker.

N simulated boards (the compiled tree, default profile) run fleetd against
a mosquitto started for the run. Measured from the host, through the
broker: a command's round trip to one board (``echo x``, from publishing
the request to receiving the result; median and 99th percentile of
ROUNDS), and fan-out, the time from publishing one command to every
board to having all N results (median of FANOUT runs). Through the broker
during the fan-outs: the messages it carried per second (each command in
from the host and out to its board, each result in from the board and out
to the host: 4 N a fan-out), and the CPU time mosquitto spent on them
(/proc), per message: what bounds how many boards one broker serves.
"""

import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from munixtool import MunixError, bench_board, build, paths
from munixtool import sim as simulator
from munixtool.mqttlite import Client

ROUNDS = 200
FANOUT = 50     # enough messages for mosquitto's CPU time to show (clock ticks of 10 ms)
TIMEOUT = 60


def _boards(tmp: Path, count: int, port: int) -> list[subprocess.Popen]:
    """count boards booted with fleetd started; their input stays open (the
    OS ends at its end)."""
    started = []
    for i in range(count):
        flash = tmp / ("board%02d" % i)
        simulator.seed(flash, paths.build_dir())
        (flash / "etc" / "system.conf").write_text(json.dumps(
            {"fleet": {"host": "127.0.0.1", "port": port, "name": "b%02d" % i, "interval": 600}}))
        child = subprocess.Popen(simulator.command(flash), stdin=subprocess.PIPE,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(child)
        child.stdin.write(b"fleetd -i start\n")
        child.stdin.flush()
    return started


def _online(client: Client, count: int) -> None:
    client.subscribe(["munix/+/status"])
    online: set[str] = set()
    deadline = time.monotonic() + TIMEOUT
    while len(online) < count:
        if time.monotonic() > deadline:
            raise MunixError("only %d of %d boards came online" % (len(online), count))
        message = client.wait(0.5)
        if message and json.loads(message[1]).get("online"):
            online.add(message[0])


def _ask(client: Client, names: list[str], rid: str) -> float:
    """Seconds from publishing command rid to every board of names to
    having all their results."""
    start = time.perf_counter()
    for name in names:
        client.publish("munix/%s/cmd" % name, json.dumps({"id": rid, "cmd": "echo x"}), 1)
    waiting = set(names)
    deadline = time.monotonic() + TIMEOUT
    while waiting:
        if time.monotonic() > deadline:
            raise MunixError("no result from %s" % ", ".join(sorted(waiting)))
        message = client.wait(1)
        if message and message[0].endswith("/result/" + rid):
            waiting.discard(message[0].split("/")[1])
    return time.perf_counter() - start


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of process pid so far."""
    fields = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report(count: int) -> int:
    build.build()
    with tempfile.TemporaryDirectory(prefix="munix-bench-") as tmp:
        broker, port = bench_board._broker(Path(tmp))
        if broker is None:
            raise MunixError("the fleet bench needs mosquitto (apt-get install mosquitto)")
        boards: list[subprocess.Popen] = []
        client = None
        try:
            boards = _boards(Path(tmp), count, port)
            client = Client("127.0.0.1", port)
            client.connect("munix-bench")
            _online(client, count)
            names = ["b%02d" % i for i in range(count)]
            client.subscribe(["munix/+/result/#"])
            trips = sorted(_ask(client, names[:1], "rt%d" % i) * 1000 for i in range(ROUNDS))
            cpu = _cpu_seconds(broker.pid)
            fans = [_ask(client, names, "fan%d" % i) * 1000 for i in range(FANOUT)]
            cpu = _cpu_seconds(broker.pid) - cpu
        finally:
            if client is not None:
                client.close()
            for child in boards:
                child.stdin.close()
            for child in boards:
                try:
                    child.wait(TIMEOUT)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
            broker.terminate()
            broker.wait(TIMEOUT)
    print("fleet of %d boards (compiled tree), mosquitto on loopback:" % count)
    print("  round trip, echo x on one board: median %.1f ms, 99th percentile %.1f ms (%d runs)"
          % (statistics.median(trips), trips[int(len(trips) * 0.99) - 1], ROUNDS))
    print("  fan-out, echo x on all %d: median %.0f ms (%d runs, %.0f to %.0f)"
          % (count, statistics.median(fans), FANOUT, min(fans), max(fans)))
    messages = 4 * count * FANOUT
    print("  the broker during the fan-outs: %d messages in and out, %.0f a second; "
          "mosquitto's CPU time %.0f ms, %.0f us a message"
          % (messages, messages / (sum(fans) / 1000), cpu * 1000, cpu * 1e6 / messages))
    return 0
