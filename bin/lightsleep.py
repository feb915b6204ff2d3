USAGE = """[-f] [-p PIN [-l 0|1]] [MS]
  Sleep lightly: the CPU stops, RAM and everything running are kept, and
  the board wakes after MS ms, or when PIN is at level -l (0 unless told:
  a button to ground; ESP32 boards), whichever comes first; then goes on
  where it was. Network connections may drop meanwhile.
  -f  wake by a pin the board reserves all the same"""
ABOUT = "stop the CPU until a timer or a pin wakes it"


def __main__(args):
    import sleepmodes
    ms, pin = sleepmodes.args(args)
    import machine
    return sleepmodes.sleep(machine.lightsleep, ms, pin)
