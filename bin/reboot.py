import cmdargs

USAGE = ""
ABOUT = "stop the services (/etc/end.sh) and restart the board"


def __main__(args):
    opts, rest = cmdargs.parse(args)
    if rest:
        raise cmdargs.UsageError("extra operand %s" % rest[0])
    try:
        import machine
        reset = machine.reset
    except (ImportError, AttributeError):
        return cmdargs.error("", "this port cannot reset")
    import kernel
    kernel.shutdown()
    import time
    time.sleep_ms(100)  # let the console send out what is printed
    reset()
