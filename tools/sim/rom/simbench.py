"""The simulated board's workbench: what is wired to it, and how the host
sees and moves it.

The workbench is the host folder FLASH.bench, next to the flash folder
(as FLASH.romfs is), which munix sim opens for the runtime
(/proc/self/fd/7), read and written through the C library since the
flash is mounted over /:

- wiring.json (the host writes it before boot): {"connect": [[4, 5]]
  wires pins together, "pull": {"0": "up"} external pull resistors,
  "i2c": {"sht3x": 68, "ssd1306": 60} devices on every I2C bus by
  address (these two when the file has no "i2c"), "spi": {"1":
  {"ssd1306": {"cs": 10, "dc": 3, "res": 11}}} devices on an SPI bus}.
- inputs.json (the host writes it at any time, replacing it whole): {"pins":
  {"0": 0}} pins driven from outside (a pressed button), "adc": {"34":
  1.2} volts at analog pins, "sht3x": {"temperature": 21.5,
  "humidity": 40}. Read afresh whenever the board looks.
- state.json (the board writes it at every change): pin modes and output
  levels, PWM outputs, bitstreams sent (NeoPixel), the watchdog, the
  display's settings.
- ssd1306.bin: the display's 1024 bytes of RAM (page by page, a byte a
  column of 8 pixels, bit 0 on top), written at every change.
- reset_cause: why the last reset happened, for machine.reset_cause().
"""
import ffi
import json

_libc = ffi.open("libc.so.6")
_open = _libc.func("i", "open", "sii")
_read = _libc.func("i", "read", "ipi")
_write = _libc.func("i", "write", "ipi")
_close = _libc.func("i", "close", "i")
_rename = _libc.func("i", "rename", "ss")
_unlink = _libc.func("i", "unlink", "s")
_mkdir = _libc.func("i", "mkdir", "si")

DIR = "/proc/self/fd/7"
BOARD = __import__("uos").getenv("MUNIX_BOARD") or "esp32"
state = {"pins": {}, "pwm": {}, "bitstream": {}, "wdt": None, "ssd1306": {}}


def read(name):
    """The bytes of the workbench file name; None when there is none."""
    fd = _open(DIR + "/" + name, 0, 0)
    if fd < 0:
        return None
    # In small pieces: the files are small, and the heap is the board's
    # (an ESP8266's adc failed for want of 1 KiB a real one never takes).
    data = bytearray()
    buf = bytearray(64)
    while True:
        n = _read(fd, buf, len(buf))
        if n <= 0:
            break
        data.extend(memoryview(buf)[:n])
    _close(fd)
    return bytes(data)


def write(name, data):
    """Replace the workbench file name by data, whole: the host never
    reads half of it."""
    _mkdir(DIR, 0o755)
    path = DIR + "/" + name
    fd = _open(path + ".new", 0o1101, 0o644)     # O_WRONLY | O_CREAT | O_TRUNC
    if fd < 0:
        return
    _write(fd, data, len(data))
    _close(fd)
    _rename(path + ".new", path)


def remove(name):
    _unlink(DIR + "/" + name)


def load(name):
    data = read(name)
    try:
        return json.loads(data) if data else {}
    except ValueError:
        return {}


wiring = load("wiring.json")


def inputs(section):
    """A section of inputs.json as it is now ({} when there is none)."""
    return load("inputs.json").get(section) or {}


def changed():
    write("state.json", json.dumps(state).encode())
