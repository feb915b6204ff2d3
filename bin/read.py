import cmdargs
import munix

USAGE = """VAR [PROMPT]
  Read a line from the standard input into the variable VAR, after showing
  PROMPT (at a terminal). At end of input VAR is set empty and the status
  is 1."""
ABOUT = "read a line into a variable"


def __main__(args):
    opts, rest = cmdargs.parse(args, operands=2)
    if not rest:
        raise cmdargs.UsageError("no VAR given")
    name = rest[0]
    if not munix.is_name(name):
        raise cmdargs.UsageError("%s: not a variable name" % name)
    status = 0
    try:
        line = input(rest[1] if len(rest) > 1 else "")
    except EOFError:
        line = ""
        status = 1
    munix.setenv(name, line)
    return status
