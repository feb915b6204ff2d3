"""The parts of the command language simple command lines never hold,
parsed here so that the resident parser (shellparse.py) stays small: the
compound commands (if, upyOS's one-line if, while, until, for, case),
${NAME OP WORD} and ${#NAME}, NAME() { ...; }, here-documents. Loaded the
first time a line holds one. Each function is given the
shellparse module (sp) it parses for: this one sits above it and never
imports it.
"""

PARAM_OPS = (":-", ":=", ":?", ":+", "##", "%%", "-", "=", "?", "+", "#", "%")
# ${NAME:-${...}} nested deeper than this is refused: each level is parsed
# and expanded by a few Python calls on a board's small C stack.
MAX_PARAMETER_NESTING = 8


def parameter(lex, i, word, quoted, sp):
    """Parse ${...} at lex.line[i] == "$" into word; the index after it."""
    line = lex.line
    j = _brace_end(line, i + 2, quoted, 1, sp)
    if j == -2:
        raise sp.ParseError("${...} nested deeper than %d levels" % MAX_PARAMETER_NESTING)
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
    n = _name_end(text, 0, sp) if text else 0
    name, rest = text[:n], text[n:]
    op = rest[:2] if rest[:2] in PARAM_OPS else rest[:1]
    if not sp.is_parameter(name) or op not in PARAM_OPS:
        raise sp.ParseError("${%s}: bad substitution" % text)
    rest = rest[len(op):]
    # Inside double quotes only the word of - = ? + is read as there; a
    # pattern's quotes and backslashes quote as in an unquoted word, and
    # its unquoted * ? [ ] still match (2.6.2).
    if quoted and op[-1] not in "#%":
        return (name, op, _quoted_parts(rest, "$`\\\"}\n", sp))
    return (name, op, _unquoted_parts(rest, sp))


def _unquoted_parts(text, sp):
    """The parts of a ${ } word outside double quotes: a word whose blanks
    and operators are plain text."""
    parts = []
    lex = sp.Lexer(text)
    while lex.pos < len(text):
        parts.extend(lex._word())
        if lex.pos < len(text):
            parts.append((sp.LIT, text[lex.pos]))
            lex.pos += 1
    return parts


def _brace_end(text, i, quoted, depth, sp):
    """Index of the } that closes a ${ before text[i], skipping quoted
    text, $( ), `...` and nested ${ }; -1 if none, -2 if nested too
    deeply. Inside double quotes (quoted) a single quote is a plain
    character, except in a pattern (dash)."""
    if depth > MAX_PARAMETER_NESTING:
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
        except sp.ParseError:
            pass
        j = sp._closing(lex.line, j + 1, 1)
        while j < 0:
            if lex.more is None:
                return first
            end = len(lex.line)
            lex._need("$(", i)
            j = sp._closing(lex.line, end, 1)


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


def here_document(lex, fd, op):
    """The redirection << or <<- DELIMITER, its word just read: the word of
    the redirection, the body, is filled in once the line ends
    (here_documents)."""
    body = []
    # The delimiter is the word as written, less its quotes: nothing in it
    # expands (2.7.4), ${a} and $(a) included.
    raw = lex.line[lex.start:lex.pos]
    text = ""
    quote = None
    i = 0
    while i < len(raw):
        c = raw[i]
        if quote is None and c in "'\"":
            quote = c
        elif c == quote:
            quote = None
        elif c == "\\" and quote != "'" and (quote is None or raw[i + 1:i + 2] in "$`\"\\"):
            i += 1
            text += raw[i:i + 1]
        else:
            text += c
        i += 1
    quoted = "'" in raw or '"' in raw or "\\" in raw
    lex.heredocs.append((body, text, op == "<<-", quoted))
    return (fd, op, body)


def here_documents(lex, sp):
    """Read the bodies of the here-documents of the line just ended, each
    up to its delimiter line, into their words."""
    pending = lex.heredocs
    lex.heredocs = []
    for word, delimiter, strip, quoted in pending:
        body = []
        while True:
            line = lex.more() if lex.more is not None else None
            if line is None:
                break
            if strip:
                line = line.lstrip("\t")
            if line.rstrip("\r\n") == delimiter:
                break
            body.append(line if line[-1:] == "\n" else line + "\n")
        text = "".join(body)
        word.extend([(sp.QLIT, text)] if quoted else _quoted_parts(text, "$`\\\n", sp))


def _quoted_parts(text, escapes, sp):
    """Text read as inside double quotes, as word parts: $ and ` expand, a
    backslash quotes only the characters of escapes (a newline goes with
    it). Where escapes holds a " (the word of a ${ } inside double
    quotes), a " only opens or closes a part that reads the same."""
    lex = sp.Lexer(text)
    parts = []
    stop = "\\$`\"" if '"' in escapes else "\\$`"
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in escapes:
            if text[i + 1] != "\n":
                parts.append((sp.QLIT, text[i + 1]))
            i += 2
        elif c == "$":
            i = lex._dollar(i, parts, True)
        elif c == "`":
            i = lex._backquoted(i, parts, sp.QSUB)
        elif c == '"' and c in stop:
            i += 1
        else:
            j = i + 1
            while j < n and text[j] not in stop:
                j += 1
            parts.append((sp.QLIT, text[i:j]))
            i = j
    return parts


