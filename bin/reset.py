import cmdargs

USAGE = ""
ABOUT = "restart the board at once, without stopping the services"


def __main__(args):
    opts, rest = cmdargs.parse(args)
    if rest:
        raise cmdargs.UsageError("extra operand %s" % rest[0])
    try:
        import machine
        reset = machine.reset
    except (ImportError, AttributeError):
        return cmdargs.error("", "this port cannot reset")
    reset()
