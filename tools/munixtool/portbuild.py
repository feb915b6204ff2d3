"""Build the MicroPython that plays a board: the unix port, from Debian's
source packages (micropython, mbedtls for its TLS, libffi for the
simulator's stand-ins), with the board's settings (boards.py) and munix's patch
(boardport.patch: thread supply, stack sizes, socket cap, no inet_pton,
ticks from reset), so that the simulator lacks what the board lacks.

Everything lands under .cache/: the unpacked source once, and one runtime
per board, rebuilt when the patch or the board's settings change.
"""

import hashlib
import json
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

from munixtool import MunixError, boards, debian, micropython, paths

SOURCE_SUITE = "trixie"
SOURCE_PACKAGE = "micropython"
TLS_PACKAGE = "mbedtls"
# A 32-bit libffi built from source, so that no i386 package (and no i386
# index of the mirror) is needed: bookworm's release tarball carries its
# configure script, trixie's would need autotools newer than bookworm's.
FFI_SUITE = "bookworm"
FFI_PACKAGE = "libffi"
SYSTEM_MBEDTLS_PATCH = "debian/patches/0006-extmod-Use-system-mbedtls.patch"
PATCH = Path(__file__).with_name("boardport.patch")

# What the build needs from the host (Debian package names).
BUILD_PACKAGES = ["gcc", "make", "patch", "pkg-config", "dpkg-dev", "gcc-multilib", "libffi-dev"]

# The unix port without Debian's frozen mip, with asyncio as boards have it.
MANIFEST = 'include("$(MPY_DIR)/extmod/asyncio")\n'

# Calls a board's main task fits: #4840's recursion, counted where it stops.
DEPTH_PROBE = """
n = 0
def test(k):
    global n
    n = k
    test(k + 1)
try:
    test(0)
except RuntimeError:
    pass
print(n)
"""

BUILD_TIMEOUT = 600


def _cache() -> Path:
    return paths.cache_dir() / "boards"


def _source_tree() -> Path:
    """Debian's MicroPython source with munix's patch applied, unpacked once."""
    root = _cache() / "source"
    tree = root / "tree"
    stamp = root / "patched"
    recipe = [PATCH.read_bytes(), SYSTEM_MBEDTLS_PATCH.encode(), TLS_PACKAGE.encode()]
    patch_digest = hashlib.sha256(b"\n".join(recipe)).hexdigest()
    if stamp.is_file() and stamp.read_text() == patch_digest:
        return tree
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    dsc = debian.fetch_source(root / "apt", SOURCE_SUITE, SOURCE_PACKAGE)
    _run(["dpkg-source", "--no-check", "-x", os.fspath(dsc), os.fspath(tree)], root,
         "unpack the source")
    # Boards build mbedTLS with MicroPython's own configuration; Debian's
    # library has another (its entropy context alone is 37 KiB).
    _run(["patch", "-R", "-p1", "-i", SYSTEM_MBEDTLS_PATCH], tree, "undo Debian's system mbedTLS")
    tls_dsc = debian.fetch_source(root / "apt", SOURCE_SUITE, TLS_PACKAGE)
    (tree / "lib" / "mbedtls").rmdir()
    _run(["dpkg-source", "--no-check", "-x", os.fspath(tls_dsc),
          os.fspath(tree / "lib" / "mbedtls")], root, "unpack mbedTLS")
    _run(["patch", "-p1", "-i", os.fspath(PATCH)], tree, f"apply {PATCH.name}")
    stamp.write_text(patch_digest)
    return tree


def _libffi() -> list[str]:
    """make variables that link a static 32-bit libffi, built once."""
    root = _cache() / "libffi"
    out = root / "out"
    library = out / "lib" / "libffi.a"
    found = [f"LIBFFI_CFLAGS=-I{out / 'include'}", f"LIBFFI_LDFLAGS={library} -ldl"]
    if library.is_file():
        return found
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    dsc = debian.fetch_source(root / "apt", FFI_SUITE, FFI_PACKAGE)
    tree = root / "tree"
    _run(["dpkg-source", "--no-check", "-x", os.fspath(dsc), os.fspath(tree)], root,
         "unpack libffi")
    _run(["./configure", "--host=i686-linux-gnu", "CC=gcc -m32", "--disable-shared",
          "--enable-static", "--disable-docs", "--disable-multi-os-directory",
          f"--prefix={out}"], tree, "configure libffi")
    _run(["make", f"-j{os.cpu_count() or 1}", "install"], tree, "build libffi")
    shutil.rmtree(tree, ignore_errors=True)
    return found


