"""Packaging of munix's host tools beyond what pyproject.toml declares.

An installed munix must work outside a checkout, so its wheel carries the
device tree and the simulator's MicroPython side (tools/sim) as package data,
munixtool/device/, copied from the checkout when the wheel is built: git
holds them once, where the board and the simulator read them. The sdist
carries them at their checkout places, from which its wheel is built in
turn. tools/munixtool/paths.py finds the copy.
"""

import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
# munixtool's package and paths modules import only the standard library.
sys.path.insert(0, str(ROOT / "tools"))
from munixtool import paths  # noqa: E402


def device_files() -> list[str]:
    """The files of the device tree and of the simulator, relative to ROOT."""
    found = []
    for name in (*paths.DEVICE_TREE, paths.SIMULATOR):
        top = ROOT / name
        if top.is_file():
            found.append(name)
        elif top.is_dir():
            for path in sorted(top.rglob("*")):
                relative = path.relative_to(ROOT)
                if path.is_file() and not any(
                    Path(part).match(pattern) for part in relative.parts
                    for pattern in paths.HOST_ARTEFACTS
                ):
                    found.append(relative.as_posix())
    if "main.py" not in found:
        raise SystemExit(f"setup.py: no device tree in {ROOT}")
    return found


class BuildPyWithDeviceTree(build_py):
    """build_py, plus the device tree into munixtool/device/."""

    def run(self):
        super().run()
        # An editable install runs from its checkout, which paths.py reads.
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / paths.INSTALLED_TREE.relative_to(ROOT / "tools")
        # A file gone from the checkout must not linger from an earlier build.
        shutil.rmtree(target, ignore_errors=True)
        for name in device_files():
            self.mkpath(str((target / name).parent))
            self.copy_file(str(ROOT / name), str(target / name))


class SdistWithDeviceTree(sdist):
    """sdist, plus the device tree at its checkout places."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, [*files, *device_files()])


setup(
    cmdclass={"build_py": BuildPyWithDeviceTree, "sdist": SdistWithDeviceTree},
    package_data={"munixtool": ["*.patch"]},
    # setuptools' default, build/, is where munix build writes the compiled tree.
    options={"build": {"build_base": ".cache/setuptools"}},
)
