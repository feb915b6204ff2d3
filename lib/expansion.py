"""Word expansion: what a command's parsed words (shellparse.py) become when
it runs. Variables, $(command) and $((arithmetic)) are looked up or run;
unquoted results are split into fields at blanks; unquoted *, ? and [...]
are matched against file names (sorted; a pattern matching nothing stays
as written); a leading ~ is $HOME.
"""
import sys

from micropython import const

import process
import shellplain
import system
from shellflow import ShellError

# The kinds of a word's parts, shellparse's, as constants: expansion runs
# a plain line's words without the parser (plainvars.py), and a module of
# their own took 432 B of the esp32 profile's heap beside it.
_LIT = const(0)
_QLIT = const(1)
_VAR = const(2)
_QVAR = const(3)
_SUB = const(4)
_IFS = " \t\n"
_GLOB = "*?["
_SPLIT = const(8)   # unquoted text of a ${x:-word} word: split as a value is
_SELF = sys.modules[__name__]   # given to wordops.py, which sits above


class _Field:
    """A field being built: its text, and its glob pattern where quoted
    glob characters are escaped, used when an unquoted one came in."""

    def __init__(self):
        self.text = ""
        self.pattern = ""
        self.glob = False

    def add(self, text, quoted):
        self.text += text
        if quoted:
            # Inside [...] a quoted ! ^ - ] stands for itself too
            # (wildcard.SPECIAL: wildcard loads with the first glob).
            # Replaced, not read a character at a time: a character taken
            # out of a str is a name MicroPython keeps for good.
            text = text.replace("\\", "\\\\")
            for c in "*?[]!^-":
                text = text.replace(c, "\\" + c)
        elif not self.glob:
            for c in _GLOB:
                if c in text:
                    self.glob = True
        self.pattern += text


def fields(words, sess):
    """The argument list the words make in session sess. The NAME=value
    arguments of local, readonly and export are expanded as assignments
    are, neither split nor globbed (POSIX declaration utilities)."""
    if words and len(words[0]) == 1 and words[0][0][1] in ("local", "readonly", "export"):
        import wordops
        return wordops.declaration(words, sess, _SELF)
    args = []
    # Each word is expanded here, not in a function of its own, and a
    # $(...) run from here too: each Python call costs a board's C stack.
    for word in words:
        if (_QVAR, "@") in word and len(sess.positional()) < 2:
            # "$@" without parameters is no field at all, nor are the empty
            # quotes it came in ("$@" is parsed as "" and $@).
            word = [part for part in word if part[1] and part != (_QVAR, "@")]
            if not word:
                continue
        ifs = sess.getenv("IFS")
        if ifs is None:
            ifs = _IFS
        out = []
        field = None
        i = 0
        while i < len(word):
            kind, text = word[i]
            i += 1
            quoted = kind & 1
            texts = None
            if kind == _LIT and i == 1 and (text == "~" or text[:2] == "~/"):
                text = sess.getenv("HOME", "/").rstrip("/") + text[1:] or "/"
                quoted = 1
            elif kind == _VAR and isinstance(text, tuple):
                import wordops
                text = wordops.value(text, sess, _SELF, _SPLIT)
                if not isinstance(text, str):
                    # The word ${x:-word} gives keeps its quotes (2.6.2): its
                    # quoted parts are not split, its unquoted text is.
                    word = word[:i - 1] + text + word[i:]
                    i -= 1
                    continue
            elif kind == _QVAR and text == "@":
                values = sess.positional()[1:]
                if not values:
                    continue
                for k, arg in enumerate(values):
                    if k:
                        out.append(field)
                        field = None
                    if field is None:
                        field = _Field()
                    field.add(arg, True)
                continue
            elif kind == _VAR and text in ("@", "*"):
                # Each parameter is a field of its own before splitting (2.5.2):
                # joined first, they were one field when IFS has no blank.
                texts = sess.positional()[1:]
            elif _SUB <= kind <= _SUB + 1:
                import redirect
                text = redirect.capture(text, sess)
            elif _VAR <= kind < _SPLIT:
                text = value(kind, text, sess)
            if quoted or kind == _LIT:
                if field is None:
                    field = _Field()
                field.add(text, quoted)
                continue
            for n, text in enumerate((text,) if texts is None else texts):
                if n and field is not None:
                    out.append(field)
                    field = None
                if not text:
                    continue
                if ifs == _IFS:
                    pieces = text.split()
                    if text[:1] in _IFS:
                        pieces.insert(0, "")
                    if text[-1:] in _IFS:
                        pieces.append("")
                    hard = None
                else:
                    import ifsplit
                    pieces, hard = ifsplit.fields(text, ifs)
                for k, piece in enumerate(pieces):
                    if k:
                        if field is not None:
                            out.append(field)
                            field = None
                        elif hard and hard[k - 1]:
                            out.append(_Field())
                    if piece:
                        if field is None:
                            field = _Field()
                        field.add(piece, False)
        if field is not None:
            out.append(field)
        for f in out:
            if f.glob and "f" not in sess.flags and shellplain.has_magic(f.pattern):
                import wildcard
                matches = wildcard.expand(f.pattern, sess.cwd)
                if matches:
                    args.extend(matches)
                    continue
            args.append(f.text)
    return args


