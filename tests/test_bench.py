"""munix bench measures fairly: the smallest heap is one from which every
size up to twice it boots, runs a command and exits; times are the CPU the
runtime used, not the wall clock; compared systems are measured in turns;
a part that cannot run here is skipped with its reason, the bench's status
still 0."""
import argparse
import sys

import pytest

from conftest import seed_flash
from munixtool import MunixError, bench, bench_net, bench_upyos, micropython, paths
from munixtool import sim as simulator


def test_the_smallest_heap_is_one_from_which_every_size_up_to_twice_it_fits():
    tried = []

    def fits(kib):
        tried.append(kib)
        # Boots from 50 KiB, but 70 (say, exit's end.sh needing more than the
        # command) does not: the first size that boots is not the answer.
        return kib >= 50 and kib != 70

    assert bench.smallest_heap(fits) == 71
    assert set(range(71, 143)) <= set(tried)


def test_the_smallest_heap_of_a_clean_series_is_the_first_that_fits():
    assert bench.smallest_heap(lambda kib: kib >= 50) == 50


def test_a_heap_that_never_fits_is_a_failure_not_a_figure():
    with pytest.raises(RuntimeError, match="512 KiB"):
        bench.smallest_heap(lambda kib: False)


def test_the_heap_probe_needs_the_command_and_the_exit(tmp_path):
    flash = seed_flash(tmp_path / "flash", compiled=True)
    assert bench.runs_and_exits(simulator.command(flash, heap="2M"), bench.MUNIX_EXIT)
    assert not bench.runs_and_exits(simulator.command(flash, heap="24K"), bench.MUNIX_EXIT)


def test_the_jobs_part_measures_both_kinds_of_job():
    """Its probe called jobctl.background as it was before a job's body
    took its arguments apart: the part said "FAILED, substring not found"
    and the bench ended with status 1."""
    figures = bench.jobs_figures(paths.build_dir())
    assert figures["thread"] > 0 and figures["task"] > 0 and figures["ps ms"] > 0, figures


def test_the_network_part_compares_ftp_with_a_plain_socket_copy():
    """Its socket copy called netd.send with netsock imported only (since
    the servers' sockets left netd): the copy back never came, and the
    part said "FAILED, timed out"."""
    figures = bench_net.ftp(paths.build_dir())
    assert min(figures.values()) > 0, figures


def test_run_os_counts_cpu_time_not_the_time_spent_waiting():
    waiting = bench.run_os([sys.executable, "-c", "import time; time.sleep(0.5); print('up')"], [])
    assert waiting.status == 0 and waiting.out == "up\n"
    assert waiting.cpu < 0.25
    busy = bench.run_os([sys.executable, "-c", "import time\nt = time.process_time()\n"
                         "while time.process_time() - t < 0.3: pass"], [])
    assert busy.cpu >= 0.3


def test_run_os_ends_an_os_that_never_stops_reading():
    spinning = bench.run_os([sys.executable, "-c", "while True: print('Send EOF')"], [])
    assert spinning.status != 0
    assert len(spinning.out) >= bench.OUTPUT_MAX


def test_run_os_reaps_an_os_whose_output_outlives_it():
    """Output went on after the OS was killed (a process of its own holds
    its output), and each chunk killed it again: Popen.kill polls first,
    its poll reaped the OS, and the wait for its CPU time found no child."""
    script = ("import os, sys, time\n"
              "sys.stdout.write('x' * %d)\n"
              "sys.stdout.flush()\n"
              "if os.fork() == 0:\n"
              "    for _ in range(4):\n"
              "        time.sleep(0.2)\n"
              "        print('more', flush=True)\n"
              "    os._exit(0)\n"
              "time.sleep(60)\n" % bench.OUTPUT_MAX)
    killed = bench.run_os([sys.executable, "-c", script], [])
    assert killed.status == -9
    assert len(killed.out) >= bench.OUTPUT_MAX


def test_compared_systems_are_measured_in_turns():
    order = []
    figures = bench.in_turns(4, {"munix": lambda: order.append("munix") or 1.0,
                                 "upyOS": lambda: order.append("upyOS") or len(order)})
    assert order == ["munix", "upyOS", "upyOS", "munix", "munix", "upyOS", "upyOS", "munix"]
    assert figures == {"munix": 1.0, "upyOS": 4.5}


