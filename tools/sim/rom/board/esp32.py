"""Stand-in for the esp32 module of ESP32 boards (munix sim --board esp32…):
the chip's temperature, the IDF heap regions, NVS storage in RAM, wake-up
sources. Only the part boards' programs commonly use."""
import gc

HEAP_DATA = 4
HEAP_EXEC = 1
WAKEUP_ALL_LOW = 0
WAKEUP_ANY_HIGH = 1

_nvs = {}
_wake = {}


def mcu_temperature():
    return 45


def raw_temperature():
    return 113


def idf_heap_info(capabilities):
    """(total, free, largest free block, smallest free ever) per region."""
    free = gc.mem_free()
    return [(free * 2, free, free // 2, free // 3)]


def wake_on_ext1(pins, level):
    _wake["ext1"] = (tuple(pins), level)


# EXT0 is the ESP32's and the S3's, not the C3's (SOC_PM_SUPPORT_EXT0_WAKEUP).
if __import__("uos").getenv("MUNIX_BOARD") != "esp32c3":
    def wake_on_ext0(pin, level):
        _wake["ext0"] = (pin, level)


def wake_on_touch(wake):
    _wake["touch"] = bool(wake)


class NVS:
    """Non-volatile storage, one namespace per instance; kept until reset."""

    def __init__(self, namespace):
        self._space = _nvs.setdefault(namespace, {})
        self._pending = {}

    def set_i32(self, key, value):
        self._pending[key] = int(value)

    def get_i32(self, key):
        return self._get(key)

    def set_blob(self, key, value):
        self._pending[key] = bytes(value)

    def get_blob(self, key, buffer):
        value = self._get(key)
        buffer[:len(value)] = value
        return len(value)

    def erase_key(self, key):
        self._get(key)
        del self._space[key]

    def commit(self):
        self._space.update(self._pending)
        self._pending = {}

    def _get(self, key):
        if key not in self._space:
            raise OSError(-4354)    # ESP_ERR_NVS_NOT_FOUND, as the board says
        return self._space[key]
