"""Where things live: in a munix checkout, or in an installed munix.

A checkout holds the device tree and keeps its state beside it (.cache/,
build/, .sim/, .keys/, release/). An installed munix (``pip install munix``,
a wheel) carries the device tree as package data, munixtool/device/ (put
there by setup.py), which it only reads; its state goes to a per-user
folder, $XDG_CACHE_HOME/munix (default ~/.cache/munix), and the release
signing key to $XDG_CONFIG_HOME/munix (default ~/.config/munix), being no
cache.
"""

import os
from functools import cache
from pathlib import Path

from munixtool import MunixError

# What goes onto the board's flash, relative to the repo root (or to build/).
DEVICE_FILES = ("main.py", "boot.py")
DEVICE_DIRS = ("bin", "etc", "lib", "libx", "opt", "tmp", "www")
DEVICE_TREE = DEVICE_FILES + DEVICE_DIRS
# The simulator's MicroPython side, which an installed munix carries too.
SIMULATOR = "tools/sim"

# Host artefacts that must never reach the board (e.g. when tests import device code in CPython).
HOST_ARTEFACTS = ("__pycache__", "*.pyc")

# Where an installed munix keeps its copy of the device tree.
INSTALLED_TREE = Path(__file__).resolve().parent / "device"


def _is_checkout(path: Path) -> bool:
    return (path / "pyproject.toml").is_file() and (path / "tools" / "munixtool").is_dir()


@cache
def checkout() -> Path | None:
    """The munix checkout to work on, or None for an installed munix outside one.

    The package's own location wins (source or editable install); an installed
    copy works on the checkout containing the current directory, if any.
    """
    here = Path(__file__).resolve().parents[2]
    if _is_checkout(here):
        return here
    cwd = Path.cwd().resolve()
    for candidate in (cwd, *cwd.parents):
        if _is_checkout(candidate):
            return candidate
    return None


def repo_root() -> Path:
    """The device tree (and tools/sim) to read: the checkout's, else the
    installed copy."""
    root = checkout()
    if root is not None:
        return root
    if (INSTALLED_TREE / "main.py").is_file():
        return INSTALLED_TREE
    raise MunixError(
        f"not inside a munix checkout, and this munix has no device tree in {INSTALLED_TREE} "
        "(install it from a wheel built by its setup.py, or run it in a checkout)"
    )


def _xdg(variable: str, default: str) -> Path:
    # The XDG spec: a relative path in the variable is invalid and ignored.
    value = os.environ.get(variable, "")
    return Path(value) if os.path.isabs(value) else Path.home() / default


def user_dir() -> Path:
    """Outside a checkout, the folder of munix's state: $XDG_CACHE_HOME/munix."""
    return _xdg("XDG_CACHE_HOME", ".cache") / "munix"


def _state(in_checkout: str, outside: str) -> Path:
    root = checkout()
    return root / in_checkout if root is not None else user_dir() / outside


def cache_dir() -> Path:
    """Downloads and MicroPython builds (e.g. the MicroPython unix port)."""
    return _state(".cache", "cache")


def build_dir() -> Path:
    """Output of ``munix build``; mirrors the device tree."""
    return _state("build", "build")


def sim_dir() -> Path:
    """Simulator state (flash folders)."""
    return _state(".sim", "sim")


def release_dir() -> Path:
    """Where ``munix release`` writes unless told otherwise."""
    return _state("release", "release")


def release_key() -> Path:
    """The private key ``munix release`` signs with unless told otherwise."""
    root = checkout()
    if root is not None:
        return root / ".keys" / "release.pem"
    return _xdg("XDG_CONFIG_HOME", ".config") / "munix" / "release.pem"


def sim_start_script() -> Path:
    """The MicroPython-side entry point of the simulator."""
    return repo_root() / SIMULATOR / "start.py"
