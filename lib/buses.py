"""The board's buses as the hardware commands open them: I2C, SPI and
UART by the board file's numbers and pins, the pins checked against
bookings (pins.py) first."""
import pins


def i2c(bus=None, board=None):
    """machine.I2C on bus (the board's first I2C bus when None), on the
    board file's SDA and SCL pins for it."""
    import boardinfo
    import machine
    board = board or boardinfo.describe()
    known = board.get("i2c") or {}
    if bus is None:
        bus = sorted(known)[0] if known else "0"
    wires = known.get(str(bus))
    if wires is None:
        if known:
            raise pins.PinError("no I2C bus %s on %s (buses: %s)" % (
                bus, board.get("name", "this board"), ", ".join(sorted(known))))
        return machine.I2C(int(bus))
    for role in ("sda", "scl"):
        pins.check(wires[role], board)
    return machine.I2C(int(bus), scl=machine.Pin(wires["scl"]), sda=machine.Pin(wires["sda"]))


def pinout(kind, bus=None, board=None):
    """(bus kind ("i2c", "spi", "uart") number bus, the board file's first
    when None; its pins from the board file: {} when the file names
    none). PinError for a bus the board file does not have."""
    import boardinfo
    board = board or boardinfo.describe()
    known = board.get(kind) or {}
    if bus is None:
        if not known:
            raise pins.PinError("%s has no %s bus in its board file: give one with -b BUS" % (
                board.get("name", "this board"), kind.upper()))
        bus = sorted(known)[0]
    wires = known.get(str(bus))
    if wires is None and known:
        raise pins.PinError("no %s bus %s on %s (buses: %s)" % (
            kind.upper(), bus, board.get("name", "this board"), ", ".join(sorted(known))))
    try:
        return int(bus), wires or {}
    except ValueError:
        raise pins.PinError("%s: not a bus number" % bus)


def spi(bus=None, baudrate=1000000, mode=0, board=None):
    """(machine.SPI on bus, at baudrate, SPI mode 0-3, on the board file's
    pins for it; the bus's chip-select GPIO, None when the file has none)."""
    import boardinfo
    import machine
    board = board or boardinfo.describe()
    bus, wires = pinout("spi", bus, board)
    roles = [r for r in ("sck", "mosi", "miso") if r in wires]
    for role in roles:
        pins.check(wires[role], board)
    kw = dict((role, machine.Pin(wires[role])) for role in roles)
    return machine.SPI(bus, baudrate, polarity=mode >> 1, phase=mode & 1, **kw), wires.get("cs")


def uart(bus=None, baudrate=115200, board=None):
    """machine.UART bus at baudrate, on the board file's TX and RX pins
    for it, both booked by the current process."""
    import boardinfo
    import machine
    import munix
    board = board or boardinfo.describe()
    bus, wires = pinout("uart", bus, board)
    roles = [r for r in ("tx", "rx") if r in wires]
    for role in roles:
        pins.check(wires[role], board)
    for role in roles:
        pins.book(wires[role], "%s (pid %d)" % (munix.proc().name, munix.proc().pid))
    kw = dict((role, wires[role]) for role in roles)
    return machine.UART(bus, baudrate, **kw)


def byte(text):
    """text as a byte: 0-255, 0x.. in hexadecimal; a UsageError else."""
    import cmdargs
    try:
        value = int(text, 0)
    except ValueError:
        value = -1
    if not 0 <= value <= 255:
        raise cmdargs.UsageError("%s: not a byte (0-255)" % text)
    return value


def address(text):
    """An I2C address from 0x3C or 60; ValueError outside 0x08-0x77."""
    try:
        addr = int(text, 0)
    except ValueError:
        raise ValueError("%s: not an I2C address" % text)
    if not 0x08 <= addr <= 0x77:
        raise ValueError("%s: not an I2C address (0x08 to 0x77)" % text)
    return addr
