"""The simulated workbench from the host's side (tools/sim/rom/simbench.py
says what its files hold), for the tests of the hardware commands."""
import json
import subprocess

import pytest
from conftest import compiled_tree, seed_flash

from munixtool import romfs
from munixtool import sim as simulator


# The simulator's machine module is Python compiled in the board's heap,
# where a board has it built in: 38 KiB (esp8266) cannot hold both it and
# the OS. Hardware commands are tested on the other profiles.
needs_machine = pytest.mark.skipif(
    simulator.board_name() == "esp8266",
    reason="the machine stand-in does not fit the esp8266 profile's heap")

# Tests written with an ESP32's pin numbers (34 input only, ADC on 34 ...).
esp32_pins = pytest.mark.skipif(
    simulator.board_name() not in (None, "esp32", "esp32cam"), reason="written for ESP32 pins")


@pytest.fixture
def flash(tmp_path):
    """A fresh flash folder; on the esp8266 profile with the OS in a ROMFS
    partition, the only way it fits that board's heap."""
    if simulator.board_name() == "esp8266":
        romfs.seed(tmp_path / "flash", compiled_tree())
        return tmp_path / "flash"
    return seed_flash(tmp_path / "flash")


def bench(flash):
    d = flash.with_name(flash.name + ".bench")
    d.mkdir(exist_ok=True)
    return d


def wire(flash, **wiring):
    (bench(flash) / "wiring.json").write_text(json.dumps(wiring))


def set_inputs(flash, **inputs):
    d = bench(flash)
    (d / "inputs.new").write_text(json.dumps(inputs))
    (d / "inputs.new").rename(d / "inputs.json")


def state(flash):
    return json.loads((bench(flash) / "state.json").read_text())


def display(flash):
    """The SSD1306's RAM: 8 pages of 128 columns, bit 0 the top pixel."""
    return (bench(flash) / "ssd1306.bin").read_bytes()


def expected_frame(*draws):
    """The display RAM MicroPython's own framebuf draws for draws."""
    code = ("import framebuf, sys\nb = bytearray(1024)\n"
            "f = framebuf.FrameBuffer(b, 128, 64, framebuf.MONO_VLSB)\n"
            + "".join("f.%s\n" % d for d in draws) + "sys.stdout.write(b.hex())\n")
    done = subprocess.run(simulator.runtime_command() + ["-c", code], capture_output=True,
                          text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    return bytes.fromhex(done.stdout)


def i2c_transfer(flash, addr, write=None, read=0, timeout=10):
    """One transfer of an I2C controller on the host to the board's I2C
    target at addr (machine.I2CTarget, simbus.py): write the bytes write,
    or read read bytes (returned). AssertionError when no target answers
    at addr or nothing answers within timeout seconds."""
    import time
    d = bench(flash)
    i2c_transfer.count += 1
    request = {"id": i2c_transfer.count, "addr": addr}
    if write is not None:
        request["write"] = bytes(write).hex()
    else:
        request["read"] = read
    (d / "i2ctarget.new").write_text(json.dumps(request))
    (d / "i2ctarget.new").rename(d / "i2ctarget.req")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            answer = json.loads((d / "i2ctarget.ans").read_text())
        except (OSError, ValueError):
            answer = None
        if answer and answer["id"] == request["id"]:
            assert not answer.get("nack"), "no I2C target at 0x%02x" % addr
            return bytes.fromhex(answer["data"])
        time.sleep(0.01)
    raise AssertionError("the board's I2C target did not answer")


i2c_transfer.count = 0
