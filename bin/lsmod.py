import sys

import cmdargs

USAGE = ""
ABOUT = "list the Python modules loaded in memory"


def __main__(args):
    opts, rest = cmdargs.parse(args, operands=0)
    for name in sorted(sys.modules):
        print(name)
