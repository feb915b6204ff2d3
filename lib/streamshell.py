"""Shell sessions over a byte stream, such as a socket: each served by a
thread of its own, reading lines and writing text with CR LF line ends."""
import threadctl
import session


class StreamTerminal:
    """A terminal over a byte stream such as a socket: lines in, text out."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        self.stream.write(text.replace("\n", "\r\n").encode())

    def input(self, prompt=""):
        if prompt:
            self.write(prompt)
        line = bytearray()
        while True:
            c = self.stream.read(1)
            if not c or c == b"\x04" and not line:
                raise EOFError
            if c == b"\n":
                return line.decode().rstrip("\r")
            line.extend(c)


def serve(stream, name):
    """Serve a shell session over stream in a new thread; the stream is
    closed when the session ends. threadctl.NoThread when none is free."""
    threadctl.start_thread(_serve, (stream, name))


def _serve(stream, name):
    import shell
    term = StreamTerminal(stream)
    try:
        shell.serve(session.Session(name, term, term, term))
    finally:
        stream.close()
