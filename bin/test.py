import cmdargs
import fspath
import munix

USAGE = """EXPRESSION
  Status 0 when EXPRESSION is true, 1 when false, 2 when it is malformed.
  -f PATH  a file is there        -d PATH  a folder is there
  -e PATH  anything is there      -p NAME  a process (or daemon) NAME runs
  -z TEXT  TEXT is empty          -n TEXT  TEXT is not empty
  A = B, A == B, A != B           the strings are equal, differ
  A -eq B  -ne -lt -le -gt -ge    the integers compare so
  ! EXPRESSION                    not;  TEXT alone: true when not empty
  -p matches part of a name (upyOS): -p http finds uhttpd.
  `[ EXPRESSION ]` is the same. upyOS's `test EXPRESSION > VAR` sets VAR
  to True or False; in upyOS mode (a script whose first line is #!upyos,
  or "upyos": true in /etc/system.conf) a test run on its own line also
  prints True or False."""
ABOUT = "check files, processes, strings and numbers"

_UNARY = ("-f", "-d", "-e", "-z", "-n", "-p")
_NUMERIC = ("-eq", "-ne", "-lt", "-le", "-gt", "-ge")


def __main__(args):
    if args == ["--help"]:
        raise cmdargs.Help()
    true = _true(args)
    if _upyos_prints():
        print(true)
    return 0 if true else 1


def _upyos_prints():
    """upyOS's test prints its result: in upyOS mode, when the test is a
    command of its own, not a condition (if, while, && ||)."""
    sess = munix.session()
    if sess.testing:
        return False
    return munix.conf().get("upyos") is True or getattr(sess.script, "upyos", False)


def _true(args):
    n = len(args)
    if n == 0:
        return False
    if n == 1:
        return args[0] != ""
    if n == 3 and (args[1] in ("=", "==", "!=") or args[1] in _NUMERIC):
        return _binary(*args)
    if args[0] == "!":
        return not _true(args[1:])
    if n == 2:
        if args[0] in _UNARY:
            return _unary(args[0], args[1])
        raise cmdargs.UsageError("%s: unknown condition" % args[0])
    raise cmdargs.UsageError("%s: expected a condition of one to three words" % " ".join(args))


def _unary(op, arg):
    if op == "-z":
        return arg == ""
    if op == "-n":
        return arg != ""
    if op == "-p":
        return _runs(arg)
    st = fspath.stat(munix.path(arg))
    if st is None:
        return False
    folder = st[0] & fspath.DIR != 0
    return op == "-e" or folder == (op == "-d")


def _runs(name):
    # procctl, not jobcmd: it is loaded already wherever something runs
    # beside the console, and jobcmd's 3 KiB were what a board's heap,
    # full with a daemon and its client, could not give.
    import procctl
    me = munix.proc()
    for p in procctl.table():
        if name in p.name and p is not me:
            return True
    return False


def _binary(a, op, b):
    if op == "=" or op == "==":
        return a == b
    if op == "!=":
        return a != b
    x = _integer(a)
    y = _integer(b)
    if op == "-eq":
        return x == y
    if op == "-ne":
        return x != y
    if op == "-lt":
        return x < y
    if op == "-le":
        return x <= y
    if op == "-gt":
        return x > y
    return x >= y


def _integer(text):
    try:
        return int(text)
    except ValueError:
        raise cmdargs.UsageError("%s: not an integer" % text)
