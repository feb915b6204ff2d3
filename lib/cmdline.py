"""The command line language: words, quotes, comments and variables.

parse() turns a line into commands made of words; expand() turns a
command's words into its argument list, looking variables up when the
command runs (so `export A=1; echo $A` sees the new value). Expansion works
on the parsed words, never by replacing text: $a and $ab are different
variables, and a value is never parsed again.

A word is a list of parts (kind, text):
  LIT   unquoted text            QLIT  quoted or escaped text
  VAR   unquoted $NAME: its value is split into fields at blanks
  QVAR  "$NAME": its value stays one field
"""

LIT = 0
QLIT = 1
VAR = 2
QVAR = 3

_BLANKS = " \t\r\n"
_PLAIN_STOP = " \t\r\n;'\"\\$"
_QUOTED_STOP = "\"\\$"
_NAME_START = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
_NAME = _NAME_START + "0123456789"
_SPECIAL = "?#@*$!-0123456789"


class ParseError(Exception):
    pass


def parse(line):
    """The commands of line (separated by ;), each a list of words."""
    commands = []
    words = []
    word = None
    i = 0
    n = len(line)
    while i < n:
        c = line[i]
        if c in _BLANKS or c == ";":
            if word is not None:
                words.append(word)
                word = None
            if c == ";" and words:
                commands.append(words)
                words = []
            i += 1
            continue
        if c == "#" and word is None:
            break
        if word is None:
            word = []
        if c == "'":
            j = line.find("'", i + 1)
            if j < 0:
                raise ParseError("unterminated '")
            word.append((QLIT, line[i + 1:j]))
            i = j + 1
        elif c == '"':
            i = _double_quoted(line, i + 1, word)
        elif c == "\\":
            word.append((QLIT, line[i + 1:i + 2]))
            i += 2
        elif c == "$":
            i = _variable(line, i, word, VAR)
        else:
            j = i + 1
            while j < n and line[j] not in _PLAIN_STOP:
                j += 1
            word.append((LIT, line[i:j]))
            i = j
    if word is not None:
        words.append(word)
    if words:
        commands.append(words)
    return commands


def _double_quoted(line, i, word):
    """Parse from just after an opening " to just after the closing one."""
    word.append((QLIT, ""))
    n = len(line)
    while i < n:
        c = line[i]
        if c == '"':
            return i + 1
        if c == "\\":
            nxt = line[i + 1:i + 2]
            word.append((QLIT, nxt if nxt and nxt in '$"\\`' else c + nxt))
            i += 2
        elif c == "$":
            i = _variable(line, i, word, QVAR)
        else:
            j = i + 1
            while j < n and line[j] not in _QUOTED_STOP:
                j += 1
            word.append((QLIT, line[i:j]))
            i = j
    raise ParseError('unterminated "')


def _variable(line, i, word, kind):
    """Parse $NAME, ${NAME} or a special $? at line[i] == "$"."""
    literal = LIT if kind == VAR else QLIT
    nxt = line[i + 1:i + 2]
    if nxt == "{":
        j = line.find("}", i + 2)
        if j < 0:
            raise ParseError("missing }")
        name = line[i + 2:j]
        if not name:
            raise ParseError("bad substitution")
        word.append((kind, name))
        return j + 1
    if nxt and nxt in _SPECIAL:
        word.append((kind, nxt))
        return i + 2
    if nxt and nxt in _NAME_START:
        j = i + 2
        while j < len(line) and line[j] in _NAME:
            j += 1
        word.append((kind, line[i + 1:j]))
        return j
    word.append((literal, "$"))
    return i + 1


def expand(words, getenv):
    """The argument list of a command: variables looked up with
    getenv(name, default) and unquoted values split into fields."""
    args = []
    for word in words:
        field = None
        for kind, text in word:
            if kind == VAR:
                value = getenv(text, "")
                if not value:
                    continue
                if value[0] in _BLANKS and field is not None:
                    args.append(field)
                    field = None
                for k, piece in enumerate(value.split()):
                    if k:
                        args.append(field)
                        field = None
                    field = piece if field is None else field + piece
                if value[-1] in _BLANKS and field is not None:
                    args.append(field)
                    field = None
                continue
            if kind == QVAR:
                text = getenv(text, "")
            field = text if field is None else field + text
        if field is not None:
            args.append(field)
    return args


def expand_word(word, getenv):
    """One word as a single string, with no field splitting (assignments)."""
    return "".join([getenv(t, "") if k >= VAR else t for k, t in word])


def is_name(text):
    """True if text can name a variable: a letter or _, then letters,
    digits or _."""
    if not text or text[0] not in _NAME_START:
        return False
    for c in text:
        if c not in _NAME:
            return False
    return True


def assignment(word):
    """The variable name if word is NAME=..., else None."""
    if not word or word[0][0] != LIT:
        return None
    text = word[0][1]
    name = text[:text.find("=")]
    return name if "=" in text and is_name(name) else None
