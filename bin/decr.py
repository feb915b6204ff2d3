import intvar

USAGE = """VAR [N]
  Subtract N (1 unless told) from the variable VAR, which holds an
  integer; an unset or empty VAR counts as 0."""
ABOUT = "subtract from a variable"


def __main__(args):
    return intvar.add(args, -1)
