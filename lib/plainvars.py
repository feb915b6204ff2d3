"""A plain line's variables (shellplain.py): words with $NAME, $1 or $?
in them, NAME=value assignments, and upyOS's one-line `if A OP B ACTION`,
made into the nodes the parser gives, which expansion runs. Loaded for a
line that has one, and dropped with the parser (shell.PARSER). The parser
(shellparse and shellsyntax) was loaded for them: `i=0`; upyOS's end.sh,
`if $0 == True ...`, then left an ESP8266 2 KiB, and its next commands
failed.
"""
from micropython import const

# shellparse's, which is not loaded for a plain line: kinds of a word's
# parts, parameters of one character, upyOS's if operators.
_LIT = const(0)
_QLIT = const(1)
_VAR = const(2)
_SUB = const(4)
_SPECIAL = "?#@*$!-0123456789"
_UPYOS_OPS = ("==", "!=", "<", "<=", ">", ">=", "in")

_OPERATORS = ";&|<>'\""     # what upyOS's if takes to the parser in its operands
# What a $(command) of a plain line may not hold: the command is one of
# words (shellplain.node reads it too, when it runs).
_IN_SUBSTITUTION = "()'\"`\\#;&|<>"


def parts(word, sp):
    """The parts the parser makes of word (shellparse.py), None where it
    has a $ that the parser reads otherwise (${...} is not plain); sp:
    shellplain, which sits below and gives itself."""
    out = []
    i = 0
    n = len(word)
    while i < n:
        j = word.find("$", i)
        if j < 0:
            j = n
        if j > i:
            out.append((_LIT, word[i:j]))
        if j == n:
            break
        first = word[j + 1:j + 2]
        if first == "(":
            i = word.find(")", j + 2)
            held = word[j + 2:i]
            if i < 0 or _holds(held, _IN_SUBSTITUTION):
                return None
            out.append((_SUB, held))
            i += 1
            continue
        if first and first in _SPECIAL:
            out.append((_VAR, first))
            i = j + 2
            continue
        if not first or first not in sp.NAME_START:
            return None
        i = j + 2
        while i < n and word[i:i + 1] in sp.NAME:
            i += 1
        out.append((_VAR, word[j + 1:i]))
    return out


def simple(words, redirs, sp):
    """A plain command that names variables or assigns them (NAME=value
    first), as the parser's ("simple", assignments, words, redirections);
    None when a part of it is not plain."""
    made = []
    for word in words:
        word = parts(word, sp) if "$" in word else [(_LIT, word)]
        if word is None:
            return None
        made.append(word)
    node = _assigning(made, redirs, sp)
    if node[2] and redirs and sp.keeps_redirections(words[len(node[1])]):
        return None
    for k in range(len(redirs)):
        fd, op, target = redirs[k]
        if "$" in target:
            target = parts(target, sp)
            if target is None:
                return None
            redirs[k] = (fd, op, target)
    return node


def _assigning(words, redirs, sp):
    """("simple", assignments, words, redirs) of words (each its parts):
    the NAME=value words first are assignments, as the parser reads them."""
    n = 0
    while n < len(words):
        kind, head = words[n][0]
        eq = head.find("=") if kind == _LIT else -1
        if eq <= 0 or not sp.is_name(head[:eq]):
            break
        n += 1
    return ("simple", words[:n], words[n:], redirs)


def unquoted(text):
    """text less what its quotes (' and ") and its $(command)s hold, for a
    look at what is left (shellplain.node); None where one is not closed,
    or holds what would end a word or a command outside it (text then
    splits into commands as if they were not there), or where text has a
    redirection (a plain line's are split from words as written)."""
    if "<" in text or ">" in text:
        return None
    out = []
    i = 0
    while True:
        k = _next_held(text, i)
        if k < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:k])
        c = text[k:k + 1]
        if c == "$":
            j = text.find(")", k + 2)
            held = text[k + 2:j]
            banned = _IN_SUBSTITUTION
        else:
            j = text.find(c, k + 1)
            held = text[k + 1:j]
            banned = "#;&|\\`" if c == '"' else "#;&|"
        if j < 0 or _holds(held, banned):
            return None
        out.append("_")
        i = j + 1


def _holds(text, chars):
    """Whether text holds one of chars."""
    for c in chars:
        if c in text:
            return True
    return False


def _next_held(text, i):
    """Where the first quote or $( at or after i is, or -1."""
    first = -1
    for mark in ("'", '"', "$("):
        k = text.find(mark, i)
        if k >= 0 and (first < 0 or k < first):
            first = k
    return first


def quoted(text, aliases, sp):
    """A command whose words have quotes (' and ") or a $(command) as the
    parser's ("simple", assignments, words, []); None where it is not
    plain (a $ the parser reads otherwise, a keyword or an alias first).
    What they hold ends no word (unquoted)."""
    words = []
    word = None
    i = 0
    n = len(text)
    while i < n:
        c = text[i:i + 1]
        if c == " " or c == "\t":
            if word is not None:
                words.append(word)
                word = None
            i += 1
            continue
        if word is None:
            word = []
        if c == "'" or c == '"':
            j = text.find(c, i + 1)
            inner = text[i + 1:j]
            if c == "'" or "$" not in inner:
                word.append((_QLIT, inner))
            else:
                inner = parts(inner, sp)
                if inner is None:
                    return None
                # As the parser reads "...": its (_QLIT, "") first, which
                # "" is a field by.
                word.append((_QLIT, ""))
                for kind, piece in inner:
                    word.append((kind + 1, piece))
            i = j + 1
            continue
        j = i
        while j < n and text[j:j + 1] not in " \t'\"":
            # A $( ) is one piece, its blanks too.
            j = text.find(")", j) + 1 if text[j:j + 2] == "$(" else j + 1
        piece = text[i:j]
        piece = parts(piece, sp) if "$" in piece else [(_LIT, piece)]
        if piece is None:
            return None
        word.extend(piece)
        i = j
    if word is not None:
        words.append(word)
    kind, first = words[0][0]
    if kind == _LIT and (first.startswith(":") or sp.parsers_first(first, aliases)):
        return None
    return _assigning(words, [], sp)


def upyos_if(text, aliases, sp):
    """upyOS's `if A OP B ACTION` as the parser's ("uif", a, op, b,
    action), the action a plain line; None when it is not plain or is a
    POSIX `if LIST; then` (no operator second)."""
    words = text.split(None, 4)
    if len(words) < 5 or words[2] not in _UPYOS_OPS:
        return None
    if _holds(words[1], _OPERATORS) or _holds(words[3], _OPERATORS):
        return None
    a = parts(words[1], sp)
    b = parts(words[3], sp)
    action = sp.node(words[4], aliases)
    if a is None or b is None or action is None or action is sp.NOP:
        return None
    return ("uif", a, words[2], b, action)
