"""lightsleep and deepsleep on the workbench: a timer or a pin wakes the
board; a deep sleep resets it, after /etc/end.sh, as a real one does."""
import re

import pytest

import hw_support
from conftest import BOOT_TIMEOUT
from hw_support import set_inputs
from munixtool import sim as simulator

flash = hw_support.flash     # the fixture, esp8266's in ROMFS
pytestmark = hw_support.needs_machine

DEVKIT = "loadboard /etc/boards/esp32-devkitc.board"
BANNER = re.compile(r"munix \S+ on \S+\n")
END_MARK = "> open('/tmp/ended', 'w').close()\n"
# Waking by a pin: ESP32's EXT0, in the esp32 module of ESP32 profiles.
ext0 = pytest.mark.skipif(simulator.board_name() not in ("esp32", "esp32cam", "esp32s3"),
                          reason="EXT0 wake-up is ESP32's")


@pytest.mark.parametrize("command", ["lightsleep", "deepsleep"])
def test_help(sim, command):
    out, err, status = sim.run("%s --help" % command)
    assert status == 0 and out.startswith("usage: %s" % command) and not err


def test_lightsleep_wakes_by_timer_and_goes_on(sim):
    out, err, status = sim.run("export KEPT=yes", "lightsleep 100", "echo $? $KEPT")
    assert status == 0, err
    assert out == "0 yes\n"


@ext0
def test_lightsleep_wakes_by_a_pin(board, flash):
    board.run(DEVKIT)
    set_inputs(flash, pins={"4": 1})
    board.send("lightsleep -p 4\r")
    board.expect("lightsleep -p 4")
    set_inputs(flash, pins={"4": 0})
    board.read_to_prompt()
    assert board.run("echo $?") == "0\n"


def test_deepsleep_runs_end_sh_and_resets(sim):
    sim.path("/etc/end.sh").write_text(END_MARK)
    done = sim(["echo before", "deepsleep 100", "echo not reached"])
    assert done.returncode == 100
    assert done.stdout.endswith("before\n")
    assert sim.path("/tmp/ended").exists()


def test_deepsleep_boots_afresh_saying_so(board):
    board.run("export GONE=1")
    out = board.run("deepsleep 100", timeout=BOOT_TIMEOUT)
    assert BANNER.search(out)
    assert board.run("echo [$GONE]") == "[]\n"
    assert board.run("wdt").splitlines()[-1] == "last reset: deep sleep"


@ext0
def test_deepsleep_wakes_by_a_pin(board, flash):
    board.run(DEVKIT)
    set_inputs(flash, pins={"4": 0})
    board.send("deepsleep -p 4 -l 1\r")
    board.expect("deepsleep -p 4 -l 1")
    set_inputs(flash, pins={"4": 1})
    board.read_to_prompt(BOOT_TIMEOUT)
    assert board.run("wdt").splitlines()[-1] == "last reset: deep sleep"


def test_sleep_refuses_bad_input(sim):
    out, err, status = sim.run(DEVKIT, "lightsleep", "echo $?", "deepsleep -l 1 100", "echo $?",
                               "lightsleep -p 4 -l 2", "echo $?", "deepsleep soon", "echo $?",
                               "lightsleep 0", "echo $?", "lightsleep -p 6", "echo $?")
    assert out.split() == ["2", "2", "2", "2", "2", "1"]
    errors = [line for line in err.splitlines() if not line.startswith("usage:")]
    assert errors[:5] == ["lightsleep: nothing would wake it: give MS or -p PIN",
                          "deepsleep: -l without -p PIN", "lightsleep: 2: not a level (0 or 1)",
                          "deepsleep: soon: not a number of milliseconds",
                          "lightsleep: 0: not a number of milliseconds"]
    if simulator.board_name() in ("esp32", "esp32cam", "esp32s3"):
        assert errors[5] == "lightsleep: GPIO6 is reserved for the flash (-f to use it anyway)"
    else:
        assert errors[5] == "lightsleep: ESP32 DevKitC wakes by timer only"
