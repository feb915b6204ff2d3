def test_echo_through_pipe(sim):
    done = sim("echo hi there")
    assert done.returncode == 0
    assert done.stdout.endswith("hi there\n")


def test_prompt_on_console(board):
    assert board.run("echo hi") == "hi\n"


def test_an_os_that_hangs_fails_the_test_saying_where(sim):
    """A hang met once in many CI runs must be found from that run: the
    harness gives each thread's backtrace before it kills the runtime."""
    import pytest
    from conftest import run_os, simulator
    with pytest.raises(pytest.fail.Exception) as failed:
        run_os(simulator.command(sim.flash, interactive=False),
               "> import time\n> time.sleep(30)\n", 5)
    assert "no end within 5 s" in str(failed.value)
    assert "mp_hal_delay_ms" in str(failed.value) or "(no gdb on this host)" in str(failed.value)
