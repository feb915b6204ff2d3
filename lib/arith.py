"""$((...)): integer arithmetic, evaluated here, never by Python's eval.

Operators as in C, by falling precedence: unary + - ! ~, **, * / %, + -,
<< >>, < <= > >=, == !=, &, ^, |, &&, ||, ?:, and the assignments
= += -= *= /= %= <<= >>= &= ^= |=. A name stands for its variable's value (unset or empty
is 0). Numbers: 42, 0x2a, 052.
"""
from micropython import const

from shellparse import ShellError

_BINARY = (
    ("||",), ("&&",), ("|",), ("^",), ("&",), ("==", "!="),
    ("<", "<=", ">", ">="), ("<<", ">>"), ("+", "-"), ("*", "/", "%"), ("**",),
)
_LEVEL = {op: level for level, ops in enumerate(_BINARY) for op in ops}
_SYMBOLS = ("<<=", ">>=", "**", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "+=", "-=",
            "*=", "/=", "%=", "&=", "^=", "|=", "+", "-", "*", "/", "%", "<", ">", "&", "^", "|",
            "!", "~", "(", ")", "?", ":", "=")
_NAME = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789"
_ASSIGN = ("=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "^=", "|=")
# Parentheses, operands of ** and ?: branches nested deeper than this are
# refused: each level is a Python call, and a board's thread has a few KiB
# of C stack.
_MAX_DEPTH = const(32)


def evaluate(text, sess):
    """The value of the expression text; variables from session sess."""
    tokens = _tokens(text)
    if not tokens:
        return 0
    calc = _Calc(tokens, sess)
    try:
        result = calc.expr(0)
    except RuntimeError:
        # The stack ran out before _MAX_DEPTH: a board's thread, deep in a script.
        raise ShellError("arithmetic nested too deeply for the stack")
    if calc.i < len(tokens):
        raise ShellError("%s: syntax error near %s" % (text.strip(), tokens[calc.i]))
    return result


def _tokens(text):
    tokens = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in " \t\n":
            i += 1
            continue
        if c in _NAME:
            j = i
            while j < n and text[j] in _NAME:
                j += 1
            tokens.append(text[i:j])
            i = j
            continue
        for sym in _SYMBOLS:
            if text.startswith(sym, i):
                tokens.append(sym)
                i += len(sym)
                break
        else:
            raise ShellError("%s: bad character %s" % (text.strip(), c))
    return tokens


def _number(text):
    try:
        if text[:2] in ("0x", "0X"):
            return int(text[2:], 16)
        if len(text) > 1 and text[0] == "0":
            return int(text[1:], 8)
        return int(text)
    except ValueError:
        raise ShellError("%s: not a number" % text)


class _Calc:
    def __init__(self, tokens, sess):
        self.tokens = tokens
        self.i = 0
        self.sess = sess
        self.depth = 0

    def peek(self, ahead=0):
        i = self.i + ahead
        return self.tokens[i] if i < len(self.tokens) else None

    def take(self, expected=None):
        token = self.peek()
        if token is None or expected is not None and token != expected:
            raise ShellError("expected %s" % (expected or "an operand"))
        self.i += 1
        return token

    def expr(self, lowest):
        """The value of the expression here whose operators bind at least
        as tightly as level lowest (0: everything, with ?: and assignments).
        Precedence climbing in one function: a parenthesis costs one Python
        call, and prefix operators none."""
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise ShellError("arithmetic nested deeper than %d levels" % _MAX_DEPTH)
        token = self.peek()
        op = self.peek(1)
        if lowest == 0 and op in _ASSIGN and token[0] in _NAME[:53]:
            self.i += 2
            value = self.expr(0)
            if op != "=":
                value = _apply(op[:-1], self.variable(token), value)
            if token in self.sess.readonly:
                raise ShellError("%s: is read only" % token)
            self.sess.setenv(token, str(value))
            self.depth -= 1
            return value
        prefixes = []
        token = self.take()
        while token in ("-", "+", "!", "~"):
            prefixes.append(token)
            token = self.take()
        if token == "(":
            left = self.expr(0)
            self.take(")")
        elif token[0] in "0123456789":
            left = _number(token)
        elif token[0] in _NAME:
            left = self.variable(token)
        else:
            raise ShellError("unexpected %s" % token)
        while prefixes:
            left = _prefix(prefixes.pop(), left)
        while True:
            op = self.peek()
            level = _LEVEL.get(op)
            if level is None or level < lowest:
                break
            self.take()
            # ** groups to the right, the others to the left.
            left = _apply(op, left, self.expr(level if op == "**" else level + 1))
        if lowest == 0 and self.peek() == "?":
            self.take()
            yes = self.expr(0)
            self.take(":")
            no = self.expr(0)
            left = yes if left else no
        self.depth -= 1
        return left

    def variable(self, name):
        text = self.sess.getenv(name)
        if text is None and "u" in self.sess.flags:
            raise ShellError("%s: parameter not set" % name)
        text = (text or "").strip()
        if not text:
            return 0
        if text[:1] == "-":
            return -_number(text[1:])
        return _number(text)


def _prefix(op, a):
    if op == "-":
        return -a
    if op == "!":
        return int(not a)
    if op == "~":
        return ~a
    return a


def _apply(op, a, b):
    if op == "**":
        if b < 0:
            raise ShellError("negative exponent")
        return a ** b
    if op in ("/", "%"):
        if b == 0:
            raise ShellError("division by zero")
        q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
        return q if op == "/" else a - b * q
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "<<":
        return a << b
    if op == ">>":
        return a >> b
    if op == "&":
        return a & b
    if op == "|":
        return a | b
    if op == "^":
        return a ^ b
    if op == "&&":
        return int(bool(a and b))
    if op == "||":
        return int(bool(a or b))
    return int({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b,
                "==": a == b, "!=": a != b}[op])
