"""Where things live in a munix checkout."""

from functools import cache
from pathlib import Path

from munixtool import MunixError

# What goes onto the board's flash, relative to the repo root (or to build/).
DEVICE_FILES = ("main.py", "boot.py")
DEVICE_DIRS = ("bin", "etc", "lib", "libx", "opt", "tmp", "www")
DEVICE_TREE = DEVICE_FILES + DEVICE_DIRS

# Host artefacts that must never reach the board (e.g. when tests import device code in CPython).
HOST_ARTEFACTS = ("__pycache__", "*.pyc")


def _is_checkout(path: Path) -> bool:
    return (path / "pyproject.toml").is_file() and (path / "tools" / "munixtool").is_dir()


@cache
def repo_root() -> Path:
    """The munix checkout to work on.

    The package's own location wins (source or editable install); an installed copy
    (``pip install .``) falls back to the checkout containing the current directory.
    """
    here = Path(__file__).resolve().parents[2]
    if _is_checkout(here):
        return here
    cwd = Path.cwd().resolve()
    for candidate in (cwd, *cwd.parents):
        if _is_checkout(candidate):
            return candidate
    raise MunixError("not inside a munix checkout (no pyproject.toml with tools/munixtool found)")


def cache_dir() -> Path:
    """Git-ignored downloads (e.g. the MicroPython unix port)."""
    return repo_root() / ".cache"


def build_dir() -> Path:
    """Git-ignored output of ``munix build``; mirrors the device tree."""
    return repo_root() / "build"


def sim_dir() -> Path:
    """Git-ignored simulator state (flash folders)."""
    return repo_root() / ".sim"


def sim_start_script() -> Path:
    """The MicroPython-side entry point of the simulator."""
    return repo_root() / "tools" / "sim" / "start.py"
