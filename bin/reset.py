import cmdargs
import munix

USAGE = ""
ABOUT = "restart the board at once, without stopping the services"


def __main__(args):
    cmdargs.parse(args, operands=0)
    munix.reset(after_end_sh=False)
    return cmdargs.error("", "this port cannot reset")
