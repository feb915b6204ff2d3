"""What the board is: found out at first boot (install), described on
demand (describe).

The board files in /etc/boards/ describe the boards munix knows: GPIO
numbers, board labels (LED, SDA, D4 ...) as names for them, default buses,
the on-board LED, and the pins not to use (flash, PSRAM, console) with
why. At first boot the board names itself (os.uname().machine, the same
as sys.implementation._machine) and says how much flash and PSRAM it has;
install() writes the configured board file (/etc/default.board) pointing
at the matching description, small, since it stays loaded. A board file
loaded by hand (loadboard FILE) may as well be a whole description.
"""
import json
import sys

import fspath
import system

BOARDS = "/etc/boards/"

# The first of these found in the machine's name picks the board file.
_NAMES = (
    ("ESP32-CAM", "esp32-cam"),
    ("ESP32S3", "esp32s3-devkitc"),
    ("ESP32C3", "esp32c3-supermini"),
    ("ESP32C6", "esp32c6-devkitc"),
    ("ESP8266", "nodemcu-esp8266"),
    ("RP2040", "pico-w"),
    ("ESP32", "esp32-devkitc"),
)


def machine():
    try:
        import os
        return os.uname().machine
    except AttributeError:
        return getattr(sys.implementation, "_machine", sys.platform)


def identify(name):
    """The board file's id for a machine name; None when no file fits."""
    for part, board in _NAMES:
        if part in name:
            if board == "esp32-devkitc" and _has_camera():
                return "esp32-cam"
            return board
    return None


def _has_camera():
    # Firmwares for the ESP32-CAM are the ESP32's with a camera module.
    try:
        __import__("camera")
    except ImportError:
        return False
    sys.modules.pop("camera", None)
    return True


def _flash_size():
    try:
        import esp
        return esp.flash_size()
    except (ImportError, AttributeError):
        return None


def _psram(heap):
    # With PSRAM the Python heap lives there, and it is megabytes.
    if heap < 1 << 20:
        return 0
    size = 1 << 20
    while size < heap:
        size <<= 1
    return size


def install(path):
    """Write the board file path for the board found: a pointer to its
    description with what was measured; a generic one naming the machine
    when no description fits. Returns the description's id (or None)."""
    import gc
    name = machine()
    board_id = identify(name)
    board = {"name": name, "mcu": sys.platform}
    try:
        description = load(BOARDS + board_id + ".board") if board_id else None
    except (OSError, ValueError):
        description = None
    if description:
        board["name"] = description["name"]
        board["file"] = BOARDS + board_id + ".board"
        # What the OS reads from the board file alone: thread limits and
        # stacks (threadctl.py), web extensions of its hardware (httpd.py).
        for key in ("threads", "stack", "http"):
            if key in description:
                board[key] = description[key]
    flash = _flash_size()
    if flash:
        board["flash"] = flash
    if sys.platform == "esp32":
        board["psram"] = _psram(gc.mem_free() + gc.mem_alloc())
    try:
        fspath.write_file(path, json.dumps(board))
    except OSError as e:
        print("warning: cannot write %s: %s" % (path, e))
    return board_id


def load(path):
    with open(path) as f:
        return json.load(f)


def describe():
    """The whole description of the board: the loaded board file, and the
    description it points to under it."""
    board = dict(system.board)
    if board.get("file"):
        try:
            full = load(board["file"])
        except (OSError, ValueError):
            full = {}
        full.update(board)
        board = full
    board.setdefault("pins", {})
    return board
