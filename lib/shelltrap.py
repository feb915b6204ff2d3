"""The shell's traps: `trap` (a built-in, shellbuiltins.py) sets them in
session.traps, and the shell runs their actions: EXIT's as a shell ends
(shell.exit_trap), TERM's when a stop is asked of it (shell.interrupted),
INT's when Ctrl-C ends a script's command (script.py). Loaded when a trap
is set or runs: a board interns the names of a module it loads for good,
and a script that sets none need not pay for them.
"""
from shellflow import Exit

# The conditions a trap is set for: the shell's end, Ctrl-C, a stop
# request (kill), by name or number. A board has no other signals.
_CONDITIONS = {"EXIT": "EXIT", "0": "EXIT", "INT": "INT", "SIGINT": "INT", "2": "INT",
               "TERM": "TERM", "SIGTERM": "TERM", "15": "TERM"}


def trap(argv, sess, sh):
    """trap [ACTION CONDITION...]: ACTION, a command line, runs at
    CONDITION (EXIT, INT, TERM); '' ignores it, - (or no ACTION before a
    number) puts its default back; alone, the traps set, as commands."""
    args = argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        out = sh.process.current().stdout
        for condition, action in sorted((sess.traps or {}).items()):
            # None: the TERM action that runs now (stopped()).
            if action is not None:
                out.write("trap -- '%s' %s\n" % (action.replace("'", "'\\''"), condition))
        return 0
    action = args[0]
    if action == "-" or action.isdigit():
        action = None
        if args[0] == "-":
            args = args[1:]
    else:
        args = args[1:]
        if not args:
            import shellparse
            raise shellparse.BuiltinError("trap: %s: no condition given" % action)
    traps = dict(sess.traps or {})
    for name in args:
        condition = _CONDITIONS.get(name.upper())
        if condition is None:
            import shellparse
            raise shellparse.BuiltinError("trap: %s: not a condition (EXIT, INT or TERM)" % name)
        if action is None:
            traps.pop(condition, None)
        else:
            traps[condition] = action
    sess.traps = traps or None
    return 0


def exit_trap(sess, status, sh):
    """Run the EXIT trap's action (once: it may end with exit); the status
    the shell ends with."""
    action = sess.traps.pop("EXIT", None)
    return trapped(action, sess, status, sh) if action else status


def stopped(sess, sh):
    """A stop was asked of sess's shell: the TERM trap's action runs, once,
    then the shell ends: Exit (143, or the action's exit). Returns only
    while that action runs (the trap is None meanwhile): it goes to its end."""
    traps = sess.traps
    if "TERM" not in traps:
        raise Exit(143)
    action = traps["TERM"]
    if action is None:
        return
    traps["TERM"] = None
    raise Exit(trapped(action, sess, 143, sh))


def trapped(action, sess, status, sh):
    """Run a trap's action; $? is status during it and after it, unless
    the action exits: then its exit's status."""
    sess.status = status
    try:
        sh.run_line(action, sess)
    except Exit as e:
        return e.status
    sess.status = status
    return status
