"""machine.ADC and PWM of the simulated board (see machine.py): ADC
reads the volts the host set (simbench.py), PWM shows in state.json."""
from simpin import Pin

import simbench

_BOARD = simbench.BOARD


# The range of volts each attenuation measures (MicroPython's esp32 docs).
_ATTEN_VOLTS = (1.0, 1.34, 2.0, 3.55)


class ADC:
    """An analog input: the volts the host set for its pin (inputs.json
    "adc"), 0 when none; rp2's ADC(4) is the chip's temperature sensor."""
    ATTN_0DB = 0
    ATTN_2_5DB = 1
    ATTN_6DB = 2
    ATTN_11DB = 3
    WIDTH_9BIT = 9
    WIDTH_10BIT = 10
    WIDTH_11BIT = 11
    WIDTH_12BIT = 12
    CORE_TEMP = 4

    def __init__(self, pin, *, atten=None):
        id = pin.id if isinstance(pin, Pin) else pin
        if _BOARD == "rp2040":
            if id not in (26, 27, 28, 29, 0, 1, 2, 3, 4):
                raise ValueError("Pin doesn't have ADC capabilities")
            id = id if id >= 26 or id == 4 else id + 26
        elif _BOARD == "esp8266":
            if id not in (0, 1):
                raise ValueError("invalid Pin for ADC")
        elif id not in _ADC_PINS:
            raise ValueError("invalid pin")
        self.id = id
        self._atten = ADC.ATTN_0DB
        self._width = 12
        if atten is not None:
            self.atten(atten)

    def atten(self, atten):
        if atten not in (0, 1, 2, 3):
            raise ValueError("invalid atten")
        self._atten = atten

    def width(self, bits):
        if bits not in (9, 10, 11, 12):
            raise ValueError("invalid width")
        self._width = bits

    def _range(self):
        if _BOARD in ("rp2040",):
            return 3.3
        if _BOARD == "esp8266":
            return 1.0
        return _ATTEN_VOLTS[self._atten]

    def _volts(self):
        if _BOARD == "rp2040" and self.id == 4:
            celsius = float(simbench.inputs("chip").get("temperature", 27.0))
            return 0.706 - (celsius - 27) * 0.001721
        return float(simbench.inputs("adc").get(str(self.id), 0.0))

    def read_uv(self):
        return int(min(max(self._volts(), 0.0), self._range()) * 1000000)

    def read_u16(self):
        return min(65535, self.read_uv() * 65535 // int(self._range() * 1000000))

    def read(self):
        if _BOARD == "esp8266":
            return self.read_u16() * 1024 // 65535
        return self.read_u16() >> (16 - self._width)


_ADC_PINS = set(range(11)) if _BOARD == "esp32s3" else set(range(5)) if _BOARD == "esp32c3" \
    else {0, 2, 4, 12, 13, 14, 15, 25, 26, 27, 32, 33, 34, 35, 36, 39}


class PWM:
    """A PWM output: its frequency and duty are in state.json under "pwm"."""

    def __init__(self, dest, *, freq=None, duty=None, duty_u16=None, duty_ns=None, invert=False):
        self.pin = dest if isinstance(dest, Pin) else Pin(dest)
        self._freq = 5000 if _BOARD != "esp8266" else 1000
        self._duty = 32768 if _BOARD != "esp8266" else 65535 * 512 // 1023
        self._on = True
        self.init(freq=freq, duty=duty, duty_u16=duty_u16, duty_ns=duty_ns, invert=invert)

    def init(self, *, freq=None, duty=None, duty_u16=None, duty_ns=None, invert=False):
        self._on = True
        self._invert = bool(invert)
        if freq is not None:
            self.freq(freq)
        if duty is not None:
            self.duty(duty)
        if duty_u16 is not None:
            self.duty_u16(duty_u16)
        if duty_ns is not None:
            self.duty_ns(duty_ns)
        self._publish()

    def deinit(self):
        self._on = False
        simbench.state["pwm"].pop(str(self.pin.id), None)
        simbench.changed()

    def freq(self, value=None):
        if value is None:
            return self._freq
        top = 1000 if _BOARD == "esp8266" else 40000000
        if not 1 <= value <= top:
            raise ValueError("frequency must be from 1Hz to %dHz" % top)
        self._freq = value
        self._publish()

    def duty(self, value=None):
        if value is None:
            return self._duty * 1023 // 65535
        self.duty_u16(min(max(value, 0), 1023) * 65535 // 1023)

    def duty_u16(self, value=None):
        if value is None:
            return self._duty
        if not 0 <= value <= 65535:
            raise ValueError("duty_u16 must be from 0 to 65535")
        self._duty = value
        self._publish()

    def duty_ns(self, value=None):
        period = 1000000000 // self._freq
        if value is None:
            return self._duty * period // 65535
        self.duty_u16(min(value, period) * 65535 // period)

    def _publish(self):
        if self._on:
            simbench.state["pwm"][str(self.pin.id)] = {
                "freq": self._freq, "duty_u16": self._duty, "invert": self._invert}
            simbench.changed()

    def __repr__(self):
        return "PWM(Pin(%s), freq=%d, duty_u16=%d)" % (self.pin.id, self._freq, self._duty)
