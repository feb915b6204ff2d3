"""munix next to upyOS for ``munix bench``: both trees compiled with
mpy-cross (upyOS's into .cache/bench-upyos, without its opt/) and booted
by the simulator on the same MicroPython binaries, each on a flash of its
own. Every figure is taken for both in turns (bench.in_turns), so that a
machine busy with something else weighs on both alike:

- boot: CPU time of booting to the prompt and leaving (upyOS asks whether
  to leave: ``exit``, then ``y``);
- heap in use after boot (the same probe program);
- CPU time per ``echo x`` and per iteration of upyOS's counting loop;

each on the default runtime (x64, 2 MiB of heap) and on the esp32
profile (32-bit, its 112 KiB heap: the less of it a system leaves free,
the more often it collects). The default runtime loads the simulator's
stand-ins for a board's modules as files, into the heap and compiled at
each boot: upyOS imports ``machine`` at boot, which munix does not, and
pays for it there; the profile has them frozen, as a firmware has its
modules. On the default runtime also the smallest heap
(bench.smallest_heap: every size up to twice it boots, runs ``echo ok``
and leaves), and the heap after boot on the 32-bit runtime.

upyOS's tree is not fetched here: the bench reads a copy of its
repository (rbenrax/upyOS on GitHub), by default shared/upyos beside the
checkout, else the folder --upyos names; without one this part is
skipped.
"""

import sys
import tempfile
from functools import partial
from pathlib import Path

from munixtool import MunixError, bench, build, paths
from munixtool import sim as simulator

# upyOS's exit asks "Exit upyOS Y/[N]" before leaving.
UPYOS_EXIT = ["exit", "y"]


def default_tree() -> Path:
    return paths.repo_root().parent / "shared" / "upyos"


def version(tree: Path) -> str:
    """upyOS's version, from the first line of its etc/upgrade.inf
    ("#upyOS,0.9.4,2026-04-12")."""
    try:
        first = (tree / "etc" / "upgrade.inf").read_text().split("\n", 1)[0]
    except OSError:
        return "of unknown version"
    words = first.split(",")
    return words[1] if len(words) > 1 else "of unknown version"


def compiled(tree: Path) -> Path:
    """upyOS's tree compiled, as munix's is (build.build)."""
    if not (tree / "lib" / "kernel.py").is_file() or not (tree / "main.py").is_file():
        raise bench.Skipped("no upyOS tree in %s (a copy of its repository, rbenrax/upyOS on "
                            "GitHub; --upyos DIR names another)" % tree)
    # Without opt/: upyOS's add-ons, not on its PATH, one of which
    # (soft_spi.py) mpy-cross refuses.
    staged = paths.cache_dir() / "bench-upyos-source"
    simulator.seed(staged, tree, leave_out=("opt",))
    out = paths.cache_dir() / "bench-upyos"
    build.build(staged, out)
    return out


def _argv(flash: Path, bits: int | None = None, board: str | None = None) -> list[str]:
    """The simulator's argv: 2 MiB of heap, or the board profile's own."""
    return simulator.command(flash, heap=None if board else "2M", bits=bits, board=board)


# Where the figures are taken: the default runtime with a heap that
# never runs short, and the esp32 profile with a board's heap (more
# collections) and its modules frozen.
RUNTIMES = (("x64, 2 MiB heap", {}), ("esp32 profile, 112 KiB heap", {"board": "esp32"}))


