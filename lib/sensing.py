"""What the board's sensors measure, for sensors (bin/sensors.py) and the
web desktop's hardware panel (webhw.py): the chip's own temperature, where
it has a sensor, and each SHT3x (libx/sht3x.py) found on an I2C bus."""


def chip_temperature():
    """Degrees Celsius; None on a chip without a sensor."""
    try:
        import esp32
        return float(esp32.mcu_temperature())
    except (ImportError, AttributeError):
        pass
    import sys
    if sys.platform != "rp2":
        return None
    import machine
    volts = machine.ADC(4).read_u16() * 3.3 / 65535
    # The RP2040 datasheet's formula for its sensor.
    return 27 - (volts - 0.706) / 0.001721


def readings(bus=None):
    """[(name, (celsius, humidity) or the OSError it answered)] of the
    sensors on I2C bus (the board's first); PinError, ValueError or
    OSError when the bus cannot be opened or scanned."""
    import buses
    import sht3x
    i2c = buses.i2c(bus)
    found = []
    for addr in i2c.scan():
        if addr not in sht3x.ADDRESSES:
            continue
        try:
            value = sht3x.SHT3x(i2c, addr).measure()
        except OSError as e:
            value = e
        found.append(("sht3x@0x%02x" % addr, value))
    return found
