"""The console as a person at a serial terminal sees it: the prompt,
Ctrl-C, leaving to the MicroPython REPL, recovery, several sessions."""
import re
import socket
import time

import pytest

from conftest import FILL_HEAP, HEAP_HOG, held_heap


def test_prompt_shows_the_working_directory(board):
    assert board.boot_text.endswith("/ $: ")
    assert board.run("echo hi") == "hi\n"


def test_ctrl_c_interrupts_the_running_command_only(board):
    board.send("> while True: pass\r")
    time.sleep(0.5)
    board.send("\x03")
    board.read_to_prompt()
    assert board.run("echo $?") == "130\n"
    assert board.run("echo alive") == "alive\n"


def test_ctrl_c_at_the_prompt_gives_a_new_one_and_ctrl_a_leaves_to_the_repl(board):
    """As in every shell, Ctrl-C at an empty prompt gives a new prompt
    (it used to leave munix); Ctrl-A, MicroPython's key for its raw REPL,
    leaves without ending what runs."""
    board.send("\x03")
    board.read_to_prompt()
    assert board.run("echo $?") == "130\n"
    board.send("typed\x03")
    board.read_to_prompt()
    board.send("\x01")
    assert BACK in board.expect(">>> ")
    board.send("import kernel; kernel.recovery()\r")
    text = board.read_to_prompt()
    assert "Recovery mode: /etc/init.sh skipped." in text
    assert board.run("echo back") == "back\n"


BACK = ("munix: left for the MicroPython REPL; machine.soft_reset() (or Ctrl-D on a board)"
        " starts it again")


def test_exit_leaves_to_the_repl_after_end_sh(board):
    board.path("/etc/end.sh").write_text("echo end ran\n")
    board.send("exit\r")
    before = board.expect(">>> ")
    assert "end ran" in before
    assert BACK in before


def test_ctrl_d_at_the_prompt_leaves_and_a_soft_reset_comes_back(board):
    """The REPL's banner cannot say how to get back to munix: munix says it
    as it leaves (issue 28, item 15)."""
    board.send("typed\x15\x04")
    assert BACK in board.expect(">>> ")
    board.send("import machine; machine.soft_reset()\r")
    board.read_to_prompt(timeout=20)
    assert board.run("echo back") == "back\n"


def test_a_crash_during_init_sh_makes_the_next_boot_a_recovery(make_board, flash):
    flash.joinpath("etc/init.sh").write_text("echo init start\n> import machine; machine.reset()\n")
    board = make_board(flash)
    # init.sh reset the board before it finished: the boot that follows
    # finds the marker and skips init.sh.
    assert "init start" in board.boot_text
    assert "The last boot did not finish /etc/init.sh: starting in recovery mode." in board.boot_text
    assert "Recovery mode: /etc/init.sh skipped." in board.boot_text
    assert board.run("echo ok") == "ok\n"


def test_a_failing_line_in_init_sh_does_not_stop_the_boot(sim):
    sim.path("/etc/init.sh").write_text("nosuch\necho after\n")
    sim.path("/etc/rc.local").write_text("echo local\n")
    done = sim(["echo prompt"])
    assert done.stdout.endswith("after\nlocal\nprompt\n")
    assert "nosuch: command not found" in done.stderr
    assert "recovery" not in done.stdout


def test_corrupt_configuration_is_kept_aside(sim):
    sim.path("/etc/system.conf").write_text("{not json")
    done = sim(["echo $PATH"])
    assert "warning: /etc/system.conf is corrupt: kept as /etc/system.conf.bad, using defaults" in done.stdout
    assert done.stdout.endswith("/bin\n")
    assert sim.path("/etc/system.conf.bad").read_text() == "{not json"
    assert '"PATH": "/bin"' in sim.path("/etc/system.conf").read_text()


def test_missing_configuration_is_written_with_defaults(sim):
    assert not sim.path("/etc/system.conf").exists()
    sim(["echo"])
    assert '"hostname": "munix"' in sim.path("/etc/system.conf").read_text()


def test_configuration_env_is_exported_and_loadconfig_reloads_it(sim):
    sim.path("/etc/system.conf").write_text('{"env": {"PATH": "/bin", "GREETING": "hello"}}')
    assert sim.out(["echo $GREETING $HOME", "loadconfig", "echo $?"]) == "hello /\n0\n"


def test_loadboard_reads_a_board_file(sim):
    sim.path("/etc/my.board").write_text('{"name": "test board", "pins": {"led": 2}}')
    out = sim.out(["loadboard /etc/my.board", "< sdata.board['pins']['led']", "loadboard /etc/nope", "echo $?"])
    assert out == "2\n1\n"


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(10)
    yield server
    server.close()


