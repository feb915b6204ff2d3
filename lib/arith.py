"""$((...)): integer arithmetic, evaluated here, never by Python's eval.

Operators as in C, by falling precedence: unary + - ! ~, **, * / %, + -,
<< >>, < <= > >=, == !=, &, ^, |, &&, ||, ?:, and the assignments
= += -= *= /= %=. A name stands for its variable's value (unset or empty
is 0). Numbers: 42, 0x2a, 052.
"""

_BINARY = (
    ("||",), ("&&",), ("|",), ("^",), ("&",), ("==", "!="),
    ("<", "<=", ">", ">="), ("<<", ">>"), ("+", "-"), ("*", "/", "%"),
)
_LEVEL = {op: level for level, ops in enumerate(_BINARY) for op in ops}
_SYMBOLS = ("**", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "+=", "-=",
            "*=", "/=", "%=", "+", "-", "*", "/", "%", "<", ">", "&", "^", "|",
            "!", "~", "(", ")", "?", ":", "=")
_NAME = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789"


class ArithError(Exception):
    pass


def evaluate(text, sess):
    """The value of the expression text; variables from session sess."""
    tokens = _tokens(text)
    if not tokens:
        return 0
    calc = _Calc(tokens, sess)
    result = calc.assign()
    if calc.i < len(tokens):
        raise ArithError("%s: syntax error near %s" % (text.strip(), tokens[calc.i]))
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
            raise ArithError("%s: bad character %s" % (text.strip(), c))
    return tokens


def _number(text):
    try:
        if text[:2] in ("0x", "0X"):
            return int(text[2:], 16)
        if len(text) > 1 and text[0] == "0":
            return int(text[1:], 8)
        return int(text)
    except ValueError:
        raise ArithError("%s: not a number" % text)


class _Calc:
    def __init__(self, tokens, sess):
        self.tokens = tokens
        self.i = 0
        self.sess = sess

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected=None):
        token = self.peek()
        if token is None or expected is not None and token != expected:
            raise ArithError("expected %s" % (expected or "an operand"))
        self.i += 1
        return token

    def assign(self):
        token = self.peek()
        nxt = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else None
        if token and token[0] in _NAME[:53] and nxt in ("=", "+=", "-=", "*=", "/=", "%="):
            self.i += 2
            value = self.assign()
            if nxt != "=":
                value = _apply(nxt[0], self.variable(token), value)
            self.sess.setenv(token, str(value))
            return value
        return self.ternary()

    def ternary(self):
        cond = self.binary(0)
        if self.peek() != "?":
            return cond
        self.take()
        yes = self.assign()
        self.take(":")
        no = self.assign()
        return yes if cond else no

    def binary(self, lowest):
        # Precedence climbing: one call per operator, not per level, so a
        # parenthesis fits a board's small stack.
        left = self.power()
        while True:
            op = self.peek()
            level = _LEVEL.get(op)
            if level is None or level < lowest:
                return left
            self.take()
            left = _apply(op, left, self.binary(level + 1))

    def power(self):
        base = self.unary()
        if self.peek() == "**":
            self.take()
            exponent = self.power()
            if exponent < 0:
                raise ArithError("negative exponent")
            return base ** exponent
        return base

    def unary(self):
        token = self.take()
        if token == "-":
            return -self.unary()
        if token == "+":
            return self.unary()
        if token == "!":
            return int(not self.unary())
        if token == "~":
            return ~self.unary()
        if token == "(":
            value = self.assign()
            self.take(")")
            return value
        if token[0] in "0123456789":
            return _number(token)
        if token[0] in _NAME:
            return self.variable(token)
        raise ArithError("unexpected %s" % token)

    def variable(self, name):
        text = self.sess.getenv(name, "").strip()
        if not text:
            return 0
        if text[:1] == "-":
            return -_number(text[1:])
        return _number(text)


def _apply(op, a, b):
    if op in ("/", "%"):
        if b == 0:
            raise ArithError("division by zero")
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
