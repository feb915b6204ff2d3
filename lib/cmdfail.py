"""The words of a program's failure (its usage, its error), kept out of
the resident shell: loaded by the first failure, and dropped with the
parser on a small heap (shell.PARSER)."""
import errors
import process


def failed(name, module, exc):
    """Report what a program raised; returns its status."""
    import cmdargs
    proc = process.current()
    if isinstance(exc, cmdargs.Help):
        proc.stdout.write(_usage(name, module, True, cmdargs))
        return 0
    if isinstance(exc, cmdargs.UsageError):
        errors.complain(name, str(exc))
        proc.stderr.write(_usage(name, module, False, cmdargs))
        return 2
    errors.report(name, exc)
    return 1


def _usage(name, module, full, cmdargs):
    text = cmdargs.usage_of(module)
    if not full:
        text = text.split("\n")[0]
    return ("usage: %s %s" % (name, text)).rstrip() + "\n"
