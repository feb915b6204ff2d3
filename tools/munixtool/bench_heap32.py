"""Heap on a 32-bit build, for ``munix bench``: the compiled tree's heap
figures on a 32-bit MicroPython next to the default (64-bit) one.

On x86-64 every object and pointer takes 8 bytes, so heap figures are about
twice a 32-bit board's (ESP32, RP2040); the 32-bit runtime (built from
source, see portbuild.plain32) gives figures close to a board's. For each
runtime:

- heap in use at the prompt after boot (bench.HEAP_PROBE);
- smallest heap: bench.smallest_heap (every size up to twice it boots, runs
  a command and exits);
- the heap uftpd, utelnetd and uhttpd each add once started (one boot each,
  started with -i on free ports, idle), and all three together;
- the smallest heap with lib/ and bin/ in a ROMFS partition (romfs.py).

The .mpy files hold bytecode only, which both runtimes load; their headers
are checked against each runtime before measuring.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from munixtool import MunixError, bench, bench_net, build, micropython, paths, romfs
from munixtool import sim as simulator

TIMEOUT = 30
DAEMONS = ("uftpd", "utelnetd", "uhttpd")


def _flash(tmp: str, tree: Path) -> Path:
    """A flash seeded from tree, with the heap probe and every daemon on a free port."""
    conf = {name: {"port": bench_net.free_port()} for name in ("ftp", "telnet", "http")}
    return bench_net._flash(tmp, tree, conf)


def heap_with(flash: Path, bits: int | None, daemons: tuple[str, ...]) -> tuple[int, int]:
    """Bytes of heap in use at the prompt, then with the daemons started, in one boot."""
    board = bench_net.RunningOS(flash, bits)
    try:
        before = board.heap()
        for daemon in daemons:
            out = board.run(daemon + " -i start")
            if "listening on" not in out:
                raise RuntimeError("%s did not start: %s" % (daemon, out.strip()))
        after = board.heap()
        board.run("; ".join(daemon + " stop" for daemon in daemons))
    finally:
        board.close()
    return before, after


def check_headers(tree: Path, bits: int | None) -> None:
    """Raise MunixError when an .mpy file of tree cannot load on the runtime."""
    target = micropython.mpy_version(tuple(simulator.runtime_command(bits)))
    for mpy in sorted(tree.rglob("*.mpy")):
        with open(mpy, "rb") as file:
            problem = build.header_problem(file.read(4), target)
        if problem:
            raise MunixError("%s: %s" % (mpy.relative_to(tree), problem))


def word_bits(bits: int | None) -> int:
    """The pointer width of the runtime simulator.runtime_command(bits) names."""
    argv = simulator.runtime_command(bits)
    argv += ["-c", "import sys;print(64 if sys.maxsize >> 32 else 32)"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=True)
    return int(done.stdout)


def figures(tree: Path, bits: int | None) -> dict:
    """The heap figures of tree on one runtime: bytes in use at the prompt, what
    each daemon and all three add to it (bytes), the smallest heap (KiB)."""
    check_headers(tree, bits)
    with tempfile.TemporaryDirectory(prefix="munix-bench-") as tmp:
        flash = _flash(tmp, tree)
        row = {"smallest heap KiB": bench.smallest_heap_of(flash, bits)}
        for daemon in DAEMONS:
            before, after = heap_with(flash, bits, (daemon,))
            row[daemon] = after - before
        row["at prompt"], after = heap_with(flash, bits, DAEMONS)
        row["all three"] = after - row["at prompt"]
        romfs.seed(flash, tree)
        row["smallest heap ROMFS KiB"] = bench.smallest_heap_of(flash, bits)
    return row


def report(tree: Path | None = None, out=sys.stdout) -> None:
    """The "heap on a 32-bit build" block of ``munix bench`` (compiled tree by default)."""
    tree = tree or paths.build_dir()
    print("\nheap on a 32-bit build (compiled tree; KiB)", file=out)
    try:
        small = figures(tree, 32)
    except micropython.Unsupported as error:
        print("  skipped: %s" % error, file=out)
        return
    big = figures(tree, None)
    rows = [("heap in use after boot", "at prompt"), ("smallest heap", None),
            ("smallest heap, from ROMFS", "smallest heap ROMFS KiB")]
    rows += [("+ with %s running" % daemon, daemon) for daemon in DAEMONS]
    rows.append(("+ with all three running", "all three"))
    print("  %-28s %8s %8s" % ("", "%d-bit" % word_bits(None), "32-bit"), file=out)
    for label, key in rows:
        if key is None or key.endswith("KiB"):
            key = key or "smallest heap KiB"
            print("  %-28s %8d %8d" % (label, big[key], small[key]), file=out)
        else:
            print("  %-28s %8.1f %8.1f" % (label, big[key] / 1024, small[key] / 1024), file=out)
