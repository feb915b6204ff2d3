"""``munix bench``: speed and memory of munix on the MicroPython unix port.

For the source tree and for the compiled tree, each booted on a flash
folder of its own with standard input from a pipe:

- boot: the CPU time of booting to the prompt and leaving with ``exit``
  (median of several boots);
- heap in use after boot: ``gc.mem_alloc()`` after a collection, read by a
  tiny program run as the first command;
- smallest heap: the smallest ``-X heapsize`` from which every size up to
  twice it boots, runs a command and leaves with ``exit`` (smallest_heap);
- time per command: the CPU time of 1,000 runs of ``echo x``.

Times are CPU time, user and system, that the kernel charged to the
MicroPython process (os.wait4 when it ends): a busy machine makes wall
time longer, not CPU time. A figure for N lines is the CPU of a boot that
runs them less that of a boot that does not, divided by N.

Then munix next to upyOS (bench_upyos.py), the network daemons
(bench_net.py; ``--no-net`` skips them), the 32-bit heap (bench_heap32.py)
and the host tools (bench_host.py). A part that cannot run here (a runtime
that cannot be built, a package not installed) is skipped with its reason;
the bench's status is 1 only when a part that could run failed.
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from munixtool import (MunixError, bench_heap32, bench_host, bench_net, bench_upyos, boards, build,
                       paths, romfs)
from munixtool import sim as simulator

HEAP_PROBE = "import gc\n\ndef __main__(args):\n    gc.collect()\n    print('heap', gc.mem_alloc())\n"
# Lines per `echo x` figure: a boot's CPU time varies by some milliseconds
# from one run to the next here, and 200 lines (40 ms) moved the ratio to
# upyOS by 0.1 either way.
LOOP = 1000
TIMEOUT = 30
# The output kept of one boot: an OS that loops on end of input (upyOS
# does) is killed here rather than filling the host's memory.
OUTPUT_MAX = 1 << 20
# What ends munix's console: exit runs /etc/end.sh, then the simulator ends.
MUNIX_EXIT = ["exit"]


class Skipped(Exception):
    """A part of the bench that cannot run on this machine; str() says why."""


@dataclass
class Run:
    """One boot: what it printed, its exit status, the CPU seconds it took."""
    out: str
    status: int
    cpu: float


def run_os(argv: list[str], lines: list[str], timeout: float = TIMEOUT) -> Run:
    """Run argv with lines on its standard input; its output (with its error
    stream), status and CPU time. Killed past timeout (status -9)."""
    child = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)

    def feed():
        try:
            child.stdin.write(("\n".join(lines) + "\n").encode())
            child.stdin.close()
        except BrokenPipeError:
            pass

    def kill():
        # Not Popen.kill: it polls first, and a poll that reaped the child
        # left os.wait4 below none ("No child processes"). Unreaped, the
        # child's pid stays its own.
        os.kill(child.pid, signal.SIGKILL)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    timer = threading.Timer(timeout, kill)
    timer.start()
    out = bytearray()
    try:
        while chunk := os.read(child.stdout.fileno(), 65536):
            if len(out) < OUTPUT_MAX:
                out += chunk
            else:
                kill()
    except BaseException:
        child.kill()
        child.wait()
        raise
    finally:
        timer.cancel()
        timer.join()
        child.stdout.close()
    # Reaped here, not by Popen, for the child's resource usage.
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    writer.join()
    return Run(out.decode(errors="replace"), child.returncode, usage.ru_utime + usage.ru_stime)


def heap_value(out: str) -> int:
    """The bytes HEAP_PROBE printed last in out."""
    found = re.findall(r"^heap (\d+)$", out, re.M)
    if not found:
        raise RuntimeError("no heap figure in the output: %r" % out[-300:])
    return int(found[-1])


def boot_cpu(argv: list[str], exit_lines: list[str]) -> float:
    """CPU seconds of a boot to the prompt and out again."""
    return run_os(argv, exit_lines).cpu


def cpu_per_line(argv: list[str], lines: list[str], base: list[str], count: int,
                 exit_lines: list[str]) -> float:
    """CPU seconds per unit of work: (a boot running lines) - (a boot running
    base), over count units."""
    return (run_os(argv, lines + exit_lines).cpu - run_os(argv, base + exit_lines).cpu) / count


def runs_and_exits(argv: list[str], exit_lines: list[str], timeout: float = TIMEOUT) -> bool:
    """Whether the OS boots, runs `echo ok` and leaves: status 0, the
    command's output, and no heap error on the way (end.sh included)."""
    done = run_os(argv, ["echo ok"] + exit_lines, timeout)
    return (done.status == 0 and re.search(r"^ok\r?$", done.out, re.M) is not None
            and "memory allocation failed" not in done.out and "MemoryError" not in done.out)


