import cmdargs
from micropython import const

USAGE = """[-b BUS] [-a ADDR]
  Answer another board's capture requests over I2C (as the ESP32-CAM
  port's I2C slave mode does): this board is the device at ADDR (0x2c
  unless told) on I2C bus BUS (the board file's first), until stopped
  (kill; run it as a job: camtarget &). The controller writes a command,
  then reads the answer: a status byte, 200 done, 201 data follows (two
  bytes of length, little-endian, then the bytes), 100 failed, 102 busy
  (read the status again).
    ping                  200
    capture               take a picture: 200
    get                   the picture's next 100 bytes: 201, length, bytes;
                          length 0 once all were sent
    flash-on, flash-off   the flash LED: 200
  Needs machine.I2CTarget (MicroPython 1.26 and later)."""
ABOUT = "let an I2C controller take pictures with this board's camera"

PART = 100
OK, DATA, FAILED, BUSY = 200, 201, 100, 102
_COMMAND_MAX = const(16)


def __main__(args):
    opts, rest = cmdargs.parse(args, "", "ba", operands=0)
    import buses
    import camctl
    import machine
    import munix
    import pins
    if not hasattr(machine, "I2CTarget"):
        return cmdargs.error(None, "this firmware has no I2C target mode (MicroPython 1.26+)")
    try:
        addr = buses.address(opts.get("a", "0x2c"))
        bus, wires = buses.pinout("i2c", opts.get("b"))
        for role in ("scl", "sda"):
            pins.check(wires[role])
        camctl.start()
        for role in ("scl", "sda"):
            pins.book(wires[role], "camtarget (pid %d)" % munix.proc().pid)
        target = Target(machine.I2CTarget(bus, addr, scl=wires["scl"], sda=wires["sda"]))
    except (camctl.CameraError, pins.PinError) as e:
        return cmdargs.error(None, e)
    except (ValueError, OSError) as e:
        return cmdargs.error(None, cmdargs.strerror(e))
    print("camtarget: device 0x%02x on I2C bus %d (SCL GPIO%d, SDA GPIO%d)" % (
        addr, bus, wires["scl"], wires["sda"]))
    try:
        while munix.sleep(10):
            target.work(camctl)
    finally:
        target.device.deinit()
    return 0


class Target:
    """The device's side. The interrupt handler only moves bytes between
    buffers made beforehand (a hard interrupt may not allocate); the
    commands, a capture among them, run in the command's loop."""

    def __init__(self, device):
        import machine
        self.device = device
        self.command = bytearray(_COMMAND_MAX)
        self.got = 0
        self.ready = False
        self.one = bytearray(1)
        self.answer = bytearray(3 + PART)
        self.answer[0] = OK
        self.size = 1
        self.at = 0
        self.picture = b""
        self.sent = 0
        T = machine.I2CTarget
        self.WRITE_START, self.WRITE, self.WRITE_END, self.READ = (
            T.IRQ_ADDR_MATCH_WRITE, T.IRQ_WRITE_REQ, T.IRQ_END_WRITE, T.IRQ_READ_REQ)
        device.irq(self.handler, self.WRITE_START | self.WRITE | self.WRITE_END | self.READ,
                   hard=True)

    def handler(self, device):
        flags = device.irq().flags()
        if flags & self.WRITE_START:
            self.got = 0
        if flags & self.WRITE:
            if device.readinto(self.one) and self.got < _COMMAND_MAX:
                self.command[self.got] = self.one[0]
                self.got += 1
        if flags & self.WRITE_END:
            self.answer[0] = BUSY
            self.size = 1
            self.at = 0
            self.ready = True
        if flags & self.READ:
            self.one[0] = self.answer[self.at] if self.at < self.size else 0xFF
            # While busy the status byte repeats: the controller reads it
            # again until the answer is there.
            self.at += self.at < self.size and self.answer[0] != BUSY
            device.write(self.one)

    def work(self, camctl):
        if not self.ready:
            return
        self.ready = False
        command = bytes(self.command[:self.got])
        status, data = FAILED, None
        try:
            if command == b"ping":
                status = OK
            elif command == b"capture":
                self.picture = camctl.capture()
                self.sent = 0
                status = OK
            elif command == b"get":
                data = self.picture[self.sent:self.sent + PART]
                self.sent += len(data)
                status = DATA
            elif command in (b"flash-on", b"flash-off"):
                _flash(command == b"flash-on")
                status = OK
        except OSError:
            status = FAILED
        self.size = 1
        if data is not None:
            self.answer[1] = len(data) & 0xFF
            self.answer[2] = len(data) >> 8
            self.answer[3:3 + len(data)] = data
            self.size = 3 + len(data)
        self.answer[0] = status


def _flash(on):
    import boardinfo
    import machine
    light = boardinfo.describe().get("flashlight")
    if not light:
        raise OSError(19)
    level = light.get("active", 1) if on else 1 - light.get("active", 1)
    machine.Pin(light["pin"], machine.Pin.OUT, value=level)
