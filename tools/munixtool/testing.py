"""``munix test``: the pytest suite under tests/."""

import subprocess
import sys

from munixtool import paths


def main(args) -> int:
    """Run pytest from the repo root with the caller's extra arguments; pytest's status.

    Without path arguments pytest collects tests/ (``testpaths`` in pyproject.toml),
    so ``munix test tests/test_x.py`` runs just that file.
    """
    return subprocess.call([sys.executable, "-m", "pytest", *args.extra], cwd=paths.repo_root())
