"""The MicroPython unix port from PATH, and what the tools ask of any
runtime (its .mpy version, whether this machine runs it).

On Debian-family hosts the simulator's runtimes are built from source
(portbuild.py) instead.
"""

import ast
import errno
import fcntl
import shutil
import subprocess
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from munixtool import MunixError

MIN_VERSION = (1, 22)

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
    "(build ports/unix of https://github.com/micropython/micropython)".format(*MIN_VERSION)
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
    """The argv prefix that runs `micropython` from PATH (the unix port,
    >= 1.22): the simulator's runtime where none is built for it
    (sim.runtime_command)."""
    return list(_find_micropython())


@cache
def _find_micropython() -> tuple[str, ...]:
    on_path = shutil.which("micropython")
    if not on_path:
        raise MunixError(f"MicroPython not available: {INSTALL_HINT}")
    version = _version([on_path])
    if not version or version < MIN_VERSION:
        raise MunixError(f"MicroPython not available: {on_path} is version "
                         f"{'.'.join(map(str, version)) if version else 'unknown'}; {INSTALL_HINT}")
    return (on_path,)


@cache
def mpy_version(command: tuple[str, ...]) -> int:
    """The target's ``sys.implementation._mpy`` (version, sub-version and native arch)
    of the runtime command runs."""
    answer = _probe(list(command), "import sys;print(sys.implementation._mpy)")
    if not answer or not answer.isdigit():
        raise MunixError("MicroPython did not report sys.implementation._mpy (no .mpy support?)")
    return int(answer)


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
