import cmdargs
import munix

USAGE = ""
ABOUT = "print every variable as NAME=value"


def __main__(args):
    opts, rest = cmdargs.parse(args, operands=0)
    env = munix.session().environ()
    for name in sorted(env):
        print("%s=%s" % (name, env[name]))