def _if(parser, keyword, sp):
    """if LIST; then LIST; [elif LIST; then LIST;]... [else LIST;] fi"""
    upyos = _upyos_if(parser, sp)
    if upyos:
        return upyos
    clauses = []
    else_body = None
    while True:
        condition = parser._list()
        parser._expect("then")
        clauses.append((condition, parser._list()))
        word = parser._keyword()
        parser.lex.next()
        if word == "elif":
            continue
        if word == "else":
            else_body = parser._list()
            parser._expect("fi")
        elif word != "fi":
            raise sp.Incomplete("missing fi")
        return ("if", clauses, else_body, parser._redirections())


def _loop(parser, keyword, sp):
    """while|until LIST; do LIST; done"""
    condition = parser._list()
    parser._expect("do")
    body = parser._list()
    parser._expect("done")
    return ("loop", condition, body, keyword == "until", parser._redirections())


def _for(parser, keyword, sp):
    """for NAME [in WORD...]; do LIST; done"""
    lex = parser.lex
    token = lex.next()
    name = sp.literal(token) if isinstance(token, list) else None
    if not sp.is_name(name):
        raise sp.ParseError("for: bad variable name")
    words = None
    if lex.peek() == ";":
        lex.next()
    elif parser._keyword() == "in":
        lex.next()
        words = []
        while isinstance(lex.peek(), list):
            words.append(lex.next())
        if lex.peek() in (";", "\n"):
            lex.next()
        else:
            raise parser._unexpected()
    parser._expect("do")
    body = parser._list()
    parser._expect("done")
    return ("for", name, words, body, parser._redirections())


def _upyos_if(parser, sp):
    """upyOS's `if A OP B ACTION...` (a comparison, then a command on
    the same line), told apart from `if LIST; then` by its operator."""
    lex = parser.lex
    line, pos = lex.line, lex.pos
    lex._skip_blanks()
    a = lex._word() if lex.line[lex.pos:lex.pos + 1] not in sp.META else None
    lex._skip_blanks()
    i = lex.pos
    j = i
    while j < len(lex.line) and lex.line[j] not in sp.BLANKS + "\n":
        j += 1
    op = lex.line[i:j]
    if a is None or op not in sp.UPYOS_OPS or j >= len(lex.line) or lex.line[j] == "\n":
        lex.line, lex.pos = line, pos
        return None
    lex.pos = j
    lex._skip_blanks()
    b = lex._word()
    lex._skip_blanks()
    lex.start = lex.pos
    action = lex.rest_of_line().strip(sp.BLANKS)
    if not b or not action:
        raise sp.ParseError("if: usage: if A OP B COMMAND")
    parser = sp.Parser(action, aliases=lex.aliases)
    return ("uif", a, op, b, parser.command())


def _case(parser, keyword, sp):
    """case WORD in [(]PATTERN[|PATTERN]...) LIST;; ... esac"""
    lex = parser.lex
    word = lex.next()
    if not isinstance(word, list):
        raise sp.ParseError("case: missing word")
    parser._expect("in")
    items = []
    while parser._keyword() != "esac":
        if lex.peek() == "(":
            lex.next()
        patterns = [lex.next()]
        while lex.peek() == "|":
            lex.next()
            patterns.append(lex.next())
        for pattern in patterns:
            if not isinstance(pattern, list):
                raise parser._unexpected() if pattern is None else sp.ParseError("case: bad pattern")
        if lex.next() != ")":
            raise sp.ParseError("case: missing ) after a pattern")
        parser._linebreaks()
        body = None if lex.peek() == ";;" or parser._keyword() == "esac" else parser._list()
        items.append((patterns, body))
        if lex.peek() == ";;":
            lex.next()
        elif parser._keyword() != "esac":
            raise parser._unexpected()
    lex.next()
    return ("case", word, items, parser._redirections())


def function(parser, name, sp):
    """NAME() COMMAND, at its (: the command is kept, run each time NAME is."""
    lex = parser.lex
    lex.next()
    if lex.next() != ")":
        raise sp.ParseError("%s: ( without )" % name)
    parser._linebreaks()
    body = parser._command()
    if body[0] in ("simple", "py", "nop", "pipe"):
        raise sp.ParseError("%s(): the body must be a compound command ({ ...; })" % name)
    return ("function", name, body)


# The compound command each keyword starts, called by the parser straight
# from here: a dispatching function would be one more call per level of
# nesting, on a board's small C stack.
COMPOUND = {"if": _if, "while": _loop, "until": _loop, "for": _for, "case": _case}
