import cmdargs

USAGE = """[-s]
  -s  the seconds since boot, as a plain number"""
ABOUT = "how long since the board booted, and the free memory"


def __main__(args):
    opts, rest = cmdargs.parse(args, "s", operands=0)
    import munix
    secs = munix.uptime_ms() // 1000
    if "s" in opts:
        print(secs)
        return
    free = cmdargs.memory()[2]
    print("up %s, %s free" % (cmdargs.duration(secs), cmdargs.human(free)))
