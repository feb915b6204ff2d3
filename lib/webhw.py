"""uhttpd's /api/hw, loaded by httpd.py at the first request for it: the
web desktop's hardware panel. The same rules as gpio, led and sensors
(pins.py, leds.py, sensing.py), which it shares.

    GET  /api/hw   {"board", "pins": [...], "sensors": [...], "led": ...}
    POST /api/hw   {"pin": PIN, "toggle": true}  -> {"pin": {...}}
                   {"pin": PIN, "write": 0 or 1} -> {"pin": {...}}
                   {"led": "on", "off", "toggle", R,G,B, #RRGGBB or a
                   colour's name}                -> {"led": {...}}

A pin: {"gpio", "labels", "usable", "why" (why not), "booked" (by whom),
"input_only", "mode", "value"}; mode and value only for a pin that may be
read (neither reserved nor booked: reading one may take it from its
peripheral), mode None where the port cannot tell. A pin reserved or
input only is refused with 403, one booked by a process with 409. A
heap too small for the panel (an ESP32 without PSRAM) is told 503, the
heap given back.
"""

import httpd
from micropython import const

_HEAP_NEEDED = const(24 * 1024) # free for the first GET: the modules below, the answer
_MODES = {"IN": "in", "OUT": "out", "OPEN_DRAIN": "od"}
# Loaded for the panel only: given back when the heap runs short.
_PARTS = ("leds", "sensing", "buses", "sht3x")


async def answer(conn, method, headers, keep):
    import gc
    gc.collect()
    if gc.mem_free() < _HEAP_NEEDED:
        _refuse(gc.mem_free())
    try:
        await _answer(conn, method, headers, keep)
    except MemoryError:
        _refuse(gc.mem_free())