def smallest_heap(fits, low: int = 8, high: int = 512) -> int:
    """The smallest heap S in KiB from which every size up to 2*S fits
    (fits(kib) -> bool). Bisection finds the first size that fits; as a
    size above it may still not (a collection at the wrong moment, exit's
    end.sh needing more than the command), every size from there to twice
    the answer is tried, and the answer moves past each that does not."""
    if not fits(high):
        raise RuntimeError("the OS does not boot, run a command and exit with %d KiB of heap" % high)
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle
    answer = size = high
    while size <= 2 * answer:
        if not fits(size):
            answer = size + 1
        size += 1
    return answer


def smallest_heap_of(flash: Path, bits: int | None = None, exit_lines: list[str] = MUNIX_EXIT) -> int:
    """smallest_heap of the OS on flash (on the runtime sim.runtime_command(bits) names)."""
    return smallest_heap(lambda kib: runs_and_exits(
        simulator.command(flash, heap="%dK" % kib, bits=bits), exit_lines))


def per_command(flash: Path, rounds: int = 3) -> float:
    """CPU milliseconds per `echo x`, over LOOP runs (median of rounds)."""
    argv = simulator.command(flash, heap="2M")
    return statistics.median(cpu_per_line(argv, ["echo x"] * LOOP, [], LOOP, MUNIX_EXIT)
                             for _ in range(rounds)) * 1000


def turns(rounds: int, measures: dict) -> dict:
    """What each measure ({name: function}) gave, rounds times, taken in
    turns, the order reversed every other round: a machine busy with
    something else for a while slows each of them alike."""
    got = {name: [] for name in measures}
    order = list(measures)
    for turn in range(rounds):
        for name in order if turn % 2 == 0 else order[::-1]:
            got[name].append(measures[name]())
    return got


def in_turns(rounds: int, measures: dict) -> dict:
    """The median of each measure's figures, taken in turns (turns)."""
    return {name: statistics.median(figures) for name, figures in turns(rounds, measures).items()}


def part(title: str, work, out=None) -> bool:
    """Run one part of the bench; False when it failed. A part that cannot
    run here (Skipped, a MunixError such as a runtime that cannot be built,
    a package not installed) is said skipped, with why, and is no failure."""
    out = out or sys.stdout
    try:
        work()
    except (Skipped, MunixError, ImportError) as why:
        print("\n%s: skipped, %s" % (title, str(why).strip() or type(why).__name__), file=out)
    except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as error:
        print("\n%s: FAILED, %s" % (title, error), file=out)
        return False
    return True


# Jobs: heap per background thread job and per asyncio job (the loop
# already running); the jobs stay for `ps -l` to list.
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
        jobctl.background(sess, "idle", [], shell.run_line, ("sleep 30", sess), quiet=True)
    time.sleep_ms(300)
    thread = (heap() - before) // n
    before = heap()
    for i in range(n):
        jobctl.spawn_task(sess, "idle", [], idle(), quiet=True)
    time.sleep_ms(300)
    task = (heap() - before) // n
    print("JOBS", thread, task)
