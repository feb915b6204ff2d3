import cmdargs
import munix

USAGE = ""
ABOUT = "print the working folder"


def __main__(args):
    opts, rest = cmdargs.parse(args)
    if rest:
        raise cmdargs.UsageError("too many arguments")
    print(munix.session().cwd)