def figures(munix_tree: Path, upyos_tree: Path, runs: int) -> dict:
    """{runtime: {figure: {"munix": value, "upyOS": value}}}; a runtime or a
    figure that cannot be taken here is a string saying why."""
    result = {}
    with tempfile.TemporaryDirectory(prefix="munix-bench-") as tmp:
        sides = {}
        for name, tree, exit_lines in (("munix", munix_tree, bench.MUNIX_EXIT),
                                       ("upyOS", upyos_tree, UPYOS_EXIT)):
            flash = Path(tmp) / name
            simulator.seed(flash, tree)
            bench.seed_probes(flash)
            sides[name] = (flash, exit_lines)

        def boot(flash, exit_lines, **where):
            return bench.boot_cpu(_argv(flash, **where), exit_lines) * 1000

        def echo(flash, exit_lines, **where):
            return bench.cpu_per_line(_argv(flash, **where), ["echo x"] * bench.LOOP, [],
                                      bench.LOOP, exit_lines) * 1000

        def count(flash, exit_lines, **where):
            return bench.per_iteration(_argv(flash, **where), exit_lines)

        def heap(flash, exit_lines, **where):
            return bench.heap_in_use(_argv(flash, **where), exit_lines) / 1024

        def smallest(flash, exit_lines):
            return bench.smallest_heap_of(flash, exit_lines=exit_lines)

        def side_by_side(rounds, measure, **where):
            return bench.in_turns(rounds, {name: partial(measure, *side, **where)
                                           for name, side in sides.items()})

        for runtime, where in RUNTIMES:
            try:
                got = result[runtime] = {}
                got["boot and exit, CPU ms"] = side_by_side(runs, boot, **where)
                got["heap in use after boot, KiB"] = side_by_side(1, heap, **where)
                got["CPU ms per echo"] = side_by_side(max(3, runs // 2), echo, **where)
                got["CPU ms per counting-loop iteration"] = side_by_side(max(3, runs // 2), count,
                                                                         **where)
            except MunixError as why:
                result[runtime] = "skipped, %s" % why
        got = result["x64, 2 MiB heap"]
        got["smallest heap, KiB"] = side_by_side(1, smallest)
        try:
            got["heap in use after boot, 32-bit runtime"] = side_by_side(1, heap, bits=32)
        except MunixError as why:
            got["heap in use after boot, 32-bit runtime"] = "skipped, %s" % why
    return result


# Issue 27's targets for munix on the default runtime: (what is compared,
# the most it may be): munix's own figure in KiB, or munix ÷ upyOS.
TARGETS = {
    "boot and exit, CPU ms": ("ratio", 1.0),
    "heap in use after boot, KiB": ("munix", 30),
    "CPU ms per echo": ("ratio", 0.8),
    "CPU ms per counting-loop iteration": ("ratio", 0.8),
    "heap in use after boot, 32-bit runtime": ("munix", 20),
}


def target(label: str, pair: dict) -> str:
    """The target of a default-runtime figure and whether it is met; "" without one."""
    if label not in TARGETS:
        return ""
    of, most = TARGETS[label]
    value = pair["munix"] / pair["upyOS"] if of == "ratio" else pair["munix"]
    return "%s %s: %s" % ("<=", "%gx" % most if of == "ratio" else "%g KiB" % most,
                          "met" if value <= most else "not met")


def report(munix_tree: Path, upyos_tree: Path | None, runs: int, out=None) -> None:
    """The "munix and upyOS" block of ``munix bench``."""
    out = out or sys.stdout
    upyos_tree = upyos_tree or default_tree()
    got = figures(munix_tree, compiled(upyos_tree), runs)
    print("\nmunix and upyOS %s side by side (compiled trees, same runtime, in turns)"
          % version(upyos_tree), file=out)
    for runtime, rows in got.items():
        if isinstance(rows, str):
            print("  %s: %s" % (runtime, rows), file=out)
            continue
        print(("  %-42s %9s %9s %9s  %s" % (runtime, "munix", "upyOS", "ratio",
                                            "target" if runtime == RUNTIMES[0][0] else "")).rstrip(),
              file=out)
        for label, pair in rows.items():
            if isinstance(pair, str):
                print("    %-40s %s" % (label, pair), file=out)
                continue
            shown = "%9d %9d" if label.startswith("smallest") else (
                "%9.1f %9.1f" if "heap" in label else "%9.3f %9.3f")
            goal = target(label, pair) if runtime == RUNTIMES[0][0] else ""
            print(("    %-40s %s %9.2f  %s" % (label, shown % (pair["munix"], pair["upyOS"]),
                                              pair["munix"] / pair["upyOS"], goal)).rstrip(),
                  file=out)
