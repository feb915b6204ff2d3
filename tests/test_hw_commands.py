"""The hardware commands against the simulated workbench, on an ESP32
DevKitC's board file: gpio, led, pwm, adc, i2cscan, i2c, sensors,
cpufreq, lshw -p; pin booking."""
import pytest

import hw_support
from munixtool import sim as simulator
from hw_support import bench, set_inputs, state, wire

flash = hw_support.flash     # the fixture, esp8266's in ROMFS
pytestmark = hw_support.esp32_pins

DEVKIT = "loadboard /etc/boards/esp32-devkitc.board"


def run(sim, *lines):
    return sim.run(DEVKIT, *lines)


@pytest.mark.parametrize("command", ["gpio", "led", "pwm", "adc", "i2cscan", "i2c", "lshw",
                                     "sensors", "cpufreq"])
def test_help(sim, command):
    out, err, status = sim.run("%s --help" % command)
    assert status == 0 and out.startswith("usage: %s" % command) and not err


def test_gpio_drives_reads_and_sets_up_pins(sim, flash):
    wire(flash, connect=[[4, 5]])
    out, err, status = run(sim, "gpio 4 write 1", "gpio 5", "gpio GPIO4 toggle", "gpio 5 read",
                           "gpio 13 pull up", "gpio 13", "gpio 4 mode od", "gpio 4 on",
                           "gpio 14 pulse 20", "gpio 14", "gpio SDA")
    assert status == 0, err
    assert out.split() == ["1", "0", "1", "0", "0"]
    pins = state(flash)["pins"]
    assert pins["4"] == {"mode": "open_drain", "pull": None, "out": 1}
    assert pins["13"]["pull"] == "up" and pins["14"]["out"] == 0


def test_gpio_refuses_bad_and_reserved_pins(sim):
    out, err, status = run(sim, "gpio 6 write 1", "echo $?", "gpio 99", "echo $?",
                           "gpio 34 on", "echo $?", "gpio 4 write 2", "echo $?", "gpio 4 spin",
                           "echo $?", "gpio -f 1 write 1", "echo $?", "gpio")
    assert out.split() == ["1", "1", "1", "2", "2", "0"]
    assert status == 2
    assert err.splitlines() == [
        "gpio: GPIO6 is reserved for the flash (-f to use it anyway)",
        "gpio: GPIO99: not a pin of ESP32 DevKitC",
        "gpio: GPIO34 is an input only",
        "gpio: 2: not a level (0 or 1)",
        "usage: gpio [-f] PIN [read | write 0|1 | on | off | toggle | pulse MS [LEVEL] | mode in|out|od | pull up|down|none]",
        "gpio: spin: not an action",
        "usage: gpio [-f] PIN [read | write 0|1 | on | off | toggle | pulse MS [LEVEL] | mode in|out|od | pull up|down|none]",
        "gpio: missing PIN",
        "usage: gpio [-f] PIN [read | write 0|1 | on | off | toggle | pulse MS [LEVEL] | mode in|out|od | pull up|down|none]",
    ]


def test_led_switches_blinks_and_colours(sim, flash):
    out, err, status = run(sim, "led on", "led", "led toggle", "led", "led blink 10 2", "led",
                           "led -p 16 magenta", "led -p 16")
    assert status == 0, err
    assert out.split() == ["on", "off", "off", "on", "255,0,255"]
    assert state(flash)["pins"]["2"]["out"] == 0
    assert bytes.fromhex(state(flash)["bitstream"]["16"]) == bytes([0, 255, 255])    # GRB


def test_led_refuses_bad_colours_and_a_board_without_led(sim):
    out, err, status = run(sim, "led -p 16 1,2", "echo $?", "loadboard /etc/boards/pico-w.board",
                           "led -p 16 nocolour", "echo $?")
    assert out.split() == ["2", "2"]
    assert err.splitlines()[0] == "led: 1,2: not a colour (R,G,B, #RRGGBB or a name)"


def test_a_booked_pin_is_refused_naming_its_user(sim):
    # gpio first: the simulator's machine module compiled in a job's thread
    # while the console compiles sleep crashed the no-GIL unix port.
    out, err, status = run(sim, "gpio 4", "led blink 50 &", "sleep 1", "gpio 2 on", "echo $?", "lshw -p",
                           "pwm LED 100", "echo $?", "kill %1", "wait", "gpio 2 on", "echo $?")
    lines = out.splitlines()
    assert "1" in lines and lines[-1] == "0"
    refusals = [line for line in err.splitlines() if "is used by" in line]
    assert refusals[0].startswith("gpio: GPIO2 is used by led blink (pid ")
    assert refusals[1].startswith("pwm: GPIO2 is used by led blink (pid ")
    row = [line for line in lines if line.startswith("GPIO2 ")][0]
    assert "used by led blink" in row


