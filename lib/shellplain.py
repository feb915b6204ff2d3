"""Plain command lines, run without the parser: most lines a console or a
script gives are a command and its arguments and nothing else (`ls -l
/tmp`, `incr a`, a comment). Such a line is split here, and shellparse
and expansion, which together take more heap than the rest of the shell,
load on the first line that needs them.

A Python line (`> statement`, `< expression`) is plain too: the rest of
it is Python's.

A line is plain when nothing in it would be read differently by the
parser: no quotes, escapes, expansions but of variables, operators but ;
and the redirections below, or comments, and a first word that is not a
keyword or an alias. It may be a list of such commands
separated by ; or joined by && and || (`sleep 1; echo done`, `[ -d /x ]
|| mkdir /x`: the parser, 13 KiB of the esp32
profile's heap, was loaded for it in every telnet session and /api/run
call), and end with a single &, run in the background (`sleep 5 &`: a
job, whose thread then holds no parser either). A command may redirect to
or from a plain word with > >> < (a descriptor's digit before them) and
>&N <&N (`echo fired >> /tmp/log 2>&1`, as crontab lines are: the parser
and expansion, 17 KiB of the esp32 profile's heap, were loaded for them),
and commands may make a pipeline (`ps | grep sh`).
A word may be a pattern (`ls /bin/e*`, `rm /tmp/*.log`): ("glob", words,
redirections), whose patterns the shell replaces by the names they match
when the command runs (wildcard.words), as expansion would; the parser
and expansion were loaded for it, some 17 KiB of the esp32 profile's heap,
by every such line of a telnet session or a job.
A line may end with a comment. A word may name variables ($NAME, $1, $#,
$?), the first words may assign them (NAME=value), words may be quoted
with ' and " (`[ "$x" = on ]`) and hold a $(command) (`x=$(cat /f)`),
where neither holds an operator, and a line may be upyOS's `if A OP B
ACTION` (plainvars.py): the parser's nodes for them, which expansion runs
without the parser.
A blank line, a comment and a :label line are plain too, and do nothing.
"""

import sys

import system

# The words of the command language that the parser and this module
# share (shellparse.py imports them from here).
META = " \t\r\n;&|()<>"       # what ends an unquoted word
QUOTING = "'\"\\$`"           # what quotes or expands within one
NAME_START = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
NAME = NAME_START + "0123456789"
# Lists: a tuple of constant strings takes a block of heap for each (shell.BUILTINS).
OPENING = ["if", "while", "until", "for", "case"]       # a compound command's first word
CLOSING = ["then", "elif", "else", "fi", "do", "done", "}", "esac"]     # reserved inside one
NOP = ("nop",)
# What the parser gives a meaning to, anywhere on a line; ; | < > & are
# looked at word by word. A list of one-character names: the characters of
# a str are made strings one by one as they are read, each of them looked
# for among all the interned names.
_SELF = sys.modules[__name__]   # given to plainvars.py, which it loads
_SPECIAL = list("\n()\\`~{}\v\f")


def is_name(text):
    """True if text can name a variable: a letter or _, then letters,
    digits or _."""
    if not text or text[:1] not in NAME_START:
        return False
    for i in range(1, len(text)):
        if text[i:i + 1] not in NAME:
            return False
    return True


def _python(text):
    """True if text is a Python line: `> statement` or `< expression`, as
    the parser reads them (not `>|`, `>&`, `<<`, `<&` or `<>`). Such a
    line loaded the parser, some 10 KiB, and nothing of it is used."""
    if text.startswith(">"):
        return not (text.startswith(">|") or text.startswith(">&"))
    return text.startswith("<") and not (text.startswith("<<") or text.startswith("<&")
                                         or text.startswith("<>"))


