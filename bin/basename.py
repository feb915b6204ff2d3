import cmdargs

USAGE = """NAME [SUFFIX]
  NAME without the folders before its last /, and without SUFFIX at its
  end (unless that is all of it)."""
ABOUT = "strip the folders (and a suffix) from a path"


def __main__(args):
    _, names = cmdargs.parse(args, operands=2)
    if not names:
        raise cmdargs.UsageError("missing NAME")
    name = names[0].rstrip("/")
    if not name:
        print("/" if names[0] else "")
        return 0
    name = name[name.rfind("/") + 1:]
    suffix = names[1] if len(names) > 1 else ""
    if suffix and name != suffix and name.endswith(suffix):
        name = name[:-len(suffix)]
    print(name)
    return 0