"""
PS_RUNS = 20


def jobs_figures(tree: Path) -> dict:
    """Heap bytes per thread job and per asyncio job; CPU ms of `ps -l`
    with 20 jobs (PS_RUNS of them against a boot running none)."""
    with tempfile.TemporaryDirectory(prefix="munix-bench-") as tmp:
        flash = Path(tmp) / "flash"
        simulator.seed(flash, tree)
        (flash / "tmp" / "jobprobe.py").write_text(JOBS_PROBE)
        argv = simulator.command(flash, heap="2M")
        start, end = ["/tmp/jobprobe"], ["killall idle warm sleep"] + MUNIX_EXIT
        done = run_os(argv, start + end)
        ps_ms = statistics.median(
            cpu_per_line(argv, start + ["ps -l"] * PS_RUNS, start, PS_RUNS, end)
            for _ in range(3)) * 1000
    words = done.out[done.out.index("JOBS "):].split()
    return {"thread": int(words[1]), "task": int(words[2]), "ps ms": ps_ms}


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


def counting_script(limit: int) -> str:
    """upyOS's counting loop, limit + 1 iterations."""
    return ":cont\nincr a\nif $a <= %d goto cont\n" % limit


def per_iteration(argv: list[str], exit_lines: list[str]) -> float:
    """CPU milliseconds per iteration of the counting loop (/tmp/count.sh
    against /tmp/count0.sh, COUNTING_LOOP iterations more)."""
    return cpu_per_line(argv, ["sh /tmp/count.sh"], ["sh /tmp/count0.sh"], COUNTING_LOOP,
                        exit_lines) * 1000


def seed_probes(flash: Path) -> None:
    """The heap probe and the counting scripts on a seeded flash."""
    (flash / "tmp" / "heapprobe.py").write_text(HEAP_PROBE)
    (flash / "tmp" / "count.sh").write_text(counting_script(COUNTING_LOOP))
    (flash / "tmp" / "count0.sh").write_text(counting_script(0))


def scripts(tree: Path) -> dict:
    """upyOS's counting loop (:cont / incr a / if $a <= N goto cont): CPU ms
    per iteration; the heap in use while a 1,000-line script runs a loop,
    and inside a POSIX script's function."""
    long_script = ["x=$((x + 1))"] * 990 + [
        ":loop", "incr i", "if $i == 5 /tmp/heapprobe", "if $i < 10 goto loop"]
    with tempfile.TemporaryDirectory(prefix="munix-bench-") as tmp:
        flash = Path(tmp) / "flash"
        simulator.seed(flash, tree)
        seed_probes(flash)
        (flash / "tmp" / "long.sh").write_text("\n".join(long_script) + "\n")
        (flash / "tmp" / "posix.sh").write_text(POSIX_SCRIPT)
        argv = simulator.command(flash, heap="2M")
        posix = run_os(argv, ["sh /tmp/posix.sh"])
        during = run_os(argv, ["sh /tmp/long.sh"])
        return {
            "ms per loop iteration": statistics.median(per_iteration(argv, MUNIX_EXIT)
                                                       for _ in range(3)),
            "heap during long script KiB": heap_value(during.out) / 1024,
            "heap in a POSIX script KiB": heap_value(posix.out) / 1024,
        }


def heap_in_use(argv: list[str], exit_lines: list[str]) -> int:
    """Bytes of heap in use at the prompt after boot (HEAP_PROBE at /tmp/heapprobe)."""
    return heap_value(run_os(argv, ["/tmp/heapprobe"] + exit_lines).out)


def measure(label: str, tree: Path, runs: int, in_romfs: bool = False) -> dict:
    """The boot, heap and command figures of tree, on the flash or (in_romfs)
    with its lib/ and bin/ in a ROMFS partition."""
    with tempfile.TemporaryDirectory(prefix="munix-bench-") as tmp:
        flash = Path(tmp) / "flash"
        if in_romfs:
            romfs.seed(flash, tree)
        else:
            simulator.seed(flash, tree)
        seed_probes(flash)
        argv = simulator.command(flash, heap="2M")
        return {
            "tree": label,
            "boot ms": statistics.median(boot_cpu(argv, MUNIX_EXIT) for _ in range(runs)) * 1000,
            "heap in use KiB": heap_in_use(argv, MUNIX_EXIT) / 1024,
            "smallest heap KiB": smallest_heap_of(flash),
            "ms per command": per_command(flash),
        }


