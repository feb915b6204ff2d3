"""The board's os.dupterm and os.dupterm_notify, for the os stand-ins:
what the dupterm stream gives goes to the console's input, as on a board;
here the serial port's REPL (serial_board.py sets keys) takes it, and
without one it is dropped."""
_stream = [None]
keys = None


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
