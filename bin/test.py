from micropython import const

import cmdargs
import fspath
import munix

USAGE = """EXPRESSION
  Status 0 when EXPRESSION is true, 1 when false, 2 when it is malformed.
  -f PATH  a file is there        -d PATH  a folder is there
  -e PATH  anything is there      -s PATH  there, its size not 0
  -r, -w, -x PATH  there, and may be read, written (not a system file),
           run or searched (a folder, .py, .mpy or .sh)
  -h, -L, -b, -c, -S PATH  a link, device or socket: never on a board
  -p NAME  a process (or daemon) NAME runs
  -z TEXT  TEXT is empty          -n TEXT  TEXT is not empty
  A = B, A == B, A != B, A < B, A > B    the strings compare so
  A -eq B  -ne -lt -le -gt -ge    the integers compare so
  A -nt B, A -ot B                file A is newer, older than B
  ! EXPR   not      EXPR -a EXPR   and      EXPR -o EXPR   or     ( EXPR )
  TEXT alone: true when not empty.
  -p matches part of a name (upyOS): -p http finds uhttpd.
  `[ EXPRESSION ]` is the same. upyOS's `test EXPRESSION > VAR` sets VAR
  to True or False; in upyOS mode (a script whose first line is #!upyos,
  or "upyos": true in /etc/system.conf) a test run on its own line also
  prints True or False."""
ABOUT = "check files, processes, strings and numbers"

# The operators, each known by its place here: a string written in the
# code is a name a board interns for good as test loads, and an ESP8266's
# room for names ran out in a script's `while [ ... ]`.
_UNARY = " -z -n -p -h -L -b -c -S -f -d -e -s -r -w -x "
_BINARY = " = == != < > -eq -ne -lt -le -gt -ge -nt -ot "
_Z = const(0)
_P = const(2)
_F = const(8)       # -h to -S before it: links, devices, sockets, never on a board
_D = const(9)
_S = const(11)
_W = const(13)
_X = const(14)
_STRINGS = const(5)     # = == != < > before it, -eq to -ge after it
_NT = const(11)
_DEPTH = 16     # parentheses nested at most: each takes three calls of a board's stack


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


def _op(table, word):
    """word's place among table's operators, or -1."""
    if " " in word or (" " + word + " ") not in table:
        return -1
    return table.split().index(word)


def _true(args):
    """POSIX's rules by the number of words, which settle what the grammar
    leaves open (`[ -n ]`, `[ ! = x ]`); past them the grammar."""
    n = len(args)
    if n == 0:
        return False
    if n == 1:
        return args[0] != ""
    if n == 2 and args[0] == "!":
        return args[1] == ""
    if n == 2 and _op(_UNARY, args[0]) < 0:
        raise cmdargs.UsageError("%s: unknown condition" % args[0])
    if n == 3 and _op(_BINARY, args[1]) >= 0:
        return _binary(args[0], _op(_BINARY, args[1]), args[2])
    if n in (3, 4) and args[0] == "!":
        return not _true(args[1:])
    if n in (3, 4) and args[0] == "(" and args[-1] == ")":
        return _true(args[1:-1])
    if args.count("(") > _DEPTH:
        raise cmdargs.UsageError("parentheses nested deeper than %d" % _DEPTH)
    true, i = _any(args, 0)
    if i < n:
        raise cmdargs.UsageError("%s: expected a condition of one to three words, -a, -o or )"
                                 % " ".join(args[i:]))
    return true


def _any(args, i, op="-o"):
    """EXPR -o EXPR ... (op -o), or the tighter EXPR -a EXPR ... (op -a):
    (its truth, the index of the word after it)."""
    part = _factor if op == "-a" else _any
    true, i = part(args, i, "-a")
    while i < len(args) and args[i] == op:
        other, i = part(args, i + 1, "-a")
        true = (true and other) if op == "-a" else (true or other)
    return true, i


def _factor(args, i, op=None):
    """! EXPR, ( EXPR ), a primary, a word; op is _any's, unused: one call
    for either level keeps a board's stack to three calls a parenthesis."""
    n = len(args)
    if i >= n:
        raise cmdargs.UsageError("%s: a condition expected after it" % args[-1])
    word = args[i]
    if i + 2 < n and _op(_BINARY, args[i + 1]) >= 0:
        return _binary(word, _op(_BINARY, args[i + 1]), args[i + 2]), i + 3
    if word == "!":
        true, i = _factor(args, i + 1)
        return not true, i
    if word == "(":
        true, i = _any(args, i + 1)
        if i >= n or args[i] != ")":
            raise cmdargs.UsageError("( without its )")
        return true, i + 1
    if i + 1 < n and _op(_UNARY, word) >= 0:
        return _unary(_op(_UNARY, word), args[i + 1]), i + 2
    return word != "", i + 1


def _unary(k, arg):
    """The unary operator at k of _UNARY, of arg."""
    if k < _P:
        return (arg == "") == (k == _Z)
    if k == _P:
        return _runs(arg)
    path = munix.path(arg)
    st = fspath.stat(path)
    if st is None or k < _F:
        return False
    folder = st[0] & fspath.DIR != 0
    if k == _S:
        return st[6] > 0
    if k == _W:
        return not fspath.is_protected(path) and not path.startswith("/rom/")
    if k == _X:
        return folder or path.endswith(".py") or path.endswith(".mpy") or path.endswith(".sh")
    # -e, -r: there; -f, -d: a file, a folder.
    return folder if k == _D else k != _F or not folder


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


def _binary(a, k, b):
    """The binary operator at k of _BINARY, of a and b."""
    if k < _STRINGS:
        return (a == b, a == b, a != b, a < b, a > b)[k]
    if k >= _NT:
        return _newer(a, b) if k == _NT else _newer(b, a)
    x = _integer(a)
    y = _integer(b)
    return (x == y, x != y, x < y, x <= y, x > y, x >= y)[k - _STRINGS]


def _integer(text):
    try:
        return int(text)
    except ValueError:
        raise cmdargs.UsageError("%s: not an integer" % text)


def _newer(a, b):
    """POSIX's -nt: a is there and b is not, or a was changed after b."""
    sa = fspath.stat(munix.path(a))
    sb = fspath.stat(munix.path(b))
    return sa is not None and (sb is None or sa[8] > sb[8])
