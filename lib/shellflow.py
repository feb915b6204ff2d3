"""How a built-in command changes the flow of what runs it: `exit` ends
the script or session, `return` the script or sourced file, `goto` jumps
to a label of the script, `break`/`continue` leave loops. Each is an
exception that the part of the shell it concerns catches."""

# Function calls, scripts and sourced files running inside each other
# deeper than this are refused, on any board: each level is a dozen Python
# calls or more, and a runtime at its own stack limit has crashed (the
# default simulator's console fits about 45 levels of a function running a
# `for` and a $( ), 29 of `sh` scripts). A small board's stack ends sooner.
MAX_CALLS = 16


class Exit(Exception):
    """`exit` ran: it ends the script, or the session, it ran in."""

    def __init__(self, status):
        self.status = status


class Return(Exception):
    """`return` ran: it ends the script or sourced file it ran in."""

    def __init__(self, status):
        self.status = status


class ShellError(Exception):
    """An error of the shell language itself (POSIX 2.8.1): a syntax
    error, an expansion that fails (${x?}, $(( )), set -u), a special
    built-in given a bad argument. It abandons its line at a prompt and
    ends a shell that reads a script; a subshell ends with it. Resident:
    a plain line's $NAME is expanded without the parser (plainvars)."""
    status = 1


class Goto(Exception):
    def __init__(self, label):
        self.label = label


class LoopControl(Exception):
    """break or continue, out of `levels` loops; the loop's status is
    `status` (not 0 only when the count was wrong, and that ends the loop)."""

    def __init__(self, kind, levels, status=0):
        self.kind = kind
        self.levels = levels
        self.status = status
