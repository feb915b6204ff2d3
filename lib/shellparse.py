"""The command language: lexer and parser.

Parser(next_line).command() reads one complete command from a source of
lines (a script, or the console with its continuation prompt) and returns it
as a tree of tuples; shell.py runs the tree, expansion.py expands its words.
Words are kept as parsed parts and only expanded when they run, never by
replacing text: $a and $ab are different variables, and a value is never
parsed again.

A word is a list of parts (kind, text). Even kinds are unquoted (their
values are split into fields and globbed), odd kinds quoted:
  LIT/QLIT      text
  VAR/QVAR      $NAME ${NAME} $? $1 ..., or for ${NAME OP WORD} and ${#NAME}
                (name, op, word parts) (wordops.py)
  SUB/QSUB      $(command) or `command`
  _ARITH/_QARITH  $((expression))

Nodes:
  ("list", [(and_or, background), ...])
  ("andor", [pipeline, "&&"|"||", pipeline, ...])
  ("pipe", [command, ...], negated)
  ("simple", assignments, words, redirections)
  ("argv", [text, ...])           a simple command with nothing to expand
  ("glob", [text, ...], redirections)   a plain line's command with patterns (shellplain.py)
  ("if", [(condition, body), ...], else_body, redirections)
  ("loop", condition, body, until, redirections)
  ("for", name, words or None for "$@", body, redirections)
  ("group", body, redirections)   { ...; }
  ("subshell", body, redirections)   ( ... ): its changes to the shell are undone
  ("case", word, [(patterns, body or None), ...], redirections)
  ("function", name, body)         NAME() { ...; }
  ("uif", a, op, b, action)      upyOS's one-line `if A OP B ACTION`
  ("py", text)                   a Python line (> statement, < expression)
  ("nop",)                       a :label line
A redirection is (fd, op, word) with op one of < > >> >| <> <& >& << <<-; the word
of a here-document (<<) is its body, read after the line that names it.
"""

import sys
from micropython import const

from shellflow import ShellError  # noqa: F401 (the parser's users find it here)
from shellplain import (CLOSING, META, NAME, NAME_START, NOP, OPENING, QUOTING, has_magic, is_name,
                        keeps_redirections)

LIT = 0
QLIT = 1
VAR = 2
_QVAR = const(3)
_SUB = const(4)
QSUB = 5
_ARITH = const(6)
_QARITH = const(7)

BLANKS = " \t\r"
# Compound commands, groups and subshells nested deeper than this are a
# syntax error, on any board: each level is four Python calls of parsing
# and more of running, and a board's thread has a few KiB of C stack
# (where that runs out first, MicroPython's recursion error says so).
_MAX_NESTING = const(32)
_PLAIN_STOP = META + QUOTING
SPECIAL = "?#@*$!-0123456789"
_OPERATORS = ("&&", "||", ";;", ";", "&", "|", "(", ")")
UPYOS_OPS = ("==", "!=", "<", "<=", ">", ">=", "in")


_SELF = sys.modules[__name__]   # given to shellsyntax.py and wordparse.py, which sit above


def ParseError(message):
    """A syntax error: a ShellError of status 2. A function, not a class
    of its own: a class takes more of the heap the parser loads into."""
    return BuiltinError("syntax error: " + message)


def BuiltinError(message, status=2):
    """A special built-in's bad argument (set, shift, trap ...): a shell
    error (POSIX 2.8.1), which ends a script and abandons the line at a
    prompt; status 2 unless given."""
    e = ShellError(message)
    e.status = status
    return e


# The input ended inside a construct: more lines would complete it.
Incomplete = ParseError


def assignment(word):
    """The variable name if word is NAME=..., else None."""
    if not word or word[0][0] != LIT:
        return None
    text = word[0][1]
    eq = text.find("=")
    return text[:eq] if eq > 0 and is_name(text[:eq]) else None


def literal(word):
    """The text of a word made of unquoted text only, else None."""
    if len(word) == 1 and word[0][0] == LIT:
        return word[0][1]
    return None


def ascii_view(text):
    """text as the lexer reads it a character at a time: each character
    past ASCII made a "." (a plain character wherever the language looks),
    at the same index. A character taken out of a str is a name MicroPython
    keeps for good, and every new one in a line took heap that no
    collection gave back; out of this view only ASCII ones are taken."""
    data = text.encode()
    if len(data) == len(text):
        return text
    view = bytearray()
    for b in data:
        if b < 0x80:
            view.append(b)
        elif b >= 0xc0:
            view.append(46)
    return view.decode()


