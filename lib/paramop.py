"""The operators of ${NAME OP WORD} and ${#NAME} (POSIX 2.6.2), loaded the
first time a script uses one.

  ${#x}                  length of the value
  ${x:-w} ${x-w}         w if x is unset or empty (without ':' only if unset)
  ${x:=w} ${x=w}         the same, and x is set to w
  ${x:?w} ${x?w}         an error (w, or "parameter not set") if so
  ${x:+w} ${x+w}         w if x is set and not empty, else nothing
  ${x#p} ${x##p}         the value less its shortest / longest prefix matching p
  ${x%p} ${x%%p}         the value less its shortest / longest suffix matching p
"""
import wildcard
from shellparse import is_name


class ParameterError(Exception):
    pass


def value(spec, sess, expansion):
    """The text ${...} stands for (expansion: the module that expands words)."""
    name, op, parts = spec

    def expand(parts):
        return expansion.word(parts, sess)

    current = sess.getenv(name)
    if op == "len":
        return str(len(current or ""))
    if op[0] in "#%":
        return _remove(current or "", op, expansion.pattern(parts, sess))
    unset = current is None or op[0] == ":" and not current
    test = op[-1]
    if test == "+":
        return "" if unset else expand(parts)
    if not unset:
        return current
    if test == "-":
        return expand(parts)
    if test == "=":
        if not is_name(name):
            raise ParameterError("%s: cannot assign in this way" % name)
        text = expand(parts)
        sess.setenv(name, text)
        return text
    message = expand(parts) if parts else ("parameter null or not set" if op[0] == ":" else "parameter not set")
    raise ParameterError("%s: %s" % (name, message))


def _remove(text, op, pattern):
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
