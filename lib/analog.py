"""An analog input read in volts, for adc (bin/adc.py) and fleetd's status
(its "ha_adc" inputs)."""

# The attenuations of ESP32 chips' ADC, by their dB: 11 measures up to
# about 3.3 V, 0 (the port's default) up to 1 V.
ATTEN = {"0": 0, "2.5": 1, "6": 2, "11": 3}


def spec(value):
    """(pin, db) of an input given as PIN or [PIN, DB] (fleetd's "ha_adc"),
    db a key of ATTEN or None; ValueError for a DB not one of them."""
    pin, db = value if isinstance(value, list) and len(value) == 2 else (value, None)
    if db is None:
        return pin, None
    if type(db) not in (int, float) or str(db) not in ATTEN:
        raise ValueError(db)
    return pin, str(db)


def adc(pin, db=None):
    """The machine.ADC of an analog pin (a GPIO number or a label; A0 on an
    ESP8266), attenuated by db (a key of ATTEN) where given; PinError,
    ValueError (a pin without ADC) or OSError."""
    import sys
    import machine
    import pins
    if sys.platform == "esp8266":
        # Its one ADC is a channel (A0), not a pin.
        if str(pin).upper() not in ("A0", "0"):
            raise pins.PinError("%s: the ESP8266's analog input is A0" % pin)
        source = 0
    else:
        gpio = pins.number(str(pin))
        pins.check(gpio)
        source = machine.Pin(gpio)
    if db is None:
        return machine.ADC(source)
    return machine.ADC(source, atten=ATTEN[db])


def volts(adc):
    """What an ADC reads, in volts."""
    if hasattr(adc, "read_uv"):
        return adc.read_uv() / 1000000
    import sys
    # rp2 and esp8266 measure against their 3.3 V and 1 V ranges.
    return adc.read_u16() * (1.0 if sys.platform == "esp8266" else 3.3) / 65535
