"""What word expansion (expansion.py) does only for some words, loaded the
first time a script needs it: the operators of ${NAME OP WORD} and ${#NAME}
(POSIX 2.6.2) and patterns (${x#p}, case). Field splitting by an IFS of
the script's own (2.6.5) is ifsplit's, which read shares.

  ${#x}                  length of the value
  ${x:-w} ${x-w}         w if x is unset or empty (without ':' only if unset)
  ${x:=w} ${x=w}         the same, and x is set to w
  ${x:?w} ${x?w}         an error (w, or "parameter not set") if so
  ${x:+w} ${x+w}         w if x is set and not empty, else nothing
  ${x#p} ${x##p}         the value less its shortest / longest prefix matching p
  ${x%p} ${x%%p}         the value less its shortest / longest suffix matching p
"""
from shellparse import LIT, QLIT, VAR, ShellError, assignment, is_name

def value(spec, sess, expansion, split=None):
    """The text ${...} stands for (expansion: the module that expands
    words); with split, when the word of - or + is what it stands for,
    that word as parts (spliced())."""
    name, op, parts = spec

    def expand(parts):
        return expansion.word(parts, sess)

    current = sess.getenv(name)
    if op == "len":
        if current is None and "u" in sess.flags and name not in "@*":
            raise ShellError("%s: parameter not set" % name)
        return str(len(current or ""))
    if op[0] in "#%":
        return _remove(current or "", op, pattern(parts, sess, expansion))
    unset = current is None or op[0] == ":" and not current
    test = op[-1]
    if test == "+":
        return "" if unset else spliced(parts, sess, split) if split else expand(parts)
    if not unset:
        return current
    if test == "-":
        return spliced(parts, sess, split) if split else expand(parts)
    if test == "=":
        if not is_name(name):
            raise ShellError("%s: cannot assign in this way" % name)
        text = expand(parts)
        sess.setenv(name, text)
        return text
    message = expand(parts) if parts else ("parameter null or not set" if op[0] == ":" else "parameter not set")
    raise ShellError("%s: %s" % (name, message))


def spliced(parts, sess, split):
    """The unquoted word of ${x:-word} as parts of the word around it: its
    unquoted text of kind split (split into fields as a value is), a
    leading ~ the home folder."""
    out = []
    for kind, text in parts:
        if kind == LIT:
            if not out and (text == "~" or text[:2] == "~/"):
                home = sess.getenv("HOME", "/").rstrip("/")
                text = text[1:]
                out.append((QLIT, home if text else home or "/"))
            kind = split
        out.append((kind, text))
    return out


def declaration(words, sess, expansion):
    """The arguments of local, readonly or export: their NAME=value
    words expanded as assignments are, neither split nor globbed (POSIX
    declaration utilities), the others as any word."""
    args = [words[0][0][1]]
    for word in words[1:]:
        if assignment(word):
            name, text = expansion.assignment(word, sess)
            args.append(name + "=" + text)
        else:
            args.extend(expansion.fields([word], sess))
    return args


def _remove(text, op, pattern):
    # Patterns' code, loaded for them: ${x:-w} loaded it too, 2 KiB of
    # the esp32 profile's heap (where the daemons leave a telnet line 23).
    import wildcard
    n = len(text)
    longest = len(op) == 2
    cuts = range(n, -1, -1) if longest else range(n + 1)
    for i in cuts:
        if op[0] == "#":
            if wildcard.match(pattern, text[:i], True):
                return text[i:]
        elif wildcard.match(pattern, text[n - i:], True):
            return text[:n - i]
    return text


def pattern(parts, sess, expansion):
    """A word as a pattern (case, ${x#p}): its quoted characters stand for
    themselves, its unquoted *, ? and [...] match."""
    import wildcard
    out = ""
    for kind, text in parts:
        if kind >= VAR:
            text = expansion.value(kind, text, sess)
        if kind & 1:
            # Inside [...] a quoted ! ^ - ] stands for itself too ([C\-D]).
            for c in text:
                out += "\\" + c if c in wildcard.SPECIAL else c
        else:
            out += text
    return out
