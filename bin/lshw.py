import cmdargs

USAGE = """[-p]
  Describe the hardware: the board (from its board file), the chip and its
  clock, the memory, flash and PSRAM, the default buses and their pins.
  -p  the pins instead: each GPIO with its labels and who uses it (booked
      by a driver, a job, an IRQ; reserved by the board; strapping)"""
ABOUT = "describe the board's hardware and who uses its pins"


def __main__(args):
    opts, rest = cmdargs.parse(args, "p", operands=0)
    import boardinfo
    board = boardinfo.describe()
    if "p" in opts:
        _pins(board)
    else:
        _summary(board)


def _summary(board):
    import sys
    import boardinfo
    import machine
    total, used, free = cmdargs.memory()
    print("board:   %s" % board.get("name", "-"))
    print("machine: %s" % boardinfo.machine())
    print("chip:    %s (%s), %d MHz" % (board.get("chip", "-"), sys.platform,
                                        machine.freq() // 1000000))
    print("memory:  %s heap, %s free" % (cmdargs.human(total), cmdargs.human(free)))
    for part in ("flash", "psram"):
        size = board.get(part)
        print("%-8s %s" % (part + ":", cmdargs.human(size) if size else "none" if size == 0 else "-"))
    for bus in ("i2c", "spi", "uart"):
        for number, wiring in sorted((board.get(bus) or {}).items()):
            print("%-8s %s" % ("%s%s:" % (bus, number), " ".join(
                "%s=%s" % (role, _gpio(pin)) for role, pin in sorted(wiring.items()))))
    for part in ("led", "rgb"):
        if board.get(part):
            print("%-8s %s" % (part + ":", _gpio(board[part]["pin"])))
    if board.get("notes"):
        print("notes:   %s" % board["notes"])


def _gpio(pin):
    return "GPIO%d" % pin if isinstance(pin, int) else pin


def _pins(board):
    import pins
    labels = {}
    for label, gpio in board["pins"].items():
        labels.setdefault(gpio, []).append(label)
    booked = {gpio: (what, pid) for gpio, what, pid in pins.bookings()}
    reserved = board.get("reserved", {})
    gpios = list(board.get("gpio") or [])
    for gpio in list(labels) + list(booked) + [int(g) for g in reserved]:
        if gpio not in gpios:
            gpios.append(gpio)
    strapping = board.get("strapping", ())
    input_only = board.get("input_only", ())
    print("%-7s %-16s %s" % ("PIN", "LABELS", "USE"))
    for gpio in sorted(gpios, key=lambda g: (isinstance(g, str), g)):
        uses = []
        if gpio in booked:
            uses.append("used by %s" % booked[gpio][0])
        if str(gpio) in reserved:
            uses.append("reserved: %s" % reserved[str(gpio)])
        if gpio in strapping:
            uses.append("strapping")
        if gpio in input_only:
            uses.append("input only")
        print("%-7s %-16s %s" % (_gpio(gpio), ",".join(sorted(labels.get(gpio, ()))) or "-",
                                 "; ".join(uses) or "free"))
