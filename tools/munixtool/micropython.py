"""Find, or provision once, the MicroPython unix port that runs the simulator and tests.

The 32-bit runtime, whose objects and pointers are 4 bytes as on ESP32 and
RP2040, is built from source with the boards' (portbuild.plain32).
"""

import ast
import errno
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from munixtool import MunixError, debian, paths

MIN_VERSION = (1, 22)

DEBIAN_SUITE = "trixie"
# micropython plus every library it links against: the host's own libc is too old
# for a trixie binary, so the binary runs under trixie's dynamic loader and libraries.
DEBIAN_PACKAGES = [
    "micropython",
    "libc6",
    "libffi8",
    "libmbedcrypto16",
    "libmbedtls21",
    "libmbedx509-7",
]

# Debian architecture -> (multiarch library directory, dynamic loader file name).
LOADERS = {
    "amd64": ("x86_64-linux-gnu", "ld-linux-x86-64.so.2"),
    "arm64": ("aarch64-linux-gnu", "ld-linux-aarch64.so.1"),
    "i386": ("i386-linux-gnu", "ld-linux.so.2"),
    "armhf": ("arm-linux-gnueabihf", "ld-linux-armhf.so.3"),
}

# Host architecture -> (the 32-bit architecture it may also run, what that takes):
# what to say when a 32-bit program does not run.
COMPANIONS_32 = {
    "amd64": ("i386", "an x86-64 kernel runs them with IA32 emulation "
                      "(CONFIG_IA32_EMULATION, not turned off by ia32_emulation=0)"),
    "arm64": ("armhf", "an arm64 kernel runs them with CONFIG_COMPAT on a CPU with AArch32"),
}


class Unsupported(MunixError):
    """This machine cannot run the runtime asked for (say, no 32-bit programs)."""

INSTALL_HINT = (
    "install MicroPython >= {}.{} as `micropython` on PATH "
    "(e.g. apt-get install micropython on Debian 13 or later, or build ports/unix "
    "of https://github.com/micropython/micropython)".format(*MIN_VERSION)
)

# A healthy interpreter answers this quickly; a hung one must not hang the tools.
PROBE_TIMEOUT = 30


def _probe(command: list[str], code: str) -> str | None:
    """Run a snippet with the given interpreter; its stripped stdout, or None on failure."""
    try:
        result = subprocess.run(
            [*command, "-c", code],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def _version(command: list[str]) -> tuple[int, int] | None:
    answer = _probe(command, "import sys;print(sys.implementation.version[:2])")
    try:
        return tuple(ast.literal_eval(answer)) if answer else None
    except (ValueError, SyntaxError):
        return None


def micropython_command() -> list[str]:
    """The argv prefix that runs the MicroPython unix port (>= 1.22):
    `micropython` from PATH when recent enough; otherwise, on Debian-family
    hosts, Debian trixie's package unpacked under .cache/micropython/."""
    return list(_find_micropython())


@cache
def _find_micropython() -> tuple[str, ...]:
    on_path = shutil.which("micropython")
    found = ""
    if on_path:
        version = _version([on_path])
        if version and version >= MIN_VERSION:
            return (on_path,)
        found = f"{on_path} is version {'.'.join(map(str, version)) if version else 'unknown'}; "
    if debian.is_debian_family():
        return tuple(_debian_command())
    raise MunixError(f"MicroPython not available: {found}{INSTALL_HINT}")


@cache
def mpy_version(command: tuple[str, ...] | None = None) -> int:
    """The target's ``sys.implementation._mpy`` (version, sub-version and native arch),
    of the default runtime or of the one command runs."""
    answer = _probe(list(command or micropython_command()), "import sys;print(sys.implementation._mpy)")
    if not answer or not answer.isdigit():
        raise MunixError("MicroPython did not report sys.implementation._mpy (no .mpy support?)")
    return int(answer)


def _debian_command(arch: str | None = None) -> list[str]:
    """Debian's MicroPython for arch (by default the host's), provisioned once."""
    host = debian.dpkg_architecture()
    arch = arch or host
    if arch not in LOADERS:
        raise MunixError(f"no Debian MicroPython recipe for architecture {arch}; {INSTALL_HINT}")
    libdir, loader = LOADERS[arch]
    cache_dir = paths.cache_dir() / ("micropython" if arch == host else f"micropython-{arch}")
    root = cache_dir / "root"
    loader_path = root / "usr" / "lib" / libdir / loader
    command = [
        os.fspath(loader_path),
        "--library-path",
        os.fspath(root / "usr" / "lib" / libdir),
        os.fspath(root / "usr" / "bin" / "micropython"),
    ]
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Parallel first runs (say, test workers) must not download over each other.
    with exclusive_lock(cache_dir / ".lock"):
        if _probe(command, "print(1)") == "1":
            return command
        # Fetching again would not help a machine that cannot run what it has.
        refuse_unrunnable([loader_path, "--version"], arch, host)
        shutil.rmtree(root, ignore_errors=True)
        _provision(cache_dir, root, arch)
    refuse_unrunnable([loader_path, "--version"], arch, host)
    if _probe(command, "print(1)") != "1":
        raise MunixError(f"MicroPython unpacked under {root} does not run; {INSTALL_HINT}")
    return command


def refuse_unrunnable(argv: list, arch: str, host: str) -> None:
    """Raise Unsupported when the kernel refuses to execute argv[0] (a program of arch)."""
    if not Path(argv[0]).is_file():
        return
    try:
        subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=PROBE_TIMEOUT, check=False)
    except OSError as error:
        if error.errno != errno.ENOEXEC:
            raise MunixError(f"{argv[0]} does not run: {error.strerror}") from error
        hint = COMPANIONS_32.get(host, (arch, ""))[1]
        raise Unsupported(
            f"this machine does not run {arch} programs ({error.strerror})"
            + (f"; {hint}" if arch != host and hint else "")
        ) from error
    except subprocess.TimeoutExpired:
        pass  # it runs, if slowly: the probe's failure tells the rest


@contextmanager
def exclusive_lock(path: Path):
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _provision(cache_dir: Path, root: Path, arch: str) -> None:
    """Download and unpack arch's packages, moving the result into place only when complete."""
    # Left behind by an interrupted run; safe to remove since we hold the lock.
    for stale in cache_dir.glob("partial-*"):
        shutil.rmtree(stale, ignore_errors=True)
    print(
        f"munix: fetching MicroPython ({arch}) from Debian {DEBIAN_SUITE} into {cache_dir} (once)",
        file=sys.stderr,
    )
    work = Path(tempfile.mkdtemp(prefix="partial-", dir=cache_dir))
    try:
        debs = debian.fetch_packages(work / "apt", DEBIAN_SUITE, DEBIAN_PACKAGES, arch)
        debian.unpack(debs, work / "root")
        os.rename(work / "root", root)
    finally:
        shutil.rmtree(work, ignore_errors=True)
