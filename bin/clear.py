import cmdargs

USAGE = ""
ABOUT = "clear the terminal screen"


def __main__(args):
    opts, rest = cmdargs.parse(args, operands=0)
    print("\x1b[2J\x1b[H", end="")