class Lexer:
    """Tokens from lines: a word is a list of parts, an operator a str
    ("\\n" ends a line), a redirection a tuple (fd, op); None at the end.
    After peek(), start is where the token began and first tells whether
    only blanks came before it on its line. Characters are read out of
    scan, line's ascii_view (set_line keeps the two together); text is
    sliced out of line."""

    def __init__(self, line, more=None, aliases=None):
        self.set_line(line)
        self.pos = 0
        self.more = more            # () -> the next line, or None
        self.aliases = aliases or {}
        self.expanding = ()         # aliases being expanded: never twice
        self.line_done = False      # its end of line was given as a token
        self.start = 0
        self.first = True
        self._peeked = None
        self.heredocs = []          # (word to fill, delimiter, <<-, quoted) due at the line's end

    def set_line(self, line):
        self.line = line
        self.scan = ascii_view(line)

    def _next_line(self):
        """Move on to the next line; False at the end of the input."""
        line = self.more() if self.more is not None else None
        if line is None:
            return False
        self.set_line(line)
        self.pos = 0
        self.line_done = False
        return True

    def _need(self, what, i):
        """The construct at line[i:] goes on in the next line: join it."""
        head = self.line
        if not self._next_line():
            raise Incomplete("unterminated %s" % what)
        self.set_line(head + ("" if head[-1:] == "\n" else "\n") + self.line)
        self.pos = i

    def peek(self):
        if self._peeked is None:
            self._peeked = self._token()
        return self._peeked

    def next(self):
        token = self.peek()
        self._peeked = None
        return token

    def rest_of_line(self):
        """The raw text from the peeked token to the end of its line, consumed."""
        self._peeked = None
        end = len(self.line.rstrip("\r\n"))
        text = self.line[self.start:end]
        self.pos = end
        return text

    def _skip_blanks(self):
        line = self.line
        n = len(line)
        while self.pos < n:
            c = self.scan[self.pos]
            if c in BLANKS:
                self.pos += 1
            elif c == "\\" and line[self.pos + 1:self.pos + 2] == "\n":
                self._need("\\", self.pos)
                self.set_line(line[:self.pos] + self.line[self.pos + 2:])
                line = self.line
                n = len(line)
            else:
                return

    def _token(self):
        self._skip_blanks()
        line = self.line
        i = self.pos
        self.start = i
        self.first = not line[:i].strip(BLANKS)
        if i >= len(line):
            if self.line_done:
                return self._token() if self._next_line() else None
            self.line_done = True
            if self.heredocs:
                import shellsyntax
                shellsyntax.here_documents(self, _SELF)
            return "\n"
        c = self.scan[i]
        if c == "\n":
            self.pos = i + 1
            self.line_done = True
            if self.heredocs:
                import shellsyntax
                shellsyntax.here_documents(self, _SELF)
            return "\n"
        if c == "#":
            self.pos = len(line.rstrip("\r\n"))
            return self._token()
        if c in "<>" or c in "0123456789" and self._redirection_digits(i):
            return self._redirection()
        for op in _OPERATORS:
            if line.startswith(op, i):
                self.pos = i + len(op)
                return op
        return self._word()

    def _redirection_digits(self, i):
        scan = self.scan
        j = i
        while j < len(scan) and scan[j] in "0123456789":
            j += 1
        return j < len(scan) and scan[j] in "<>"

    def _redirection(self):
        line = self.line
        i = self.pos
        j = i
        while self.scan[j] in "0123456789":
            j += 1
        fd = int(line[i:j]) if j > i else None
        c = self.scan[j]
        op = c
        j += 1
        if line[j:j + 1] == "&":
            op += "&"
            j += 1
        elif c == ">" and line[j:j + 1] == ">":
            op = ">>"
            j += 1
        elif c == "<" and line[j:j + 1] == "<":
            op = "<<-" if line[j + 1:j + 2] == "-" else "<<"
            j += len(op) - 1
        elif line[j:j + 1] == ("|" if c == ">" else ">"):
            op += line[j:j + 1]
            j += 1
        self.pos = j
        if fd is None:
            fd = 0 if c == "<" else 1
        return (fd, op)

    def _word(self):
        word = []
        line = self.line
        n = len(line)
        i = self.pos
        while i < n:
            c = self.scan[i]
            if c in META:
                break
            if c == "'":
                j = line.find("'", i + 1)
                while j < 0:
                    self._need("'", i)
                    line = self.line
                    n = len(line)
                    j = line.find("'", i + 1)
                word.append((QLIT, line[i + 1:j]))
                i = j + 1
            elif c == '"':
                i = self._double_quoted(i + 1, word)
                line = self.line
                n = len(line)
            elif c == "\\":
                nxt = line[i + 1:i + 2]
                if nxt == "\n" or not nxt:
                    self._need("\\", i)
                    self.set_line(line[:i] + self.line[i + 2:])
                    line = self.line
                    n = len(line)
                    continue
                word.append((QLIT, nxt))
                i += 2
            elif c == "$":
                i = self._dollar(i, word, False)
                line = self.line
                n = len(line)
            elif c == "`":
                i = self._backquoted(i, word, _SUB)
            else:
                scan = self.scan
                j = i + 1
                while j < n and scan[j] not in _PLAIN_STOP:
                    j += 1
                word.append((LIT, line[i:j]))
                i = j
        self.pos = i
        return word

    def _double_quoted(self, i, word):
        """Parse from just after an opening " to just after the closing one."""
        word.append((QLIT, ""))
        while True:
            line = self.line
            n = len(line)
            while i < n:
                c = self.scan[i]
                if c == '"':
                    return i + 1
                if c == "\\":
                    nxt = line[i + 1:i + 2]
                    if nxt == "\n":
                        i += 2
                        continue
                    word.append((QLIT, nxt if nxt and nxt in '$"\\`' else c + nxt))
                    i += 2
                elif c == "$":
                    i = self._dollar(i, word, True)
                    line = self.line
                    n = len(line)
                elif c == "`":
                    i = self._backquoted(i, word, QSUB)
                else:
                    scan = self.scan
                    j = i + 1
                    while j < n and scan[j] not in "\"\\$`":
                        j += 1
                    word.append((QLIT, line[i:j]))
                    i = j
            self._need('"', i)

    def _dollar(self, i, word, quoted):
        """Parse $NAME, ${NAME}, $?, $(...), $((...)) at line[i] == "$"."""
        line = self.line
        nxt = line[i + 1:i + 2]
        q = 1 if quoted else 0
        if nxt == "(":
            # Unclosed at the end of the line: the next lines go on with it.
            while _closing(self.scan, i + 2, 1) < 0 and self.more is not None:
                self._need("$(", i)
                line = self.line
            if line[i + 2:i + 3] == "(":
                j = _closing(self.scan, i + 3, 2)
                if j >= 0 and line[j - 1:j + 1] == "))":
                    word.append((_ARITH + q, line[i + 3:j - 1]))
                    return j + 1
            j = _closing(self.scan, i + 2, 1)
            if j < 0:
                raise ParseError("missing )")
            if "case" in line[i + 2:j]:
                import wordparse
                j = wordparse.substitution_end(self, i, j, _SELF)
                line = self.line
            word.append((_SUB + q, line[i + 2:j]))
            return j + 1
        if nxt == "{":
            j = line.find("}", i + 2)
            if j >= 0 and is_parameter(line[i + 2:j]):
                word.append((VAR + q, line[i + 2:j]))
                return j + 1
            import wordparse
            return wordparse.parameter(self, i, word, quoted, _SELF)
        if nxt and nxt in SPECIAL:
            word.append((VAR + q, nxt))
            return i + 2
        if nxt and nxt in NAME_START:
            scan = self.scan
            j = i + 2
            while j < len(scan) and scan[j] in NAME:
                j += 1
            word.append((VAR + q, line[i + 1:j]))
            return j
        word.append((LIT + q, "$"))
        return i + 1

    def _backquoted(self, i, word, kind):
        """`command`: inside, a backslash quotes only $ ` and itself, and "
        too within double quotes (2.6.3)."""
        line = self.line
        scan = self.scan
        text = ""
        escapes = "$`\\\"" if kind & 1 else "$`\\"
        j = i + 1
        while j < len(scan) and scan[j] != "`":
            if scan[j] == "\\" and line[j + 1:j + 2] in escapes:
                j += 1
            text += line[j:j + 1]
            j += 1
        if j >= len(line):
            raise ParseError("unterminated `")
        word.append((kind, text))
        return j + 1

    def alias(self, word):
        """If the peeked word is an alias, put its text in its place and
        return True."""
        name = literal(word)
        value = self.aliases.get(name) if name else None
        if value is None or name in self.expanding:
            return False
        self.expanding = self.expanding + (name,)
        self.set_line(self.line[:self.start] + value + " " + self.line[self.pos:])
        self.pos = self.start
        self._peeked = None
        return True


