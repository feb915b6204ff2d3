import cmdargs
import munix
import textin

USAGE = """[-c] [-d] [-s] SET1 [SET2]
  Copy the standard input to the standard output, replacing each character
  of SET1 by the one at the same place in SET2 (its last one repeated when
  shorter); -d deletes the characters of SET1 instead, -s squeezes a run of
  one character of the last SET into one, -c takes every character not in
  SET1 for SET1. A SET: characters, ranges a-z, classes [:alpha:]
  [:digit:] [:alnum:] [:lower:] [:upper:] [:space:] [:blank:] [:punct:],
  escapes \\n \\t \\\\ \\NNN (octal)."""
ABOUT = "translate, delete or squeeze characters"

_CLASSES = {
    "alpha": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "lower": "abcdefghijklmnopqrstuvwxyz",
    "upper": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "digit": "0123456789",
    "space": " \t\n\r\v\f",
    "blank": " \t",
    "punct": "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
}
_CLASSES["alnum"] = _CLASSES["alpha"] + _CLASSES["digit"]
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def __main__(args):
    opts, sets = cmdargs.parse(args, "cds", operands=2)
    if not sets:
        raise cmdargs.UsageError("missing SET1")
    try:
        set1 = _expand(sets[0])
        set2 = _expand(sets[1]) if len(sets) > 1 else ""
    except ValueError as e:
        return cmdargs.error(None, str(e))
    delete = "d" in opts
    squeeze = "s" in opts
    if not delete and not squeeze and len(sets) < 2:
        raise cmdargs.UsageError("SET2 is needed to translate")
    if delete and squeeze and len(sets) < 2:
        raise cmdargs.UsageError("-ds needs SET2, the characters to squeeze")
    complement = "c" in opts
    mapping = {}
    if not delete and set2:
        if complement:
            mapping = None      # every character outside SET1 becomes SET2's last
        else:
            for i, c in enumerate(set1):
                mapping[c] = set2[i] if i < len(set2) else set2[-1]
    squeezed = set2 if (set2 and (delete or len(sets) > 1)) else set1
    out = munix.proc().stdout
    last = None
    lines = textin.Lines(["-"])
    for line in lines:
        piece = []
        for c in line:
            inside = (c in set1) != complement
            if delete and inside:
                continue
            if inside and not delete and set2:
                c = set2[-1] if mapping is None else mapping.get(c, c)
            if squeeze and c == last and c in squeezed:
                continue
            piece.append(c)
            last = c
        out.write("".join(piece))
    return lines.status


def _expand(text):
    """The characters a SET stands for, in order."""
    out = []
    i = 0
    n = len(text)
    while i < n:
        if text.startswith("[:", i):
            end = text.find(":]", i + 2)
            name = text[i + 2:end] if end > 0 else ""
            if name not in _CLASSES:
                raise ValueError("%s: unknown class" % text[i:])
            out.append(_CLASSES[name])
            i = end + 2
            continue
        c, i = _char(text, i)
        if text[i:i + 1] == "-" and i + 1 < n:
            last, i = _char(text, i + 1)
            if ord(last) < ord(c):
                raise ValueError("%s-%s: range in reverse order" % (c, last))
            out.append("".join([chr(k) for k in range(ord(c), ord(last) + 1)]))
        else:
            out.append(c)
    return "".join(out)


def _char(text, i):
    if text[i] != "\\" or i + 1 >= len(text):
        return text[i], i + 1
    c = text[i + 1]
    if c in "01234567":
        end = i + 1
        while end < len(text) and end < i + 4 and text[end] in "01234567":
            end += 1
        return chr(int(text[i + 1:end], 8)), end
    return _ESCAPES.get(c, c), i + 2
