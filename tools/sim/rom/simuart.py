"""machine.UART of the simulated board (see machine.py): each UART is a
host pseudo-terminal. The board holds the master side; the slave's path
is in state.json, "uart": {"2": {"pty": "/dev/pts/7", "baudrate": 9600}},
for the host to open (screen, minicom, a test) as the device wired to
the UART's TX and RX pins."""
import ffi

import simbench

_libc = ffi.open("libc.so.6")
_openpt = _libc.func("i", "posix_openpt", "i")
_grantpt = _libc.func("i", "grantpt", "i")
_unlockpt = _libc.func("i", "unlockpt", "i")
_ptsname = _libc.func("s", "ptsname", "i")
_open = _libc.func("i", "open", "si")
_read = _libc.func("i", "read", "ipi")
_write = _libc.func("i", "write", "ipi")
_poll = _libc.func("i", "poll", "pii")
_tcgetattr = _libc.func("i", "tcgetattr", "ip")
_tcsetattr = _libc.func("i", "tcsetattr", "iip")
_cfmakeraw = _libc.func("v", "cfmakeraw", "p")

_O_RDWR_NOCTTY = 0o402
_POLLIN = 1
_IDS = {"esp32": (0, 1, 2), "esp32cam": (0, 1, 2), "esp32s3": (0, 1, 2)}.get(simbench.BOARD, (0, 1))
_ptys = {}      # UART id -> (master fd, slave fd, slave path)


def _pty(id):
    known = _ptys.get(id)
    if known is None:
        master = _openpt(_O_RDWR_NOCTTY)
        if master < 0 or _grantpt(master) or _unlockpt(master):
            raise OSError(5)
        path = _ptsname(master)
        # The board keeps the slave open too: the master then never reads
        # as hung up while no one on the host has it open.
        slave = _open(path, _O_RDWR_NOCTTY)
        mode = bytearray(64)
        _tcgetattr(slave, mode)
        _cfmakeraw(mode)
        _tcsetattr(slave, 0, mode)
        known = _ptys[id] = (master, slave, path)
    return known


class UART:
    INV_TX = 1
    INV_RX = 2
    RTS = 1
    CTS = 2

    def __init__(self, id, baudrate=115200, bits=8, parity=None, stop=1, **kw):
        if id not in _IDS:
            raise ValueError("UART(%s) doesn't exist" % id)
        self.id = id
        self._fd = _pty(id)[0]
        self.init(baudrate, bits, parity, stop, **kw)

    def init(self, baudrate=115200, bits=8, parity=None, stop=1, *, tx=None, rx=None,
             timeout=0, timeout_char=0, rxbuf=256, txbuf=256, flow=0, invert=0):
        if bits not in (5, 6, 7, 8) or parity not in (None, 0, 1) or stop not in (1, 2):
            raise ValueError("invalid UART settings")
        if baudrate <= 0:
            raise ValueError("invalid baudrate")
        self.baudrate = baudrate
        self.timeout = timeout
        simbench.state.setdefault("uart", {})[str(self.id)] = {
            "pty": _ptys[self.id][2], "baudrate": baudrate, "bits": bits, "parity": parity,
            "stop": stop}
        simbench.changed()

    def deinit(self):
        pass

    def _ready(self, ms):
        fds = bytearray(8)
        fds[0:4] = self._fd.to_bytes(4, "little")
        fds[4] = _POLLIN
        return _poll(fds, 1, ms) > 0 and fds[6] & _POLLIN

    def any(self):
        return 1 if self._ready(0) else 0

    def read(self, nbytes=None):
        if not self._ready(self.timeout):
            return None
        buf = bytearray(nbytes or 256)
        n = _read(self._fd, buf, len(buf))
        return bytes(buf[:n]) if n > 0 else None

    def readinto(self, buf, nbytes=None):
        data = self.read(nbytes or len(buf))
        if data is None:
            return None
        buf[:len(data)] = data
        return len(data)

    def readline(self):
        line = b""
        while not line.endswith(b"\n"):
            data = self.read(1)
            if data is None:
                break
            line += data
        return line or None

    def write(self, buf):
        data = bytes(buf)
        return _write(self._fd, data, len(data))

    def flush(self):
        pass

    def txdone(self):
        return True

    def sendbreak(self):
        pass
