import cmdargs

USAGE = """[-r] [-a DB] PIN
  Print the voltage at an analog PIN (A0 on an ESP8266), in volts; -r the raw reading
  instead (0-65535). -a the attenuation on ESP32 chips: 0, 2.5, 6 or 11
  (dB; 11 measures up to about 3.3 V, 0, the default, up to 1 V)."""
ABOUT = "read an analog input"

ATTEN = {"0": 0, "2.5": 1, "6": 2, "11": 3}


def __main__(args):
    opts, rest = cmdargs.parse(args, "r", "a", operands=1)
    if not rest:
        raise cmdargs.UsageError("missing PIN")
    atten = opts.get("a")
    if atten is not None and atten not in ATTEN:
        raise cmdargs.UsageError("%s: not an attenuation (0, 2.5, 6 or 11)" % atten)
    import machine
    import pins
    try:
        if _platform() == "esp8266":
            # Its one ADC is a channel (A0), not a pin.
            if rest[0].upper() not in ("A0", "0"):
                raise pins.PinError("%s: the ESP8266's analog input is A0" % rest[0])
            gpio = 0
        else:
            gpio = pins.number(rest[0])
            pins.check(gpio)
        if atten is None:
            adc = machine.ADC(_source(machine, gpio))
        else:
            adc = machine.ADC(_source(machine, gpio), atten=ATTEN[atten])
        if "r" in opts:
            print(adc.read_u16())
        elif hasattr(adc, "read_uv"):
            print("%.3f" % (adc.read_uv() / 1000000))
        else:
            # rp2 and esp8266 measure against their 3.3 V and 1 V ranges.
            full = 1.0 if _platform() == "esp8266" else 3.3
            print("%.3f" % (adc.read_u16() * full / 65535))
    except pins.PinError as e:
        return cmdargs.error(None, e)
    except (ValueError, OSError) as e:
        return cmdargs.error(rest[0], e)


def _platform():
    import sys
    return sys.platform


def _source(machine, gpio):
    return gpio if _platform() == "esp8266" else machine.Pin(gpio)
