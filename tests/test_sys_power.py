"""reboot and reset. In the simulator machine.reset() ends MicroPython with
status 100; `munix sim` (the board fixture) then boots the OS again, while
the sim fixture, which boots once, returns that status."""
import re
import time

from conftest import BOOT_TIMEOUT

BANNER = re.compile(r"munix \S+ on \S+\n")
END_MARK = "> open('/tmp/ended', 'w').close()\n"


def test_reboot_runs_end_sh_and_resets(sim):
    sim.path("/etc/end.sh").write_text(END_MARK)
    done = sim(["echo before", "reboot", "echo not reached"])
    assert done.returncode == 100
    assert done.stdout.endswith("before\n")
    assert sim.path("/tmp/ended").exists()


def test_reset_resets_without_end_sh(sim):
    sim.path("/etc/end.sh").write_text(END_MARK)
    done = sim(["echo before", "reset", "echo not reached"])
    assert done.returncode == 100
    assert done.stdout.endswith("before\n")
    assert not sim.path("/tmp/ended").exists()


def test_reboot_boots_again_and_files_survive(board):
    board.path("/etc/end.sh").write_text(END_MARK)
    board.run("> f = open('/tmp/keep', 'w'); f.write('kept'); f.close()")
    board.run("export GONE=1")
    board.run("cd /etc")
    out = board.run("reboot", timeout=BOOT_TIMEOUT)
    assert BANNER.search(out)
    assert board.path("/tmp/ended").exists()
    assert board.run("< open('/tmp/keep').read()") == "kept\n"
    # A real restart: RAM is fresh.
    assert board.run("echo [$GONE]") == "[]\n"
    assert board.run("pwd") == "/\n"


def test_reset_boots_again(board):
    board.run("export GONE=1")
    out = board.run("reset", timeout=BOOT_TIMEOUT)
    assert BANNER.search(out)
    assert board.run("echo [$GONE]") == "[]\n"


# A job that takes the board to the end of its pool of names, and holds it
# there: the heap filled with blocks of 1 KiB, every other one given back
# (room for a name's letters, none for the pool's next block), then names
# interned until the pool could not grow (/tmp/walled says so).
WALL = """import gc, munix, sys

def __main__(args):
    hold = []
    try:
        while True:
            hold.append(bytearray(1024))
    except MemoryError:
        pass
    for i in range(0, len(hold), 2):
        hold[i] = None
    gc.collect()
    n = 0
    try:
        while True:
            getattr(sys, "wall%d" % n, None)
            n += 1
    except MemoryError:
        pass
    open("/tmp/walled", "w").close()
    while munix.sleep(100):
        pass
"""


def test_reboot_works_once_no_name_can_be_interned(make_board):
    """MicroPython interns every name a module uses, for good, in pools
    whose next block a heap in pieces may not have: past it every command
    whose module had a new name failed ("allocating 1280 bytes" on the
    esp32 profile after a day's use), reboot's too, and only unplugging
    the board helped. reboot and reset need no name more. On the esp32
    profile, whose machine module is loaded as a firmware's is (the
    default board's loads on first use, and would need names then)."""
    board = make_board(board="esp32")
    board.path("/tmp/wall.py").write_text(WALL)
    board.run("/tmp/wall &")
    deadline = time.monotonic() + BOOT_TIMEOUT
    while not board.path("/tmp/walled").exists():
        assert time.monotonic() < deadline, board.run("jobs")
        time.sleep(0.1)
    assert "memory allocation failed" in board.run("uname")
    assert BANNER.search(board.run("reboot", timeout=BOOT_TIMEOUT))


def test_reboot_and_reset_take_no_operand(sim):
    done = sim(["reboot now", "echo status=$?", "reset now", "echo status=$?"])
    assert done.returncode == 0
    assert done.stdout.endswith("status=2\nstatus=2\n")
    assert "reboot: extra operand now\nusage: reboot" in done.stderr
    assert "reset: extra operand now\nusage: reset" in done.stderr


STOPPED_MARK = """import munix

def __main__(args):
    while munix.sleep(50):
        pass
    open("/tmp/stopped-" + args[0], "w").close()
"""


def test_exit_stops_the_jobs_and_crond_and_waits_for_them(sim):
    """What still runs at exit or reboot is asked to stop and given time
    to end, as a user stopping it would: nothing is cut off mid-write."""
    sim.write("/opt/lingers.py", STOPPED_MARK)
    done = sim(["/opt/lingers thread &", "crond start", "echo up"])
    assert done.returncode == 0 and "up\n" in done.stdout, done
    assert sim.path("/tmp/stopped-thread").exists()
    assert "crond stopped" in sim.path("/tmp/cron.log").read_text()


def test_reboot_stops_the_jobs_first(sim):
    sim.write("/opt/lingers.py", STOPPED_MARK)
    done = sim(["/opt/lingers rebooted &", "reboot"])
    assert done.returncode == 100
    assert sim.path("/tmp/stopped-rebooted").exists()


FILL = """import system

def __main__(args):
    # Held after the program ends (a module's attribute): args[0] KiB stay free.
    system.filled = held = []
    try:
        while True:
            held.append(bytearray(1024))
    except MemoryError:
        pass
    del held[:int(args[0])]
"""


# A job that says it runs, and, asked to stop, lets go of what /opt/fill
# holds before it leaves its mark: opening the mark's file on the full
# heap failed at times.
LETS_GO = """import munix
import system

def __main__(args):
    open("/tmp/started", "w").close()
    while munix.sleep(50):
        pass
    system.filled = None
    open("/tmp/stopped-" + args[0], "w").close()
"""


def test_exit_on_a_full_heap_still_shuts_down(sim):
    """`exit` with the heap full: /etc/end.sh could not load, and its
    MemoryError left the boot; main.py then said "the heap is too small
    for the OS" and the shutdown stopped there, the jobs left running and
    /etc/.running kept (the next boot took it for a power cut). It is said
    in one line, and the shutdown goes on."""
    sim.write("/opt/letsgo.py", LETS_GO)
    sim.write("/opt/fill.py", FILL)
    # The heap filled once the job runs: filled as it loaded, the job
    # failed to.
    done = sim(["/opt/letsgo full &", "while ! test -f /tmp/started; do sleep 0.05; done",
                "/opt/fill 2", "echo filled"], heap="256K")
    assert done.returncode == 0, done
    assert "too small for the OS" not in done.stderr, done.stderr
    assert not sim.path("/etc/.running").exists()
    assert sim.path("/tmp/stopped-full").exists()
