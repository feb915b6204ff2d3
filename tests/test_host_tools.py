"""munix build for each target (munix flash: test_host_flash.py)."""
import os
import subprocess
import sys

import pytest

from conftest import ROOT

# Native architecture numbers of .mpy headers (flags byte, bits 2-7).
ARCH_NUMBERS = {"xtensawin": 10, "xtensa": 9, "armv6m": 4, "rv32imc": 11, "x64": 2}


def munix(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tools"))
    return subprocess.run([sys.executable, "-m", "munixtool", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("arch", ["bytecode", *ARCH_NUMBERS])
def test_build_for_each_arch_writes_its_mpy_header(arch, tmp_path):
    out = tmp_path / "build"
    done = munix("build", "--arch", arch, "--out", str(out))
    assert done.returncode == 0, done
    header = (out / "lib" / "kernel.mpy").read_bytes()[:4]
    assert header[:2] == b"M\x06"
    if arch == "bytecode":
        assert header[2] == 0
    else:
        assert header[2] == ARCH_NUMBERS[arch] << 2 | 3
    # Every compiled file is bytecode or native code for that arch.
    for mpy in out.rglob("*.mpy"):
        assert mpy.read_bytes()[2] >> 2 in (0, ARCH_NUMBERS.get(arch, 0)), mpy
    again = munix("build", "--arch", arch, "--out", str(out))
    assert "compiled 0," in again.stdout


def test_build_compat_picks_the_firmware_mpy_format(tmp_path):
    out = tmp_path / "build"
    done = munix("build", "--arch", "xtensawin", "--compat", "1.22", "--out", str(out))
    assert done.returncode == 0, done
    assert (out / "lib" / "kernel.mpy").read_bytes()[:3] == bytes([77, 6, 10 << 2 | 2])
    bad = munix("build", "--compat", "1.5", "--out", str(out))
    assert bad.returncode == 1
    assert bad.stderr == "munix: --compat 1.5: older than any .mpy format mpy-cross knows\n"


@pytest.mark.parametrize("size", ["64", "1000", "2x", "K"])
def test_sim_refuses_a_heap_size_it_cannot_start_with(size):
    done = munix("sim", "--heap", size)
    assert done.returncode == 2 and "argument --heap" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_misspelt_option_shows_the_commands_usage():
    done = munix("sim", "--hep")
    assert done.returncode == 2
    assert done.stderr.startswith("usage: munix sim ")
    assert "unrecognized arguments: --hep" in done.stderr