def is_parameter(name):
    """True if ${name} names a parameter: a variable, $1..., or $? $# ..."""
    return is_name(name) or name.isdigit() or len(name) == 1 and name in SPECIAL


def _closing(text, i, depth):
    """Index of the ) that closes depth open parentheses before text[i],
    skipping quoted text; -1 if none. text: a line's ascii_view."""
    n = len(text)
    while i < n:
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        elif c in "'\"":
            j = text.find(c, i + 1)
            if j < 0:
                return -1
            i = j
        elif c == "\\":
            i += 1
        i += 1
    return -1


class Parser:
    """Commands from a source of lines: command() returns the next complete
    command (a "list" node), or None at the end of the input."""

    def __init__(self, line, more=None, aliases=None):
        self.lex = Lexer(line, more, aliases)
        self.depth = 0

    def command(self):
        """The next complete command: a "list" node, NOP for an empty
        line, None at the end of the input. It reads no further than the
        end of the command's last line."""
        self.depth = 0
        lex = self.lex
        token = lex.peek()
        if token is None:
            return None
        if token == "\n":
            lex.next()
            return NOP
        node = self._list(top=True)
        token = lex.next()
        if token not in ("\n", None):
            raise ParseError("unexpected %s" % _show(token))
        return node

    def line_done(self):
        """True once the current line has been read to its end."""
        return self.lex.line_done and self.lex._peeked is None

    def reset(self, aliases=None):
        """Forget the rest of the current line: the next command starts on
        the next line the source gives (after a goto or a syntax error);
        aliases, when given, are those its commands begin with."""
        lex = self.lex
        if aliases is not None:
            lex.aliases = aliases
        lex.set_line("")
        lex.pos = 0
        lex.line_done = True
        lex._peeked = None

    def _list(self, top=False, one=False):
        """and_or lists separated by ; & (and newlines, inside a compound);
        with one, a single command. Pipelines, && || and each command are
        parsed here, not in calls of their own, and a compound command's
        keyword calls its parser (shellsyntax) from here: each Python call
        costs a board's C stack at every level of nesting (five levels of
        loops and ifs were more than a script on an RP2040 could parse)."""
        lex = self.lex
        items = []
        while True:
            if not one:
                if not top:
                    self._linebreaks()
                token = lex.peek()
                if token is None or token == "\n" or self._closes(token):
                    break
            parts = []
            while True:
                negated = False
                if not one:
                    token = lex.peek()
                    if isinstance(token, list) and literal(token) == "!":
                        lex.next()
                        negated = True
                if not one:
                    lex.expanding = ()
                commands = []
                while True:
                    token = lex.peek()
                    node = None
                    if lex.first and (token == (0, "<") or token == (1, ">") or token == (1, ">>")):
                        node = ("py", lex.rest_of_line().strip(BLANKS))
                    elif isinstance(token, list):
                        name = literal(token)
                        if lex.first and name and name[:1] == ":" and len(name) > 1:
                            lex.rest_of_line()
                            node = NOP
                        elif lex.alias(token):
                            continue
                        elif name in OPENING:
                            lex.next()
                            import shellsyntax
                            self._nest(1)
                            node = shellsyntax.COMPOUND[name](self, name, _SELF)
                            self._nest(-1)
                        elif name == "{":
                            lex.next()
                            self._nest(1)
                            body = self._list()
                            self._expect("}")
                            self._nest(-1)
                            node = ("group", body, self._redirections())
                    elif token == "(":
                        lex.next()
                        self._nest(1)
                        body = self._list()
                        if lex.next() != ")":
                            raise self._unexpected()
                        self._nest(-1)
                        node = ("subshell", body, self._redirections())
                    if node is None:
                        node = self._simple()
                    if one:
                        return node
                    commands.append(node)
                    if lex.peek() != "|":
                        break
                    lex.next()
                    self._linebreaks()
                    lex.expanding = ()
                parts.append(commands[0] if len(commands) == 1 and not negated
                             else ("pipe", commands, negated))
                if lex.peek() not in ("&&", "||"):
                    break
                parts.append(lex.next())
                self._linebreaks()
            token = lex.peek()
            background = token == "&"
            items.append((parts[0] if len(parts) == 1 else ("andor", parts), background))
            if token in (";", "&"):
                lex.next()
            elif token == "\n" and not top:
                lex.next()
            else:
                break
        if not items:
            raise self._unexpected()
        return ("list", items)

    def _closes(self, token):
        if isinstance(token, list):
            return literal(token) in CLOSING
        return token in (")", ";;")

    def _linebreaks(self):
        while self.lex.peek() == "\n":
            self.lex.next()

    def _unexpected(self):
        token = self.lex.peek()
        if token is None:
            return Incomplete("unexpected end of input")
        return ParseError("unexpected %s" % _show(token))

    def _nest(self, step):
        self.depth += step
        if self.depth > _MAX_NESTING:
            raise ParseError("commands nested deeper than %d levels" % _MAX_NESTING)

    def _simple(self):
        lex = self.lex
        assigns = []
        words = []
        redirs = []
        while True:
            token = lex.peek()
            if isinstance(token, tuple):
                redirs.append(self._redirection())
            elif isinstance(token, list):
                lex.next()
                if not words and assignment(token):
                    assigns.append(token)
                else:
                    words.append(token)
            elif token == "(" and len(words) == 1 and not (assigns or redirs) and is_name(literal(words[0])):
                import shellsyntax
                return shellsyntax.function(self, literal(words[0]), _SELF)
            else:
                break
        if not (assigns or words or redirs):
            raise self._unexpected()
        if assigns or not words:
            return ("simple", assigns, words, redirs)
        node = _argv(words)
        if not redirs:
            return node
        # Words and targets with nothing to expand run as a plain line's
        # (`echo "x" > /tmp/f` loaded expansion, 3 KiB of the esp32
        # profile's heap).
        for redir in redirs:
            if not isinstance(redir[2], str):
                return ("simple", assigns, words, redirs)
        if node[0] != "argv" or keeps_redirections(node[1][0]):
            return ("simple", assigns, words, redirs)
        return ("argv", node[1], redirs)

    def _redirection(self):
        fd, op = self.lex.next()
        target = self.lex.next()
        if not isinstance(target, list):
            raise ParseError("%s needs a %s" % (op, "delimiter" if op[:2] == "<<" else "file"))
        if op[:2] == "<<":
            import shellsyntax
            return shellsyntax.here_document(self.lex, fd, op)
        # A target of text parts only is given as text, as a plain line's
        # is (shellplain): nothing in it expands (expansion.word).
        for part in target:
            if part[0] > QLIT:
                return (fd, op, target)
        return (fd, op, "".join([part[1] for part in target]))

    def _redirections(self):
        redirs = []
        while isinstance(self.lex.peek(), tuple):
            redirs.append(self._redirection())
        return redirs

    def _expect(self, word):
        self._linebreaks()
        token = self.lex.next()
        if not isinstance(token, list) or literal(token) != word:
            if token is None or token == "\n":
                raise Incomplete("missing %s" % word)
            raise ParseError("unexpected %s, expected %s" % (_show(token), word))

    def _keyword(self):
        self._linebreaks()
        token = self.lex.peek()
        return literal(token) if isinstance(token, list) else None