def _read_until(conn, marker, timeout=10):
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(marker):
        conn.settimeout(max(0.1, deadline - time.monotonic()))
        chunk = conn.recv(4096)
        if not chunk or time.monotonic() > deadline:
            raise TimeoutError(data)
        data += chunk
    return data.decode()


def test_two_sessions_running_commands_at_once_each_get_their_own_output(board, listener):
    port = listener.getsockname()[1]
    board.run("> import socket, streamshell")
    board.run("> s = socket.socket(); s.connect(socket.getaddrinfo('127.0.0.1', %d)[0][-1])" % port)
    board.run("> streamshell.serve(s, 'tcp')")
    conn, _ = listener.accept()
    try:
        _read_until(conn, b"/ $: ")
        conn.sendall(b"> import time\n")
        _read_until(conn, b"/ $: ")
        board.run("> import time")
        loop = "> for i in range(40): print('%s', i); time.sleep_ms(5)"
        conn.sendall((loop % "REMOTE") .encode() + b"\n")
        console = board.run(loop % "CONSOLE")
        remote = _read_until(conn, b"/ $: ")
        assert console == "".join("CONSOLE %d\n" % i for i in range(40))
        assert "CONSOLE" not in remote
        assert remote.replace("\r\n", "\n").endswith(
            "".join("REMOTE %d\n" % i for i in range(40)) + "/ $: ")
        conn.sendall(b"exit\n")
        conn.settimeout(10)
        assert conn.recv(100) == b""
    finally:
        conn.close()
    assert board.run("echo console still here") == "console still here\n"


def test_a_heap_too_small_for_the_os_is_one_line_and_a_failure(sim):
    # Room for the simulator's own start (its flash.py compiled from
    # source: 27 to 35 KiB, as the heap's layout falls) and too little for
    # munix from source (about 133 KiB). At 32 KiB the start's own need
    # was the limit, which three more lines of it crossed.
    done = sim(["echo never"], heap="64K")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("munix: the heap is too small for the OS (memory allocation failed")
    assert done.stderr.count("\n") == 1


FULL_HEAP = """import system

def __main__(args):
    chain = None
    try:
        with system.import_lock:
            while True:
                chain = (chain,)    # one block each: none is left
    except MemoryError:
        pass
    chain = None
    print("depth", system.import_lock.depth)
"""


def test_the_import_lock_is_let_go_when_the_heap_runs_out_inside_it(sim):
    """Its __exit__ took *args, a tuple it could not make with the heap
    full: the lock stayed taken and every later import of every thread
    waited for ever (the esp32 profile, its daemons serving clients at
    once, hung)."""
    sim.write("/tmp/full.py", FULL_HEAP)
    out, err, status = sim.run("/tmp/full", "echo imported; ls /bin/ls.*", heap="512K")
    lines = out.splitlines()
    assert lines[:2] == ["depth 0", "imported"] and lines[2].startswith("/bin/ls."), (out, err)


def test_a_full_heap_fails_lines_not_the_console(make_board):
    """A line typed while another thread held the whole heap: the
    MemoryError left the console's loop, and the OS ended in the REPL
    ("munix: the heap is too small for the OS")."""
    board = make_board(heap="512K")
    board.path("/tmp/hog.py").write_text(HEAP_HOG)
    board.send("/tmp/hog 1500 &\r")
    time.sleep(0.5)
    board.send("echo typed while full\r")
    time.sleep(2)
    # Its output, not the line's echo.
    board.send("echo al$((1))ive\r")
    board.child.expect_exact("al1ive\r\n", timeout=10)


# A program's lines that take the whole heap, a block at a time, and give
# ARG blocks of it back; hmacsha is not loaded.
ALL_BUT_ARG_BLOCKS = """    sys.modules.pop("hmacsha", None)
    chain = None
    try:
        while True:
            chain = (chain,)
    except MemoryError:
        pass
    for _ in range(int(args[0])):
        chain = chain[0]
"""
IMPORT_ON_A_FULL_HEAP = """import sys

def __main__(args):
""" + ALL_BUT_ARG_BLOCKS + """    import hmacsha
"""


# A program that runs the line ARG with sys.modules grown by 1,000 names
# and 4 KiB of heap left, in one piece: what copies the list of modules
# (8 KiB) finds no room, the rest does.
LINE_WITH_NO_ROOM_FOR_THE_MODULES = """import sys
import munix

def __main__(args):
    for i in range(1000):
        sys.modules["pad%d" % i] = None
    spare = bytearray(4 * 1024)
""" + FILL_HEAP + """    spare = None
    try:
        munix.run(args[0])
    finally:
        crumbs = None
        while chain:
            chain[0], chain = None, chain[0]
        for i in range(1000):
            del sys.modules["pad%d" % i]
"""


