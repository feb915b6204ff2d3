"""Field splitting by IFS (POSIX 2.6.5), the shell's (an IFS of a
script's own: expansion.py) and read's, loaded by the first that needs it:
without the parser, which read has no use for.

Characters are looked at as slices: one taken out of a str by index or
by iteration is a name MicroPython keeps for good, and every new one in
a split text, or in IFS, took heap that no collection gave back."""

BLANKS = " \t\n"      # the IFS characters that are white space


def blanks(ifs):
    """The white-space characters of ifs."""
    return "".join([c for c in BLANKS if c in ifs])


def fields(text, ifs, quoted=None, most=0):
    """text split at the characters of ifs, except those quoted marks (a
    flag for each character: read's backslashes): (pieces, hard), the
    pieces between runs of IFS characters ("" first or last when text
    begins or ends with a run), and for each run whether it holds one
    that is not a blank (two such in a row delimit an empty field). With
    most, that many pieces at the most: the last is then the rest of
    text, as it is."""
    pieces = []
    hard = []
    if not ifs:
        return [text], hard
    white = blanks(ifs)
    n = len(text)

    def at(i, chars):
        return i < n and text[i:i + 1] in chars and not (quoted and quoted[i])

    start = i = 0
    while i < n and len(pieces) + 1 != most:
        if not at(i, ifs):
            i += 1
            continue
        pieces.append(text[start:i])
        while at(i, white):
            i += 1
        strong = at(i, ifs)
        if strong:
            i += 1
            while at(i, white):
                i += 1
        hard.append(strong)
        start = i
    pieces.append(text[start:])
    return pieces, hard