def _refuse(free):
    """503, and the heap given back: a board without PSRAM keeps it for
    its commands."""
    import gc
    import sys
    for name in (__name__,) + _PARTS:
        sys.modules.pop(name, None)
    gc.collect()
    raise httpd.Error(503, "not heap enough for the hardware panel: %d KiB free, %d KiB needed"
                      % (free // 1024, _HEAP_NEEDED // 1024))


async def _answer(conn, method, headers, keep):
    import boardinfo
    board = boardinfo.describe()
    if method in ("GET", "HEAD"):
        found = {"board": board.get("name"), "pins": [_pin(board, g, labels) for g, labels in _gpios(board)],
                 "sensors": _sensors(), "led": _led(board)}
        return await conn.json(200, found, keep, head_only=method == "HEAD")
    if method != "POST":
        raise httpd.Error(405, "GET the hardware, POST a JSON action", "GET, HEAD, POST")
    request = await httpd.load("httpbody").json_object(conn, headers)
    if "pin" in request and ("toggle" in request or "write" in request):
        return await conn.json(200, {"pin": _drive(board, request)}, keep)
    if isinstance(request.get("led"), str):
        return await conn.json(200, {"led": _set_led(board, request["led"])}, keep)
    raise httpd.Error(400, "expected a JSON object {\"pin\": PIN, \"toggle\": true}, "
                           "{\"pin\": PIN, \"write\": 0 or 1} or {\"led\": \"on\", \"off\" or a colour}")


def _gpios(board):
    """[(gpio, labels)] of the board's pins, labelled ones and reserved
    ones too (as lshw -p), in GPIO order."""
    labels = {}
    for label, gpio in board["pins"].items():
        labels.setdefault(gpio, []).append(label)
    gpios = list(board.get("gpio") or [])
    for gpio in list(labels) + [int(g) for g in board.get("reserved", {})]:
        if gpio not in gpios:
            gpios.append(gpio)
    return [(g, sorted(labels.get(g, ()))) for g in sorted(gpios, key=lambda g: (isinstance(g, str), g))]


def _pin(board, gpio, labels=None):
    import pins
    if labels is None:
        labels = sorted(label for label, g in board["pins"].items() if g == gpio)
    why = board.get("reserved", {}).get(str(gpio))
    held = pins.owner(gpio)
    entry = {"gpio": gpio, "labels": labels, "usable": not why and not held,
             "why": why and "reserved: %s" % why, "booked": held and held[0],
             "input_only": gpio in board.get("input_only", ()), "mode": None, "value": None}
    if entry["usable"]:
        try:
            import machine
            pin = machine.Pin(gpio)
            entry["value"] = pin.value()
            mode = pin.mode() if hasattr(pin, "mode") else None
            for name, text in _MODES.items():
                if mode is not None and mode == getattr(machine.Pin, name, None):
                    entry["mode"] = text
        except (ValueError, OSError, TypeError) as e:
            entry["usable"] = False
            entry["why"] = str(e)
    return entry


def _drive(board, request):
    import pins
    try:
        gpio = pins.number(request["pin"], board)
    except pins.PinError as e:
        raise httpd.Error(400, str(e))
    level = request.get("write")
    if "write" in request and level not in (0, 1) or "toggle" in request and request["toggle"] is not True:
        raise httpd.Error(400, "write 0 or 1, or toggle: true")
    _usable(board, gpio)
    import machine
    try:
        pin = machine.Pin(gpio)
        if level is None:
            level = 1 - pin.value()
        # An output stays open-drain once made so (gpio mode od).
        pin.init(machine.Pin.OPEN_DRAIN if pins.outputs.get(gpio) == "od" else machine.Pin.OUT, value=level)
    except (ValueError, OSError) as e:
        raise httpd.Error(400, "%s: %s" % (pins.name(gpio), e))
    return _pin(board, gpio)


def _usable(board, gpio):
    """403 for a pin the board reserves or an input only, 409 for one
    booked by a process (its owner named)."""
    import pins
    why = board.get("reserved", {}).get(str(gpio))
    if why:
        raise httpd.Error(403, "%s is reserved: %s" % (pins.name(gpio), why))
    try:
        pins.check(gpio, board, output=True, force=True)
    except pins.PinError as e:
        raise httpd.Error(409 if pins.owner(gpio) else 403, str(e))


def _sensors():
    import pins
    import sensing
    found = []
    chip = sensing.chip_temperature()
    if chip is not None:
        found.append({"name": "chip", "celsius": round(chip, 1)})
    try:
        readings = sensing.readings()
    except (pins.PinError, ValueError, OSError) as e:
        return found + [{"name": "i2c", "error": _why(e)}]
    for name, value in readings:
        if isinstance(value, OSError):
            found.append({"name": name, "error": _why(value)})
        else:
            found.append({"name": name, "celsius": round(value[0], 1), "humidity": round(value[1], 1)})
    return found


def _why(e):
    import cmdargs
    return cmdargs.strerror(e) if isinstance(e, OSError) else str(e)


def _led(board):
    import leds
    import pins
    try:
        led = leds.find(board)
    except pins.PinError:
        return None
    entry = {"pin": led["pin"], "kind": "neopixel" if leds.is_rgb(led) else "plain",
             "booked": None, "on": None, "colour": None}
    held = pins.owner(led["pin"])
    if held:
        entry["booked"] = held[0]
        return entry
    try:
        shown = leds.shown(led)
    except (ValueError, OSError):
        return entry
    if leds.is_rgb(led):
        entry["on"] = any(shown)
        entry["colour"] = "#%02x%02x%02x" % tuple(shown)
    else:
        entry["on"] = shown
    return entry


def _set_led(board, action):
    import leds
    import pins
    try:
        led = leds.find(board)
    except pins.PinError as e:
        raise httpd.Error(404, str(e))
    _usable(board, led["pin"])
    try:
        if action in ("on", "off", "toggle"):
            lit = leds.shown(led)
            leds.switch(led, action == "on" or action == "toggle" and not (any(lit) if leds.is_rgb(led) else lit))
        elif not leds.is_rgb(led):
            raise httpd.Error(400, "%s: a single-colour LED is switched on or off" % action)
        else:
            leds.show(led, leds.colour(action))
    except ValueError as e:
        raise httpd.Error(400, str(e))
    except OSError as e:
        raise httpd.Error(400, "LED: %s" % e)
    return _led(board)
