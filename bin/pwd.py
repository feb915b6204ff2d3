import cmdargs
import munix

USAGE = """[-L|-P]
  -L, -P  taken for POSIX's sake: a board's filesystems have no links"""
ABOUT = "print the working folder"


def __main__(args):
    opts, rest = cmdargs.parse(args, "LP")
    if rest:
        raise cmdargs.UsageError("too many arguments")
    print(munix.session().cwd)
