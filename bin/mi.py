import cmdargs

USAGE = ""
ABOUT = "memory info: the Python heap's total, used and free bytes"


def __main__(args):
    opts, rest = cmdargs.parse(args, operands=0)
    total, used, free = cmdargs.memory()
    print("Total: %d bytes" % total)
    print("Used:  %d bytes (%s)" % (used, _percent(used, total)))
    print("Free:  %d bytes (%s)" % (free, _percent(free, total)))


def _percent(part, total):
    return "%.1f%%" % (part * 100 / total) if total else "-"
