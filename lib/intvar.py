"""incr and decr: add to a variable that holds an integer."""
import shellplain


def add(args, sign):
    """VAR [N] of incr (sign 1) and decr (sign -1): VAR += sign * N (1
    unless told); an unset or empty VAR counts as 0. A status."""
    import cmdargs
    import munix
    opts, rest = cmdargs.parse(_numbers_as_operands(args), operands=2)
    if not rest:
        raise cmdargs.UsageError("no VAR given")
    name = rest[0]
    if not shellplain.is_name(name):
        raise cmdargs.UsageError("%s: not a variable name" % name)
    step = cmdargs.number(rest[1], "number") if len(rest) > 1 else 1
    if not _add(munix.session(), name, sign * step):
        return cmdargs.error(name, "not an integer: %s" % munix.getenv(name))
    return 0


def run(argv, sess, sign):
    """The shell's incr and decr (shell.run), when $PATH finds munix's own:
    VAR [N] is added here and the program is not loaded. The status; None
    when the program must run: words it has to complain of or explain
    (--help)."""
    if len(argv) > 3:
        return None
    name = argv[1] if len(argv) > 1 else ""
    if not shellplain.is_name(name) or name in sess.readonly:
        return None
    try:
        step = int(argv[2]) if len(argv) > 2 else 1
    except ValueError:
        return None
    return 0 if _add(sess, name, sign * step) else None


def _add(sess, name, n):
    """Variable name += n; False when it holds no integer (unset or empty
    counts as 0)."""
    try:
        number = int(sess.getenv(name) or "0")
    except ValueError:
        return False
    sess.setenv(name, str(number + n))
    return True


def _numbers_as_operands(args):
    """-5 is a step, not an option."""
    return ["--"] + args if any(a[:1] == "-" and a[1:].isdigit() for a in args) else args
