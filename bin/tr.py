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

# Characters are code points, read from the text's UTF-8 bytes, and a SET
# is a list of ranges (first, last): a character taken out of a str is a
# name MicroPython keeps for good, so every new one a client sent through
# tr took heap that no collection gave back (and a range past ASCII made
# as many names as it spans).

# Classes as the first and last characters of their ranges.
_CLASSES = {"alpha": b"azAZ", "lower": b"az", "upper": b"AZ", "digit": b"09",
            "alnum": b"azAZ09", "space": b"\t\r  ", "blank": b"\t\t  ",
            "punct": b"!/:@[`{~"}
_ESCAPES = dict(zip(b"ntr\\abfv", b"\n\t\r\\\a\b\f\v"))


def __main__(args):
    opts, sets = cmdargs.parse(args, "cds", operands=2)
    if not sets:
        raise cmdargs.UsageError("missing SET1")
    try:
        set1 = _expand(sets[0])
        set2 = _expand(sets[1]) if len(sets) > 1 else []
    except ValueError as e:
        return cmdargs.error(None, str(e))
    delete = "d" in opts
    squeeze = "s" in opts
    if not delete and not squeeze and len(sets) < 2:
        raise cmdargs.UsageError("SET2 is needed to translate")
    if delete and squeeze and len(sets) < 2:
        raise cmdargs.UsageError("-ds needs SET2, the characters to squeeze")
    complement = "c" in opts
    translate = set2 and not delete
    squeezed = set2 if (set2 and (delete or len(sets) > 1)) else set1
    out = munix.proc().stdout
    last = None
    lines = textin.Lines(["-"])
    for line in lines:
        data = line.encode()
        piece = bytearray()
        i = 0
        while i < len(data):
            c, i = _code(data, i)
            at = _index(set1, c)
            if (at >= 0) != complement:
                if delete:
                    continue
                if translate:
                    c = set2[-1][1] if complement else _at(set2, at)
            if squeeze and c == last and _index(squeezed, c) >= 0:
                continue
            _put(piece, c)
            last = c
        out.write(piece.decode())
    return lines.status


def _code(data, i):
    """(the character of UTF-8 data at byte i, where the next begins)."""
    c = data[i]
    if c < 0x80:
        return c, i + 1
    more = 1 if c < 0xe0 else 2 if c < 0xf0 else 3
    c &= 0x3f >> more
    for k in range(i + 1, min(i + 1 + more, len(data))):
        c = c << 6 | data[k] & 0x3f
    return c, i + 1 + more


def _put(buf, c):
    """Append character c to buf, in UTF-8."""
    if c < 0x80:
        buf.append(c)
        return
    more = 1 if c < 0x800 else 2 if c < 0x10000 else 3
    buf.append(b"\xc0\xe0\xf0"[more - 1] | c >> 6 * more)
    for k in range(more - 1, -1, -1):
        buf.append(0x80 | c >> 6 * k & 0x3f)


def _index(ranges, c):
    """c's place among the characters of ranges (its last, as a later
    mapping overrides an earlier one), or -1."""
    place = -1
    k = 0
    for first, last in ranges:
        if first <= c <= last:
            place = k + c - first
        k += last - first + 1
    return place


def _at(ranges, k):
    """The character at place k of ranges; their last one past their end."""
    for first, last in ranges:
        if k <= last - first:
            return first + k
        k -= last - first + 1
    return ranges[-1][1]


def _text(c):
    buf = bytearray()
    _put(buf, c)
    return buf.decode()


def _expand(text):
    """The ranges a SET stands for, in order."""
    data = text.encode()
    out = []
    i = 0
    n = len(data)
    while i < n:
        if data[i:i + 2] == b"[:":
            end = data.find(b":]", i + 2)
            bounds = _CLASSES.get(data[i + 2:end].decode()) if end > 0 else None
            if bounds is None:
                raise ValueError("%s: unknown class" % data[i:].decode())
            out.extend([(bounds[k], bounds[k + 1]) for k in range(0, len(bounds), 2)])
            i = end + 2
            continue
        c, i = _char(data, i)
        if data[i:i + 1] == b"-" and i + 1 < n:
            last, i = _char(data, i + 1)
            if last < c:
                raise ValueError("%s-%s: range in reverse order" % (_text(c), _text(last)))
            out.append((c, last))
        else:
            out.append((c, c))
    return out


def _char(data, i):
    """(the character at byte i of a SET, its escape read; where the next begins)."""
    if data[i] != 0x5c or i + 1 >= len(data):
        return _code(data, i)
    end = i + 1
    while end < len(data) and end < i + 4 and 0x30 <= data[end] <= 0x37:
        end += 1
    if end > i + 1:
        return int(data[i + 1:end], 8), end
    c, end = _code(data, i + 1)
    return _ESCAPES.get(c, c), end
