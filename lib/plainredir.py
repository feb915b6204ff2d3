"""The redirections of a plain line (shellplain.py), split from its
words: loaded for a line that has one, and dropped with the parser
(shell.PARSER), as most lines have none."""


def _plain(word):
    return "<" not in word and ">" not in word and "&" not in word


def split(words, redirs):
    """The words that are not redirections; each redirection goes into
    redirs. None when one is not plain (<<, <>, >|, a target written with
    < > &, a descriptor of two digits, `a>b`)."""
    kept = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if _plain(word):
            kept.append(word)
            continue
        fd = None
        if word[0] in "0123456789":
            fd = int(word[0])
            word = word[1:]
        op = ">>" if word[:2] == ">>" else word[:2] if word[:2] in (">&", "<&") else word[:1]
        if op != ">" and op != "<" and op != ">>" and op != ">&" and op != "<&":
            return None
        target = word[len(op):]
        if not target and op[-1] != "&" and i < len(words):
            target = words[i]
            i += 1
        if not target or not _plain(target) or op[-1] == "&" and not (target.isdigit() or target == "-"):
            return None
        if fd is None:
            fd = 0 if op[0] == "<" else 1
        redirs.append((fd, op, target))
    return kept
