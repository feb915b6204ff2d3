"""The test harness: munix booted on MicroPython's unix port.

Two ways in, both booting the runtime as `munix sim` does
(tools/munixtool/sim.py), each boot on a fresh flash folder of its own:

- `sim(lines)`: the console's standard input is a pipe; the lines run, the
  OS ends at end of input; returns stdout, stderr and the exit status.
- `board`: the console is a pseudo-terminal, as a person at a serial
  terminal sees it; `board.run(line)` types a line and returns what it
  printed up to the next prompt.

Every wait has a timeout; every process started is stopped.
"""
import collections
import functools
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pexpect
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from munixtool import boards, build, paths, romfs  # noqa: E402
from munixtool import sim as simulator  # noqa: E402
from munixtool.sim import shadow_line  # noqa: E402,F401  (the tests import it from here)

Result = collections.namedtuple("Result", "out err status")
PROMPT = re.compile(r"(?:^|\n)([^\n]*) \$: $")
BOOT_TIMEOUT = 20
RUN_TIMEOUT = 10
GDB_TIMEOUT = 60


def run_os(argv, lines, timeout):
    """subprocess.run(argv) with lines on its standard input, as text; an OS
    that has not ended within timeout seconds fails the test with what it
    printed and where each of its threads was (gdb's backtraces), then is
    killed: a hang CI meets once in many runs must say where it hung. A
    runtime that crashed fails it with the backtraces of its core file."""
    with subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, preexec_fn=keep_cores) as child:
        try:
            out, err = child.communicate(lines, timeout=timeout)
        except subprocess.TimeoutExpired:
            # The command execs the runtime: its pid is the child's.
            where = backtraces(child.pid)
            child.kill()
            out, err = child.communicate()
            pytest.fail("no end within %d s; stdout %r, stderr %r; the runtime's threads:\n%s"
                        % (timeout, out[-2000:], err[-2000:], where))
        if -child.returncode in CRASHES:
            # The simulator's command changes to /, a runtime alone stays here.
            runtime = next((a for a in argv if Path(a).name == "micropython"), argv[0])
            pytest.fail("the runtime crashed (signal %d); stdout %r, stderr %r; its threads:\n%s"
                        % (-child.returncode, out[-2000:], err[-2000:],
                           crash_report(runtime, child.pid, os.getcwd(), "/")))
    return subprocess.CompletedProcess(argv, child.returncode, out, err)


# Signals of a crash, whose core file crash_report reads.
CRASHES = (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS, signal.SIGILL, signal.SIGFPE)


def keep_cores():
    """In a child before it runs the runtime: a crash leaves a core file,
    in the child's working folder (a crash CI meets once in many runs
    must say where it crashed; core files are off by default)."""
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))


def crash_report(binary, pid, *folders):
    """Every thread's C backtrace from the core file that process pid, of
    binary, left in one of folders (then removed), or why there are none."""
    cores = [p for folder in folders for p in Path(folder).glob("core*")
             if p.name in ("core", "core.%d" % pid)]
    if not cores:
        with open("/proc/sys/kernel/core_pattern") as f:
            return "(no core file in %s; the kernel's core_pattern is %r)" % (
                " or ".join(folders), f.read().strip())
    cores.sort(key=lambda p: p.stat().st_mtime)
    if not shutil.which("gdb"):
        return "(no gdb on this host)"
    try:
        done = subprocess.run(["gdb", "-batch", "-ex", "thread apply all bt", binary, str(cores[-1])],
                              capture_output=True, text=True, timeout=GDB_TIMEOUT)
    except subprocess.TimeoutExpired:
        return "(gdb gave none within %d s)" % GDB_TIMEOUT
    finally:
        cores[-1].unlink(missing_ok=True)
    return done.stdout[-12000:] or done.stderr[-2000:]


def backtraces(pid):
    """Every thread's C backtrace in process pid, or why there are none."""
    if not shutil.which("gdb"):
        return "(no gdb on this host)"
    try:
        done = subprocess.run(["gdb", "-p", str(pid), "-batch", "-ex", "thread apply all bt"],
                              capture_output=True, text=True, timeout=GDB_TIMEOUT)
    except subprocess.TimeoutExpired:
        return "(gdb gave none within %d s)" % GDB_TIMEOUT
    return done.stdout[-12000:] or done.stderr[-2000:]


