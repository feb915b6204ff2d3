import cmdargs

USAGE = """[-h]
  -h  sizes in K and M rather than bytes"""
ABOUT = "the memory total, used and free, as a table"


def __main__(args):
    opts, rest = cmdargs.parse(args, "h", operands=0)
    size = cmdargs.human if "h" in opts else str
    total, used, free = cmdargs.memory()
    print("%-5s %10s %10s %10s" % ("", "total", "used", "free"))
    print("%-5s %10s %10s %10s" % ("Mem:", size(total), size(used), size(free)))
