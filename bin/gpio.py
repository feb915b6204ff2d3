import cmdargs

USAGE = """[-f] PIN [read | write 0|1 | on | off | toggle | pulse MS [LEVEL] | mode in|out|od | pull up|down|none]
  PIN is a GPIO number (4, GPIO4) or one of the board's labels (LED, D4,
  SDA: lshw -p lists them).
  read             print the pin's level (the default)
  write 0|1        drive the pin (as an output); on and off say the same
  toggle           drive the pin to the other level
  pulse MS [LEVEL] drive it to LEVEL (1 by default) for MS ms, then back
  mode in|out|od   make it an input, an output or an open-drain output
  pull up|down|none  its pull resistor
  -f  use a pin the board reserves (flash, console ...) all the same
  A pin booked by another user (lshw -p) is refused, naming it."""
ABOUT = "read, drive and set up a GPIO pin"

_MODES = {"in": "IN", "out": "OUT", "od": "OPEN_DRAIN"}
_PULLS = {"up": "PULL_UP", "down": "PULL_DOWN", "none": None}


def __main__(args):
    opts, rest = cmdargs.parse(args, "f")
    if not rest:
        raise cmdargs.UsageError("missing PIN")
    action = rest[1] if len(rest) > 1 else "read"
    extra = rest[2:]
    wanted = {"read": 0, "write": 1, "on": 0, "off": 0, "toggle": 0, "pulse": 2, "mode": 1,
              "pull": 1}.get(action)
    if wanted is None:
        raise cmdargs.UsageError("%s: not an action" % action)
    if len(extra) > wanted or len(extra) < min(wanted, 1):
        raise cmdargs.UsageError("%s: %s" % (action, "extra operand" if len(extra) > wanted
                                                     else "missing value"))
    import machine
    import pins
    try:
        gpio = pins.number(rest[0])
        pins.check(gpio, output=action not in ("read", "pull"), force="f" in opts)
        pin = machine.Pin(gpio)
        # An output stays open-drain once made so (a board cannot tell).
        out = machine.Pin.OPEN_DRAIN if pins.outputs.get(gpio) == "od" else machine.Pin.OUT
        if action == "read":
            print(pin.value())
        elif action in ("write", "on", "off"):
            level = {"on": 1, "off": 0}.get(action)
            if level is None:
                level = _level(extra[0])
            pin.init(out, value=level)
        elif action == "toggle":
            pin.init(out, value=1 - pin.value())
        elif action == "pulse":
            return _pulse(machine, pin, extra)
        elif action == "mode":
            if extra[0] not in _MODES:
                raise cmdargs.UsageError("%s: not a mode (in, out, od)" % extra[0])
            pin.init(getattr(machine.Pin, _MODES[extra[0]]))
            if extra[0] == "od":
                pins.outputs[gpio] = "od"
            elif pins.outputs.get(gpio) == "od":
                del pins.outputs[gpio]
        else:
            if extra[0] not in _PULLS:
                raise cmdargs.UsageError("%s: not a pull (up, down, none)" % extra[0])
            name = _PULLS[extra[0]]
            pin.init(pull=getattr(machine.Pin, name) if name else None)
    except pins.PinError as e:
        return cmdargs.error(None, e)
    except (ValueError, OSError) as e:
        return cmdargs.error(rest[0], e)


def _level(text):
    if text not in ("0", "1"):
        raise cmdargs.UsageError("%s: not a level (0 or 1)" % text)
    return int(text)


def _pulse(machine, pin, extra):
    import munix
    ms = cmdargs.number(extra[0], "number of milliseconds")
    if ms < 0:
        raise cmdargs.UsageError("%d: not a number of milliseconds" % ms)
    level = _level(extra[1]) if len(extra) > 1 else 1
    pin.init(machine.Pin.OUT, value=level)
    try:
        munix.sleep(ms)
    finally:
        pin.value(1 - level)
