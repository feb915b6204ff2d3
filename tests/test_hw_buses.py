"""spi, uart and screen on the workbench: an SPI bus with its MOSI wired
to its MISO, and UARTs that are host pseudo-terminals."""
import os
import time

import pytest

import hw_support
from hw_support import state, wire

flash = hw_support.flash     # the fixture, esp8266's in ROMFS
pytestmark = [hw_support.needs_machine, hw_support.esp32_pins]

DEVKIT = "loadboard /etc/boards/esp32-devkitc.board"
WAIT_S = 10


def run(sim, *lines):
    return sim.run(DEVKIT, *lines)


@pytest.mark.parametrize("command", ["spi", "uart", "screen"])
def test_help(sim, command):
    out, err, status = sim.run("%s --help" % command)
    assert status == 0 and out.startswith("usage: %s" % command) and not err


def test_spi_transfers_through_a_loopback(sim, flash):
    wire(flash, connect=[[23, 19]])     # the DevKitC's MOSI to its MISO
    out, err, status = run(sim, "spi 0x9f 1 255", "spi -r 2 0xa5", "spi -m 3 -s 500000 -c 4 7",
                           "gpio 5", "gpio 4")
    assert status == 0, err
    assert out.splitlines() == ["9f 01 ff", "a5 00 00", "07", "1", "1"]


def test_spi_reads_ff_from_an_idle_line(sim):
    out, err, status = run(sim, "spi -r 3")
    assert status == 0, err
    assert out == "ff ff ff\n"


def test_spi_refuses_bad_input(sim):
    out, err, status = run(sim, "spi", "echo $?", "spi 256", "echo $?", "spi -m 4 1", "echo $?",
                           "spi -b 1 1", "echo $?", "spi -c 6 1", "echo $?", "pwm 5 100",
                           "spi 1", "echo $?")
    assert out.split() == ["2", "2", "2", "1", "1", "1"]
    errors = [line for line in err.splitlines() if not line.startswith("usage:")]
    assert errors == ["spi: nothing to send: give BYTEs or -r N", "spi: 256: not a byte (0-255)",
                      "spi: 4: not an SPI mode (0-3)",
                      "spi: no SPI bus 1 on ESP32 DevKitC (buses: 2)",
                      "spi: GPIO6 is reserved for the flash (-f to use it anyway)",
                      "spi: GPIO5 is used by pwm"]


def open_uart(flash, bus="2"):
    """The host's end of the board's UART bus: the pseudo-terminal's slave."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        try:
            path = state(flash)["uart"][bus]["pty"]
            break
        except (OSError, KeyError, ValueError):
            time.sleep(0.05)
    else:
        raise AssertionError("UART %s never opened" % bus)
    # Raw already: the board made it so (setting it again would flush
    # what waits in it).
    return os.open(path, os.O_RDWR | os.O_NOCTTY)


def read_until(fd, text):
    got = b""
    deadline = time.monotonic() + WAIT_S
    os.set_blocking(fd, False)
    while text.encode() not in got and time.monotonic() < deadline:
        try:
            got += os.read(fd, 1024)
        except BlockingIOError:
            time.sleep(0.02)
    assert text.encode() in got, got
    return got.decode()


def test_uart_writes_and_reads(board, flash):
    board.run(DEVKIT)
    assert board.run("uart write hello there; echo $?") == "0\n"
    fd = open_uart(flash)
    try:
        # What was sent before the host opened its end waits in the line.
        assert read_until(fd, "hello there\r\n") == "hello there\r\n"
        assert state(flash)["uart"]["2"]["baudrate"] == 115200
        os.write(fd, b"OK 42\r\n")
        # (The harness drops the CRs of what the console shows.)
        assert board.run("uart -s 9600 -t 300 read; echo $?") == "OK 42\n0\n"
        assert board.run("uart -t 100 read; echo $?") == "1\n"
    finally:
        os.close(fd)


def test_uart_refuses_bad_input(sim):
    out, err, status = run(sim, "uart", "echo $?", "uart send x", "echo $?", "uart -s fast read",
                           "echo $?", "uart -b 5 read", "echo $?", "pwm 17 100", "uart -b 2 read",
                           "echo $?", "loadboard /etc/boards/esp32-cam.board", "uart read", "echo $?")
    assert out.split() == ["2", "2", "2", "1", "1", "1"]
    errors = [line for line in err.splitlines() if not line.startswith("usage:")]
    assert errors[:4] == ["uart: write or read?", "uart: send: not write or read",
                          "uart: fast: not a baud rate", "uart: no UART bus 5 on ESP32 DevKitC (buses: 2)"]
    assert errors[4:] == ["uart: GPIO17 is used by pwm",
                          "uart: AI-Thinker ESP32-CAM has no UART bus in its board file: "
                          "give one with -b BUS"]


def test_screen_passes_through_until_ctrl_bracket(board, flash):
    board.run(DEVKIT)
    board.send("screen -s 9600\r")
    board.expect("Ctrl-\\] leaves")
    fd = open_uart(flash)
    try:
        board.send("AT\r")     # Enter is a CR, as terminals send it
        assert read_until(fd, "AT\r") == "AT\r"
        os.write(fd, b"OK from the modem\r\n")
        board.expect("OK from the modem")
        board.send("\x03")      # Ctrl-C goes to the device too
        assert read_until(fd, "\x03") == "\x03"
        board.send("\x1d")
        board.read_to_prompt()
        assert board.run("echo $?") == "0\n"
        assert board.run("gpio 17 on; echo $?") == "0\n"     # TX let go
    finally:
        os.close(fd)


def test_screen_needs_the_console(sim):
    out, err, status = run(sim, "screen -b 2 &", "wait")
    assert "screen: only at the board's console" in err
