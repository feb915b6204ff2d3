"""The board's os.dupterm and os.dupterm_notify, for the os stand-ins:
what the dupterm stream gives goes to the console's input, as on a board;
here the serial port's REPL (serial_board.py sets keys) takes it, and
without one it is dropped. And the port's own os and time, which the
stand-ins build on (port_module)."""
import sys

_stream = [None]
keys = None


def port_module(name):
    """The unix port's own module name (os, time), not the stand-in of that
    name: an import with sys.path empty finds only built-in modules
    (py/builtinimport.c). A u-name (uos) is the stand-in once it is
    loaded, as a board's utime is its time (boardport.patch)."""
    path = sys.path[:]
    sys.path.clear()
    try:
        return __import__(name)
    finally:
        sys.path.extend(path)


def dupterm(stream, index=0):
    old = _stream[0]
    _stream[0] = stream
    return old


def dupterm_notify(obj):
    stream = _stream[0]
    if stream is None:
        return
    buf = bytearray(1)
    data = b""
    while stream.readinto(buf):
        data += buf
    if data and keys is not None:
        keys(data)
