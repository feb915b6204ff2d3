import cmdargs
import munix

USAGE = """[NAME[=VALUE]...]
  export NAME=VALUE  set and export NAME (seen by every session)
  export NAME VALUE  the same (upyOS form: exactly two words, no = in NAME)
  export NAME        export the variable NAME, already set in this session
  export             list the exported variables"""
ABOUT = "export variables to every session"


def __main__(args):
    opts, rest = cmdargs.parse(args)
    if not rest:
        return _list()
    if len(rest) == 2 and "=" not in rest[0]:
        rest = [rest[0] + "=" + rest[1]]
    status = 0
    for arg in rest:
        eq = arg.find("=")
        name = arg if eq < 0 else arg[:eq]
        if not munix.is_name(name):
            status = cmdargs.error(name or arg, "not a valid name")
            continue
        value = munix.getenv(name) if eq < 0 else arg[eq + 1:]
        if value is None:
            status = cmdargs.error(name, "not set")
            continue
        munix.setenv(name, value, export=True)
    return status


def _list():
    shared = munix.session().exported()
    for name in sorted(shared):
        print("%s=%s" % (name, shared[name]))
