"""``munix test``: the pytest suite under tests/, after ``munix setup``.

``munix test --board NAME`` runs it on a board profile (boards.py): every
boot of the simulator plays that board. Without test paths it runs the
tests that concern a board's limits (BOARD_TESTS)."""

import os
import subprocess
import sys

from munixtool import MunixError, boards, paths, provision

# What a board's limits can break: boot, the shell and scripts, jobs and
# cron (threads, stacks), the daemons (threads, sockets), upgrade (TLS, clock).
# Not tests/test_boards.py: each of its tests names the profiles it boots,
# so it runs the same with or without --board (the suite runs it once).
BOARD_TESTS = [
    "tests/test_smoke.py",
    "tests/test_shell_core.py",
    "tests/test_shell_language.py",
    "tests/test_scripts.py",
    "tests/test_script_commands.py",
    "tests/test_jobs.py",
    "tests/test_cron.py",
    "tests/test_net_daemons.py",
    "tests/test_net_telnet.py",
    "tests/test_net_ftp.py",
    "tests/test_net_http.py",
    "tests/test_upgrade.py",
]
# Where the tests' folders go when it has SHM_NEEDED bytes free: those of
# the tests running (a passing test's folder goes as it ends:
# tmp_path_retention_policy) and of the tests that failed.
SHM = "/dev/shm"
SHM_NEEDED = 2 << 30


def main(args) -> int:
    """Run pytest from the repo root with the caller's extra arguments; pytest's status.

    Without path arguments pytest collects tests/ (``testpaths`` in pyproject.toml),
    so ``munix test tests/test_x.py`` runs just that file.
    """
    extra = list(args.extra)
    env = dict(os.environ)
    for option in [word for word in extra if word.startswith("--board")]:
        at = extra.index(option)
        if option == "--board":
            if at + 1 >= len(extra):
                raise MunixError("--board needs a NAME")
            name = extra.pop(at + 1)
        else:
            name = option.partition("=")[2]
        extra.pop(at)
        boards.get(name)
        env["MUNIX_BOARD"] = name
        if not any(word.startswith("tests") for word in extra):
            extra += BOARD_TESTS
    root = paths.checkout()
    if root is None:
        raise MunixError("the test suite is not installed: run munix test in a munix checkout")
    # Set-up fetches, tests never do: a mirror's hiccup stops it here, in one line.
    provision.provision(quiet=True)
    if "PYTEST_DEBUG_TEMPROOT" not in env and _spare_memory(SHM):
        # The tests' folders (a flash of 250 files each) in memory: on the
        # disk the kernel took 54 ms to seed one, in /dev/shm 12.
        env["PYTEST_DEBUG_TEMPROOT"] = SHM
    return subprocess.call([sys.executable, "-m", "pytest", *extra], cwd=root, env=env)


def _spare_memory(folder: str) -> bool:
    """Whether folder is there to write in, with SHM_NEEDED bytes free."""
    try:
        fs = os.statvfs(folder)
    except OSError:
        return False
    return os.access(folder, os.W_OK) and fs.f_bavail * fs.f_frsize >= SHM_NEEDED
