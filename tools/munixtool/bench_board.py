"""``munix bench --board NAME``: munix's memory on a board profile.

The compiled tree (the ROMFS one on esp8266, which boots no other way) on
the board's MicroPython (boards.py), as a user brings it up: the heap in
use after boot, after joining Wi-Fi, after starting each daemon and
crond (the figure is where the next one does not fit), and how many telnet
sessions fit beside them. Each figure is gc.mem_alloc() after a collection, read by
a probe program run as a command.
"""

import select
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from munixtool import boards, paths, romfs
from munixtool import sim as simulator

PROBE = "import gc\n\ndef __main__(args):\n    gc.collect()\n    print('heap', gc.mem_alloc())\n"
STEPS = [
    ("after boot", []),
    ("on Wi-Fi", ["wifi sta on", "wifi sta connect munix-sim munix-sim-pass 5", "setauth -d"]),
    ("+ uhttpd", ["uhttpd start"]),
    ("+ utelnetd", ["utelnetd start"]),
    ("+ uftpd", ["uftpd start"]),
    ("+ crond", ["crond start"]),
]
SESSIONS_MAX = 8
TIMEOUT = 60


def _flash(tmp: Path, name: str) -> Path:
    flash = tmp / "flash"
    if name == "esp8266":
        romfs.seed(flash, paths.build_dir())
    else:
        simulator.seed(flash, paths.build_dir())
    (flash / "tmp" / "heapprobe.py").write_text(PROBE)
    (flash / "etc" / "system.conf").write_text(
        '{"telnet": {"port": %d}, "ftp": {"port": %d}, "http": {"port": %d}}'
        % tuple(_free_port() for _ in range(3)))
    return flash


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


def _telnet_sessions(port: int) -> int:
    """How many telnet sessions get a prompt at once (up to SESSIONS_MAX)."""
    held = []
    try:
        for _ in range(SESSIONS_MAX):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            held.append(s)
            got = b""
            while b"$: " not in got:
                chunk = s.recv(256)
                if not chunk:
                    return len(held) - 1
                got += chunk
    except OSError:
        return len(held) - 1 if held else 0
    finally:
        for s in held:
            s.close()
    return len(held)


def measure(name: str) -> dict:
    """The board's figures: {step: KiB in use or the one-line failure}, and
    the telnet sessions that fit."""
    board = boards.get(name)
    result = {}
    with tempfile.TemporaryDirectory(prefix="munix-bench-") as tmp:
        flash = _flash(Path(tmp), name)
        telnet_port = int((flash / "etc" / "system.conf").read_text().split(":")[2].split("}")[0])
        argv = simulator.command(flash, board=name)
        # Unbuffered: select() sees the pipe, not what a buffer holds.
        child = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, bufsize=0)
        seen = bytearray()
        try:
            for label, lines in STEPS:
                for line in lines + ["/tmp/heapprobe", "echo step-done"]:
                    child.stdin.write(line.encode() + b"\n")
                child.stdin.flush()
                text = _read_until(child, b"step-done", seen)
                used = [w.split()[1] for w in text.splitlines() if w.startswith("heap ")]
                failed = [w for w in text.splitlines() if "memory allocation failed" in w
                          or "no thread free" in w or "cannot" in w]
                if not failed and not used:
                    failed = ["no answer within %d s" % TIMEOUT]
                result[label] = failed[0] if failed else int(used[-1]) / 1024
            result["telnet sessions"] = _telnet_sessions(telnet_port)
        finally:
            child.stdin.close()
            try:
                child.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
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
            print("  %-16s %s" % (label, shown))
