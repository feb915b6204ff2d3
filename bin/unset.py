import cmdargs
import munix

USAGE = """NAME...
  A NAME that is a digit clears that positional parameter (upyOS)."""
ABOUT = "remove variables, exported or not"


def __main__(args):
    opts, names = cmdargs.parse(args)
    if not names:
        raise cmdargs.UsageError("missing NAME")
    status = 0
    for name in names:
        if munix.is_name(name) or name.isdigit():
            munix.unsetenv(name)
        else:
            status = cmdargs.error(name, "not a valid name")
    return status
