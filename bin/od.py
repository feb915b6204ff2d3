import cmdargs
import fileops
import munix

USAGE = """[-A d|o|x|n] [-t TYPE]... [-bcdox] [-j SKIP] [-N COUNT] [-v] [FILE...]
  Dump the bytes of the FILEs (the standard input when none, or -) as
  numbers, 16 to a line after their offset (-A: its base, n for none).
  TYPE: a (character names), c (characters), d, o, u or x (signed decimal,
  octal, unsigned decimal, hexadecimal) with a size 1, 2 or 4 (o2 unless
  told). -b is -t o1, -c -t c, -d -t u2, -o -t o2, -x -t x2. -j skips SKIP
  bytes, -N dumps COUNT at most; a line like the one before is shown as *
  unless -v."""
ABOUT = "dump files in octal, hexadecimal, decimal or characters"

WIDTH = 16
_SHORT = {"b": "o1", "c": "c", "d": "u2", "o": "o2", "x": "x2"}
_FORMS = {"o": ("%%0%do", (3, 6, 11)), "x": ("%%0%dx", (2, 4, 8)),
          "d": ("%%%dd", (4, 6, 11)), "u": ("%%%dd", (3, 5, 10))}
_NAMES = ("nul", "soh", "stx", "etx", "eot", "enq", "ack", "bel", "bs", "ht", "nl", "vt", "ff",
          "cr", "so", "si", "dle", "dc1", "dc2", "dc3", "dc4", "nak", "syn", "etb", "can", "em",
          "sub", "esc", "fs", "gs", "rs", "us", "sp")
_ESCAPED = {0: "\\0", 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}


def __main__(args):
    types = []
    base = "o"
    skip = 0
    count = None
    verbose = False
    files = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--help":
            raise cmdargs.Help()
        if arg == "--":
            files.extend(args[i:])
            break
        if arg[:1] != "-" or arg == "-":
            files.append(arg)
            continue
        letter = arg[1]
        if letter in "AtjN":
            value = arg[2:]
            if not value:
                if i >= len(args):
                    raise cmdargs.UsageError("-%s needs a value" % letter)
                value = args[i]
                i += 1
            if letter == "A":
                if value not in ("d", "o", "x", "n"):
                    raise cmdargs.UsageError("-A: d, o, x or n")
                base = value
            elif letter == "t":
                types.extend(_types(value))
            else:
                number = _size(value)
                if letter == "j":
                    skip = number
                else:
                    count = number
        else:
            for c in arg[1:]:
                if c == "v":
                    verbose = True
                elif c in _SHORT:
                    types.append(_SHORT[c])
                else:
                    raise cmdargs.UsageError("unknown option -%s" % c)
    return _dump(files or ["-"], types or ["o2"], base, skip, count, verbose)


def _types(text):
    out = []
    i = 0
    while i < len(text):
        kind = text[i]
        i += 1
        if kind in "ac":
            out.append(kind)
            continue
        if kind not in _FORMS:
            raise cmdargs.UsageError("%s: unknown type" % text)
        size = "4"
        if i < len(text) and text[i].isdigit():
            size = text[i]
            i += 1
        if size not in "124":
            raise cmdargs.UsageError("%s: the size must be 1, 2 or 4" % text)
        out.append(kind + size)
    return out


def _size(text):
    try:
        return int(text, 0)
    except ValueError:
        raise cmdargs.UsageError("%s: not a number" % text)


def _dump(files, types, base, skip, count, verbose):
    out = munix.proc().stdout
    cwd = munix.session().cwd
    offset = 0
    status = 0
    pending = b""
    previous = None
    starred = False
    for name in files:
        try:
            with fileops.open_input(name, cwd, True) as f:
                while count is None or offset + len(pending) < skip + count:
                    chunk = f.read(WIDTH)
                    if not chunk:
                        break
                    if skip > offset:
                        dropped = min(skip - offset, len(chunk))
                        offset += dropped
                        chunk = chunk[dropped:]
                    pending += chunk
                    if count is not None:
                        pending = pending[:skip + count - offset]
                    while len(pending) >= WIDTH:
                        line, pending = pending[:WIDTH], pending[WIDTH:]
                        if line == previous and not verbose:
                            if not starred:
                                out.write("*\n")
                                starred = True
                        else:
                            _line(out, offset, line, types, base)
                            starred = False
                        previous = line
                        offset += WIDTH
        except OSError as e:
            status = cmdargs.error(name, e)
    if pending:
        _line(out, offset, pending, types, base)
        offset += len(pending)
    if base != "n":
        out.write(_address(offset, base) + "\n")
    return status


def _address(offset, base):
    return {"o": "%07o", "d": "%07d", "x": "%06x"}[base] % offset


def _line(out, offset, data, types, base):
    for k, kind in enumerate(types):
        lead = (_address(offset, base) if base != "n" else "") if k == 0 else " " * (len(_address(0, base)) if base != "n" else 0)
        out.write(lead + _values(data, kind) + "\n")


def _values(data, kind):
    if kind in "ac":
        cells = []
        for b in data:
            if kind == "a":
                b &= 0x7F
                text = _NAMES[b] if b <= 32 else ("del" if b == 127 else chr(b))
            elif b in _ESCAPED:
                text = _ESCAPED[b]
            elif 32 <= b < 127:
                text = chr(b)
            else:
                text = "%03o" % b
            cells.append("%4s" % text)
        return "".join(cells)
    letter = kind[0]
    size = int(kind[1])
    form, widths = _FORMS[letter]
    form = " " + form % widths[(1, 2, 4).index(size)]
    cells = []
    for i in range(0, len(data), size):
        value = 0
        for j, b in enumerate(data[i:i + size]):
            value |= b << (8 * j)       # little-endian, as the boards are
        if letter == "d" and value >= 1 << (8 * size - 1):
            value -= 1 << (8 * size)
        cells.append(form % value)
    return "".join(cells)
