"""Regular expressions for the text commands (grep, sed): POSIX's basic
and extended ones in MicroPython's re, and case folding, which that re
lacks.

MicroPython's re knows . [] * + ? | () ^ $ and \\d \\s \\w; it has no {m,n},
no character classes ([:digit:]), no back-references, no IGNORECASE, and
its match objects no start() on every board. translate() writes a POSIX
expression in it: \\( \\) \\{ \\} \\| \\+ \\? of a basic one (and the bare
ones of an extended one) become re's groups and repetitions, {m,n} is
spelled out, classes become ranges, and what POSIX takes literally (a
basic one's ( + ? |, a * that repeats nothing, a ^ or $ that anchors
nothing) is escaped.
"""

_META = ".[]()*+?{}|^$\\"
_REPEAT = "*+?{"
# The character classes and their ranges, each after a NUL: one string,
# not a dict, whose keys and values a board would each intern for good.
_CLASSES = ("\0digit:0-9\0alpha:a-zA-Z\0alnum:a-zA-Z0-9\0upper:A-Z\0lower:a-z"
            "\0space: \t\n\r\f\v\0blank: \t\0xdigit:0-9A-Fa-f"
            "\0punct:!\"#$%&'()*+,\\-./:;<=>?@[\\\\\\]^_`{|}~\0")
_MANY = 255     # the most {m,n} may ask for: each repetition is written out


def fold(pattern):
    """pattern in lower case, to match text in lower case; the letter after
    a \\ is kept: \\S is not \\s."""
    out = []
    escaped = False
    for i in range(len(pattern)):
        c = pattern[i:i + 1]    # a slice: a character taken out is kept for good
        out.append(c if escaped else c.lower())
        escaped = c == "\\" and not escaped
    return "".join(out)


def translate(pattern, extended=False):
    """pattern, a POSIX basic (or extended) expression, in MicroPython's
    re: a list of pieces, None where a ^ anchors (anchors() joins them).
    ValueError says what cannot be written there."""
    out = []
    atom = -1       # where in out the last atom begins; -1: none to repeat
    opened = []     # where each open group begins
    groups = []     # where each group begins, once closed
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i:i + 1]
        i += 1
        special = extended and c in "(){}|+?"
        if c == "\\":
            if i == n:
                raise ValueError("a \\ ends the expression")
            c = pattern[i:i + 1]
            i += 1
            if not extended and c in "(){}|+?":
                special = True
            elif c in "123456789":
                raise ValueError("back-references (\\%s) are not supported" % c)
            elif c in "wWsSdD":
                atom = len(out)
                out.append("\\" + c)
                continue
            elif c == "n" or c == "t":
                # The character itself: re reads \n as n.
                atom = len(out)
                out.append("\n" if c == "n" else "\t")
                continue
            else:
                atom = len(out)
                out.append(_literal(c))
                continue
        if special and c == "(":
            opened.append(len(out))
            out.append("(")
            atom = -1
        elif special and c == ")":
            if not opened:
                raise ValueError("unmatched )")
            atom = opened.pop()
            groups.append(atom)
            out.append(")")
        elif special and c == "|":
            out.append("|")
            atom = -1
        elif special and c == "{":
            end = pattern.find("}" if extended else "\\}", i)
            if end < 0:
                raise ValueError("unmatched {")
            if atom < 0:
                raise ValueError("{ repeats nothing")
            if atom in groups:
                raise ValueError("a group repeated by {m,n} is not supported")
            out[atom:] = [_repeat("".join(out[atom:]), pattern[i:end])]
            i = end + (1 if extended else 2)
            atom = -1
        elif c == "*" or special and c in "+?":
            if atom >= 0:
                out.append(c)
                atom = -1
            elif out and out[-1][-1:] in _REPEAT:
                continue    # a** is a*
            else:
                atom = len(out)
                out.append(_literal(c))
        elif c == "^" and (extended or not out or out[-1] in ("(", "|")):
            out.append(None)
            atom = -1
        elif c == "$" and (extended or i == n or pattern[i:i + 2] in ("\\)", "\\|")):
            out.append("$")
            atom = -1
        elif c == ".":
            atom = len(out)
            out.append(".")
        elif c == "[":
            atom = len(out)
            piece, i = _bracket(pattern, i)
            out.append(piece)
        else:
            atom = len(out)
            out.append(_literal(c))
    if opened:
        raise ValueError("unmatched (")
    return out


def anchors(pieces, at_start=True):
    """The expression of translate()'s pieces: a ^ anchors at the text's
    start, or (at_start False: a search further on) never matches."""
    return "".join([p if p is not None else "^" if at_start else "$." for p in pieces])


def unanchored(pattern):
    """pattern, one in re's words, searched further on than a text's start:
    each ^ that anchors never matches there."""
    out = []
    i = 0
    bracket = False
    while i < len(pattern):
        c = pattern[i:i + 1]
        i += 1
        if c == "\\":
            c += pattern[i:i + 1]
            i += 1
        elif bracket:
            bracket = c != "]" or out[-1:] == ["["] or out[-2:] == ["[", "^"]
        elif c == "[":
            bracket = True
        elif c == "^":
            c = "$."
        out.append(c)
    return "".join(out)


def _literal(c):
    return "\\" + c if c in _META else c


def _repeat(atom, counts):
    """atom written out as {counts} asks: m times, then up to n - m more."""
    comma = counts.find(",")
    lo, hi = (counts, counts) if comma < 0 else (counts[:comma], counts[comma + 1:])
    try:
        least = int(lo or "0")
        most = int(hi) if hi else None
    except ValueError:
        raise ValueError("{%s}: not a count" % counts)
    if least > _MANY or most is not None and (most < least or most > _MANY):
        raise ValueError("{%s}: not a count up to %d" % (counts, _MANY))
    if most is None:
        return atom * least + atom + "*"
    return atom * least + (atom + "?") * (most - least)


def _bracket(pattern, i):
    """The bracket expression from pattern[i:] (past its [), in re: (its
    text, where the pattern goes on)."""
    parts = ["["]
    if pattern[i:i + 1] == "^":
        parts.append("^")
        i += 1
    first = True
    while True:
        c = pattern[i:i + 1]
        if not c:
            raise ValueError("unmatched [")
        i += 1
        if c == "]" and not first:
            break
        first = False
        if c == "[" and pattern[i:i + 1] == ":":
            end = pattern.find(":]", i + 1)
            at = _CLASSES.find("\0" + pattern[i + 1:end + 1]) if end > i + 1 else -1
            if at < 0:
                raise ValueError("unknown character class")
            at += end - i + 1
            parts.append(_CLASSES[at:_CLASSES.find("\0", at)])
            i = end + 2
        elif c == "\\" and pattern[i:i + 1] in ("n", "t", "\\"):
            # GNU sed's [ \t] and [\n], which people write for a tab.
            d = pattern[i:i + 1]
            i += 1
            parts.append("\n" if d == "n" else "\t" if d == "t" else "\\\\")
        elif c in "\\]^[":
            parts.append("\\" + c)
        else:
            parts.append(c)
    parts.append("]")
    return "".join(parts), i
