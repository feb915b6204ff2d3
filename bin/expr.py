import cmdargs

USAGE = """EXPRESSION
  Print the value of EXPRESSION, each operator and operand a word of its
  own, by falling precedence:
    A | B    A unless it is null or 0, else B
    A & B    A unless A or B is null or 0, else 0
    A = B, A != B, A < B, A <= B, A > B, A >= B
             1 or 0; as integers when both are, else as strings
    A + B, A - B, A * B, A / B, A % B    integers
    A : REGEX    the length of the match at A's start, or the part \\( \\)
             picked out (a basic regular expression)
    ( EXPRESSION )
  Status 0, or 1 when the value is null or 0; 2 for a bad expression.
  (Quote * and the parentheses from the shell.)"""
ABOUT = "evaluate an expression (integers, strings, regular expressions)"

# Operators by falling precedence: the | level first.
_LEVELS = (" | ", " & ", " = != < <= > >= ", " + - ", " * / % ")


def __main__(args):
    if args == ["--help"]:
        raise cmdargs.Help()
    if not args:
        raise cmdargs.UsageError("missing EXPRESSION")
    value, i = _level(args, 0, 0)
    if i < len(args):
        raise cmdargs.UsageError("%s: unexpected" % args[i])
    print(value)
    return 1 if value == "" or value == "0" else 0


def _level(args, i, level):
    """The value of the expression at args[i] whose operators are of level
    or tighter: (its text, the index after it)."""
    if level == len(_LEVELS):
        return _match(args, i)
    value, i = _level(args, i, level + 1)
    while i < len(args) and " %s " % args[i] in _LEVELS[level]:
        op = args[i]
        other, i = _level(args, i + 1, level + 1)
        value = _apply(value, op, other)
    return value, i


def _match(args, i):
    value, i = _operand(args, i)
    while i < len(args) and args[i] == ":":
        pattern, i = _operand(args, i + 1)
        value = _regex(value, pattern)
    return value, i


def _operand(args, i):
    if i >= len(args):
        raise cmdargs.UsageError("an operand expected at the end")
    if args[i] == "(":
        value, i = _level(args, i + 1, 0)
        if i >= len(args) or args[i] != ")":
            raise cmdargs.UsageError("( without its )")
        return value, i + 1
    return args[i], i + 1


def _apply(a, op, b):
    if op == "|":
        return b if a == "" or a == "0" else a
    if op == "&":
        return "0" if a in ("", "0") or b in ("", "0") else a
    x, y = _integer(a), _integer(b)
    if op in ("+", "-", "*", "/", "%"):
        if x is None or y is None:
            raise cmdargs.UsageError("%s: not an integer" % (b if x is not None else a))
        if op in ("/", "%") and y == 0:
            raise cmdargs.UsageError("division by zero")
        if op == "+":
            return str(x + y)
        if op == "-":
            return str(x - y)
        if op == "*":
            return str(x * y)
        # Towards zero, as C's (and POSIX's) division.
        q = abs(x) // abs(y) * (1 if (x < 0) == (y < 0) else -1)
        return str(q if op == "/" else x - y * q)
    if x is None or y is None:
        x, y = a, b
    if op == "=":
        return "1" if x == y else "0"
    if op == "!=":
        return "1" if x != y else "0"
    if op == "<":
        return "1" if x < y else "0"
    if op == "<=":
        return "1" if x <= y else "0"
    if op == ">":
        return "1" if x > y else "0"
    return "1" if x >= y else "0"


def _integer(text):
    digits = text[1:] if text[:1] == "-" else text
    return int(text) if digits.isdigit() else None


def _regex(text, pattern):
    """POSIX's `A : REGEX`: a basic regular expression anchored at A's
    start; the part in \\( \\) when there is one, else the match's length."""
    import re
    import regex
    try:
        found = re.match(regex.anchors(regex.translate(pattern)), text)
    except ValueError:
        raise cmdargs.UsageError("%s: not a regular expression" % pattern)
    grouped = "\\(" in pattern
    if found is None:
        return "" if grouped else "0"
    return found.group(1) if grouped else str(len(found.group(0)))

