"""machine.I2C, SoftI2C, SPI and SoftSPI of the simulated board (see
machine.py): the devices on them are the workbench's (simdevices.py)."""
from simpin import Pin

import simbench

_BOARD = simbench.BOARD


def _check_bus(kind, id, ids):
    if id not in ids:
        raise ValueError("%s(%s) doesn't exist" % (kind, id))


class I2C:
    """An I2C controller; the devices on it are the workbench's (see
    simbench.py): a NACK raises OSError ENODEV (19), as on ESP32."""

    def __init__(self, id=0, *, scl=None, sda=None, freq=400000, timeout=50000):
        _check_bus("I2C", id, (0, 1) if _BOARD != "esp32c3" else (0,))
        self.id = id
        self.init(scl=scl, sda=sda, freq=freq, timeout=timeout)

    def init(self, *, scl=None, sda=None, freq=400000, timeout=50000):
        for pin in (scl, sda):
            if pin is not None and not isinstance(pin, Pin):
                Pin(pin)
        if freq <= 0:
            raise ValueError("freq must be > 0")
        self.freq = freq

    def deinit(self):
        pass

    def _device(self, addr):
        import simdevices
        device = simdevices.on_i2c(addr)
        if device is None:
            raise OSError(19)
        return device

    def scan(self):
        import simdevices
        return simdevices.i2c_addresses()

    def writeto(self, addr, buf, stop=True):
        self._device(addr).write(bytes(buf))
        return len(buf)

    def writevto(self, addr, vector, stop=True):
        data = b"".join(bytes(b) for b in vector)
        self._device(addr).write(data)
        return len(data)

    def readfrom(self, addr, nbytes, stop=True):
        return self._device(addr).read(nbytes)

    def readfrom_into(self, addr, buf, stop=True):
        buf[:] = self.readfrom(addr, len(buf))

    def writeto_mem(self, addr, memaddr, buf, *, addrsize=8):
        self.writeto(addr, memaddr.to_bytes(addrsize // 8, "big") + bytes(buf))

    def readfrom_mem(self, addr, memaddr, nbytes, *, addrsize=8):
        device = self._device(addr)
        device.write(memaddr.to_bytes(addrsize // 8, "big"))
        return device.read(nbytes)

    def readfrom_mem_into(self, addr, memaddr, buf, *, addrsize=8):
        buf[:] = self.readfrom_mem(addr, memaddr, len(buf), addrsize=addrsize)


class SoftI2C(I2C):
    def __init__(self, scl, sda, *, freq=400000, timeout=50000):
        self.id = -1
        self.init(scl=scl, sda=sda, freq=freq, timeout=timeout)


class SPI:
    """An SPI controller: what it sends goes to the workbench's devices on
    its bus whose chip-select pin is low (simbench.py); what it reads is
    what it sends when its MOSI pin is wired to its MISO pin (a loopback),
    else 0xFF, as from a MISO line pulled up and driven by nothing."""
    MSB = 0
    LSB = 1

    def __init__(self, id=1, baudrate=1000000, *, polarity=0, phase=0, bits=8, firstbit=MSB,
                 sck=None, mosi=None, miso=None):
        _check_bus("SPI", id, (0, 1) if _BOARD == "rp2040" else (1,) if _BOARD in (
            "esp32c3", "esp8266") else (1, 2))
        self.id = id
        self.init(baudrate, polarity=polarity, phase=phase, bits=bits, firstbit=firstbit,
                  sck=sck, mosi=mosi, miso=miso)

    def init(self, baudrate=1000000, *, polarity=0, phase=0, bits=8, firstbit=MSB,
             sck=None, mosi=None, miso=None):
        if polarity not in (0, 1) or phase not in (0, 1):
            raise ValueError("invalid polarity or phase")
        self.baudrate = baudrate
        self._pins = [getattr(p, "id", p) for p in (mosi, miso)]

    def deinit(self):
        pass

    def write(self, buf):
        import simdevices
        simdevices.on_spi(self.id, bytes(buf))

    def _answer(self, sent):
        mosi, miso = self._pins
        for pair in simbench.wiring.get("connect", ()):
            if mosi is not None and sorted(pair) == sorted((mosi, miso)):
                return bytes(sent)
        return b"\xff" * len(sent)

    def read(self, nbytes, write=0x00):
        sent = bytes([write]) * nbytes
        self.write(sent)
        return self._answer(sent)

    def readinto(self, buf, write=0x00):
        buf[:] = self.read(len(buf), write)

    def write_readinto(self, write_buf, read_buf):
        self.write(write_buf)
        read_buf[:] = self._answer(write_buf)


class SoftSPI(SPI):
    def __init__(self, baudrate=500000, *, polarity=0, phase=0, bits=8, firstbit=SPI.MSB,
                 sck=None, mosi=None, miso=None):
        self.id = -1
        self.init(baudrate)


class I2CTarget:
    """machine.I2CTarget (MicroPython 1.26+): the board answering at addr
    as a device on a bus. The controller is the host, through the
    workbench's i2ctarget.req file: {"id": N, "addr": A, "write": HEX} or
    {"id": N, "addr": A, "read": COUNT}; the answer goes to i2ctarget.ans,
    {"id": N, "data": HEX} (what was read) or {"id": N, "nack": true} when
    no target has the address. A watcher thread plays the transfer,
    calling the handler at each event, as a board's interrupt would."""
    IRQ_ADDR_MATCH_READ = 1
    IRQ_ADDR_MATCH_WRITE = 2
    IRQ_READ_REQ = 4
    IRQ_WRITE_REQ = 8
    IRQ_END_READ = 16
    IRQ_END_WRITE = 32
    _all = {}

    def __init__(self, id, addr, *, addrsize=7, mem=None, mem_addrsize=8, scl=None, sda=None):
        _check_bus("I2CTarget", id, (0, 1) if _BOARD != "esp32c3" else (0,))
        if not 0 <= addr < 128 or addr in I2CTarget._all:
            raise ValueError("invalid address or address in use")
        self.addr = addr
        self._handler = None
        self._trigger = 0
        self._incoming = b""
        self._outgoing = bytearray()
        self._flags = 0
        I2CTarget._all[addr] = self
        _watch_target()

    def deinit(self):
        I2CTarget._all.pop(self.addr, None)

    def irq(self, handler=None, trigger=0, hard=False):
        """Set the handler; with no argument, the IRQ object, whose
        flags() are the events the handler is called for."""
        if handler is not None or trigger:
            self._handler = handler
            self._trigger = trigger
        return _TargetIrq(self)

    def readinto(self, buf):
        n = min(len(buf), len(self._incoming))
        buf[:n] = self._incoming[:n]
        self._incoming = self._incoming[n:]
        return n

    def write(self, buf):
        self._outgoing += buf
        return len(buf)

    def _event(self, flag):
        if self._handler is not None and self._trigger & flag:
            self._flags = flag
            self._handler(self)

    def _transfer(self, request):
        if "write" in request:
            self._incoming = bytes.fromhex(request["write"])
            self._event(I2CTarget.IRQ_ADDR_MATCH_WRITE)
            while self._incoming:
                before = len(self._incoming)
                self._event(I2CTarget.IRQ_WRITE_REQ)
                if len(self._incoming) == before:
                    break       # nobody takes the bytes: they are lost, as on a bus
            self._incoming = b""
            self._event(I2CTarget.IRQ_END_WRITE)
            return ""
        self._event(I2CTarget.IRQ_ADDR_MATCH_READ)
        data = bytearray()
        self._outgoing = bytearray()
        while len(data) < request["read"]:
            if not self._outgoing:
                self._event(I2CTarget.IRQ_READ_REQ)
            # Nothing given: the line stays high.
            data += self._outgoing[:1] or b"\xff"
            self._outgoing = self._outgoing[1:]
        self._event(I2CTarget.IRQ_END_READ)
        return bytes(data).hex()


class _TargetIrq:
    def __init__(self, target):
        self.target = target

    def flags(self):
        return self.target._flags


_target_watch = [False]


def _watch_target():
    if _target_watch[0]:
        return
    import _thread
    _target_watch[0] = True
    _thread.start_new_thread(_target_loop, ())


def _target_loop():
    import json
    import time
    # For good, once a target was made: without one the host's transfers
    # still get their answer, a NACK.
    while True:
        data = simbench.read("i2ctarget.req")
        if data:
            simbench.remove("i2ctarget.req")
            request = json.loads(data)
            target = I2CTarget._all.get(request["addr"])
            answer = {"id": request["id"]}
            if target is None:
                answer["nack"] = True
            else:
                answer["data"] = target._transfer(request)
            simbench.write("i2ctarget.ans", json.dumps(answer).encode())
        time.sleep_ms(5)
