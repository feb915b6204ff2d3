import cmdargs

USAGE = """[-r] [-a DB] PIN
  Print the voltage at an analog PIN (A0 on an ESP8266), in volts; -r the raw reading
  instead (0-65535). -a the attenuation on ESP32 chips: 0, 2.5, 6 or 11
  (dB; 11 measures up to about 3.3 V, 0, the default, up to 1 V)."""
ABOUT = "read an analog input"


def __main__(args):
    opts, rest = cmdargs.parse(args, "r", "a", operands=1)
    if not rest:
        raise cmdargs.UsageError("missing PIN")
    import pins
    import analog
    atten = opts.get("a")
    if atten is not None and atten not in analog.ATTEN:
        raise cmdargs.UsageError("%s: not an attenuation (0, 2.5, 6 or 11)" % atten)
    try:
        adc = analog.adc(rest[0], atten)
        print(adc.read_u16() if "r" in opts else "%.3f" % analog.volts(adc))
    except pins.PinError as e:
        return cmdargs.error(None, e)
    except (ValueError, OSError) as e:
        return cmdargs.error(rest[0], e)
