import cmdargs
import munix

USAGE = """NAME...
  Forget the aliases NAME (see alias)."""
ABOUT = "remove command aliases"


def __main__(args):
    opts, names = cmdargs.parse(args)
    if not names:
        raise cmdargs.UsageError("missing NAME")
    aliases = munix.conf().setdefault("alias", {})
    status = 0
    for name in names:
        if aliases.pop(name, None) is None:
            status = cmdargs.error(name, "not an alias")
    munix.save_conf({"alias": aliases})
    return status
