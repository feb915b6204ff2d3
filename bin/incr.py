import intvar

USAGE = """VAR [N]
  Add N (1 unless told) to the variable VAR, which holds an integer; an
  unset or empty VAR counts as 0."""
ABOUT = "add to a variable"


def __main__(args):
    return intvar.add(args, 1)
