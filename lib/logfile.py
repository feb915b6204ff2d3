"""The one way munix writes a log: lines appended to a file that never
grows past _LIMIT bytes (what came before is kept as FILE.old), each line
stamped with the local time, control characters escaped so that no text
logged can forge a line."""
import os
from micropython import const

import clock
import system

_LIMIT = const(4096)
NET = "/tmp/net.log"    # the network daemons' and logins' log
_NET_LIMIT = const(8192)

_lock = system.allocate_lock()


def append(path, text, limit=_LIMIT):
    """Append text to the log file path as it is, keeping the file under
    limit bytes; a failing flash loses the text, never the caller."""
    with _lock:
        try:
            try:
                size = os.stat(path)[6]
            except OSError:
                size = 0
            if size and size + len(text) > limit:
                try:
                    os.remove(path + ".old")
                except OSError:
                    pass
                os.rename(path, path + ".old")
            with open(path, "a") as f:
                f.write(text)
        except OSError:
            pass


def line(path, text, limit=_LIMIT):
    """Append one time-stamped line (YYYY-MM-DD HH:MM:SS text) to path."""
    t = clock.localtime()
    append(path, "%d-%02d-%02d %02d:%02d:%02d %s\n" % (t[:6] + (escape(text),)), limit)


def net(text):
    """A line of the network log. A heap too full for it loses the line,
    not the work that logs it."""
    try:
        line(NET, text, _NET_LIMIT)
    except MemoryError:
        pass


def escape(text):
    """text with its control characters written as \\xNN or \\uNNNN: C0 and
    C1 (a newline, NEL), Unicode's line and paragraph ends, and the bidi
    controls (Unicode's Bidi_Control: U+061C, U+200E-F, U+202A-E,
    U+2066-9), which make a line read backwards. Read from its UTF-8
    bytes: each character taken from a str is a name MicroPython keeps for
    good, and a client's made-up ones (a user name, a path) took heap that
    no collection gave back."""
    data = text.encode()
    out = bytearray()
    i = 0
    while i < len(data):
        lead = data[i]
        size = 1 if lead < 0x80 else 2 if lead < 0xe0 else 3 if lead < 0xf0 else 4
        n = lead if size == 1 else lead & (0x3f >> (size - 1))
        for k in range(i + 1, i + size):
            n = n << 6 | data[k] & 0x3f
        if (n < 32 or 127 <= n < 160 or 0x2028 <= n <= 0x202e
                or 0x2066 <= n <= 0x2069 or n in (0x200e, 0x200f, 0x061c)):
            out += ("\\x%02x" % n if n < 256 else "\\u%04x" % n).encode()
        else:
            out += data[i:i + size]
        i += size
    return out.decode()
