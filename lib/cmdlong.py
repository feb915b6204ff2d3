"""Long options (--name VALUE, --name=VALUE) for cmdargs.parse, loaded only
by the few commands that have them (curl, mqttc): the parser every
command loads stays small."""
import strsplit


def take(args, i, arg, long, valued):
    """(key, value, index of the next argument) of the long option arg, its
    value args[i] unless given with =, True for a flag; ValueError saying
    what is wrong with it."""
    name, eq, value = strsplit.partition(arg, "=")
    key = long.get(name)
    if key is None:
        raise ValueError("unknown option %s" % name)
    if key[-1] != "=" and not (len(key) == 1 and key in valued):
        if eq:
            raise ValueError("option %s takes no value" % name)
        return key, True, i
    if not eq:
        if i >= len(args):
            raise ValueError("option %s needs a value" % name)
        value = args[i]
        i += 1
    return key.rstrip("="), value, i