def node(line, aliases=None):
    """The line's parsed form if it is plain: ("list", [(("argv", words),
    background), ...]), one item for each command of a list separated by
    ; (`sleep 1; echo done`, as a telnet or /api/run client types it),
    ("argv", words, redirections) for a command with redirections, each
    (descriptor, operator, target) as the parser gives them, ("glob",
    words, redirections) for a command with patterns, ("pipe",
    [command, ...], False) for a pipeline,
    ("py", text) for a Python line, the parser's "simple" and "uif" for
    a command that names variables and upyOS's one-line if (plainvars),
    or NOP for a blank line, a comment or a :label; None when it needs the
    parser. A script's line may end with
    its newline."""
    if line.endswith("\n"):
        line = line[:-1]
    text = line.strip(" \t\r")
    # startswith, not text[0] or a slice: MicroPython keeps each character
    # taken out of a str for good, a user's past ASCII too, and looks for
    # each string a slice makes among all the interned names.
    if not text or text.startswith("#"):
        return NOP
    if _python(text):
        return ("py", text)
    text = _uncommented(text)
    rest = text
    if _held(text):
        # Split below as if unquoted: not where a quote or a $( ) holds
        # what would end a word or a command outside it.
        plainvars = _plainvars()
        rest = plainvars and plainvars.unquoted(text)
        if rest is None:
            return None
    for c in _SPECIAL:
        if c in rest:
            return None
    if text.startswith("if ") or text.startswith("if\t"):
        plainvars = _plainvars()
        return plainvars and plainvars.upyos_if(text, aliases, _SELF)
    background = text.endswith("&") and not text.endswith("&&")
    if background:
        text = text[:-1]
    pieces = text.split(";") if ";" in text else [text]
    if len(pieces) > 1 and not pieces[-1].strip(" \t") and not background:
        pieces.pop()    # `echo a;`: the last command may end with a ;
    items = []
    for piece in pieces:
        chain = _chain(piece) if "&&" in piece or "||" in piece else [piece]
        links = []
        for k in range(0, len(chain), 2):
            stages = chain[k].split("|") if "|" in chain[k] else [chain[k]]
            commands = []
            for stage in stages:
                command = _command(stage, aliases)
                if command is None or command is NOP and (len(pieces) > 1 or len(stages) > 1 or len(chain) > 1):
                    return None
                commands.append(command)
            if command is NOP:
                return NOP
            links.append(command if len(commands) == 1 else ("pipe", commands, False))
            if k + 1 < len(chain):
                links.append(chain[k + 1])
        items.append((links[0] if len(links) == 1 else ("andor", links), False))
    items[-1] = (items[-1][0], background)
    return ("list", items)


def _chain(text):
    """text's commands with the && and || between them, in their order."""
    out = []
    while True:
        i = text.find("&&")
        j = text.find("||")
        if i < 0 or 0 <= j < i:
            i = j
        if i < 0:
            out.append(text)
            return out
        out.append(text[:i])
        out.append(text[i:i + 2])
        text = text[i + 2:]


def _held(text):
    """Whether text has a quote or a $(command), which plainvars reads."""
    return "'" in text or '"' in text or "$(" in text


def _plainvars():
    """plainvars, for a line that names variables, quotes or substitutes;
    None where the parser is loaded, which reads such a line as well:
    loaded beside it, plainvars took the last of the esp8266's heap in a
    script of `for`, `if` and `while` (test_boards)."""
    if system.import_lock.get("shellparse") is not None:
        return None
    import plainvars
    return plainvars


def parsers_first(first, aliases):
    """Whether a command whose first word is first is the parser's: a
    keyword, !, an alias, or NAME=value where aliases are defined (an
    alias may follow it)."""
    return (first in OPENING or first in CLOSING or first == "!"
            or aliases and (first in aliases or "=" in first))


def _uncommented(text):
    """text without the comment that ends it: from a # that begins a word
    (`$#` and `a#b` are words). A line's comment, `sleep 5 & # why`, and
    `$#` loaded the parser."""
    i = text.find(" #")
    j = text.find("\t#")
    if i < 0 or 0 <= j < i:
        i = j
    return text if i < 0 else text[:i].rstrip(" \t")


def _command(text, aliases):
    """A command's node, NOP for a :label, None when it is not plain."""
    if _held(text):
        plainvars = _plainvars()
        return plainvars and plainvars.quoted(text, aliases, _SELF)
    words = text.split()
    redirs = []
    if "<" in text or ">" in text or "&" in text:
        import plainredir
        words = plainredir.split(words, redirs)
    if not words:
        return None
    first = words[0]
    if first.startswith(":"):
        return NOP if len(first) > 1 and not redirs else None
    if parsers_first(first, aliases):
        return None
    for r in redirs:
        if has_magic(r[2]):
            return None
    if "$" in text or "=" in first:
        plainvars = _plainvars()
        return plainvars and plainvars.simple(words, redirs, _SELF)
    if redirs and keeps_redirections(first):
        return None
    for word in words:
        if has_magic(word):
            return ("glob", words, redirs)
    return ("argv", words, redirs) if redirs else ("argv", words)


def keeps_redirections(name):
    """Whether command name's redirections are more than its streams',
    the parser's and expansion's business: exec's stay for the session.
    (upyOS's test > NAME, which stores its result, is redirect's.)"""
    return name == "exec"


def has_magic(text):
    """Whether text holds a pattern's characters (wildcard's too): * or ?,
    or a [ that a ] follows. A [ alone stands for itself, and `[ -f x ]`
    loaded the patterns' code (2 KiB of the esp32 profile's heap) for its
    brackets."""
    if "*" in text or "?" in text:
        return True
    i = text.find("[")
    return i >= 0 and text.find("]", i + 1) > i
