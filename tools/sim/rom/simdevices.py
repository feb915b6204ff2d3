"""The devices on the simulated workbench's buses (simbench.py says how
they are wired): an SHT3x temperature and humidity sensor and an SSD1306
display, answering as their datasheets say."""
import simbench


def _crc8(data):
    """Sensirion's CRC-8 (polynomial 0x31, start 0xFF)."""
    crc = 0xFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x31) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


class SHT3x:
    """Measures when told (single shot, any repeatability), then gives
    temperature and humidity as 6 bytes with their CRCs; the values are the
    host's (inputs.json "sht3x"), 22 °C and 40 % otherwise."""
    MEASURE = (0x2400, 0x240B, 0x2416, 0x2C06, 0x2C0D, 0x2C10)

    def __init__(self):
        self.reply = None

    def write(self, data):
        if len(data) != 2:
            raise OSError(5)
        command = data[0] << 8 | data[1]
        if command in self.MEASURE:
            now = simbench.inputs("sht3x")
            celsius = float(now.get("temperature", 22.0))
            humidity = float(now.get("humidity", 40.0))
            t = max(0, min(65535, round((celsius + 45) * 65535 / 175)))
            h = max(0, min(65535, round(humidity * 65535 / 100)))
            self.reply = self._words(t, h)
        elif command == 0xF32D:     # status register
            self.reply = self._words(0)
        elif command in (0x30A2, 0x3041):   # soft reset, clear status
            self.reply = None
        else:
            raise OSError(5)

    def _words(self, *words):
        out = bytearray()
        for w in words:
            pair = bytes((w >> 8, w & 0xFF))
            out += pair + bytes((_crc8(pair),))
        return bytes(out)

    def read(self, n):
        if self.reply is None:
            raise OSError(19)   # no measurement ready: the sensor does not acknowledge
        reply, self.reply = self.reply, None
        return (reply + b"\xff" * n)[:n]


# Bytes of argument that follow each SSD1306 command.
_ARGS = {0x20: 1, 0x21: 2, 0x22: 2, 0x81: 1, 0x8D: 1, 0xA8: 1, 0xD3: 1, 0xD5: 1, 0xD9: 1,
         0xDA: 1, 0xDB: 1}


class SSD1306:
    """A 128x64 display's controller: commands, then data written into its
    RAM through the column and page window, horizontal addressing."""

    def __init__(self):
        self.ram = bytearray(1024)
        self.pending = []
        self.cols = [0, 127]
        self.pages = [0, 7]
        self.col = 0
        self.page = 0
        self.settings = {"on": False, "contrast": 0x7F, "invert": False}

    def command(self, byte):
        if self.pending:
            self.pending[1].append(byte)
        else:
            self.pending = [byte, []]
        op, args = self.pending
        if len(args) < _ARGS.get(op, 0):
            return
        self.pending = []
        if op == 0x21:
            self.cols = [args[0] & 127, args[1] & 127]
            self.col = self.cols[0]
        elif op == 0x22:
            self.pages = [args[0] & 7, args[1] & 7]
            self.page = self.pages[0]
        elif op in (0xAE, 0xAF):
            self.settings["on"] = op == 0xAF
        elif op in (0xA6, 0xA7):
            self.settings["invert"] = op == 0xA7
        elif op == 0x81:
            self.settings["contrast"] = args[0]
        else:
            return
        simbench.state["ssd1306"] = self.settings
        simbench.changed()

    def data(self, data):
        for byte in data:
            self.ram[self.page * 128 + self.col] = byte
            if self.col < self.cols[1]:
                self.col += 1
            else:
                self.col = self.cols[0]
                self.page = self.page + 1 if self.page < self.pages[1] else self.pages[0]
        simbench.write("ssd1306.bin", self.ram)

    def write(self, data):
        """An I2C transfer: control bytes say whether commands or data follow."""
        i = 0
        while i < len(data):
            control = data[i]
            i += 1
            if control & 0x80:      # Co: one byte, then another control byte
                if i < len(data):
                    if control & 0x40:
                        self.data(data[i:i + 1])
                    else:
                        self.command(data[i])
                i += 1
                continue
            if control & 0x40:
                self.data(data[i:])
            else:
                for byte in data[i:]:
                    self.command(byte)
            return

    def spi(self, data, dc):
        if dc:
            self.data(data)
        else:
            for byte in data:
                self.command(byte)

    def read(self, n):
        return bytes([0x03 if not self.settings["on"] else 0x43] + [0] * (n - 1))


_KINDS = {"sht3x": SHT3x, "ssd1306": SSD1306}
_made = {}


def _device(kind, key):
    if key not in _made:
        _made[key] = _KINDS[kind]()
    return _made[key]


def _i2c_map():
    wired = simbench.wiring.get("i2c")
    return {"sht3x": 0x44, "ssd1306": 0x3C} if wired is None else wired


def i2c_addresses():
    return sorted(_i2c_map().values())


def on_i2c(addr):
    for kind, at in _i2c_map().items():
        if at == addr and kind in _KINDS:
            return _device(kind, kind)
    return None


def on_spi(bus, data):
    from simpin import _level
    for kind, pins in (simbench.wiring.get("spi", {}).get(str(bus)) or {}).items():
        if kind in _KINDS and _level(pins["cs"]) == 0:
            device = _device(kind, "spi%s.%s" % (bus, kind))
            if "res" in pins and _level(pins["res"]) == 0:
                continue
            device.spi(data, _level(pins["dc"]))
