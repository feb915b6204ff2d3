import cmdargs

USAGE = """[MHZ]
  Print the CPU clock in MHz, or set it to MHZ (ESP32: 80, 160 or 240;
  ESP32-C3 and ESP8266: 80 or 160; RP2040: 18 to 250)."""
ABOUT = "show or set the CPU clock"


def __main__(args):
    opts, rest = cmdargs.parse(args, "", operands=1)
    import machine
    if not rest:
        print(machine.freq() // 1000000)
        return 0
    mhz = cmdargs.number(rest[0], "frequency in MHz")
    try:
        machine.freq(mhz * 1000000)
    except (ValueError, OSError) as e:
        return cmdargs.error(rest[0], e)
    return 0