def children(pid):
    """The processes whose parent is pid."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    # pid (comm) state ppid ...: comm may hold spaces.
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


@functools.cache
def compiled_tree():
    """build/, brought up to date once per test process: the tree does not
    change under a run, and bringing it up to date before each test (the
    look at every file, the parse of every program for help's index) took
    a sixth of a second of a core, a seventh of CI's run (2026-11-30)."""
    build.build()
    return paths.build_dir()


def seed_flash(flash, compiled=False, board=None):
    """A fresh flash folder holding the source tree, or the compiled one.
    On a board profile (munix test --board, or board) always the compiled
    one, as munix deploy puts it on boards: a small board cannot compile
    the OS; where even that does not fit its heap (esp8266), lib/ and bin/
    are in the board's ROMFS partition, and where they do not fit its
    filesystem as files (rp2040), in a pack: as a user of that board has
    them."""
    board = simulator.board_name(board)
    if compiled or board:
        tree = compiled_tree()
        if board and (boards.get(board).romfs or boards.get(board).pack):
            romfs.seed(flash, tree, pack=boards.get(board).pack)
        else:
            simulator.seed(flash, tree)
    else:
        simulator.seed(flash, ROOT)
    return flash


def in_rom(flash):
    """True when the board's lib/ and bin/ are in its ROMFS partition or a
    pack, where no file of the flash stands in for one of theirs."""
    return (flash / romfs.PACK).exists() or simulator.romfs_partition(flash).exists()


class Sim:
    """Boots of the OS with standard input from a pipe."""

    def __init__(self, flash):
        self.flash = flash

    def __call__(self, lines, heap=None, timeout=RUN_TIMEOUT):
        """Boot, feed lines (a string or a list) to the console, return
        the finished process (stdout, stderr, returncode)."""
        if not isinstance(lines, str):
            lines = "\n".join(lines) + "\n"
        argv = simulator.command(self.flash, heap=heap, interactive=False)
        return run_os(argv, lines, timeout)

    def run(self, *lines, **kw):
        """Boot and run lines: (out, err, status) with out the stdout less
        the banner line, err the stderr, status that of the last line."""
        done = self(list(lines) + ["echo status=$?"], **kw)
        # Whole, not as pytest cuts a repr short: the one line that says
        # why a rare failure happened is often the last.
        assert done.returncode == 0, "exit %d\n--- stdout\n%s--- stderr\n%s" % (
            done.returncode, done.stdout, done.stderr)
        body, status = done.stdout.split("\n", 1)[1].rsplit("status=", 1)
        # What jobs still running print when shutdown stops them comes after.
        status, _, after = status.partition("\n")
        return Result(body + after, done.stderr, int(status))

    def out(self, lines, **kw):
        """stdout of the lines, banner line left out."""
        done = self(lines, **kw)
        return done.stdout.split("\n", 1)[1] if "\n" in done.stdout else done.stdout

    def own(self, folder):
        """Where the OS's own folder (bin or lib) is on this board: /rom/NAME
        when they are in its ROMFS partition or a pack, else /NAME."""
        return ("/rom/" if in_rom(self.flash) else "/") + folder

    @property
    def ext(self):
        """The extension of the OS's own files on this flash: .mpy when it
        holds the compiled tree (as on board profiles) or the board has it
        in its ROMFS partition, else .py."""
        compiled = (self.flash / "lib" / "kernel.mpy").exists() or (self.flash / romfs.PACK).exists()
        return ".mpy" if compiled or simulator.romfs_partition(self.flash).exists() else ".py"

    def path(self, name):
        """The host path of a file on the board's flash."""
        return self.flash / name.lstrip("/")

    def write(self, name, data=""):
        """Put a file (text or bytes) on the board's flash; its host path."""
        p = self.path(name)
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            p.write_bytes(data)
        else:
            p.write_text(data)
        return p


class Board:
    """The OS booted in a pseudo-terminal, as on a serial console; on board
    profile board when given (else munix test's)."""

    def __init__(self, flash, heap=None, board=None):
        self.flash = flash
        # As `munix sim` boots it, again after each reset (sim.resetting),
        # without a Python around it: through munix sim each boot took
        # 0.17 s of a core more, a seventh of a board profile's run.
        runtime = simulator.command(flash, heap=heap, interactive=True, board=board)
        argv = simulator.resetting(runtime)
        self.child = pexpect.spawn(argv[0], argv[1:], cwd=str(ROOT), preexec_fn=keep_cores,
                                   env=dict(os.environ, TERM="dumb"),
                                   encoding="utf-8", codec_errors="replace",
                                   timeout=RUN_TIMEOUT, dimensions=(24, 200))
        self.boot_text = self.read_to_prompt(BOOT_TIMEOUT)
        # Where a crash leaves its core file (crash_report): the runtime's
        # working folder (the simulator's command changes to the host's /).
        self.runtime = None
        for pid in children(self.child.pid):
            self.runtime = (os.readlink("/proc/%d/exe" % pid), pid,
                            os.readlink("/proc/%d/cwd" % pid))

    def read_to_prompt(self, timeout=RUN_TIMEOUT):
        """Everything printed up to and including the next prompt."""
        # What expect() read past its match waits in pexpect's buffer,
        # which read_nonblocking does not look at.
        buf, self.child.buffer = self.child.buffer, ""
        deadline = time.monotonic() + timeout
        while not PROMPT.search(buf.replace("\r", "")):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no prompt after %r; the runtime's threads:\n%s"
                                   % (buf[-500:], self.backtraces()))
            try:
                buf += self.child.read_nonblocking(4096, timeout=min(left, 0.5))
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                crashed = ("; if the runtime crashed, its threads:\n" + crash_report(*self.runtime)
                           if self.runtime else "")
                raise EOFError("the OS ended; it printed %r%s" % (buf[-500:], crashed))
        return buf.replace("\r", "")

    def backtraces(self):
        """Where the runtime's threads are (gdb): a hang CI meets once in
        many runs must say where it hung. The runtime is the child of the
        shell that boots it again after each reset."""
        for pid in children(self.child.pid):
            return backtraces(pid)
        return "(the runtime has ended)"

    def run(self, line, timeout=RUN_TIMEOUT):
        """Type line, return its output (without the echo and the prompt)."""
        self.child.send(line + "\r")
        text = self.read_to_prompt(timeout)
        text = text[:text.rfind("\n") + 1]
        return text.split("\n", 1)[1] if "\n" in text else ""

    def send(self, text):
        self.child.send(text)

    def expect(self, pattern, timeout=RUN_TIMEOUT):
        self.child.expect(pattern, timeout=timeout)
        return self.child.before

    def path(self, name):
        return self.flash / name.lstrip("/")

    def close(self):
        # The runtime is the child of the shell that boots it again after
        # a reset, in the group pexpect made: the whole group goes. Ending
        # the parent alone left, now and then under load, a runtime
        # spinning on its closed terminal for good (after `exit` had left it
        # at the REPL), half a core each.
        # pexpect's close gives a process 0.4 s to be gone: a killed one
        # still there after that, under CI's load, failed the test.
        try:
            os.killpg(self.child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + BOOT_TIMEOUT
        while self.child.isalive() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.child.close()


USER, PASSWORD = "alice", "wonder-land 7"


# A program's lines that take the whole heap into chain, a link at a
# time, and what is left into crumbs, a block at a time, so that not even a
# small object is left; LET_GO gives it back. The chain is undone link by
# link: a word in the heap that looks like a pointer to a link (bytecode
# read into the heap has such words) then keeps that link alone. Dropped
# whole, it kept the rest of the chain too, the whole heap (the rp2040
# profile, netd imported, once its heap lay where an RP2040's does).
TAKE_HEAP = """    try:
        while True:
            chain = [chain]
    except MemoryError:
        pass
    try:
        while True:
            crumbs = (crumbs,)
    except MemoryError:
        pass
"""
FILL_HEAP = "    chain = crumbs = None\n" + TAKE_HEAP
LET_GO = """    crumbs = None
    while chain:
        chain[0], chain = None, chain[0]
"""

# A program's lines that write to told, a file it opened before filling the
# heap (if any), once it holds the heap; the test waits for the file's
# bytes (is_held). Neither the write nor the close of an open file takes
# heap. Renaming a file there did (its paths), and the heap's last bytes,
# freed for the test's clients, went to them first: the rename failed
# until a client's time ran out and freed its own (an FTP guest's 30 s),
# and the job held the heap without a word (three flaky tests in CI).
TELL_HELD = """    while told:
        try:
            told.write(b"held")
            told.close()
            told = None
        except MemoryError:
            time.sleep_ms(10)
"""


def is_held(path):
    """Whether the program holding the heap has written its path (TELL_HELD)."""
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False


# A program that holds the whole heap for ARG ms, then lets it go; with a
# second ARG, it leaves that many KiB free in one piece; with a third, it
# begins once that file is there, and writes to it once it holds the heap
# (held_heap); with a fourth, it takes what the others free meanwhile,
# every 50 ms (the heap stays full). It sleeps as programs do
# (munix.sleep): where the console hosts the OS's loop (the rp2040), the
# loop runs meanwhile, as it would for a user's program in the foreground.
HEAP_HOG = """import os, time
import munix

def __main__(args):
    while len(args) > 2:
        try:
            os.stat(args[2])
            break
        except OSError:
            munix.sleep(20)
    spare = bytearray(int(args[1]) * 1024) if len(args) > 1 else None
    told = open(args[2], "wb") if len(args) > 2 else None
""" + FILL_HEAP + """    spare = None
""" + TELL_HELD + """    if len(args) > 3:
        deadline = time.ticks_add(time.ticks_ms(), int(args[0]))
        while time.ticks_diff(deadline, time.ticks_ms()) > 0:
            time.sleep_ms(50)
""" + textwrap.indent(TAKE_HEAP, "        ") + """    else:
        munix.sleep(int(args[0]))
""" + LET_GO


def held_heap(board, flash, ms, spare, keep=False):
    """Runs HEAP_HOG as board's job for ms, spare KiB left free (with keep,
    none, and what is freed taken back), and returns once it holds the
    heap: a fixed pause was not always enough on a loaded machine, and
    clients meant to wait for room were served at once. The job begins
    once the console is back at its prompt: it filled the heap first now
    and then under load, and the console, finding no room for its prompt,
    gave none until the job let go (with keep, 30 s)."""
    held = flash / "tmp" / "held"
    held.unlink(missing_ok=True)
    (flash / "tmp" / "hog.py").write_text(HEAP_HOG)
    board.run("/tmp/hog %d %d /tmp/held%s &" % (ms, spare, " keep" if keep else ""))
    held.touch()
    deadline = time.monotonic() + RUN_TIMEOUT
    while not is_held(held):
        if time.monotonic() > deadline:
            raise AssertionError("the job never held the heap: %r" % board.run("jobs"))
        time.sleep(0.02)


def admission_heap(daemons_fit=True):
    """The heap for a test of netd's admission (a client waits for room in
    the heap): the board's, or 384 KiB on the default board (its 2 MiB
    takes clients in without asking). Skips the boards with 512 KiB or
    more and, with daemons_fit, the esp8266, where the daemons do not fit."""
    name = simulator.board_name()
    if name and boards.get(name).heap >= 512 * 1024:
        pytest.skip("a heap of 512 KiB or more takes clients in without asking")
    if daemons_fit and name == "esp8266":
        pytest.skip("the daemons do not fit the esp8266")
    return None if name else 384 * 1024


def interned_names(board):
    """How many names the runtime of board (a Board or a DaemonBoard) has
    interned: MicroPython keeps each for good, and a client that can make
    it intern more at will can fill any board's heap."""
    out = board.run("> import micropython; micropython.qstr_info()")
    return int(re.search(r"n_qstr=(\d+)", out).group(1))


LOG_TAIL = 4000     # characters of each log a failed test's report shows


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report ends with the logs its boards wrote (each
    flash folder's /tmp/*.log under the test's tmp_path: the daemons',
    the logins' and cron's words of what failed on the board). A test
    that fails once in many CI runs said only what its client was told,
    and CI's folders do not outlive the run."""
    outcome = yield
    report = outcome.get_result()
    tmp = item.funcargs.get("tmp_path") if hasattr(item, "funcargs") else None
    if report.when != "call" or not report.failed or tmp is None:
        return
    for log in sorted(tmp.glob("**/tmp/*.log")):
        text = log.read_text(errors="replace")
        report.sections.append(("board log %s" % log.relative_to(tmp), text[-LOG_TAIL:]))


# CI runs the suite and the board profiles side by side (.ci/run): each
# run is given ports of its own, LOW-HIGH below the ephemeral ones, so that
# no other run is given a port this one was given and has not bound yet.
# A run in several processes (pytest -n N) gives each its Nth of them.
PORTS = os.environ.get("MUNIX_TEST_PORTS")
if PORTS and os.environ.get("PYTEST_XDIST_WORKER"):
    _low, _high = [int(n) for n in PORTS.split("-")]
    _share = (_high - _low + 1) // int(os.environ["PYTEST_XDIST_WORKER_COUNT"])
    _low += _share * int(os.environ["PYTEST_XDIST_WORKER"][2:])
    PORTS = "%d-%d" % (_low, _low + _share - 1)
_next_port = []
# The ports above 1023 that Chromium refuses to open (ERR_UNSAFE_PORT;
# its net/base/port_util.cc): the web desktop's tests drew 10080 from
# CI's range, and the browser showed its error page, not the board's.
BROWSER_REFUSED = {1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566,
                   6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080}


def free_port():
    """A TCP port of 127.0.0.1 nobody listens on and a browser opens: the
    next free one of MUNIX_TEST_PORTS when set, else one the system picks
    (from the ephemeral ports, where no browser refuses one)."""
    if not PORTS:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    low, high = [int(n) for n in PORTS.split("-")]
    if not _next_port:
        _next_port.append(low)
    for _ in range(high - low + 1):
        port = _next_port[0]
        _next_port[0] = port + 1 if port < high else low
        if port in BROWSER_REFUSED:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port in MUNIX_TEST_PORTS=%s" % PORTS)


def own_ports(conf=None):
    """conf (a system.conf's sections) with each network daemon on a free
    port of its own: tests boot the OS side by side (CI's lanes), and one
    that started a daemon on its default port found it taken by another's
    ("utelnetd: port 23: in use", the esp8266 left without telnet)."""
    conf = dict(conf or {})
    for name in ("telnet", "ftp", "http"):
        conf[name] = dict({"port": free_port()}, **conf.get(name, {}))
    return conf


class DaemonBoard:
    """The OS in a pseudo-terminal with a daemon of its own: its section
    of /etc/system.conf on a free port (settings added), quick login
    limits (or auth's settings), USER's password set unless password=False,
    and the daemon started unless start=False; heap: the simulator's, in
    bytes. Subclasses name SECTION and COMMAND."""

    SECTION = COMMAND = None

    def __init__(self, flash, password=True, start=True, heap=None, auth=None, **settings):
        self.port = free_port()
        conf = {self.SECTION: dict(self.settings(), port=self.port, **settings),
                "auth": auth or {"delay_ms": 10, "failures": 4, "block_s": 2}}
        (flash / "etc" / "system.conf").write_text(json.dumps(conf))
        if password:
            (flash / "etc" / "shadow").write_text(shadow_line(USER, PASSWORD))
        self.prepare(flash)
        self.flash = flash
        self.board = Board(flash, heap=heap)
        if simulator.board_name():
            # A board serves once on Wi-Fi (the simulator's gives 127.0.0.1).
            self.run("wifi sta on")
            self.run("wifi sta connect munix-sim munix-sim-pass 5")
        if start:
            out = self.run("%s start" % self.COMMAND)
            assert "listening on 127.0.0.1:%d" % self.port in out, out

    def settings(self):
        """The daemon's settings for a test, before the caller's."""
        return {}

    def prepare(self, flash):
        """Put what the daemon serves on the flash, before the boot."""

    def run(self, line):
        return self.board.run(line)

    def close(self):
        self.board.close()


@pytest.fixture
def flash(tmp_path):
    return seed_flash(tmp_path / "flash")


@pytest.fixture
def sim(flash):
    return Sim(flash)


@pytest.fixture
def board(flash):
    b = Board(flash)
    yield b
    b.close()


@pytest.fixture
def make_board(tmp_path):
    """Boards on flash folders of their own: make_board(flash=None,
    heap=None, board=None)."""
    boards = []

    def make(flash=None, heap=None, board=None):
        if flash is None:
            flash = seed_flash(tmp_path / ("flash%d" % len(boards)), board=board)
        b = Board(flash, heap=heap, board=board)
        boards.append(b)
        return b

    yield make
    for b in boards:
        b.close()


@pytest.fixture(scope="session")
def compiled_flash_template(tmp_path_factory):
    """The compiled tree, built once per test run."""
    return seed_flash(tmp_path_factory.mktemp("compiled") / "flash", compiled=True)


@pytest.fixture
def compiled_sim(tmp_path, compiled_flash_template):
    flash = tmp_path / "flash"
    shutil.copytree(compiled_flash_template, flash)
    return Sim(flash)