def _run(argv: list[str], cwd: Path, what: str, env: dict | None = None) -> None:
    try:
        result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True,
                                timeout=BUILD_TIMEOUT, env=env, check=False)
    except FileNotFoundError as error:
        raise MunixError(f"cannot {what}: {error.filename} is missing; "
                         f"install {' '.join(BUILD_PACKAGES)}") from None
    except subprocess.TimeoutExpired:
        raise MunixError(f"cannot {what}: no end after {BUILD_TIMEOUT} s") from None
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-6:]
        raise MunixError(f"cannot {what} ({' '.join(argv[:2])} failed): " + " | ".join(tail)
                         + f"; the build needs {' '.join(BUILD_PACKAGES)}")


def stand_ins(name: str) -> list[Path]:
    """The files of board name's built-in modules: the common stand-ins of
    tools/sim/rom, those of rom/board/ (time, os) in place of the common
    ones of their name, the board's own modules (esp32, rp2 ...), and
    simthread where thread stacks come from the heap. Only those: every
    name a frozen module holds makes the first pool of names the runtime
    allocates bigger (twice the frozen pool), in the heap the profile
    measures."""
    board = boards.get(name)
    common = paths.sim_start_script().parent / "rom"
    own = common / "board"
    modules = [own / m.name if (own / m.name).is_file() else m for m in sorted(common.glob("*.py"))]
    own_modules = [*board.modules, *(["simthread"] if board.stack_on_heap else [])]
    return modules + [own / f"{m}.py" for m in own_modules]


def _frozen(name: str) -> list[Path]:
    """What board name's runtime has frozen besides asyncio: the board's
    stand-ins and the simulator's boot (its flash driver and start.py), as
    a board's built-in modules, filesystem and boot are in its firmware,
    and cost its heap nothing (loaded as a file, the driver alone took
    about 3 KiB of the esp32 profile's)."""
    return [*stand_ins(name), *_boot()]


def _with_boot() -> list[Path]:
    """What a runtime without a board's limits has frozen: the simulator's
    boot, as on a board profile, with the stand-ins every boot imports (os,
    time and the console's dupterm); the others stay files (tools/sim/rom,
    mounted at /rom), each name a frozen module holds making the runtime's
    first pool of names bigger. Loaded as files, they took 5.7 KiB of the
    x64 runtime's heap, which the bench counted as munix's (and upyOS's)."""
    rom = paths.sim_start_script().parent / "rom"
    return [rom / "os.py", rom / "simconsole.py", rom / "time.py", *_boot()]


def _boot() -> list[Path]:
    start = paths.sim_start_script()
    return [start.parent / "flash.py", start]


@cache
def runtime(name: str) -> tuple[list[str], dict]:
    """(argv prefix, environment) of the MicroPython that plays board name,
    built on first use."""
    board = boards.get(name)
    program, facts = _built(boards.build_options(board), _frozen(name), f"MicroPython for {board.name}",
                            {"c_stack_per_call": lambda program: _c_stack_per_call(board, program)})
    # Per board, not per build: the ESP32 family shares a build, not an architecture.
    stack_scale = max(1, round(100 * facts["c_stack_per_call"] / board.c_stack_per_call))
    return [os.fspath(program)], boards.environment(board, stack_scale)


def plain32() -> list[str]:
    """The argv prefix of a 32-bit MicroPython with none of a board's limits
    (default_runtime's, but with 4-byte objects and pointers as on ESP32
    and RP2040), built on first use; Unsupported where it cannot run."""
    return list(_plain32())


def default_runtime() -> list[str]:
    """The argv prefix of the simulator's MicroPython with none of a board's
    limits. On Debian-family hosts, the unix port of the host's width, built
    on first use from the source of Debian's package with munix's patch:
    Debian's own build crashed the simulator when a signal (a terminal's
    Ctrl-C) came during a collection (the patch's sem_wait). Elsewhere,
    micropython from PATH."""
    return list(_default_runtime())


def boot_frozen() -> bool:
    """Have the runtimes without a board's limits the simulator's boot
    frozen (_with_boot)? Those built here have; micropython from PATH has
    not."""
    return debian.is_debian_family()


@cache
def _default_runtime() -> tuple[str, ...]:
    if not boot_frozen():
        return tuple(micropython.micropython_command())
    # The boards' path limit: the unix port's puts 4 KiB on the C stack per
    # nested import, which overflowed the stack's margin past its limit.
    options = [*boards.port_options(["-DMICROPY_ALLOC_PATH_MAX=128"], bits=64),
               # Optimised for speed, as Debian's package is: the port's -Os
               # ran the OS a third slower.
               "COPT=-O2 -DNDEBUG -fdata-sections -ffunction-sections"]
    program, _ = _built(options, _with_boot(), "MicroPython", {})
    return (os.fspath(program),)


