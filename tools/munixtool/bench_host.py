"""Figures of the host tools for ``munix bench``, against the simulator.

- ``munix deploy`` of the compiled tree through the simulated serial port
  (``munix sim --serial``): seconds for a first deploy to an empty flash and
  for a second one with nothing changed (each the whole command, its build
  check included, as the user waits for it);
- ``munix mount`` on the simulator's uftpd: MB/s writing and reading a
  1 MB file through the FUSE mount, median of 3. Each write goes to a new
  file and each read to a file the mount has not read before, so the
  kernel's page cache serves none of it.
"""

import importlib
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import munixtool
from munixtool import bench_net, build, deploy, paths
from munixtool import sim as simulator

TIMEOUT = 60
RUNS = 3


def fuse_problem() -> str | None:
    """Why a FUSE mount cannot be made here; None when it can."""
    if not (shutil.which("fusermount") or shutil.which("fusermount3")):
        return "no fusermount (install libfuse2)"
    if not os.access("/dev/fuse", os.R_OK | os.W_OK):
        return "no usable /dev/fuse"
    try:
        importlib.import_module("fuse")  # fusepy loads libfuse here
    except (ImportError, OSError) as error:
        return f"fusepy is not usable: {error}"
    return None


def _munix(*args: str, **kw) -> subprocess.Popen:
    """``munix ARGS`` as a child process of its own, as the user runs it."""
    env = dict(os.environ, PYTHONPATH=os.fspath(Path(munixtool.__file__).parent.parent))
    return subprocess.Popen([sys.executable, "-m", "munixtool", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _stop(child: subprocess.Popen) -> None:
    child.terminate()
    try:
        child.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    child.stdout.close()
    child.stderr.close()


def deploy_times() -> dict:
    """Seconds of a first deploy to an empty flash, and of a second one."""
    build.build()
    with tempfile.TemporaryDirectory(prefix="munix-bench-") as tmp:
        flash = Path(tmp) / "flash"
        flash.mkdir()
        port = _munix("sim", "--serial", "--flash", os.fspath(flash))
        try:
            line = port.stdout.readline()
            found = re.search(r"serial port (\S+)", line)
            if not found:
                raise RuntimeError("munix sim --serial: %r" % (line + port.stderr.read()))
            times = {}
            for label in ("first", "unchanged"):
                start = time.perf_counter()
                plan = deploy.deploy(found.group(1), out=io.StringIO())
                times[label] = time.perf_counter() - start
                times[label + " copied"] = len(plan.copy)
        finally:
            _stop(port)
    return times


def _median_rate(seconds: list[float]) -> float:
    return bench_net.MEGABYTE / 1e6 / statistics.median(seconds)


def mount_rates() -> dict:
    """MB/s writing and reading 1 MB through ``munix mount`` on uftpd."""
    import json

    build.build()
    data = os.urandom(bench_net.MEGABYTE)
    with tempfile.TemporaryDirectory(prefix="munix-bench-") as tmp:
        flash, mnt = Path(tmp) / "flash", Path(tmp) / "mnt"
        simulator.seed(flash, paths.build_dir())
        mnt.mkdir()
        ftp_port = bench_net.free_port()
        (flash / "etc" / "system.conf").write_text(json.dumps({"ftp": {"port": ftp_port}}))
        for n in range(RUNS):
            (flash / "tmp" / ("read%d.bin" % n)).write_bytes(data)
        board = bench_net.RunningOS(flash)
        mounted = False
        try:
            board.run("uftpd -i start")
            mounter = _munix("mount", "127.0.0.1", os.fspath(mnt), "--port", str(ftp_port))
            out, err = mounter.communicate(timeout=TIMEOUT)
            if mounter.returncode != 0:
                raise RuntimeError("munix mount: " + (err or out).strip())
            mounted = True
            writes, reads = [], []
            for n in range(RUNS):
                start = time.perf_counter()
                with open(mnt / "tmp" / ("write%d.bin" % n), "wb") as f:
                    f.write(data)
                writes.append(time.perf_counter() - start)
                start = time.perf_counter()
                got = (mnt / "tmp" / ("read%d.bin" % n)).read_bytes()
                reads.append(time.perf_counter() - start)
                if got != data or (flash / "tmp" / ("write%d.bin" % n)).read_bytes() != data:
                    raise RuntimeError("munix mount: a 1 MB file came through changed")
        finally:
            if mounted:
                _munix("umount", os.fspath(mnt)).communicate(timeout=TIMEOUT)
            board.run("uftpd stop")
            board.close()
    return {"write": _median_rate(writes), "read": _median_rate(reads)}


def host_figures() -> dict:
    """Deploy seconds (first, unchanged) and mount MB/s (write, read); the
    mount's figures are missing, and "mount skipped" says why, without FUSE."""
    figures = {"deploy": deploy_times()}
    problem = fuse_problem()
    if problem:
        figures["mount skipped"] = problem
    else:
        figures["mount"] = mount_rates()
    return figures


def report(out=sys.stdout) -> None:
    """The host-tools block of ``munix bench``."""
    figures = host_figures()
    times = figures["deploy"]
    print("\nhost tools (compiled tree, simulated board):", file=out)
    print("  munix deploy over the serial port: first %.1f s (%d files), unchanged %.1f s" % (
        times["first"], times["first copied"], times["unchanged"]), file=out)
    if "mount" in figures:
        print("  munix mount on uftpd, MB/s for 1 MB: write %.2f, read %.2f" % (
            figures["mount"]["write"], figures["mount"]["read"]), file=out)
    else:
        print("  munix mount: skipped, %s" % figures["mount skipped"], file=out)
