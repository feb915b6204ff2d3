import cmdargs

USAGE = """[-f] PIN [FREQ [DUTY] | stop]
  PIN FREQ [DUTY]  put a PWM signal on PIN: FREQ Hz, DUTY percent of each
                   period high (0-100, may have decimals; 50 by default);
                   it runs on after the command, and PIN stays booked
  PIN              show the PWM on PIN
  PIN stop         stop it and let PIN go
  -f  use a pin the board reserves all the same"""
ABOUT = "start, show and stop PWM outputs"


def __main__(args):
    opts, rest = cmdargs.parse(args, "f", operands=3)
    if not rest:
        raise cmdargs.UsageError("missing PIN")
    import pins
    try:
        gpio = pins.number(rest[0])
        running = pins.outputs.get(gpio)
        if not hasattr(running, "duty_u16"):
            running = None
        if len(rest) == 1:
            if running is None:
                return cmdargs.error(None, "%s: no PWM running" % pins.name(gpio))
            duty = running.duty_u16() * 100 / 65535
            print("%s %d Hz %.1f%%" % (pins.name(gpio), running.freq(), duty))
            return 0
        if rest[1] == "stop":
            if len(rest) > 2:
                raise cmdargs.UsageError("extra operand %s" % rest[2])
            if running is None:
                return cmdargs.error(None, "%s: no PWM running" % pins.name(gpio))
            running.deinit()
            del pins.outputs[gpio]
            pins.release(gpio)
            return 0
        freq = cmdargs.number(rest[1], "frequency")
        duty = _percent(rest[2] if len(rest) > 2 else "50")
        import machine
        if running is None:
            pins.check(gpio, output=True, force="f" in opts)
            pins.book(gpio, "pwm", 0)
            running = machine.PWM(machine.Pin(gpio), freq=freq, duty_u16=duty)
        else:
            running.freq(freq)
            running.duty_u16(duty)
        pins.outputs[gpio] = running
    except pins.PinError as e:
        return cmdargs.error(None, e)
    except (ValueError, OSError) as e:
        if gpio not in pins.outputs:
            pins.release(gpio)
        return cmdargs.error(rest[0], e)


def _percent(text):
    """The duty_u16 of text, a percentage. Worked out in hundredths of a
    percent, whole numbers: in a board's single-precision floats 50 x
    655.35 is 32767.498, and 50 % set 32767 there, 32768 here."""
    try:
        duty = float(text.rstrip("%"))
    except ValueError:
        duty = -1
    if not 0 <= duty <= 100:
        raise cmdargs.UsageError("%s: not a duty (0 to 100 percent)" % text)
    return (round(duty * 100) * 65535 + 5000) // 10000
