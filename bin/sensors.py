import cmdargs

USAGE = """[-b BUS]
  Print what the board's sensors measure: the chip's own temperature,
  where it has a sensor, and each temperature/humidity sensor (SHT3x,
  libx/sht3x.py) found on an I2C bus (the board's first, or BUS)."""
ABOUT = "read the chip's temperature and the I2C sensors"


def __main__(args):
    opts, rest = cmdargs.parse(args, "", "b", operands=0)
    import pins
    import sensing
    status = 0
    chip = sensing.chip_temperature()
    if chip is not None:
        print("%-12s %6.1f C" % ("chip", chip))
    try:
        found = sensing.readings(opts.get("b"))
    except (pins.PinError, ValueError, OSError) as e:
        return cmdargs.error("i2c", e)
    for name, value in found:
        if isinstance(value, OSError):
            status = cmdargs.error(name, value)
        else:
            print("%-12s %6.1f C %6.1f %%RH" % (name, value[0], value[1]))
    return status