def main(args) -> int:
    parser = argparse.ArgumentParser(prog="munix bench", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=11, help="boots to take the median of")
    parser.add_argument("--no-net", action="store_true", help="skip the network daemons")
    parser.add_argument("--upyos", type=Path, metavar="DIR",
                        help="upyOS's tree to compare with (default: %s)" % bench_upyos.default_tree())
    parser.add_argument("--board", action="append", metavar="NAME",
                        help="only the memory figures on this board profile (repeatable)")
    parser.add_argument("--soak", type=float, metavar="MINUTES",
                        help="only the soak: all daemons and clients at once for MINUTES "
                             "(on the first --board, if given)")
    parser.add_argument("--no-hostile", action="store_true",
                        help="with --soak: the users' clients only, without the hostile one")
    parser.add_argument("--fleet", type=int, metavar="N",
                        help="only the fleet: round trip and fan-out of commands through "
                             "mosquitto to N simulated boards running fleetd")
    options = parser.parse_args(args.extra)
    if options.fleet is not None:
        if options.fleet < 1:
            parser.error("--fleet takes a number of boards above 0")
        from munixtool import bench_fleet
        return bench_fleet.report(options.fleet)
    if options.no_hostile and options.soak is None:
        parser.error("--no-hostile goes with --soak")
    if options.soak is not None:
        if options.soak <= 0:
            parser.error("--soak takes a number of minutes above 0")
        from munixtool import bench_soak
        build.build()
        return bench_soak.report(paths.build_dir(), options.soak,
                                 options.board[0] if options.board else None,
                                 not options.no_hostile)
    if options.board:
        from munixtool import bench_board
        for name in options.board:
            boards.get(name)    # a misspelt name is an error, not a part skipped
        build.build()
        ok = [part("%s profile" % name, lambda name=name: bench_board.report([name]))
              for name in options.board]
        return 0 if all(ok) else 1
    build.build()
    ok = [part("trees", lambda: trees(options.runs)),
          part("jobs", jobs_report),
          part("scripts", scripts_report),
          part("munix and upyOS", lambda: bench_upyos.report(paths.build_dir(), options.upyos,
                                                             options.runs))]
    if not options.no_net:
        ok.append(part("network daemons", lambda: bench_net.report(paths.build_dir())))
    ok.append(part("heap on a 32-bit build", lambda: bench_heap32.report(paths.build_dir())))
    ok.append(part("host tools", bench_host.report))
    return 0 if all(ok) else 1


def trees(runs: int) -> None:
    rows = [measure("source", paths.repo_root(), runs),
            measure("compiled", paths.build_dir(), runs),
            measure("ROMFS", paths.build_dir(), runs, in_romfs=True)]
    print("%-10s %12s %17s %19s %16s" % ("tree", "boot CPU ms", "heap in use KiB",
                                          "smallest heap KiB", "CPU ms per echo"))
    for row in rows:
        print("%-10s %12.2f %17.1f %19d %16.3f" % (
            row["tree"], row["boot ms"], row["heap in use KiB"],
            row["smallest heap KiB"], row["ms per command"]))


def jobs_report() -> None:
    jobs = jobs_figures(paths.build_dir())
    print("\njobs (compiled tree): heap per thread job %d B, per asyncio job %d B; "
          "ps -l with 20 jobs %.1f CPU ms" % (jobs["thread"], jobs["task"], jobs["ps ms"]))


def scripts_report() -> None:
    print("\nscripts     CPU ms per counting-   heap KiB in a       heap KiB in a POSIX script\n"
          "            loop iteration         1,000-line script   (functions, case, here-doc)")
    for label, tree in (("source", paths.repo_root()), ("compiled", paths.build_dir())):
        row = scripts(tree)
        print("%-10s %12.3f %24.1f %26.1f" % (label, row["ms per loop iteration"],
                                              row["heap during long script KiB"],
                                              row["heap in a POSIX script KiB"]))
