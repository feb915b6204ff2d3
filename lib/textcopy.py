"""Bytes from a stream written out as text (a program's standard output
takes text): UTF-8 decoded piece by piece, a character cut between two
reads kept for the next, so that nothing is held but one buffer."""


def copy(source, out, size=512):
    """Write what source.readinto() gives, to its end, to out as text;
    UnicodeError when it is not UTF-8 text."""
    buf = bytearray(size)
    held = b""
    while True:
        n = source.readinto(buf)
        if not n:
            break
        data = held + buf[:n]
        cut = _whole(data)
        out.write(str(data[:cut], "utf-8"))
        held = data[cut:]
    if held:
        raise UnicodeError()


def _whole(data):
    """How many bytes of data end on a whole UTF-8 character."""
    i = len(data) - 1
    while i > len(data) - 4 and i > 0 and data[i] & 0xC0 == 0x80:
        i -= 1
    lead = data[i] if data else 0
    need = 4 if lead >= 0xF0 else 3 if lead >= 0xE0 else 2 if lead >= 0xC0 else 1
    return i if len(data) - i < need else len(data)