def test_a_part_that_cannot_run_is_skipped_with_its_reason(capsys):
    def no_runtime():
        raise micropython.Unsupported("32-bit MicroPython is built on amd64 Debian hosts")

    assert bench.part("heap on a 32-bit build", no_runtime)
    assert capsys.readouterr().out == (
        "\nheap on a 32-bit build: skipped, 32-bit MicroPython is built on amd64 Debian hosts\n")


def test_a_part_that_fails_is_reported_and_counted(capsys):
    def broken():
        raise RuntimeError("the OS did not reach its prompt")

    assert not bench.part("trees", broken)
    assert "trees: FAILED, the OS did not reach its prompt" in capsys.readouterr().out


def test_without_upyos_the_comparison_is_skipped_saying_where_it_looked(tmp_path, capsys):
    with pytest.raises(bench.Skipped, match="no upyOS tree in %s" % tmp_path):
        bench_upyos.compiled(tmp_path)
    assert bench.part("munix and upyOS", lambda: bench_upyos.report(tmp_path, tmp_path, 1))
    assert "munix and upyOS: skipped, no upyOS tree" in capsys.readouterr().out


def test_the_bench_ends_with_status_0_when_parts_cannot_run(monkeypatch, capsys):
    def missing(*args, **kwargs):
        raise micropython.Unsupported("no runtime here")

    for name in ("trees", "jobs_report", "scripts_report"):
        monkeypatch.setattr(bench, name, missing)
    monkeypatch.setattr(bench.bench_upyos, "report", missing)
    monkeypatch.setattr(bench.bench_heap32, "report", missing)
    monkeypatch.setattr(bench.bench_host, "report", missing)
    monkeypatch.setattr(bench.build, "build", lambda: None)
    assert bench.main(argparse.Namespace(extra=["--no-net"])) == 0
    out = capsys.readouterr().out
    assert out.count(": skipped, no runtime here") == 6


def test_a_misspelt_board_is_an_error_not_a_part_skipped(monkeypatch):
    monkeypatch.setattr(bench.build, "build", lambda: None)
    with pytest.raises(MunixError):
        bench.main(argparse.Namespace(extra=["--board", "esp33"]))


def test_the_comparison_says_whether_issue_27s_targets_are_met():
    assert bench_upyos.target("CPU ms per echo", {"munix": 0.07, "upyOS": 0.1}) == "<= 0.8x: met"
    assert bench_upyos.target("CPU ms per counting-loop iteration",
                              {"munix": 0.11, "upyOS": 0.13}) == "<= 0.8x: not met"
    assert bench_upyos.target("heap in use after boot, KiB",
                              {"munix": 51.0, "upyOS": 50.2}) == "<= 30 KiB: not met"
    assert bench_upyos.target("smallest heap, KiB", {"munix": 74, "upyOS": 64}) == ""


def test_a_console_that_stops_answering_fails_the_line_within_the_timeout(tmp_path, monkeypatch):
    """The soak read the OS's console without a deadline: an OS that had
    stopped answering (its heap full) held `munix bench --soak` for ever."""
    from munixtool import bench_net
    monkeypatch.setattr(bench_net, "TIMEOUT", 1)
    board = bench_net.RunningOS(seed_flash(tmp_path / "flash", compiled=True))
    try:
        assert board.run("echo up").endswith("up\n")
        with pytest.raises(RuntimeError, match="did not answer 'sleep 4' in 1 s"):
            board.run("sleep 4")
    finally:
        board.close()


@pytest.mark.parametrize("name", ["esp32s3", "esp32", "rp2040"])
def test_the_board_bench_runs_issue_27s_scenario_at_once(tmp_path, name):
    """`munix bench --board NAME` gives the heap free at the busiest of
    everything at once, the threads the runtime ran, and what failed: on
    the esp32s3's 8 MiB nothing does, nor on the esp32's 112 KiB or the
    rp2040's 168 with one thread (clients wait for room in the heap: netd)."""
    import re
    from munixtool import bench_board, build
    build.build()
    line = bench_board.everything_at_once(name, tmp_path)
    assert re.fullmatch(r"\d+\.\d KiB free at the busiest \(the lowest of \d+ probes; loaded then"
                        r" beside the daemons: [\w. ]+; \d+ names interned\), threads beside the"
                        r" console's: [1-9]\d* at most; every client served", line), line
