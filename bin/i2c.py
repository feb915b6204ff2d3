import cmdargs

USAGE = """[-b BUS] ADDR get REG [N] | ADDR set REG BYTE... | ADDR read N | ADDR write BYTE...
  Talk to the device at ADDR (0x3c or 60) on an I2C bus (the board's
  first, or BUS): get N bytes (1) from its register REG, set its register
  REG to the BYTEs, read N bytes, write the BYTEs. Bytes are 0-255, 0x..
  for hexadecimal; what is read is printed in hexadecimal."""
ABOUT = "read and write an I2C device's registers"


def __main__(args):
    opts, rest = cmdargs.parse(args, "", "b")
    if len(rest) < 2:
        raise cmdargs.UsageError("missing ADDR or action")
    action, values = rest[1], rest[2:]
    if action not in ("get", "set", "read", "write"):
        raise cmdargs.UsageError("%s: not an action (get, set, read, write)" % action)
    need = {"get": 1, "set": 2, "read": 1, "write": 1}[action]
    if len(values) < need or action in ("get", "read") and len(values) > need + (action == "get"):
        raise cmdargs.UsageError("%s: %s" % (action, "missing value" if len(values) < need
                                             else "extra operand"))
    import buses
    import pins
    numbers = [buses.byte(v) for v in values]
    try:
        addr = buses.address(rest[0])
        bus = buses.i2c(opts.get("b"))
        if action == "get":
            data = bus.readfrom_mem(addr, numbers[0], numbers[1] if len(numbers) > 1 else 1)
        elif action == "read":
            data = bus.readfrom(addr, numbers[0])
        elif action == "set":
            bus.writeto_mem(addr, numbers[0], bytes(numbers[1:]))
            return 0
        else:
            bus.writeto(addr, bytes(numbers))
            return 0
    except pins.PinError as e:
        return cmdargs.error(None, e)
    except OSError as e:
        return cmdargs.error(rest[0], "no answer" if e.args and e.args[0] in (5, 19, 110, 116)
                             else cmdargs.strerror(e))
    except ValueError as e:
        return cmdargs.error(None, e)
    print(" ".join("%02x" % b for b in data))

