"""incr and decr: add to a variable that holds an integer."""
import cmdargs
import shellplain
import munix


def add(args, sign):
    """VAR [N] of incr (sign 1) and decr (sign -1): VAR += sign * N (1
    unless told); an unset or empty VAR counts as 0. A status."""
    opts, rest = cmdargs.parse(_numbers_as_operands(args), operands=2)
    if not rest:
        raise cmdargs.UsageError("no VAR given")
    name = rest[0]
    if not shellplain.is_name(name):
        raise cmdargs.UsageError("%s: not a variable name" % name)
    step = cmdargs.number(rest[1], "number") if len(rest) > 1 else 1
    value = munix.getenv(name) or "0"
    try:
        number = int(value)
    except ValueError:
        return cmdargs.error(name, "not an integer: %s" % value)
    munix.setenv(name, str(number + sign * step))
    return 0


def _numbers_as_operands(args):
    """-5 is a step, not an option."""
    return ["--"] + args if any(a[:1] == "-" and a[1:].isdigit() for a in args) else args
