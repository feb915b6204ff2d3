"""``munix bench``: speed and memory of munix on the MicroPython unix port.

For the source tree and for the compiled tree, each booted on a flash
folder of its own with standard input from a pipe:

- boot to prompt: from starting MicroPython to the console reading its
  first line (the time until the output of a first ``echo`` arrives);
  median of several boots;
- heap in use after boot: ``gc.mem_alloc()`` after a collection, read by a
  tiny program run as the first command;
- smallest heap: the smallest ``-X heapsize`` with which the OS reaches
  its prompt and runs a command, found by bisection;
- time per command: 200 runs of ``echo x``, timed inside the OS.

And for the compiled tree, the network daemons (bench_net.py; ``--no-net``
skips them) and the host tools (bench_host.py).
"""

import argparse
import os
import select
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from munixtool import bench_heap32, bench_host, bench_net, build, paths, romfs
from munixtool import sim as simulator

HEAP_PROBE = "import gc\n\ndef __main__(args):\n    gc.collect()\n    print(gc.mem_alloc())\n"
LOOP = 200
TIMEOUT = 30


def _boot(flash: Path, lines: list[str], heap: str | None = "2M",
          bits: int | None = None) -> subprocess.CompletedProcess:
    argv = simulator.command(flash, heap=heap, interactive=False, bits=bits)
    return subprocess.run(argv, input="\n".join(lines) + "\n", capture_output=True,
                          text=True, timeout=TIMEOUT)


def boot_time(flash: Path, runs: int) -> float:
    """Median seconds from starting MicroPython to the first command's output."""
    times = []
    for _ in range(runs):
        argv = simulator.command(flash, heap="2M", interactive=False)
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL)
        child.stdin.write(b"echo READY\n")
        child.stdin.flush()
        seen = b""
        while b"READY" not in seen:
            ready, _, _ = select.select([child.stdout], [], [], TIMEOUT)
            chunk = os.read(child.stdout.fileno(), 4096) if ready else b""
            if not chunk:
                child.kill()
                raise RuntimeError("the OS did not reach its prompt: %r" % seen)
            seen += chunk
        times.append(time.perf_counter() - start)
        child.stdin.close()
        child.wait(TIMEOUT)
        child.stdout.close()
    return statistics.median(times)


def heap_in_use(flash: Path) -> int:
    """Bytes of heap in use at the prompt after boot."""
    done = _boot(flash, ["/tmp/heapprobe"])
    return int(done.stdout.split()[-1])


def boots_with(flash: Path, kib: int, bits: int | None = None) -> bool:
    try:
        done = _boot(flash, ["echo ok"], heap="%dK" % kib, bits=bits)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0 and done.stdout.endswith("ok\n")


def smallest_heap(flash: Path, bits: int | None = None, low: int = 8, high: int = 512) -> int:
    """The smallest heap in KiB that boots and runs a command (on the
    runtime sim.runtime_command(bits) names)."""
    if not boots_with(flash, high, bits):
        raise RuntimeError("the OS does not boot with %d KiB of heap" % high)
    while high - low > 1:
        middle = (low + high) // 2
        if boots_with(flash, middle, bits):
            high = middle
        else:
            low = middle
    return high


def per_command(flash: Path) -> float:
    """Milliseconds per `echo x`, timed inside the OS over LOOP runs."""
    lines = ["> import time", "> t0 = time.ticks_us()"] + ["echo x"] * LOOP
    lines += ["< time.ticks_diff(time.ticks_us(), t0)"]
    done = _boot(flash, lines)
    return int(done.stdout.split()[-1]) / LOOP / 1000


# Jobs: heap per background thread job and per asyncio job (the loop
# already running), and the time of `ps` with 20 jobs in the table.
JOBS_PROBE = """import asyncio, gc, jobctl, munix, shell, time

async def idle():
    while True:
        await asyncio.sleep_ms(50)

def heap():
    gc.collect()
    return gc.mem_alloc()

def __main__(args):
    sess = munix.session()
    n = 10
    jobctl.spawn_task(sess, "warm", [], idle(), quiet=True)
    time.sleep_ms(200)
    before = heap()
    for i in range(n):
        jobctl.background(sess, "idle", [], lambda: shell.run_line("sleep 30", sess), quiet=True)
    time.sleep_ms(300)
    thread = (heap() - before) // n
    before = heap()
    for i in range(n):
        jobctl.spawn_task(sess, "idle", [], idle(), quiet=True)
    time.sleep_ms(300)
    task = (heap() - before) // n
    t0 = time.ticks_us()
    shell.run_line("ps -l", sess)
    ps_ms = time.ticks_diff(time.ticks_us(), t0) / 1000
    print("JOBS", thread, task, ps_ms)
"""


def jobs_figures(tree: Path) -> dict:
    """Heap bytes per thread job and per asyncio job; ms of `ps -l` with 20 jobs."""
    with tempfile.TemporaryDirectory(prefix="munix-bench-") as tmp:
        flash = Path(tmp) / "flash"
        simulator.seed(flash, tree)
        (flash / "tmp" / "jobprobe.py").write_text(JOBS_PROBE)
        done = _boot(flash, ["/tmp/jobprobe", "killall idle warm sleep"])
    words = done.stdout[done.stdout.index("JOBS "):].split()
    return {"thread": int(words[1]), "task": int(words[2]), "ps ms": float(words[3])}


COUNTING_LOOP = 1000


