import cmdargs

USAGE = """[-b BUS] [-s BAUD] [-n] write TEXT... | [-b BUS] [-s BAUD] [-t MS] read
  write TEXT...  send the words, joined by spaces, and a CR LF (-n: none)
  read           print what the UART receives until it is quiet for MS ms
                 (500 unless told); status 1 when nothing came
  On the board's first UART in its board file, or BUS, at BAUD (115200
  unless told); its TX and RX pins are booked meanwhile. For a terminal
  on a UART: screen."""
ABOUT = "send and receive text on a UART"


def __main__(args):
    opts, rest = cmdargs.parse(args, "n", "bst")
    if not rest:
        raise cmdargs.UsageError("write or read?")
    action = rest[0]
    if action not in ("write", "read"):
        raise cmdargs.UsageError("%s: not write or read" % action)
    if action == "read" and len(rest) > 1:
        raise cmdargs.UsageError("extra operand %s" % rest[1])
    baud = cmdargs.number(opts.get("s", "115200"), "baud rate")
    quiet_ms = cmdargs.number(opts.get("t", "500"), "number of milliseconds")
    if quiet_ms < 1:
        raise cmdargs.UsageError("%d: not a number of milliseconds" % quiet_ms)
    import buses
    import pins
    try:
        uart = buses.uart(opts.get("b"), baud)
        if action == "write":
            uart.write((" ".join(rest[1:]) + ("" if "n" in opts else "\r\n")).encode())
            return 0
        return _read(uart, quiet_ms)
    except pins.PinError as e:
        return cmdargs.error(None, e)
    except (ValueError, OSError) as e:
        return cmdargs.error(None, e)


def _read(uart, quiet_ms):
    import munix
    import serialterm
    got = False
    quiet = 0
    while quiet < quiet_ms:
        data = uart.read() if uart.any() else None
        if data:
            munix.proc().stdout.write(serialterm.text(data))
            got = True
            quiet = 0
        elif not munix.sleep(serialterm.POLL_MS):
            break
        else:
            quiet += serialterm.POLL_MS
    return 0 if got else 1
