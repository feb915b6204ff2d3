"""munix flash: its esptool command lines, and the real thing against
tools/sim/esprom.py, a stand-in for each chip's serial bootloader on a
loopback port (``socket://127.0.0.1:PORT``)."""
import importlib.util
import os
import random
import socket
import subprocess
import sys

import pytest

from conftest import ROOT

# Loaded by path: tools/sim's other modules (flash, start) are the simulated
# board's and must not shadow anything on sys.path.
_spec = importlib.util.spec_from_file_location("esprom", ROOT / "tools" / "sim" / "esprom.py")
esprom = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(esprom)

OFFSETS = {"esp32": 0x1000, "esp32s2": 0x1000, "esp32c3": 0, "esp32s3": 0, "esp32c6": 0,
           "esp8266": 0}
CHIP_NAMES = {"esp32": "ESP32", "esp32s2": "ESP32-S2", "esp32c3": "ESP32-C3",
              "esp32s3": "ESP32-S3", "esp32c6": "ESP32-C6", "esp8266": "ESP8266"}
# What a board held before: anything not rewritten must read back erased.
OLD = 0x5A


def munix(*args, timeout=60):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tools"))
    return subprocess.run([sys.executable, "-m", "munixtool", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def firmware(tmp_path):
    """An image that compresses like MicroPython's (esptool then sends it
    deflated) with a stretch that does not."""
    image = tmp_path / "fw.bin"
    noise = random.Random(6).randbytes(3000)
    image.write_bytes(b"\xe9\x03\x02\x20" + bytes(range(256)) * 64 + noise)
    return image


def old_board(chip):
    return esprom.EspRom(chip, flash=bytearray([OLD]) * esprom.FLASH_SIZE)


def free_port():
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("chip", sorted(OFFSETS))
def test_dry_run_prints_erase_then_write_at_the_chip_offset(chip, firmware):
    done = munix("flash", "/dev/ttyUSB9", str(firmware), "--chip", chip, "--dry-run",
                 "--baud", "921600")
    assert done.returncode == 0, done
    common = f"esptool --chip {chip} --port /dev/ttyUSB9 --baud 921600"
    assert done.stdout.splitlines() == [
        f"{common} erase-flash",
        f"{common} write-flash {OFFSETS[chip]:#x} {firmware}",
    ]


@pytest.mark.parametrize("chip", sorted(OFFSETS))
def test_dry_run_without_chip_asks_the_board(chip, firmware):
    with old_board(chip) as board:
        done = munix("flash", board.url, str(firmware), "--dry-run")
        flash = bytes(board.flash)
    assert done.returncode == 0, done
    common = f"esptool --chip {chip} --port {board.url} --baud 460800"
    assert done.stdout.splitlines() == [
        f"{CHIP_NAMES[chip]} on {board.url}",
        f"{common} erase-flash",
        f"{common} write-flash {OFFSETS[chip]:#x} {firmware}",
    ]
    assert done.stderr == ""
    assert flash == bytes([OLD]) * esprom.FLASH_SIZE


# One chip of each kind: read by magic word at 0x1000, by chip ID at 0,
# ESP8266 (whose ROM has the fewest commands).
@pytest.mark.parametrize("chip", ["esp32", "esp32c3", "esp8266"])
def test_flash_erases_the_board_and_writes_the_firmware_at_its_offset(chip, firmware):
    image = firmware.read_bytes()
    with old_board(chip) as board:
        done = munix("flash", board.url, str(firmware))
        flash = bytes(board.flash)
    assert done.returncode == 0, done
    lines = done.stdout.splitlines()
    assert lines[0] == f"{CHIP_NAMES[chip]} on {board.url}"
    assert f"Wrote {len(image)} bytes" in done.stdout
    assert "Hash of data verified." in lines
    start = OFFSETS[chip]
    assert flash[start:start + len(image)] == image
    assert flash[:start] + flash[start + len(image):] == b"\xff" * (len(flash) - len(image))


def test_a_silent_port_fails_in_one_line(firmware):
    with esprom.EspRom("esp32", silent=True) as board:
        done = munix("flash", board.url, str(firmware), timeout=30)
    assert done.returncode == 1
    assert done.stderr == (f"munix: cannot detect the chip on {board.url}: "
                           "Failed to connect to Espressif device: No serial data received.\n")
    assert done.stdout == ""


def test_a_port_nobody_listens_on_fails_in_one_line(firmware):
    url = f"socket://127.0.0.1:{free_port()}"
    done = munix("flash", url, str(firmware), "--dry-run", timeout=30)
    assert done.returncode == 1
    assert done.stderr == (f"munix: cannot detect the chip on {url}: "
                           f"Could not open {url}, the port is busy or doesn't exist.\n")


def test_a_chip_munix_does_not_know_is_refused(firmware):
    with esprom.EspRom("esp32h2") as board:
        done = munix("flash", board.url, str(firmware))
        flash = bytes(board.flash)
    assert done.returncode == 1
    assert done.stderr == (f"munix: ESP32-H2 on {board.url}: not a chip munix knows "
                           "(esp32, esp32s2, esp32c3, esp32s3, esp32c6, esp8266)\n")
    assert done.stdout == ""
    assert flash == b"\xff" * esprom.FLASH_SIZE


def test_a_chip_esptool_does_not_know_is_refused(firmware):
    unknown = esprom.CHIPS["esp32c3"]._replace(chip_id=99)
    with esprom.EspRom(unknown) as board:
        done = munix("flash", board.url, str(firmware))
    assert done.returncode == 1
    assert done.stderr == (f"munix: cannot detect the chip on {board.url}: "
                           "Unexpected chip ID value 99. Failed to autodetect chip type.\n")


def test_the_wrong_chip_option_fails_in_one_line_and_leaves_the_flash(firmware):
    with old_board("esp32c3") as board:
        done = munix("flash", board.url, str(firmware), "--chip", "esp32")
        flash = bytes(board.flash)
    assert done.returncode == 1
    assert done.stderr == ("munix: esptool erase-flash: This chip is ESP32-C3, not ESP32. "
                           "Wrong chip argument?\n")
    assert flash == bytes([OLD]) * esprom.FLASH_SIZE


def test_flash_errors_are_one_line(tmp_path, firmware):
    missing = munix("flash", "/dev/ttyUSB9", str(tmp_path / "none.bin"), "--chip", "esp32")
    assert missing.returncode == 1
    assert missing.stderr == f"munix: {tmp_path / 'none.bin'}: no such firmware file\n"
    slow = munix("flash", "/dev/ttyUSB9", str(firmware), "--baud", "0", "--dry-run")
    assert slow.returncode == 1
    assert slow.stderr == "munix: --baud 0: not a baud rate\n"
    nodev = tmp_path / "nodev"
    absent = f"Could not open {nodev}, the port is busy or doesn't exist.\n"
    failed = munix("flash", str(nodev), str(firmware), "--chip", "esp32")
    assert failed.returncode == 1
    assert failed.stderr == f"munix: esptool erase-flash: {absent}"
    undetected = munix("flash", str(nodev), str(firmware))
    assert undetected.returncode == 1
    assert undetected.stderr == f"munix: cannot detect the chip on {nodev}: {absent}"


def test_the_stand_in_runs_as_a_script_and_keeps_its_flash_image(tmp_path, firmware):
    image = tmp_path / "flash.img"
    stand_in = subprocess.Popen(
        [sys.executable, str(ROOT / "tools" / "sim" / "esprom.py"), "--chip", "esp32s2",
         "--flash", str(image)],
        stdout=subprocess.PIPE, text=True)
    try:
        url = stand_in.stdout.readline().strip()
        assert url.startswith("socket://127.0.0.1:")
        done = munix("flash", url, str(firmware))
    finally:
        stand_in.terminate()
        stand_in.wait(timeout=10)
    assert done.returncode == 0, done
    assert done.stdout.startswith(f"ESP32-S2 on {url}\n")
    written = image.read_bytes()
    assert written[0x1000:0x1000 + firmware.stat().st_size] == firmware.read_bytes()
