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
  `[ EXPRESSION ]` is the same. upyOS's `test EXPRESSION > VAR` sets VAR
  to True or False."""
ABOUT = "check files, processes, strings and numbers"

_UNARY = ("-f", "-d", "-e", "-z", "-n", "-p")
_NUMERIC = ("-eq", "-ne", "-lt", "-le", "-gt", "-ge")


def __main__(args):
    if args == ["--help"]:
        raise cmdargs.Help()
    return 0 if _true(args) else 1


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
    import jobcmd
    for p in jobcmd.table():
        if p.name == name:
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
