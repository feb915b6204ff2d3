"""The README's Hardware example runs as written, on the workbench wired
as the README says (a button on GPIO4, an SHT31 and an SSD1306 on I2C)."""
import re

import hw_support
from conftest import ROOT
from hw_support import set_inputs, state

flash = hw_support.flash
pytestmark = [hw_support.needs_machine, hw_support.esp32_pins]


def example():
    text = (ROOT / "README.md").read_text()
    section = text[text.index("\n## Hardware\n"):]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1).splitlines()


def test_the_hardware_example_runs_as_written(sim, flash):
    set_inputs(flash, sht3x={"temperature": 21.5, "humidity": 40.0})
    lines = example()
    checked = []
    for line in lines:
        checked += [line, "echo status=$?"]
    out, err, status = sim.run("loadboard /etc/boards/esp32-devkitc.board", *checked)
    assert err == ""
    assert out.count("status=0") == len(lines), out
    assert "0x44  SHT3x temperature/humidity" in out
    assert re.search(r"^sht3x@0x44 +21\.5 C +40\.0 %RH$", out, re.M)
    assert re.search(r"^1   GPIO4 falling debounce 50 ms +led toggle", out, re.M)
    assert re.search(r"^2   every 60 s +sensors >> /tmp/climate.log", out, re.M)
    assert re.search(r"^GPIO4 .*used by irq 1 \(started by console\)", out, re.M)
    assert state(flash)["pwm"]["13"]["freq"] == 1000
    assert state(flash)["wdt"] == {"timeout": 8000}
