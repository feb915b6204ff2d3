"""The board's LED, as led (bin/led.py) and the web desktop's hardware
panel (webhw.py) switch it: the board file's "rgb" (a NeoPixel) before
its "led" (lit at its "active" level, 1 by default). A NeoPixel cannot be
read back: its colour is the one last sent (pins.outputs)."""
import pins

_COLOURS = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255), "yellow": (255, 255, 0),
           "cyan": (0, 255, 255), "magenta": (255, 0, 255), "white": (255, 255, 255),
           "off": (0, 0, 0)}


def find(board, pin=None, colour=False):
    """The board's LED, or the one on pin: a NeoPixel when colour, or when
    it was given a colour before. PinError when the board has none."""
    if pin is not None:
        gpio = pins.number(pin, board)
        colour = colour or isinstance(pins.outputs.get(gpio), tuple)
        return {"pin": gpio, "active": 1, "type": "neopixel" if colour else None}
    led = board.get("rgb") or board.get("led")
    if not led:
        raise pins.PinError("%s has no LED in its board file: give one with -p PIN"
                            % board.get("name", "this board"))
    return led


def is_rgb(led):
    return led.get("type") == "neopixel"


def shown(led):
    """A NeoPixel's colour, (0, 0, 0) when off; whether a plain LED is lit."""
    if is_rgb(led):
        return pins.outputs.get(led["pin"], (0, 0, 0))
    import machine
    return machine.Pin(led["pin"]).value() == led.get("active", 1)


def switch(led, on):
    """On (white on a NeoPixel) or off."""
    if is_rgb(led):
        return show(led, _COLOURS["white"] if on else _COLOURS["off"])
    import machine
    active = led.get("active", 1)
    machine.Pin(led["pin"]).init(machine.Pin.OUT, value=active if on else 1 - active)


def show(led, colour):
    """A NeoPixel's colour, (r, g, b)."""
    import machine
    import neopixel
    strip = neopixel.NeoPixel(machine.Pin(led["pin"]), 1)
    strip[0] = colour
    strip.write()
    pins.outputs[led["pin"]] = tuple(colour)


def colour(text):
    """(r, g, b) of R,G,B (0-255 each), #RRGGBB or a name; ValueError else."""
    if text in _COLOURS:
        return _COLOURS[text]
    try:
        if text.startswith("#") and len(text) == 7:
            return tuple(int(text[i:i + 2], 16) for i in (1, 3, 5))
        parts = tuple(int(p) for p in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3 or not all(0 <= p <= 255 for p in parts):
        raise ValueError("%s: not a colour (R,G,B, #RRGGBB or a name)" % text)
    return parts
