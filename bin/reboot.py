import cmdargs
import munix

USAGE = ""
ABOUT = "stop the services (/etc/end.sh) and restart the board"


def __main__(args):
    cmdargs.parse(args, operands=0)
    munix.reset(after_end_sh=True)
    return cmdargs.error("", "this port cannot reset")
