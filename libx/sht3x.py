"""Sensirion SHT30/31/35 temperature and humidity sensors on I2C.

    import sht3x
    sensor = sht3x.SHT3x(i2c)           # address 0x44 (0x45: ADDR pin high)
    celsius, humidity = sensor.measure()

A single-shot measurement with high repeatability; each reading's CRC is
checked (OSError EIO when it does not match)."""
import time

ADDRESSES = (0x44, 0x45)


def crc8(data):
    crc = 0xFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x31) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


class SHT3x:
    def __init__(self, i2c, addr=0x44):
        self.i2c = i2c
        self.addr = addr

    def measure(self):
        """(degrees Celsius, percent relative humidity)."""
        self.i2c.writeto(self.addr, b"\x24\x00")
        time.sleep_ms(16)       # 15.5 ms at most for high repeatability
        data = self.i2c.readfrom(self.addr, 6)
        if crc8(data[0:2]) != data[2] or crc8(data[3:5]) != data[5]:
            raise OSError(5)
        raw_t = data[0] << 8 | data[1]
        raw_h = data[3] << 8 | data[4]
        return -45 + 175 * raw_t / 65535, 100 * raw_h / 65535
