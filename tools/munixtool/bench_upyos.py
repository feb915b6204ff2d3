"""munix next to upyOS for ``munix bench``: both trees compiled with
mpy-cross (upyOS's into .cache/bench-upyos, without its opt/) and booted by the simulator on
the same MicroPython binary, each on a flash of its own. Every figure is
taken for both in turns (bench.in_turns), so that a machine busy with
something else weighs on both alike:

- boot: CPU time of booting to the prompt and leaving (upyOS asks whether
  to leave: ``exit``, then ``y``);
- heap in use after boot (the same probe program), on the default runtime,
  on the 32-bit one and on the esp32 profile when this machine runs them.
  The first two load the simulator's stand-ins for a board's modules as
  files, into the heap: upyOS imports ``machine`` at boot, which munix
  does not, and pays for it there; the esp32 profile has them frozen, as
  a firmware has its modules, so its figure is the fair one;
- smallest heap (bench.smallest_heap: every size up to twice it boots,
  runs ``echo ok`` and leaves);
- CPU time per ``echo x`` and per iteration of upyOS's counting loop.

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


def figures(munix_tree: Path, upyos_tree: Path, runs: int) -> dict:
    """{figure: {"munix": value, "upyOS": value}}; a figure that cannot be
    taken here (the 32-bit runtime) is a string saying why."""
    result = {}
    with tempfile.TemporaryDirectory(prefix="munix-bench-") as tmp:
        sides = {}
        for name, tree, exit_lines in (("munix", munix_tree, bench.MUNIX_EXIT),
                                       ("upyOS", upyos_tree, UPYOS_EXIT)):
            flash = Path(tmp) / name
            simulator.seed(flash, tree)
            bench.seed_probes(flash)
            sides[name] = (flash, exit_lines)

        def boot(flash, exit_lines):
            return bench.boot_cpu(_argv(flash), exit_lines) * 1000

        def echo(flash, exit_lines):
            return bench.cpu_per_line(_argv(flash), ["echo x"] * bench.LOOP, [], bench.LOOP,
                                      exit_lines) * 1000

        def count(flash, exit_lines):
            return bench.per_iteration(_argv(flash), exit_lines)

        def heap(flash, exit_lines, bits=None, board=None):
            return bench.heap_in_use(_argv(flash, bits, board), exit_lines) / 1024

        def smallest(flash, exit_lines):
            return bench.smallest_heap_of(flash, exit_lines=exit_lines)

        def side_by_side(rounds, measure):
            return bench.in_turns(rounds, {name: partial(measure, *side)
                                           for name, side in sides.items()})

        result["boot and exit, CPU ms"] = side_by_side(runs, boot)
        result["heap in use after boot, KiB"] = side_by_side(1, heap)
        for label, where in (("the same, 32-bit runtime", {"bits": 32}),
                             ("the same, esp32 profile", {"board": "esp32"})):
            try:
                result[label] = side_by_side(1, partial(heap, **where))
            except MunixError as why:
                result[label] = "skipped, %s" % why
        result["smallest heap, KiB"] = side_by_side(1, smallest)
        result["CPU ms per echo"] = side_by_side(max(3, runs // 2), echo)
        result["CPU ms per counting-loop iteration"] = side_by_side(max(3, runs // 2), count)
    return result


def report(munix_tree: Path, upyos_tree: Path | None, runs: int, out=sys.stdout) -> None:
    """The "munix and upyOS" block of ``munix bench``."""
    upyos_tree = upyos_tree or default_tree()
    got = figures(munix_tree, compiled(upyos_tree), runs)
    print("\nmunix and upyOS %s side by side (compiled trees, same runtime, in turns)"
          % version(upyos_tree), file=out)
    print("  %-36s %9s %9s %9s" % ("", "munix", "upyOS", "ratio"), file=out)
    for label, pair in got.items():
        if isinstance(pair, str):
            print("  %-36s %s" % (label, pair), file=out)
            continue
        shown = "%9d %9d" if label.startswith("smallest") else (
            "%9.1f %9.1f" if "KiB" in label or "the same" in label else "%9.3f %9.3f")
        print("  %-36s %s %9.2f" % (label, shown % (pair["munix"], pair["upyOS"]),
                                     pair["munix"] / pair["upyOS"]), file=out)