def _show(token):
    if token is None:
        return "end of input"
    if token == "\n":
        return "newline"
    if isinstance(token, tuple):
        return token[1]
    if isinstance(token, list):
        return "".join([t for k, t in token])
    return token


def parse_all(text, aliases=None):
    """Every command of text (one or more lines): a list of list nodes."""
    lines = text.split("\n")
    lines.reverse()
    first = lines.pop() + ("\n" if lines else "")

    def more():
        if not lines:
            return None
        return lines.pop() + ("\n" if lines else "")

    parser = Parser(first, more, aliases)
    commands = []
    while True:
        node = parser.command()
        if node is None:
            return commands
        commands.append(node)


def _argv(words):
    """A command whose words have nothing to expand (`sleep 5`) as a plain
    line's node, ("argv", words) (shellplain.py): the shell runs it, in a
    script or a job's thread too, without loading expansion. Else the
    simple node."""
    texts = []
    for word in words:
        if not word:
            return ("simple", [], words, [])
        text = ""
        bracket = False
        for kind, part in word:
            # Quoted text is itself; unquoted, a glob or a leading ~ is
            # expanded, as is anything but text.
            if kind != QLIT and (kind != LIT or "*" in part or "?" in part
                                 or not text and part[:1] == "~"):
                return ("simple", [], words, [])
            bracket = bracket or kind == LIT and "[" in part
            text += part
        # An unquoted [ is a pattern's where a ] follows it (has_magic).
        if bracket and has_magic(text):
            return ("simple", [], words, [])
        texts.append(text)
    # exec, and the declarations (local, export, readonly: their words are
    # assignments), are the shell's own business.
    if texts[0] in ("exec", "local", "export", "readonly"):
        return ("simple", [], words, [])
    return ("argv", texts)

