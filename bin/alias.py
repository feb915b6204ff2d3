import cmdargs
import munix

USAGE = """[NAME[=VALUE]...]
  alias NAME=VALUE  make NAME stand for VALUE at the start of a command
  alias NAME        show what NAME stands for
  alias             list the aliases
  Aliases are kept in /etc/system.conf and last across reboots."""
ABOUT = "define or list command aliases"


def __main__(args):
    opts, rest = cmdargs.parse(args)
    aliases = munix.conf().setdefault("alias", {})
    if not rest:
        for name in sorted(aliases):
            _show(name, aliases[name])
        return 0
    status = 0
    changed = False
    for arg in rest:
        eq = arg.find("=")
        name = arg if eq < 0 else arg[:eq]
        if not munix.is_name(name.replace("-", "_").replace(".", "_")):
            status = cmdargs.error(name, "not a valid name")
        elif eq < 0:
            if name in aliases:
                _show(name, aliases[name])
            else:
                status = cmdargs.error(name, "not an alias")
        else:
            aliases[name] = arg[eq + 1:]
            changed = True
    if changed:
        munix.save_conf({"alias": aliases})
    return status


def _show(name, value):
    print("%s='%s'" % (name, value.replace("'", "'\\''")))
