USAGE = """[-f] [-p PIN [-l 0|1]] [MS]
  Stop the services (/etc/end.sh) and sleep deeply: only the clock runs;
  after MS ms, or when PIN is at level -l (0 unless told; ESP32 boards),
  the board starts afresh (a reset: init.sh runs, RAM is lost; wdt tells
  the last reset was a deep sleep). MS or PIN is needed: nothing else
  would wake it. On an ESP8266 its GPIO16 must be wired to RST.
  -f  wake by a pin the board reserves all the same"""
ABOUT = "sleep until a timer or a pin resets the board"


def __main__(args):
    import sleepmodes
    ms, pin = sleepmodes.args(args)
    import machine
    import munix

    def deep(ms):
        munix.shutdown()
        machine.deepsleep(ms)
    return sleepmodes.sleep(deep, ms, pin)
