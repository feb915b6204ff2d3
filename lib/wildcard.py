"""File name patterns: * (any text), ? (one character), [abc] [a-z] [!a]
[[:alpha:]] (one of a set, a class), \\x (x itself). A * or ? never
matches a leading dot."""
import os

import fspath
from shellplain import has_magic

SPECIAL = "*?[]!^-\\"        # what a quoted character of a pattern is escaped for


def match(pattern, name, hidden=False):
    """True if name matches pattern as a whole; a leading dot only when
    the pattern has one, unless hidden (find -name)."""
    if not hidden and name[:1] == "." and pattern[:1] != ".":
        return False
    return _match(pattern, 0, name, 0)


def _match(p, i, s, j):
    # Backtracking on the last * only: linear for the patterns people type.
    # Characters are slices here: one taken out of a str is a name
    # MicroPython keeps for good, and file names are anyone's text.
    star = -1
    back = 0
    while j < len(s):
        if i < len(p):
            c = p[i:i + 1]
            if c == "*":
                star = i
                back = j
                i += 1
                continue
            if c == "?":
                i += 1
                j += 1
                continue
            if c == "[":
                end, ok = _set(p, i, s[j:j + 1])
                if end > 0:
                    if ok:
                        i = end
                        j += 1
                        continue
                elif s[j:j + 1] == "[":
                    i += 1
                    j += 1
                    continue
            else:
                if c == "\\" and i + 1 < len(p):
                    i += 1
                    c = p[i:i + 1]
                if c == s[j:j + 1]:
                    i += 1
                    j += 1
                    continue
        if star < 0:
            return False
        i = star + 1
        back += 1
        j = back
    while i < len(p) and p[i:i + 1] == "*":
        i += 1
    return i == len(p)


def _set(p, i, c):
    """(index after the [set] at p[i], whether c is in it); (0, False) if
    the [ opens no set."""
    k = i + 1
    negate = p[k:k + 1] in ("!", "^")
    if negate:
        k += 1
    first = k
    found = False
    while k < len(p):
        if p[k:k + 1] == "]" and k > first:
            return k + 1, found != negate
        if p[k:k + 2] == "[:":
            end = p.find(":]", k + 2)
            if end > 0:
                found = found or _in_class(p[k + 2:end], c)
                k = end + 2
                continue
        lo = p[k:k + 1]
        if lo == "\\" and k + 1 < len(p):
            k += 1
            lo = p[k:k + 1]
        hi = p[k + 2:k + 3]
        if p[k + 1:k + 2] == "-" and hi and hi != "]":
            if lo <= c <= hi:
                found = True
            k += 3
        else:
            if c == lo:
                found = True
            k += 1
    return 0, False


def _in_class(name, c):
    """Whether c is of the character class [:name:]."""
    if name == "alpha":
        return c.isalpha()
    if name == "digit":
        return c.isdigit()
    if name == "alnum":
        return c.isalpha() or c.isdigit()
    if name == "upper":
        return c.isupper()
    if name == "lower":
        return c.islower()
    if name == "space":
        return c.isspace()
    if name == "blank":
        return c in " \t"
    if name == "xdigit":
        return c in "0123456789abcdefABCDEF"
    if name == "punct":
        return "!" <= c <= "~" and not (c.isalpha() or c.isdigit())
    return False


def unescape(text):
    out = ""
    i = 0
    while i < len(text):
        if text[i:i + 1] == "\\" and i + 1 < len(text):
            i += 1
        out += text[i:i + 1]
        i += 1
    return out


def expand(pattern, cwd):
    """The paths matching pattern, sorted; relative ones against cwd but
    given back relative, as written."""
    absolute = pattern[:1] == "/"
    paths = ["/" if absolute else ""]
    for part in pattern.split("/"):
        if not part:
            continue
        found = []
        for path in paths:
            if has_magic(part):
                folder = fspath.abspath(path or ".", cwd)
                try:
                    names = [e[0] for e in os.ilistdir(folder)]
                except OSError:
                    continue
                for name in names:
                    if match(part, name):
                        found.append(_join(path, name))
            else:
                found.append(_join(path, unescape(part)))
        paths = found
        if not paths:
            return []
    if pattern.endswith("/"):
        paths = [p + "/" for p in paths if fspath.isdir(fspath.abspath(p, cwd))]
    else:
        paths = [p for p in paths if fspath.exists(fspath.abspath(p, cwd))]
    paths.sort()
    return paths


def words(words, cwd):
    """A plain command's words with each pattern replaced by the names it
    matches, or left as written when none does (shellplain's "glob")."""
    out = []
    for word in words:
        matches = expand(word, cwd) if has_magic(word) else None
        if matches:
            out.extend(matches)
        else:
            out.append(word)
    return out


def _join(path, name):
    if not path:
        return name
    return path + name if path.endswith("/") else path + "/" + name