def test_pwm_runs_on_shows_and_stops(sim, flash):
    out, err, status = run(sim, "pwm 4 1000 25", "pwm 4", "gpio 4 on", "echo $?", "pwm 4 500",
                           "pwm GPIO4")
    assert status == 0, err
    assert out.splitlines() == ["GPIO4 1000 Hz 25.0%", "1", "GPIO4 500 Hz 50.0%"]
    assert err == "gpio: GPIO4 is used by pwm\n"
    assert state(flash)["pwm"]["4"] == {"freq": 500, "duty_u16": 32768, "invert": False}
    out, err, status = run(sim, "pwm 4 1000", "pwm 4 stop", "pwm 4", "echo $?", "pwm 4 100 101",
                           "echo $?", "pwm 4 0", "echo $?", "gpio 4 on")
    assert out.split() == ["1", "2", "1"]
    assert "4" not in state(flash)["pwm"]
    assert err.splitlines()[0] == "pwm: GPIO4: no PWM running"
    assert err.splitlines()[1] == "pwm: 101: not a duty (0 to 100 percent)"
    assert err.splitlines()[3] == "pwm: 4: frequency must be from 1Hz to 40000000Hz"


def test_adc_reads_volts_and_raw(sim, flash):
    set_inputs(flash, adc={"34": 0.5, "35": 2.0})
    out, err, status = run(sim, "adc 34", "adc -r 34", "adc -a 11 35", "adc -a 3 35", "echo $?",
                           "adc 5", "echo $?")
    assert out.split() == ["0.500", str(32767), "2.000", "2", "1"]
    assert "adc: 3: not an attenuation (0, 2.5, 6 or 11)" in err
    assert "adc: 5: invalid pin" in err


@pytest.mark.parametrize("board, lines, read", [
    ("rp2040", ["adc 26", "adc -r GP27", "adc 5"], ["1.000", "65535"]),
    ("esp8266", ["adc A0", "adc -r 0", "adc 5"], ["0.250", "16383"])])
def test_adc_on_a_pico_and_an_esp8266(make_board, board, lines, read):
    # The ESP8266's failed for want of the 1 KiB the simulated ADC took
    # to read what the host set (tools/sim/rom/simbench.py).
    b = make_board(board=board)
    set_inputs(b.flash, adc={"26": 1.0, "27": 3.3, "0": 0.25})
    # With the status, as a script would: the parser loaded too.
    assert [b.run(line + "; echo $?") for line in lines] == [read[0] + "\n0\n", read[1] + "\n0\n", {
        "rp2040": "adc: 5: Pin doesn't have ADC capabilities\n1\n",
        "esp8266": "adc: 5: the ESP8266's analog input is A0\n1\n"}[board]]


def test_i2c_commands_talk_to_the_sensor(sim, flash):
    set_inputs(flash, sht3x={"temperature": 20.0, "humidity": 50.0})
    out, err, status = run(sim, "i2cscan", "i2c 0x44 write 0x24 0x00", "i2c 0x44 read 6",
                           "sensors", "i2c 0x50 read 1", "echo $?", "i2c 0x99 read 1", "echo $?",
                           "i2c 0x44 get", "echo $?", "i2cscan -b 3", "echo $?")
    lines = out.splitlines()
    # The chip's own sensor: the esp32 module's, which boards' firmwares have.
    chip = [line for line in lines if line.startswith("chip ")]
    assert chip == (["chip           45.0 C"] if simulator.board_name() else [])
    lines = [line for line in lines if line not in chip]
    assert lines[:2] == ["0x3c  SSD1306 display", "0x44  SHT3x temperature/humidity"]
    raw_t = round(65 * 65535 / 175)
    assert lines[2].split()[:2] == ["%02x" % (raw_t >> 8), "%02x" % (raw_t & 0xFF)]
    assert lines[3].split() == ["sht3x@0x44", "20.0", "C", "50.0", "%RH"]
    assert lines[4:] == ["1", "1", "2", "1"]
    assert err.splitlines()[:2] == ["i2c: 0x50: no answer",
                                    "i2c: 0x99: not an I2C address (0x08 to 0x77)"]
    assert err.splitlines()[-1] == "i2cscan: no I2C bus 3 on ESP32 DevKitC (buses: 0)"


def test_i2cscan_on_an_empty_bus(sim, flash):
    wire(flash, i2c={})
    out, err, status = run(sim, "i2cscan", "sensors")
    assert status == 0, err
    assert out.split("\n")[0] == "no devices"
    assert "sht3x" not in out


def test_cpufreq(sim):
    out, err, status = run(sim, "cpufreq", "cpufreq 240", "cpufreq", "cpufreq 100", "echo $?",
                           "cpufreq fast", "echo $?")
    assert out.split() == ["160", "240", "1", "2"]
    assert err.splitlines()[0].startswith("cpufreq: 100: frequency must be")


def test_bench_files_are_the_flash_folders_neighbours(sim, flash):
    run(sim, "gpio 4 on")
    assert (bench(flash) / "state.json").is_file()
    assert not (flash / "state.json").exists()