def value(kind, text, sess):
    """The text a variable, substitution or arithmetic part stands for."""
    if kind <= _QVAR:
        if isinstance(text, tuple):
            import wordops
            return wordops.value(text, sess, _SELF)
        found = sess.getenv(text)
        if found is None:
            if "u" in sess.flags and text not in "@*":
                raise ShellError("%s: parameter not set" % text)
            return ""
        return found
    if kind <= _SUB + 1:
        import redirect
        return redirect.capture(text, sess)
    import arith
    return str(arith.evaluate(_quoted_text(text, sess), sess))


def _quoted_text(text, sess):
    """text with its $ parts expanded, as inside double quotes."""
    if "$" not in text and "`" not in text:
        return text
    import shellparse
    parts = []
    shellparse.Lexer(text + '"')._double_quoted(0, parts)
    return word(parts, sess)


def word(parts, sess):
    """One word as a single string, without field splitting or globbing
    (assignments, redirection targets, upyOS if operands)."""
    if len(parts) == 1 and parts[0][0] <= _QLIT:
        return parts[0][1]
    out = []
    for kind, text in parts:
        if kind == _QVAR and text == "@":
            out.append(" ".join(sess.positional()[1:]))
        elif _SUB <= kind <= _SUB + 1:
            # Run from here, not through value(): a Python call less.
            import redirect
            out.append(redirect.capture(text, sess))
        elif kind >= _VAR:
            out.append(value(kind, text, sess))
        else:
            out.append(text)
    return "".join(out)


def upyos_if(node, sess):
    """Whether upyOS's one-line `if A OP B ACTION` (node "uif") holds: A
    and B compared as numbers when both are, else as strings. Here, where
    its words are expanded: in shellbuiltins, the built-ins' names took
    the esp8266's last room for names in upyOS's end.sh."""
    _, a, op, b, _ = node
    a = word(a, sess)
    b = word(b, sess)
    if op == "in":
        return a in b
    try:
        a, b = float(a), float(b)
    except ValueError:
        pass
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def assignment(parts, sess):
    """(name, value) of a NAME=value word. A ~ after the = or after a :
    that ends there or at a / is the home folder (POSIX 2.6.1:
    PATH=~/bin:~/sbin)."""
    head = parts[0][1]
    eq = head.find("=")
    value = head[eq + 1:]
    if "~" in value:
        home = sess.getenv("HOME", "/").rstrip("/")
        pieces = value.split(":")
        last = len(pieces) - 1
        for k in range(len(pieces)):
            p = pieces[k]
            if p[:2] == "~/" or p == "~" and (k < last or len(parts) == 1):
                pieces[k] = home + p[1:] or "/"
        value = ":".join(pieces)
    return head[:eq], word([(_QLIT, value)] + parts[1:], sess)


def assign(name, value, sess):
    """Set a variable the shell's language assigns (NAME=value, a for
    loop's): a read-only one is a shell error (POSIX 2.8.1), which a
    subshell keeps to itself and ends a script; session's ValueError
    abandoned the line the subshell was in, its redirections not applied."""
    if name in sess.readonly:
        raise ShellError("%s: is read only" % name)
    sess.setenv(name, value)


# POSIX's special built-ins (2.15), between spaces (system.listed).
_SPECIAL_BUILTINS = " : . break continue eval exec exit export readonly return set shift times trap unset "


# The parser's simple commands, run here: a plain line (shellplain.py)
# never needs them, and the resident shell does not carry them.
def simple(node, sess):
    """Run a simple command the parser gave: its words expanded, its
    assignments and redirections applied; its status."""
    import shell
    _, assigns, words, redirs = node
    sess.substituted = None
    argv = fields(words, sess) if words else []
    if "x" in sess.flags:
        process.current().stderr.write("+ %s\n" % " ".join(argv or [word(w, sess) for w in assigns]))
    if not argv:
        for a in assigns:
            name, value = assignment(a, sess)
            assign(name, value, sess)
        # Nothing to run: the status is the last $(...)'s, if one ran.
        status = 0
        if redirs:
            import redirect
            status = redirect.redirected(redirs, sess, None)
        return sess.substituted if status == 0 and sess.substituted is not None else status
    if argv[0] == "exec":
        import redirect
        return redirect.exec_(argv, redirs, sess)
    previous = _assign_for_command(assigns, sess)
    if previous and system.listed(_SPECIAL_BUILTINS, argv[0]):
        # POSIX 2.9.1: before a special built-in they stay set.
        previous = ()
    try:
        if redirs:
            import redirect
            return redirect.redirected(redirs, sess, argv)
        return shell.run(argv, sess)
    finally:
        _restore(previous, sess)


def _assign_for_command(assigns, sess):
    """NAME=value before a command: set for that command only."""
    previous = []
    try:
        for a in assigns:
            name, value = assignment(a, sess)
            old = sess.getenv(name)
            assign(name, value, sess)
            previous.append((name, old))
    except ShellError:
        _restore(previous, sess)
        raise
    return previous


def _restore(previous, sess):
    for name, value in previous:
        if value is None:
            sess.unsetenv(name)
        else:
            sess.setenv(name, value)
