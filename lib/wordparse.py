"""Parsing the words' expansions that need more than a glance, loaded the
first time a line holds one: ${NAME OP WORD} and ${#NAME} (POSIX 2.6.2),
a $( ) that a case pattern's ) might seem to end, and text read as inside
double quotes (a here-document's, a quoted ${ } word's). Apart from
shellsyntax.py so that a line of compound commands does not load it. Each
function is given the shellparse module (sp) it parses for: this one sits
above it and never imports it.
"""
from micropython import const

_PARAM_OPS = (":-", ":=", ":?", ":+", "##", "%%", "-", "=", "?", "+", "#", "%")
# ${NAME:-${...}} nested deeper than this is refused: each level is parsed
# and expanded by a few Python calls on a board's small C stack.
_MAX_PARAMETER_NESTING = const(8)


def parameter(lex, i, word, quoted, sp):
    """Parse ${...} at lex.line[i] == "$" into word; the index after it."""
    line = lex.line
    j = _brace_end(lex.scan, i + 2, quoted, 1, sp)
    if j == -2:
        raise sp.ParseError("${...} nested deeper than %d levels" % _MAX_PARAMETER_NESTING)
    if j < 0:
        raise sp.ParseError("missing }")
    word.append((sp.VAR + (1 if quoted else 0), _parameter(line[i + 2:j], quoted, sp)))
    return j + 1


def _name_end(text, i, sp):
    """Index after the parameter name of a ${ } whose text starts at
    text[i] (its operator, if any, comes there)."""
    c = text[i:i + 1]
    if c.isdigit():
        chars = "0123456789"
    elif c and c in sp.SPECIAL:
        return i + 1
    else:
        chars = sp.NAME
    while i < len(text) and text[i] in chars:
        i += 1
    return i


def _parameter(text, quoted, sp):
    """(name, operator, word parts) for ${#name} (operator "len"),
    ${name:-word} and the other operators."""
    if text[:1] == "#" and sp.is_parameter(text[1:]):
        return (text[1:], "len", None)
    n = _name_end(sp.ascii_view(text), 0, sp) if text else 0
    name, rest = text[:n], text[n:]
    op = rest[:2] if rest[:2] in _PARAM_OPS else rest[:1]
    if not sp.is_parameter(name) or op not in _PARAM_OPS:
        raise sp.ParseError("${%s}: bad substitution" % text)
    rest = rest[len(op):]
    # Inside double quotes only the word of - = ? + is read as there; a
    # pattern's quotes and backslashes quote as in an unquoted word, and
    # its unquoted * ? [ ] still match (2.6.2).
    if quoted and op[-1] not in "#%":
        return (name, op, quoted_parts(rest, "$`\\\"}\n", sp))
    return (name, op, _unquoted_parts(rest, sp))


def _unquoted_parts(text, sp):
    """The parts of a ${ } word outside double quotes: a word whose blanks
    and operators are plain text."""
    parts = []
    lex = sp.Lexer(text)
    while lex.pos < len(text):
        parts.extend(lex._word())
        if lex.pos < len(text):
            parts.append((sp.LIT, text[lex.pos:lex.pos + 1]))
            lex.pos += 1
    return parts


def _brace_end(text, i, quoted, depth, sp):
    """Index of the } that closes a ${ before text[i], skipping quoted
    text, $( ), `...` and nested ${ }; -1 if none, -2 if nested too
    deeply. Inside double quotes (quoted) a single quote is a plain
    character, except in a pattern (dash). text: a line's ascii_view, as
    for _name_end and _backquote_end."""
    if depth > _MAX_PARAMETER_NESTING:
        return -2
    n = len(text)
    if text[i:i + 1] == "#" and i + 1 < n and text[i + 1] != "}":
        i += 1
    i = _name_end(text, i, sp)
    single = not quoted or text[i:i + 1] in ("#", "%")
    inner = False       # within "..." of the word
    while i < n:
        c = text[i]
        if c == "}" and not inner:
            return i
        if c == '"':
            inner = not inner
        elif c == "'" and single and not inner:
            i = text.find(c, i + 1)
            if i < 0:
                return -1
        elif c == "\\":
            i += 1
        elif c == "`":
            i = _backquote_end(text, i + 1)
            if i < 0:
                return -1
        elif c == "$" and text[i + 1:i + 2] == "{":
            i = _brace_end(text, i + 2, quoted or inner, depth + 1, sp)
            if i < 0:
                return i
        elif c == "$" and text[i + 1:i + 2] == "(":
            i = sp._closing(text, i + 2, 1)
            if i < 0:
                return -1
        i += 1
    return -1


def substitution_end(lex, i, j, sp):
    """Index of the ) that ends the $( at lex.line[i], j the first one that
    balances its parentheses: a case pattern's ) may be that one, so while
    the command up to there does not parse, the next ) is tried (2.6.3);
    when none does, the first, whose error the command then reports."""
    first = j
    while True:
        try:
            sp.parse_all(lex.line[i + 2:j])
            return j
        except sp.ShellError:
            pass
        j = sp._closing(lex.scan, j + 1, 1)
        while j < 0:
            if lex.more is None:
                return first
            end = len(lex.line)
            lex._need("$(", i)
            j = sp._closing(lex.scan, end, 1)


def _backquote_end(text, i):
    """Index of the ` that closes one before text[i], or -1."""
    while i < len(text):
        c = text[i]
        if c == "`":
            return i
        if c == "\\":
            i += 1
        i += 1
    return -1


def quoted_parts(text, escapes, sp):
    """Text read as inside double quotes, as word parts: $ and ` expand, a
    backslash quotes only the characters of escapes (a newline goes with
    it). Where escapes holds a " (the word of a ${ } inside double
    quotes), a " only opens or closes a part that reads the same."""
    lex = sp.Lexer(text)
    scan = lex.scan
    parts = []
    stop = "\\$`\"" if '"' in escapes else "\\$`"
    i = 0
    n = len(text)
    while i < n:
        c = scan[i]
        if c == "\\" and i + 1 < n and scan[i + 1] in escapes:
            if scan[i + 1] != "\n":
                parts.append((sp.QLIT, text[i + 1:i + 2]))
            i += 2
        elif c == "$":
            i = lex._dollar(i, parts, True)
        elif c == "`":
            i = lex._backquoted(i, parts, sp.QSUB)
        elif c == '"' and c in stop:
            i += 1
        else:
            j = i + 1
            while j < n and scan[j] not in stop:
                j += 1
            parts.append((sp.QLIT, text[i:j]))
            i = j
    return parts
