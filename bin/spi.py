import cmdargs

USAGE = """[-b BUS] [-c PIN|none] [-s HZ] [-m MODE] [-r N] [BYTE...]
  One transfer on an SPI bus (the board's first, or BUS): select the
  device (its chip-select pin low: the board file's, or PIN), send the
  BYTEs (0-255, 0x.. for hexadecimal) then N bytes of 0 (-r N), print in
  hexadecimal the bytes read meanwhile, and deselect it.
  -s HZ    the clock (1000000 unless told)
  -m MODE  the SPI mode, 0-3: clock polarity and phase (0 unless told)
  -c none  no chip select (a device that has its own)"""
ABOUT = "send and receive bytes on an SPI bus"


def __main__(args):
    opts, rest = cmdargs.parse(args, "", "bcsmr")
    import buses
    import pins
    data = bytes([buses.byte(v) for v in rest])
    extra = cmdargs.number(opts.get("r", "0"), "count")
    hz = cmdargs.number(opts.get("s", "1000000"), "frequency")
    mode = cmdargs.number(opts.get("m", "0"), "SPI mode (0-3)")
    if mode not in (0, 1, 2, 3):
        raise cmdargs.UsageError("%d: not an SPI mode (0-3)" % mode)
    if extra < 0 or hz < 1:
        raise cmdargs.UsageError("%d: not a %s" % ((extra, "count") if extra < 0 else (hz, "frequency")))
    if not data and not extra:
        raise cmdargs.UsageError("nothing to send: give BYTEs or -r N")
    data += bytes(extra)
    import machine
    try:
        bus, cs = buses.spi(opts.get("b"), hz, mode)
        if opts.get("c") == "none":
            cs = None
        elif "c" in opts:
            cs = pins.number(opts["c"])
        select = None
        if cs is not None:
            pins.check(cs, output=True)
            select = machine.Pin(cs, machine.Pin.OUT, value=1)
        got = bytearray(len(data))
        if select:
            select.value(0)
        try:
            bus.write_readinto(data, got)
        finally:
            if select:
                select.value(1)
    except pins.PinError as e:
        return cmdargs.error(None, e)
    except (ValueError, OSError) as e:
        return cmdargs.error(None, e)
    print(" ".join("%02x" % b for b in got))
    return 0
