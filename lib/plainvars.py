"""A plain line's variables (shellplain.py): words with $NAME, $1 or $?
in them, NAME=value assignments, and upyOS's one-line `if A OP B ACTION`,
made into the nodes the parser gives, which expansion runs. Loaded for a
line that has one, and dropped with the parser (shell.PARSER). The parser
(shellparse and shellsyntax) was loaded for them: `i=0`; upyOS's end.sh,
`if $0 == True ...`, then left an ESP8266 2 KiB, and its next commands
failed.
"""
from wordkinds import LIT, SPECIAL, UPYOS_OPS, VAR

_OPERATORS = ";&|<>"


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
            out.append((LIT, word[i:j]))
        if j == n:
            break
        first = word[j + 1:j + 2]
        if first and first in SPECIAL:
            out.append((VAR, first))
            i = j + 2
            continue
        if not first or first not in sp.NAME_START:
            return None
        i = j + 2
        while i < n and word[i:i + 1] in sp.NAME:
            i += 1
        out.append((VAR, word[j + 1:i]))
    return out


def simple(words, redirs, sp):
    """A plain command that names variables or assigns them (NAME=value
    first), as the parser's ("simple", assignments, words, redirections);
    None when a part of it is not plain."""
    assigns = []
    made = []
    for word in words:
        eq = word.find("=")
        assigned = not made and eq > 0 and sp.is_name(word[:eq])
        word = parts(word, sp) if "$" in word else [(LIT, word)]
        if word is None:
            return None
        (made if made or not assigned else assigns).append(word)
    if made and redirs and sp.keeps_redirections(words[len(assigns)]):
        return None
    for k in range(len(redirs)):
        fd, op, target = redirs[k]
        if "$" in target:
            target = parts(target, sp)
            if target is None:
                return None
            redirs[k] = (fd, op, target)
    return ("simple", assigns, made, redirs)


def upyos_if(text, aliases, sp):
    """upyOS's `if A OP B ACTION` as the parser's ("uif", a, op, b,
    action), the action a plain line; None when it is not plain or is a
    POSIX `if LIST; then` (no operator second)."""
    words = text.split(None, 4)
    if len(words) < 5 or words[2] not in UPYOS_OPS:
        return None
    for word in (words[1], words[3]):
        for c in _OPERATORS:
            if c in word:
                return None
    a = parts(words[1], sp)
    b = parts(words[3], sp)
    action = sp.node(words[4], aliases)
    if a is None or b is None or action is None or action is sp.NOP:
        return None
    return ("uif", a, words[2], b, action)
