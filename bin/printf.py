import cmdargs

USAGE = """FORMAT [ARGUMENT...]
  Print the ARGUMENTs as FORMAT says (POSIX printf): %s %b %c %d %i %u
  %o %x %X %f %e %g %%, with flags (- + space # 0), width and precision
  (* takes them from an ARGUMENT); \\n \\t \\\\ \\0NNN and the other
  backslash escapes. FORMAT is used again while ARGUMENTs remain. A number
  may be written 0x1F, 017 or 'c (the code of c)."""
ABOUT = "print formatted text"

_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "a": "\a", "b": "\b", "f": "\f",
            "r": "\r", "v": "\v", '"': '"', "'": "'"}


class _Stop(Exception):
    """\\c in a %b argument: no more output after its text so far (args[0])."""


def __main__(args):
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        raise cmdargs.UsageError("missing FORMAT")
    if args[0] == "--help":
        raise cmdargs.Help()
    fmt, values = args[0], args[1:]
    out = []
    state = [0]             # 1 once an argument was not a valid number
    try:
        while True:
            used = _format(fmt, values, out, state)
            if not values or not used:
                break
    except _Stop:
        pass
    except ValueError as e:
        print("".join(out), end="")
        return cmdargs.error(None, str(e))
    print("".join(out), end="")
    return state[0]


def _format(fmt, values, out, state):
    """Format once, taking arguments from the front of values; how many it took."""
    taken = len(values)
    i = 0
    n = len(fmt)
    while i < n:
        c = fmt[i]
        if c == "\\":
            text, i = _escape(fmt, i + 1, False)
            out.append(text)
            continue
        if c != "%":
            j = i
            while j < n and fmt[j] not in "\\%":
                j += 1
            out.append(fmt[i:j])
            i = j
            continue
        if fmt[i + 1:i + 2] == "%":
            out.append("%")
            i += 2
            continue
        j = i + 1
        while j < n and fmt[j] in "-+ #0":
            j += 1
        flags = fmt[i + 1:j]
        width, j = _number(fmt, j, values, state)
        precision = None
        if fmt[j:j + 1] == ".":
            precision, j = _number(fmt, j + 1, values, state)
            precision = precision or "0"
        if j >= n:
            raise ValueError("%s: missing conversion" % fmt[i:])
        conv = fmt[j]
        i = j + 1
        arg = values.pop(0) if values else None
        spec = "%" + flags + width + ("." + precision if precision is not None else "")
        try:
            out.append(_convert(spec, conv, arg, state))
        except _Stop as stop:
            out.append(stop.args[0])
            raise
    return taken - len(values)


def _number(fmt, j, values, state):
    """A width or precision at fmt[j]: digits, or * for the next argument."""
    if fmt[j:j + 1] == "*":
        arg = values.pop(0) if values else "0"
        return str(_integer(arg, state)), j + 1
    k = j
    while k < len(fmt) and fmt[k].isdigit():
        k += 1
    return fmt[j:k], k


def _convert(spec, conv, arg, state):
    if conv == "s":
        return (spec + "s") % ("" if arg is None else arg)
    if conv == "b":
        text = []
        k = 0
        arg = arg or ""
        while k < len(arg):
            if arg[k] == "\\":
                try:
                    piece, k = _escape(arg, k + 1, True)
                except _Stop:
                    raise _Stop("".join(text))
                text.append(piece)
            else:
                text.append(arg[k])
                k += 1
        return (spec + "s") % "".join(text)
    if conv == "c":
        return (spec + "s") % (arg or "")[:1]
    if conv in "diouxX":
        value = _integer(arg or "0", state)
        if conv in "iu":
            conv = "d"
        if conv == "o" and "#" in spec:
            # C's alternate octal form is a leading 0, not Python's 0o.
            return (spec.replace("#", "") + "s") % ("0%o" % value if value else "0")
        return (spec + conv) % value
    if conv in "feEgG":
        return (spec + conv) % _real(arg or "0", state)
    raise ValueError("%%%s: invalid conversion" % conv)


def _escape(text, k, in_b):
    """The character(s) of the escape after a backslash at text[k-1]; the
    index after it. In %b, \\c stops all output and octal is \\0NNN."""
    c = text[k:k + 1]
    if not c:
        return "\\", k
    if c in _ESCAPES:
        return _ESCAPES[c], k + 1
    if c == "c" and in_b:
        raise _Stop()
    if c in "01234567":
        start = k + 1 if in_b and c == "0" else k
        end = start
        while end < len(text) and end < start + 3 and text[end] in "01234567":
            end += 1
        return chr(int(text[start:end] or "0", 8)), end
    return "\\" + c, k + 1


def _integer(arg, state):
    if arg[:1] in ("'", '"'):
        return ord(arg[1]) if len(arg) > 1 else 0
    text = arg.strip()
    try:
        sign = -1 if text[:1] == "-" else 1
        digits = text.lstrip("+-")
        if digits[:2] in ("0x", "0X"):
            return sign * int(digits[2:], 16)
        if digits[:1] == "0" and len(digits) > 1:
            return sign * int(digits[1:], 8)
        return int(text)
    except ValueError:
        cmdargs.error(arg, "expected a number")
        state[0] = 1
        return 0


def _real(arg, state):
    if arg[:1] in ("'", '"'):
        return float(ord(arg[1])) if len(arg) > 1 else 0.0
    try:
        return float(arg)
    except ValueError:
        cmdargs.error(arg, "expected a number")
        state[0] = 1
        return 0.0
