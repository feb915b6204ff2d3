import cmdargs

USAGE = """[-p PIN] [on | off | toggle | blink [MS [COUNT]] | COLOUR]
  The board's LED (its board file's "led"), or its RGB LED (a NeoPixel,
  "rgb"); -p another pin (an LED lit when high, or with COLOUR a NeoPixel).
  on, off, toggle   switch it (on is white on an RGB LED)
  blink [MS [COUNT]]  on and off every MS ms (500), COUNT times (until
                    stopped: run it as a job, led blink &)
  COLOUR            an RGB LED's colour: R,G,B (0-255 each), #RRGGBB, or
                    red, green, blue, yellow, cyan, magenta, white, off
  With no operand: whether it is on."""
ABOUT = "switch the board's LED, blink it, or colour its RGB LED"


def __main__(args):
    opts, rest = cmdargs.parse(args, "", "p")
    action = rest[0] if rest else "status"
    import boardinfo
    import leds
    import pins
    board = boardinfo.describe()
    try:
        led = leds.find(board, opts.get("p"), action not in ("on", "off", "toggle", "blink", "status"))
        if len(rest) > (3 if action == "blink" else 1):
            raise cmdargs.UsageError("extra operand %s" % rest[-1])
        pins.check(led["pin"], board, output=True)
        if leds.is_rgb(led):
            return _rgb(leds, led, action)
        return _plain(leds, pins, led, action, rest[1:])
    except pins.PinError as e:
        return cmdargs.error(None, e)
    except (ValueError, OSError) as e:
        return cmdargs.error(action, e)


def _plain(leds, pins, led, action, extra):
    import machine
    import munix
    if action == "status":
        print("on" if leds.shown(led) else "off")
        return 0
    if action in ("on", "off", "toggle"):
        leds.switch(led, action == "on" or action == "toggle" and not leds.shown(led))
        return 0
    if action != "blink":
        raise cmdargs.UsageError("%s: not an action for a single-colour LED" % action)
    on = led.get("active", 1)
    pin = machine.Pin(led["pin"])
    ms = cmdargs.number(extra[0], "number of milliseconds") if extra else 500
    count = cmdargs.number(extra[1], "count") if len(extra) > 1 else -1
    if ms < 1:
        raise cmdargs.UsageError("%d: not a number of milliseconds" % ms)
    pins.book(led["pin"], "led blink (pid %d)" % munix.proc().pid)
    try:
        pin.init(machine.Pin.OUT)
        while count != 0:
            pin.value(on)
            if not munix.sleep(ms):
                break
            pin.value(1 - on)
            count -= 1
            if count and not munix.sleep(ms):
                break
    finally:
        pin.value(1 - on)
        pins.release(led["pin"])
    return 0


def _rgb(leds, led, action):
    shown = leds.shown(led)
    if action == "status":
        print("on %d,%d,%d" % shown if any(shown) else "off")
        return 0
    if action == "blink":
        raise cmdargs.UsageError("blink: give the RGB LED a colour, or blink a single-colour LED")
    if action in ("on", "off", "toggle"):
        leds.switch(led, action == "on" or action == "toggle" and not any(shown))
        return 0
    try:
        colour = leds.colour(action)
    except ValueError as e:
        raise cmdargs.UsageError(str(e))
    leds.show(led, colour)
    return 0
