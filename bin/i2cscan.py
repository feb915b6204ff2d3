import cmdargs

USAGE = """[-b BUS]
  List the devices that answer on an I2C bus (the board's first, or BUS),
  by address, with what usually sits there."""
ABOUT = "list the devices on an I2C bus"

_KNOWN = {0x3C: "SSD1306 display", 0x3D: "SSD1306 display", 0x44: "SHT3x temperature/humidity",
         0x45: "SHT3x temperature/humidity", 0x76: "BME280/BMP280", 0x77: "BME280/BMP280",
         0x68: "DS3231 clock or MPU6050", 0x23: "BH1750 light", 0x27: "PCF8574 LCD backpack",
         0x48: "ADS1115 or LM75", 0x50: "AT24C EEPROM", 0x57: "AT24C EEPROM"}


def __main__(args):
    opts, rest = cmdargs.parse(args, "", "b", operands=0)
    import buses
    import pins
    try:
        found = buses.i2c(opts.get("b")).scan()
    except pins.PinError as e:
        return cmdargs.error(None, e)
    except (ValueError, OSError) as e:
        return cmdargs.error(None, e)
    for addr in found:
        print("0x%02x  %s" % (addr, _KNOWN.get(addr, "")))
    if not found:
        print("no devices")
