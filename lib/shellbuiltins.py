"""The shell's built-in commands that run its scripts' flow: exit,
return, break, continue, goto, skip, shift, run, :, true and false; the
others, those about the shell's state and its lookup, are shellstate's,
and trap is shelltrap's, each loaded by the first of its commands: the
flow is what upyOS's scripts use, and the esp8266 interns the names of a
module it loads for good. Loaded on first use.

Each built-in is given the shell module (sh) whose evaluator runs it:
shellbuiltins sits above the shell's resident part and never imports it.
"""
from errors import complain
from shellflow import Exit, Goto, LoopControl, Return


def run(argv, sess, sh):
    """Run the built-in argv[0] for the shell sh; its status."""
    builtin = _BUILTINS.get(argv[0])
    if builtin is not None:
        return builtin(argv, sess, sh)
    if argv[0] == "trap":
        import shelltrap
        return shelltrap.trap(argv, sess, sh)
    import shellstate
    return shellstate.run(argv, sess, sh)


def _error(message, status=2):
    # The parser's module has the class: a plain line of built-ins runs
    # without it.
    import shellparse
    return shellparse.BuiltinError(message, status)


def _status_arg(argv, sess):
    if len(argv) < 2:
        return sess.status
    try:
        return int(argv[1])
    except ValueError:
        raise _error("%s: %s: numeric argument required" % (argv[0], argv[1]))


def _count_arg(argv):
    if len(argv) > 2:
        raise _error("%s: too many arguments" % argv[0])
    try:
        n = int(argv[1]) if len(argv) > 1 else 1
    except ValueError:
        n = 0
    if n < 1:
        raise _error("%s: %s: not a positive count" % (argv[0], argv[1]))
    return n


def _exit(argv, sess, sh):
    # What it ends (a script, a subshell) has a process's status, 0-255.
    raise Exit(_status_arg(argv, sess) & 255)


def _return(argv, sess, sh):
    if not sess.frames and sess.script is None:
        complain("return", "not in a function or script")
        return 1
    raise Return(_status_arg(argv, sess))


def _loop_control(argv, sess, sh):
    n = _count_arg(argv)
    if not sess.loops:
        complain(argv[0], "only meaningful in a loop")
        return 1
    # More levels than there are loops leave them all (dash).
    raise LoopControl(argv[0], min(n, sess.loops))


def _goto(argv, sess, sh):
    if len(argv) != 2:
        complain("goto", "usage: goto LABEL")
        return 2
    raise Goto(argv[1])


def _skip(argv, sess, sh):
    n = _count_arg(argv)
    if sess.script is None:
        complain("skip", "not in a script")
        return 1
    sess.script.skip = n
    return 0


def _shift(argv, sess, sh):
    n = 0 if argv[1:] == ["0"] else _count_arg(argv)
    args = sess.positional()
    if n > len(args) - 1:
        raise _error("shift: can't shift that many", 1)
    sess.args = args[:1] + args[1 + n:]
    return 0


_BUILTINS = {
    "exit": _exit, "return": _return, "break": _loop_control,
    "continue": _loop_control, "goto": _goto, "skip": _skip, "shift": _shift,
    ":": lambda argv, sess, sh: 0, "true": lambda argv, sess, sh: 0,
    "false": lambda argv, sess, sh: 1,
    "run": lambda argv, sess, sh: sh.run(argv[1:], sess) if len(argv) > 1 else 0,
}