# A POSIX sh script using what loads on demand: a function with local
# variables, case, a here-document, parameter operators, a subshell; the
# heap is measured inside the function, with all of it loaded.
POSIX_SCRIPT = """\
kind() {
    local name=$1
    case ${name##*.} in
        sh) echo script ;;
        py|mpy) echo program ;;
        *) echo other ;;
    esac
}
for f in /etc/init.sh /bin/ls.py /tmp/x.txt; do
    k=$(kind "$f")
    (cd /tmp; : ${k:-none})
done
report() {
    cat <<EOF > /tmp/report
${1%.sh} is a $(kind "$1"), ${#1} characters
EOF
    /tmp/heapprobe
}
report /etc/init.sh
"""


def scripts(tree: Path) -> dict:
    """upyOS's counting loop (:cont / incr a / if $a <= N goto cont): ms per
    iteration; the heap in use while a 1,000-line script runs a loop, and
    inside a POSIX script's function."""
    long_script = ["x=$((x + 1))"] * 990 + [
        ":loop", "incr i", "if $i == 5 /tmp/heapprobe", "if $i < 10 goto loop"]
    with tempfile.TemporaryDirectory(prefix="munix-bench-") as tmp:
        flash = Path(tmp) / "flash"
        simulator.seed(flash, tree)
        (flash / "tmp" / "heapprobe.py").write_text(HEAP_PROBE)
        (flash / "tmp" / "count.sh").write_text(
            ":cont\nincr a\nif $a <= %d goto cont\n" % COUNTING_LOOP)
        (flash / "tmp" / "long.sh").write_text("\n".join(long_script) + "\n")
        (flash / "tmp" / "posix.sh").write_text(POSIX_SCRIPT)
        posix = _boot(flash, ["sh /tmp/posix.sh"])
        timed = _boot(flash, ["> import time", "> t0 = time.ticks_us()", "sh /tmp/count.sh",
                              "< time.ticks_diff(time.ticks_us(), t0)"])
        during = _boot(flash, ["sh /tmp/long.sh"])
    return {
        "ms per loop iteration": int(timed.stdout.split()[-1]) / COUNTING_LOOP / 1000,
        "heap during long script KiB": int(during.stdout.split()[-1]) / 1024,
        "heap in a POSIX script KiB": int(posix.stdout.split()[-1]) / 1024,
    }


def measure(label: str, tree: Path, runs: int, in_romfs: bool = False) -> dict:
    """The boot, heap and command figures of tree, on the flash or (in_romfs)
    with its lib/ and bin/ in a ROMFS partition."""
    with tempfile.TemporaryDirectory(prefix="munix-bench-") as tmp:
        flash = Path(tmp) / "flash"
        if in_romfs:
            romfs.seed(flash, tree)
        else:
            simulator.seed(flash, tree)
        (flash / "tmp" / "heapprobe.py").write_text(HEAP_PROBE)
        return {
            "tree": label,
            "boot ms": boot_time(flash, runs) * 1000,
            "heap in use KiB": heap_in_use(flash) / 1024,
            "smallest heap KiB": smallest_heap(flash),
            "ms per command": per_command(flash),
        }


def main(args) -> int:
    parser = argparse.ArgumentParser(prog="munix bench", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=11, help="boots to take the median of")
    parser.add_argument("--no-net", action="store_true", help="skip the network daemons")
    parser.add_argument("--board", action="append", metavar="NAME",
                        help="only the memory figures on this board profile (repeatable)")
    parser.add_argument("--soak", type=float, metavar="MINUTES",
                        help="only the soak: all daemons and clients at once for MINUTES "
                             "(on the first --board, if given)")
    parser.add_argument("--fleet", type=int, metavar="N",
                        help="only the fleet: round trip and fan-out of commands through "
                             "mosquitto to N simulated boards running fleetd")
    options = parser.parse_args(args.extra)
    if options.fleet is not None:
        if options.fleet < 1:
            parser.error("--fleet takes a number of boards above 0")
        from munixtool import bench_fleet
        return bench_fleet.report(options.fleet)
    if options.soak is not None:
        if options.soak <= 0:
            parser.error("--soak takes a number of minutes above 0")
        from munixtool import bench_soak
        build.build()
        return bench_soak.report(paths.build_dir(), options.soak,
                                 options.board[0] if options.board else None)
    if options.board:
        from munixtool import bench_board
        bench_board.report(options.board)
        return 0
    build.build()
    rows = [measure("source", paths.repo_root(), options.runs),
            measure("compiled", paths.build_dir(), options.runs),
            measure("ROMFS", paths.build_dir(), options.runs, in_romfs=True)]
    print("%-10s %10s %17s %19s %16s" % ("tree", "boot ms", "heap in use KiB",
                                          "smallest heap KiB", "ms per command"))
    for row in rows:
        print("%-10s %10.1f %17.1f %19d %16.3f" % (
            row["tree"], row["boot ms"], row["heap in use KiB"],
            row["smallest heap KiB"], row["ms per command"]))
    jobs = jobs_figures(paths.build_dir())
    print("\njobs (compiled tree): heap per thread job %d B, per asyncio job %d B; "
          "ps -l with 20 jobs %.1f ms" % (jobs["thread"], jobs["task"], jobs["ps ms"]))
    print("\nscripts     ms per counting-loop   heap KiB in a       heap KiB in a POSIX script\n"
          "            iteration              1,000-line script   (functions, case, here-doc)")
    for label, tree in (("source", paths.repo_root()), ("compiled", paths.build_dir())):
        row = scripts(tree)
        print("%-10s %12.3f %24.1f %26.1f" % (label, row["ms per loop iteration"],
                                              row["heap during long script KiB"],
                                              row["heap in a POSIX script KiB"]))
    if not options.no_net:
        bench_net.report(paths.build_dir())
    bench_heap32.report(paths.build_dir())
    bench_host.report()
    return 0