@cache
def _plain32() -> tuple[str, ...]:
    host = debian.dpkg_architecture() if debian.is_debian_family() else ""
    if host != "amd64":
        raise micropython.Unsupported(
            f"32-bit MicroPython is built on amd64 Debian hosts (gcc-multilib), not {host or 'here'}")
    program, _ = _built(boards.port_options([]), _with_boot(), "32-bit MicroPython", {})
    micropython.refuse_unrunnable([program, "-c", "pass"], "i386", host)
    return (os.fspath(program),)


def _built(options: list[str], modules: list[Path], what: str,
           measures: dict) -> tuple[Path, dict]:
    """The unix port built with make options, asyncio and modules frozen,
    once per recipe (boards built alike, the ESP32 family, share one
    build), and its facts: each of measures (name: function of the
    program) measured once per build. The recipe holds the modules' names
    and text, not where they are: an installed munix, whose cache shares
    the checkout's builds (tests/test_host_package.py), finds them."""
    recipe = [PATCH.read_text(), FFI_SUITE, MANIFEST,
              *(m.name + "\n" + m.read_text() for m in modules), *options]
    key = hashlib.sha256("\n".join(recipe).encode()).hexdigest()
    home = _cache() / "builds" / key[:16]
    program = home / "micropython"
    facts_file = home / "facts.json"
    # A finished build is used without the lock, which a build of another
    # recipe (another checkout sharing .cache) holds for a minute.
    facts = _facts(facts_file)
    if facts.get("key") == key and program.is_file() and set(measures) <= set(facts):
        return program, facts
    (_cache()).mkdir(parents=True, exist_ok=True)
    with micropython.exclusive_lock(_cache() / ".lock"):
        facts = _facts(facts_file)
        if facts.get("key") != key or not program.is_file():
            _build(options, home, MANIFEST + "".join(
                f"module({m.name!r}, base_path={os.fspath(m.parent)!r})\n" for m in modules), what)
            facts = {"key": key}
        # A build made before a fact was asked for is measured, not rebuilt.
        missing = {name: measure for name, measure in measures.items() if name not in facts}
        facts.update({name: measure(program) for name, measure in missing.items()})
        # Written for every build, also one that has no facts to measure:
        # without its key, each use of it built it again.
        facts_file.write_text(json.dumps(facts))
    return program, facts


def _facts(facts_file: Path) -> dict:
    """What a build's facts file says; empty if there is none, or it is
    being written."""
    try:
        return json.loads(facts_file.read_text())
    except (OSError, ValueError):
        return {}


def _build(options: list[str], home: Path, text: str, what: str) -> None:
    tree = _source_tree()
    manifest = _cache() / f"manifest-{home.name}.py"
    manifest.write_text(text)
    build_dir = f"build-{home.name}"
    # A build of the host's width links the host's libffi (libffi-dev).
    ffi = _libffi() if "MICROPY_FORCE_32BIT=1" in options else []
    # Built on its own, or it would be compiled with the board's settings.
    _run(["make", "-C", "mpy-cross", f"-j{os.cpu_count() or 1}"], tree, "build mpy-cross")
    _run(["make", "-C", "ports/unix", f"-j{os.cpu_count() or 1}", f"BUILD={build_dir}",
          "PROG=micropython", f"FROZEN_MANIFEST={manifest}", *ffi, *options],
         tree, f"build {what}")
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    shutil.copy2(tree / "ports/unix" / build_dir / "micropython", home / "micropython")


def _c_stack_per_call(board: boards.Board, program: Path) -> float:
    """Bytes of C stack a nested Python call takes in this build: the main
    stack's growth over the depth's, from the board's main stack to four
    times it, so that what lies below the first call is not counted (the
    boards' figures count only the call)."""
    low, high = (_probe_depth(board, program, scale) for scale in (100, 400))
    return board.main_stack * 3 / (high - low)


def _probe_depth(board: boards.Board, program: Path, scale: int) -> int:
    env = dict(os.environ, MUNIX_STACK_SCALE=str(scale))
    result = subprocess.run([os.fspath(program), "-c", DEPTH_PROBE], capture_output=True,
                            text=True, env=env, timeout=60, check=False)
    depth = result.stdout.strip()
    if result.returncode != 0 or not depth.isdigit() or int(depth) == 0:
        raise MunixError(f"the stack probe of the {board.name} build failed: "
                         f"{(result.stdout + result.stderr).strip()[-200:]}")
    return int(depth)