def test_a_command_the_heap_cut_short_as_it_began_ends_all_the_same(sim):
    """A command whose process was made but which found no heap for what
    it does before it runs stayed in the process table
    for good, running, the current process of its thread, and kept the
    whole line that ran it (its parents and their sessions): after a
    storm of /api/run lines the esp32 profile's heap stayed full, and the
    console could no longer run a command (CI)."""
    sim.write("/tmp/full.py", LINE_WITH_NO_ROOM_FOR_THE_MODULES)
    out, err, status = sim.run("/tmp/full 'echo x'", "ps", heap="250K")
    assert "memory allocation failed" in err, err
    assert [row.split()[4:] for row in out.splitlines()[1:]] == [["init"], ["ps"]], out


def test_an_import_the_heap_cut_short_is_told_as_the_heaps_end(sim):
    """MicroPython's import takes a MemoryError while it looks for the
    file (its filesystem's stat) for a file not there: "no module named
    'hmacsha'", or the words cut short ("no module "), for a module that
    is there (a board booted that way ended in a traceback)."""
    sim.write("/tmp/full.py", IMPORT_ON_A_FULL_HEAP)
    out, err, status = sim.run("for k in $(seq 0 40); do /tmp/full $k; done; echo done",
                               heap="256K")
    assert out == "done\n" and err, (out, err)
    assert all(line.startswith("full: memory allocation failed") for line in err.splitlines()), err


# A program that, with ARG blocks of heap free, loads hmacsha through
# lending (what the daemons' helpers are loaded by), or auth for
# netguests.asked() (what a telnet session asks first), and prints which
# error the heap's end gave.
LOADED_ON_A_FULL_HEAP = """import sys
import lending
import netguests

def __main__(args):
    got = "loaded"
    for name in ("auth", "loginblock"):
        sys.modules.pop(name, None)
""" + ALL_BUT_ARG_BLOCKS + """    try:
        if args[1] == "lend":
            lending.lend("hmacsha", "same", b"", b"")
        else:
            netguests.asked(False)
    except MemoryError:
        got = "MemoryError"
    except ImportError:
        got = "ImportError"
    chain = None
    print(got)
"""


@pytest.mark.parametrize("call", ["lend", "asked"])
def test_a_module_the_heap_had_no_room_to_find_is_a_full_heap_to_the_os(sim, call):
    """The daemons wait a MemoryError out (a client's module loaded again
    once there is room), but an import that ran out of heap as it looked
    for the file said ImportError (the flash's stat failing reads as no
    file there): USER, sent as a job held the heap, ended the FTP session
    without a word (CI), "no module named 'ftplogin'" in its log; so did a
    telnet session as it began."""
    sim.write("/tmp/full.py", LOADED_ON_A_FULL_HEAP)
    out, err, status = sim.run("for k in $(seq 0 40); do /tmp/full $k %s; done" % call, heap="256K")
    got = out.split()
    assert len(got) == 41 and "ImportError" not in got and "MemoryError" in got, (out, err)


def test_a_line_typed_at_the_console_as_the_heap_is_full_runs_whole(board, flash):
    """The console took a key from the port, then found no heap to make it
    a string, or to add it to the line: the key was lost, the line begun
    anew, and what was typed after ran as a line of its own (`wait`, typed
    as a job held the heap, ran `it`: "it: command not found"). Keys and
    line stay: the line runs whole once there is room, or fails whole."""
    held_heap(board, flash, 1500, 0, keep=True)
    held = time.monotonic()
    board.send("echo whole-line-typed\r")
    time.sleep(max(0, held + 2.5 - time.monotonic()))
    board.send("wait; echo done-$HOME\r")
    board.expect("done-/\r\n", timeout=30)
    said = board.child.before
    assert "command not found" not in said, said
    after = said.split("echo whole-line-typed")[-1]
    assert "whole-line-typed\r\n" in after or re.search(r"(echo|sh): memory allocation failed", after), said


def test_the_words_of_a_full_heap_need_no_heap_at_the_console(board):
    """A line the heap had no room to run, nor to make the words of its
    failure (Session._out_of_memory), ended with its prompt alone at the
    console, where telnet's terminal said them in bytes made in advance;
    the console says those bytes too. A job failing meanwhile was told
    "'TextIOWrapper' object has no attribute 'full'": the console's
    AttributeError, on a heap that full, is the same object as the job's
    MemoryError, and the console no longer raises one to find out."""
    out = board.run("> import session, sys; session._say_full(sys.stderr)")
    assert out == "sh: memory allocation failed\n"
