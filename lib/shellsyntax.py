"""The parts of the command language simple command lines never hold,
parsed here so that the resident parser (shellparse.py) stays small: the
compound commands (if, upyOS's one-line if, while, until, for, case),
NAME() { ...; }, here-documents (${ } is wordparse.py's). Loaded the
first time a line holds one. Each function is given the
shellparse module (sp) it parses for: this one sits above it and never
imports it.
"""

def here_document(lex, fd, op):
    """The redirection << or <<- DELIMITER, its word just read: the word of
    the redirection, the body, is filled in once the line ends
    (here_documents)."""
    body = []
    # The delimiter is the word as written, less its quotes: nothing in it
    # expands (2.7.4), ${a} and $(a) included.
    raw = lex.line[lex.start:lex.pos]
    scan = lex.scan[lex.start:lex.pos]
    text = ""
    quote = None
    i = 0
    while i < len(raw):
        c = scan[i]
        if quote is None and c in "'\"":
            quote = c
        elif c == quote:
            quote = None
        elif c == "\\" and quote != "'" and (quote is None or raw[i + 1:i + 2] in "$`\"\\"):
            i += 1
            text += raw[i:i + 1]
        else:
            text += raw[i:i + 1]
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
        if quoted:
            word.append((sp.QLIT, text))
        else:
            import wordparse
            word.extend(wordparse.quoted_parts(text, "$`\\\n", sp))


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
    while j < len(lex.scan) and lex.scan[j] not in sp.BLANKS + "\n":
        j += 1
    op = lex.line[i:j]
    if a is None or op not in sp.UPYOS_OPS or j >= len(lex.scan) or lex.scan[j] == "\n":
        lex.set_line(line)
        lex.pos = pos
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
    body = parser._list(one=True)
    if body[0] in ("simple", "argv", "py", "nop", "pipe"):
        raise sp.ParseError("%s(): the body must be a compound command ({ ...; })" % name)
    return ("function", name, body)


# The compound command each keyword starts, called by the parser straight
# from here: a dispatching function would be one more call per level of
# nesting, on a board's small C stack.
COMPOUND = {"if": _if, "while": _loop, "until": _loop, "for": _for, "case": _case}
