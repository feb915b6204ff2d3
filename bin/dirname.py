import cmdargs

USAGE = """NAME
  The folder NAME is in: NAME less its last component (. when it has no /)."""
ABOUT = "the folder part of a path"


def __main__(args):
    _, names = cmdargs.parse(args, operands=1)
    if not names:
        raise cmdargs.UsageError("missing NAME")
    name = names[0].rstrip("/")
    if not name:
        print("/" if names[0] else ".")
        return 0
    cut = name.rfind("/")
    if cut < 0:
        print(".")
    else:
        print(name[:cut].rstrip("/") or "/")
    return 0
