import cmdargs
import munix

USAGE = """[-v|-f] NAME...
  -v  variables (the default): a NAME that is a digit clears that
      positional parameter (upyOS)
  -f  shell functions"""
ABOUT = "remove variables or shell functions"


def __main__(args):
    opts, names = cmdargs.parse(args, "vf")
    if not names:
        raise cmdargs.UsageError("missing NAME")
    if "f" in opts and "v" in opts:
        raise cmdargs.UsageError("-f and -v: one or the other")
    status = 0
    for name in names:
        if not munix.is_name(name) and ("f" in opts or not name.isdigit()):
            status = cmdargs.error(name, "not a valid name")
        elif "f" in opts:
            munix.session().functions.pop(name, None)
        else:
            try:
                munix.unsetenv(name)
            except ValueError as e:
                status = cmdargs.error(None, str(e))
    return status
