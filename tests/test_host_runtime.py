"""The 32-bit MicroPython runtime (sim.runtime_command(bits=32), built from
source by portbuild.plain32): it boots
the OS and runs commands, it is told apart from the default runtime, and
what it cannot load or run is named. Skipped, with the reason, on machines
that cannot run 32-bit programs."""
import os
import subprocess
import sys

import pytest

from conftest import ROOT, RUN_TIMEOUT, seed_flash
from munixtool import MunixError, bench_heap32, micropython
from munixtool import sim as simulator


@pytest.fixture(scope="module")
def runtime32():
    try:
        return simulator.runtime_command(bits=32)
    except micropython.Unsupported as error:
        pytest.skip("no 32-bit MicroPython here: %s" % error)


def boot32(flash, lines, heap="2M"):
    argv = simulator.command(flash, heap=heap, bits=32)
    return subprocess.run(argv, input="\n".join(lines) + "\n", capture_output=True,
                          text=True, timeout=RUN_TIMEOUT)


@pytest.mark.parametrize("compiled", [False, True], ids=["source", "compiled"])
def test_32bit_runtime_boots_the_os_and_runs_commands(runtime32, compiled, tmp_path):
    flash = seed_flash(tmp_path / "flash", compiled=compiled)
    done = boot32(flash, ["echo hello", "> import sys", "< sys.maxsize",
                          "cat /nowhere", "echo status=$?"])
    assert done.returncode == 0, done
    assert "hello\n" in done.stdout
    # A 32-bit build's small ints end at 2**31 - 1, a 64-bit build's at 2**63 - 1.
    assert "%d\n" % (2 ** 31 - 1) in done.stdout
    assert "cat: /nowhere:" in done.stderr
    assert done.stdout.endswith("status=1\n")


def test_32bit_runtime_is_cached_apart_from_the_default_one(runtime32):
    default = simulator.runtime_command()
    assert runtime32 != default
    assert "/.cache/boards/builds/" in runtime32[-1]
    assert micropython.mpy_version(tuple(runtime32)) & 0x3FF == micropython.mpy_version(tuple(default)) & 0x3FF


def test_32bit_runtime_runs_the_os_in_a_small_heap(runtime32, tmp_path):
    flash = seed_flash(tmp_path / "flash", compiled=True)
    assert boot32(flash, ["echo ok"], heap="96K").stdout.endswith("ok\n")
    starved = boot32(flash, ["echo ok"], heap="8K")
    assert not starved.stdout.endswith("ok\n")


def test_a_built_runtime_is_used_as_it_is_by_the_next_process(runtime32):
    """Each process that asked for a runtime built without facts to
    measure (the default and the 32-bit one) ran make again and copied the
    program anew, holding the builds' lock: every boot of the default
    simulator, and boots waited past their timeout while another
    checkout's build held it."""
    programs = [simulator.runtime_command()[-1], runtime32[-1]]
    before = [os.stat(program).st_ctime_ns for program in programs]
    asked = ("from munixtool import sim; sim.runtime_command(); "
             "sim.runtime_command(bits=32)")
    done = subprocess.run([sys.executable, "-c", asked], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT / "tools")))
    assert done.returncode == 0, done
    assert [os.stat(program).st_ctime_ns for program in programs] == before


def test_other_widths_are_refused():
    with pytest.raises(MunixError, match="bits is None or 32"):
        simulator.runtime_command(bits=16)


def test_a_program_the_kernel_cannot_execute_is_unsupported(tmp_path):
    program = tmp_path / "micropython"
    program.write_bytes(b"\x7fELF" + b"\xff" * 60)
    os.chmod(program, 0o755)
    with pytest.raises(micropython.Unsupported, match="does not run i386 programs.*IA32"):
        micropython.refuse_unrunnable([program, "-c", "pass"], "i386", "amd64")


def test_native_code_for_another_arch_is_caught_before_measuring(runtime32, tmp_path):
    tree = tmp_path / "tree"
    (tree / "lib").mkdir(parents=True)
    version = micropython.mpy_version(tuple(runtime32)) & 0xFF
    sub = micropython.mpy_version(tuple(runtime32)) >> 8 & 3
    # Bytecode (arch 0) loads anywhere; x64 native code (arch 2) not on i386.
    (tree / "lib" / "plain.mpy").write_bytes(bytes([ord("M"), version, sub, 31]))
    bench_heap32.check_headers(tree, 32)
    (tree / "lib" / "native.mpy").write_bytes(bytes([ord("M"), version, 2 << 2 | sub, 31]))
    with pytest.raises(MunixError, match="native.mpy: .mpy native code for arch 2"):
        bench_heap32.check_headers(tree, 32)
