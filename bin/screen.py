import cmdargs

USAGE = """[-b BUS] [-s BAUD]
  Make the console a terminal of a UART (the board's first in its board
  file, or BUS) at BAUD (115200 unless told): what is typed goes out of
  its TX pin, what comes in on RX is shown. Ctrl-] leaves. Only at the
  board's console (serial or USB); its TX and RX pins are booked
  meanwhile."""
ABOUT = "talk to a device on a UART from the console"


def __main__(args):
    opts, rest = cmdargs.parse(args, "", "bs", operands=0)
    baud = cmdargs.number(opts.get("s", "115200"), "baud rate")
    import buses
    import munix
    import pins
    import serialterm
    if not serialterm.available(munix.proc()):
        return cmdargs.error(None, "only at the board's console")
    try:
        uart = buses.uart(opts.get("b"), baud)
    except pins.PinError as e:
        return cmdargs.error(None, e)
    except (ValueError, OSError) as e:
        return cmdargs.error(None, e)
    print("screen: %d baud; Ctrl-] leaves" % baud)
    serialterm.passthrough(uart, munix.proc().stdout)
    print()
    return 0
