"""The simulated workbench (tools/sim/rom/machine.py, simbench.py,
simdevices.py): MicroPython's machine API on pins wired in a file, inputs
the host sets, state the host reads."""
import time

import hw_support
from hw_support import display, expected_frame, set_inputs, state, wire

flash = hw_support.flash     # the fixture, esp8266's in ROMFS
pytestmark = hw_support.esp32_pins


# A Python line defining tryit(f): f(), or what it raised, printed.
TRY = r"exec('def tryit(f):\n try:\n  f()\n except Exception as e:\n  print(\"E\", e)')"


def py(sim, *lines):
    out, err, status = sim.run(*["> " + line for line in lines])
    assert status == 0, err
    return out


def test_wired_pins_pulls_and_outside_drive(sim, flash):
    wire(flash, connect=[[4, 5]], pull={"13": "up"})
    set_inputs(flash, pins={"14": 1})
    out = py(sim, "from machine import Pin",
             "a = Pin(4, Pin.OUT, value=1); b = Pin(5, Pin.IN); print(b.value())",
             "a.off(); print(b())",
             "print(Pin(13, Pin.IN).value(), Pin(12, Pin.IN).value(), Pin(12, Pin.IN, Pin.PULL_UP)())",
             "print(Pin(14, Pin.IN).value())")
    assert out.split() == ["1", "0", "1", "0", "1", "1"]
    assert state(flash)["pins"]["4"] == {"mode": "out", "pull": None, "out": 0}


def test_machine_refuses_what_the_board_refuses(sim):
    out = py(sim, "from machine import Pin, PWM, ADC, I2C",
             TRY,
             "for f in (lambda: Pin(20), lambda: Pin(34, Pin.OUT), lambda: PWM(Pin(2), freq=0),"
             " lambda: ADC(Pin(5)), lambda: I2C(3), lambda: Pin(4, 9)): tryit(f)")
    assert out.splitlines() == ["E invalid pin", "E pin can only be input",
                                "E frequency must be from 1Hz to 40000000Hz", "E invalid pin",
                                "E I2C(3) doesn't exist", "E invalid pin mode"]


def test_button_press_from_the_host_calls_the_irq_handler(board):
    flash = board.flash
    board.run("> from machine import Pin; seen = []")
    board.run("> b = Pin(0, Pin.IN, Pin.PULL_UP); b.irq(lambda p: seen.append(p.value()), "
              "Pin.IRQ_FALLING)")
    assert board.run("> print(len(seen))").strip() == "0"
    set_inputs(flash, pins={"0": 0})
    deadline = time.monotonic() + 5
    while board.run("> print(len(seen))").strip() != "1":
        assert time.monotonic() < deadline, "the handler was not called"
        time.sleep(0.05)
    set_inputs(flash, pins={})      # released: a rising edge, not watched
    time.sleep(0.2)
    assert board.run("> print(seen)").strip() == "[0]"


def test_sht3x_measures_what_the_host_set(sim, flash):
    set_inputs(flash, sht3x={"temperature": 31.5, "humidity": 55.5})
    out = py(sim, "import machine, sht3x",
             "i = machine.I2C(0, scl=machine.Pin(22), sda=machine.Pin(21)); print(i.scan())",
             "t, h = sht3x.SHT3x(i).measure(); print('%.1f %.1f' % (t, h))",
             TRY, "tryit(lambda: i.readfrom(0x50, 1))")
    assert out.splitlines() == ["[60, 68]", "31.5 55.5", "E [Errno 19] ENODEV"]


def test_adc_reads_the_hosts_volts(sim, flash):
    set_inputs(flash, adc={"34": 1.65})
    out = py(sim, "from machine import ADC, Pin",
             "a = ADC(Pin(34), atten=ADC.ATTN_11DB); print(a.read_uv(), a.read_u16() // 256)",
             "print(ADC(Pin(34)).read_uv())")
    assert out.split() == ["1650000", str(165 * 65535 // 355 // 256), "1000000"]


def test_pwm_and_neopixel_state_is_readable(sim, flash):
    py(sim, "from machine import Pin, PWM; import neopixel",
       "p = PWM(Pin(2), freq=1000, duty_u16=16384)",
       "n = neopixel.NeoPixel(Pin(8), 2); n[0] = (255, 16, 0); n[1] = (1, 2, 3); n.write()")
    s = state(flash)
    assert s["pwm"]["2"] == {"freq": 1000, "duty_u16": 16384, "invert": False}
    sent = bytes.fromhex(s["bitstream"]["8"])
    assert sent == bytes([16, 255, 0, 2, 1, 3])      # GRB, as the strip takes it


def test_watchdog_resets_the_board_when_not_fed(sim):
    done = sim(["> import machine; w = machine.WDT(timeout=300)", "sleep 3", "echo survived"])
    assert done.returncode == 100
    assert "survived" not in done.stdout
    out = py(sim, "import machine; print(machine.reset_cause() == machine.WDT_RESET)",
             "print(machine.reset_cause() == machine.WDT_RESET)")
    assert out.split() == ["True", "True"]


def test_a_fed_watchdog_does_not_reset(sim):
    out, err, status = sim.run(
        "> import machine, time; w = machine.WDT(timeout=300)",
        "> for i in range(8): time.sleep_ms(100); w.feed()",
        "echo fed")
    assert status == 0 and "fed" in out


def test_ssd1306_on_i2c_shows_what_was_drawn(sim, flash):
    py(sim, "import machine, ssd1306",
       "d = ssd1306.SSD1306_I2C(128, 64, machine.I2C(0))",
       "d.text('munix', 0, 0, 1); d.line(0, 15, 127, 15, 1); d.show()")
    ram = display(flash)
    assert ram == expected_frame("text('munix', 0, 0, 1)", "line(0, 15, 127, 15, 1)")
    assert state(flash)["ssd1306"] == {"on": True, "contrast": 255, "invert": False}
