"""SSD1306 monochrome OLED displays (128x64, 128x32, 64x48 ...) on I2C
or SPI, drawn as a framebuf.FrameBuffer: fill, pixel, text, line, rect ...
then show() sends the picture.

    import ssd1306
    d = ssd1306.SSD1306_I2C(128, 64, i2c)                   # address 0x3C
    d = ssd1306.SSD1306_SPI(128, 64, spi, dc, res, cs)      # Pins
    d.text("hello", 0, 0, 1); d.show()

The same constructors and methods as MicroPython's driver, so programs
written for it run unchanged."""
import framebuf
import time

# Commands (SSD1306 datasheet, section 9).
_CONTRAST = 0x81
_ENTIRE_ON = 0xA4
_INVERT = 0xA6
_DISPLAY = 0xAE
_MEM_ADDR = 0x20
_COL_ADDR = 0x21
_PAGE_ADDR = 0x22
_START_LINE = 0x40
_SEG_REMAP = 0xA0
_MUX_RATIO = 0xA8
_COM_SCAN_DEC = 0xC8
_DISP_OFFSET = 0xD3
_COM_PINS = 0xDA
_CLOCK_DIV = 0xD5
_PRECHARGE = 0xD9
_VCOM_DESEL = 0xDB
_CHARGE_PUMP = 0x8D
_ROTATE_FLIP = 0xC0


class SSD1306(framebuf.FrameBuffer):
    def __init__(self, width, height, external_vcc):
        self.width = width
        self.height = height
        self.external_vcc = external_vcc
        self.pages = height // 8
        self.buffer = bytearray(self.pages * width)
        super().__init__(self.buffer, width, height, framebuf.MONO_VLSB)
        self.init_display()

    def init_display(self):
        for cmd in (
            _DISPLAY,                       # off while set up
            _MEM_ADDR, 0x00,                # horizontal addressing
            _START_LINE,
            _SEG_REMAP | 0x01,              # column 127 is SEG0
            _MUX_RATIO, self.height - 1,
            _COM_SCAN_DEC,                  # scan from COM[N] to COM0
            _DISP_OFFSET, 0x00,
            _COM_PINS, 0x02 if self.width > 2 * self.height else 0x12,
            _CLOCK_DIV, 0x80,
            _PRECHARGE, 0x22 if self.external_vcc else 0xF1,
            _VCOM_DESEL, 0x30,
            _CONTRAST, 0xFF,
            _ENTIRE_ON,                     # show the RAM
            _INVERT,                        # not inverted
            _CHARGE_PUMP, 0x10 if self.external_vcc else 0x14,
            _DISPLAY | 0x01,
        ):
            self.write_cmd(cmd)
        self.fill(0)
        self.show()

    def poweroff(self):
        self.write_cmd(_DISPLAY)

    def poweron(self):
        self.write_cmd(_DISPLAY | 0x01)

    def contrast(self, contrast):
        self.write_cmd(_CONTRAST)
        self.write_cmd(contrast)

    def invert(self, invert):
        self.write_cmd(_INVERT | (invert & 1))

    def rotate(self, rotate):
        self.write_cmd(_ROTATE_FLIP | ((rotate & 1) << 3))
        self.write_cmd(_SEG_REMAP | (rotate & 1))

    def show(self):
        # A 64-column panel sits in the middle of the controller's 128 columns.
        first = 32 if self.width == 64 else 0
        for cmd in (_COL_ADDR, first, first + self.width - 1, _PAGE_ADDR, 0, self.pages - 1):
            self.write_cmd(cmd)
        self.write_data(self.buffer)


class SSD1306_I2C(SSD1306):
    def __init__(self, width, height, i2c, addr=0x3C, external_vcc=False):
        self.i2c = i2c
        self.addr = addr
        self.control = bytearray(2)
        super().__init__(width, height, external_vcc)

    def write_cmd(self, cmd):
        self.control[0] = 0x80          # Co = 1, D/C# = 0: one command byte
        self.control[1] = cmd
        self.i2c.writeto(self.addr, self.control)

    def write_data(self, buf):
        self.i2c.writevto(self.addr, (b"\x40", buf))     # D/C# = 1: data follows


class SSD1306_SPI(SSD1306):
    def __init__(self, width, height, spi, dc, res, cs, external_vcc=False):
        self.rate = 10 * 1024 * 1024
        dc.init(dc.OUT, value=0)
        res.init(res.OUT, value=0)
        cs.init(cs.OUT, value=1)
        self.spi = spi
        self.dc = dc
        self.res = res
        self.cs = cs
        res(1)
        time.sleep_ms(1)
        res(0)
        time.sleep_ms(10)
        res(1)
        super().__init__(width, height, external_vcc)

    def _send(self, dc, buf):
        self.spi.init(baudrate=self.rate, polarity=0, phase=0)
        self.cs(1)
        self.dc(dc)
        self.cs(0)
        self.spi.write(buf)
        self.cs(1)

    def write_cmd(self, cmd):
        self._send(0, bytes((cmd,)))

    def write_data(self, buf):
        self._send(1, buf)
