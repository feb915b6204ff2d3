"""Events and the watchdog on the workbench: irq (a command run at a pin's
edges, as a job, the pin booked), every (a periodic job), wdt (fed while
the OS is healthy, resetting the board when it hangs)."""
import time

import pytest

import hw_support
from hw_support import set_inputs, state, wire
from munixtool import sim as simulator

flash = hw_support.flash     # the fixture, esp8266's in ROMFS
needs_machine = hw_support.needs_machine

DEVKIT = "loadboard /etc/boards/esp32-devkitc.board"
WAIT_S = 10
# The watchdog stand-in watches from a thread of its own, which the rp2040
# profile's one thread (the OS's asyncio loop has it) cannot spare.
watchdog_thread = pytest.mark.skipif(simulator.board_name() == "rp2040",
                                     reason="the WDT stand-in needs a thread of its own")


def lines_of(path, count):
    """The lines of a file on the flash once it has count of them (a job
    writes it); fails after WAIT_S."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if path.exists():
            lines = path.read_text().splitlines()
            if len(lines) >= count:
                return lines
        time.sleep(0.05)
    raise AssertionError("%s: fewer than %d lines: %r" % (
        path, count, path.read_text() if path.exists() else None))


@needs_machine
@pytest.mark.parametrize("command", ["irq", "every", "wdt"])
def test_help(sim, command):
    out, err, status = sim.run("%s --help" % command)
    assert status == 0 and out.startswith("usage: %s" % command) and not err


@needs_machine
@hw_support.esp32_pins
def test_irq_runs_its_command_at_each_edge_and_books_the_pin(board, flash):
    board.run(DEVKIT)
    set_inputs(flash, pins={"4": 1})     # a button, up until pressed
    out = board.run("irq 4 falling 'echo pressed >> /tmp/presses'")
    assert out == "irq 1: GPIO4 falling\n"
    set_inputs(flash, pins={"4": 0})
    assert lines_of(board.path("/tmp/presses"), 1) == ["pressed"]
    set_inputs(flash, pins={"4": 1})
    board.run("sleep 0.1")      # released a while: a press lasts longer than a look
    set_inputs(flash, pins={"4": 0})
    assert lines_of(board.path("/tmp/presses"), 2) == ["pressed", "pressed"]
    assert board.run("gpio 4 on; echo $?") == "gpio: GPIO4 is used by irq 1 (started by console)\n1\n"
    listed = board.run("irq -l")
    assert listed.startswith("1   GPIO4 falling")
    assert "echo pressed >> /tmp/presses  (by console; 2 runs)" in listed
    assert "GPIO4 " in board.run("lshw -p") and "irq 1" in board.run("lshw -p")
    assert board.run("irq -d 1; echo $?") == "0\n"
    assert board.run("irq -l") == ""
    assert board.run("gpio 4 read") == "0\n"     # free again


@needs_machine
@hw_support.esp32_pins
def test_irq_from_init_sh_with_debounce_on_wired_pins(make_board, flash):
    wire(flash, connect=[[4, 5]])
    (flash / "etc" / "init.sh").write_text(
        DEVKIT + "\nirq 4 both --debounce 10 'echo edge >> /tmp/edges'\n")
    board = make_board(flash)
    assert "irq 1: GPIO4 both debounce 10 ms" in board.boot_text
    assert board.run("gpio 4 on") == "gpio: GPIO4 is used by irq 1 (started by init.sh)\n"
    board.run("gpio 5 on")
    lines_of(board.path("/tmp/edges"), 1)
    board.run("gpio 5 off")
    assert lines_of(board.path("/tmp/edges"), 2) == ["edge", "edge"]
    assert "by init.sh" in board.run("irq -l")


@needs_machine
def test_eventd_is_no_job_of_the_session_that_started_it(board):
    """eventd was a job of the console's session: `wait` there waited for
    it as long as an event was set."""
    board.run("every 0.2 'echo tick >> /tmp/ticks'")
    assert "waited 0\n" in board.run("sleep 0.2 & wait; echo waited $?")
    assert "eventd" not in board.run("jobs")
    board.run("every -d 1")


@needs_machine
def test_every_runs_periodically_until_removed(board):
    assert board.run("every 0.2 'echo tick >> /tmp/ticks'") == "every 1: every 0.2 s\n"
    lines_of(board.path("/tmp/ticks"), 3)
    assert board.run("every -l").startswith("1   every 0.2 s")
    assert board.run("irq -l") == ""
    assert board.run("irq -d 1") == "irq: 1: no such event\n"
    assert board.run("every -d 1; echo $?") == "0\n"
    # No more ticks once removed: eventd has ended (nothing left to do).
    deadline = time.monotonic() + WAIT_S
    while "eventd" in board.run("ps") and time.monotonic() < deadline:
        time.sleep(0.1)
    count = len(board.path("/tmp/ticks").read_text().splitlines())
    board.run("sleep 1")
    assert len(board.path("/tmp/ticks").read_text().splitlines()) == count


@needs_machine
@hw_support.esp32_pins
def test_events_refuse_bad_input(sim):
    out, err, status = sim.run(DEVKIT, "irq 4 sideways echo x", "echo $?", "irq 4 rising", "echo $?",
                               "irq 6 rising echo x", "echo $?", "irq 99 rising echo x", "echo $?",
                               "irq 4 rising --debounce soon echo x", "echo $?", "irq -d 7",
                               "echo $?", "every 0 echo x", "echo $?", "every 5", "echo $?",
                               "every -d x", "echo $?", "irq -l", "every -l")
    assert out.split() == ["2", "2", "1", "1", "2", "1", "2", "2", "2"]
    errors = [line for line in err.splitlines() if not line.startswith("usage:")]
    assert errors == [
        "irq: sideways: not rising, falling or both",
        "irq: missing COMMAND",
        "irq: GPIO6 is reserved for the flash (-f to use it anyway)",
        "irq: GPIO99: not a pin of ESP32 DevKitC",
        "irq: soon: not a number of milliseconds",
        "irq: 7: no such event",
        "every: 0: not a number of seconds (0.1 at least)",
        "every: missing COMMAND",
        "every: x: not a event number",
    ]


@needs_machine
@hw_support.esp32_pins
def test_irq_refuses_a_booked_pin(sim):
    out, err, status = sim.run(DEVKIT, "pwm 4 1000", "irq 4 rising echo x", "echo $?")
    assert out.split()[-1] == "1"
    assert err == "irq: GPIO4 is used by pwm\n"


@needs_machine
@watchdog_thread
def test_wdt_is_fed_while_the_os_is_healthy(sim, flash):
    out, err, status = sim.run("wdt", "wdt start 300", "sleep 1", "wdt")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[:3] == ["watchdog: off", "last reset: power on", "watchdog: on, 300 ms"]
    assert lines[3].startswith("watchdog: on, 300 ms, fed by eventd (pid ")
    assert state(flash)["wdt"] == {"timeout": 300}


@needs_machine
@watchdog_thread
def test_wdt_resets_a_hung_board(make_board, flash):
    board = make_board(flash)
    board.run("wdt start 500")
    # A deadlock: the console takes the process table's lock and waits.
    board.send("> import process; process._lock.acquire(); process._lock.acquire()\r")
    board.expect("munix \\S+ on \\S+", timeout=20)
    board.read_to_prompt(20)
    assert board.run("wdt") == "watchdog: off\nlast reset: watchdog\n"


@needs_machine
def test_wdt_refuses_bad_input(sim):
    out, err, status = sim.run("wdt stop", "echo $?", "wdt start 0", "echo $?", "wdt start soon",
                               "echo $?", "wdt")
    assert out.split()[:3] == ["2", "2", "2"]
    errors = [line for line in err.splitlines() if not line.startswith("usage:")]
    assert errors == ["wdt: stop: start or nothing", "wdt: 0: not a number of milliseconds",
                      "wdt: soon: not a number of milliseconds"]
    assert "watchdog: off" in out


@needs_machine
@pytest.mark.skipif(simulator.board_name() != "rp2040", reason="the RP2040's one thread")
def test_events_run_in_the_loop_thread_on_an_rp2040(board):
    board.run("loadboard /etc/boards/pico-w.board")
    board.run("every 0.2 'echo tick >> /tmp/ticks'")
    assert lines_of(board.path("/tmp/ticks"), 2) == ["tick", "tick"]


@pytest.mark.skipif(simulator.board_name() != "esp8266", reason="the ESP8266's lack of threads")
def test_events_are_refused_without_threads(sim):
    out, err, status = sim.run("every 1 echo x", "echo $?", "every -l")
    assert out == "1\n"
    assert err == "every: no thread free: this port has no threads\n"


@needs_machine
@hw_support.esp32_pins
def test_stopping_eventd_ends_its_events_and_frees_their_pins(sim):
    out, err, status = sim.run(DEVKIT, "irq 4 rising echo up", "every 5 echo tick", "killall eventd",
                               "irq -l", "every -l", "gpio 4", "wdt")
    assert status == 0, err
    assert out.splitlines() == ["irq 1: GPIO4 rising", "every 2: every 5 s", "0",
                                "watchdog: off", "last reset: power on"]


@needs_machine
@pytest.mark.skipif(simulator.board_name() != "rp2040", reason="the RP2040's watchdog limit")
def test_wdt_refuses_what_the_board_cannot(sim):
    out, err, status = sim.run("wdt start 9000", "echo $?", "wdt")
    assert out.splitlines()[0] == "1"
    assert err == "wdt: 9000: timeout out of range\n"
    assert "watchdog: off" in out
