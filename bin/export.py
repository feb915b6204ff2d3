import cmdargs
import munix

USAGE = """[NAME[=VALUE]...]
  export NAME=VALUE  set and export NAME (seen by every session)
  export NAME VALUE  the same (upyOS form: exactly two words, no = in NAME;
                     `export NAME = VALUE` too)
  export NAME VALUE -i|-f|-b|-s
                     upyOS's typed form: VALUE is an integer, a float,
                     True or False, or text, and upyOS programs get it so
                     from utls.getenv (the shell sees its text)
  export NAME        export the variable NAME, already set in this session
  export             list the exported variables
  export -p          list them as commands that set them again"""
ABOUT = "export variables to every session"


_TYPES = ("-i", "-f", "-b", "-s")


def __main__(args):
    if len(args) > 2 and args[1] == "=" and "=" not in args[0]:
        args = [args[0]] + args[2:]
    if len(args) == 3 and args[2] in _TYPES:
        return _typed(*args)
    opts, rest = cmdargs.parse(args, "p")
    if not rest:
        return _list("p" in opts)
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


def _typed(name, text, kind):
    if not munix.is_name(name):
        return cmdargs.error(name, "not a valid name")
    if kind == "-b":
        if text not in ("True", "False"):
            return cmdargs.error(text, "not True or False")
        value = text == "True"
    else:
        try:
            value = int(text) if kind == "-i" else float(text) if kind == "-f" else text
        except ValueError:
            return cmdargs.error(text, "not an integer" if kind == "-i" else "not a number")
    import utls
    utls.setenv(name, value)
    return 0


def _list(commands):
    shared = munix.session().exported()
    for name in sorted(shared):
        if commands:
            print("export %s='%s'" % (name, shared[name].replace("'", "'\\''")))
        else:
            print("%s=%s" % (name, shared[name]))
