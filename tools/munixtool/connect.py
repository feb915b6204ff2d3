"""``munix connect HOST [--port P]``: a telnet client for munix sessions.

The local terminal goes into raw mode, so that every key, Ctrl-C and the
arrows of line editing included, reaches the board as typed; the board's
output is shown as it comes. Telnet negotiations (IAC ...) are declined,
except that the board may echo: munix's line editor echoes what it edits.
Ctrl-] ends the session, as in telnet.
"""

import os
import select
import socket
import sys
import termios
import tty

from munixtool import MunixError, sim_port_hint

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
ECHO, SUPPRESS_GO_AHEAD = 1, 3
ESCAPE = b"\x1d"  # Ctrl-]


class Telnet:
    """The telnet protocol's bytes taken out of the board's output."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.pending = b""

    def feed(self, data: bytes) -> bytes:
        """The text in data; answers negotiations on the socket."""
        data = self.pending + data
        self.pending = b""
        text = bytearray()
        i = 0
        while i < len(data):
            c = data[i]
            if c != IAC:
                text.append(c)
                i += 1
                continue
            if i + 1 >= len(data):
                self.pending = data[i:]
                break
            verb = data[i + 1]
            if verb == IAC:
                text.append(IAC)
                i += 2
            elif verb in (DO, DONT, WILL, WONT):
                if i + 2 >= len(data):
                    self.pending = data[i:]
                    break
                self._answer(verb, data[i + 2])
                i += 3
            elif verb == SB:
                end = data.find(bytes([IAC, SE]), i)
                if end < 0:
                    self.pending = data[i:]
                    break
                i = end + 2
            else:
                i += 2
        return bytes(text)

    def _answer(self, verb: int, option: int) -> None:
        if verb == WILL:
            accept = option in (ECHO, SUPPRESS_GO_AHEAD)
            self.sock.sendall(bytes([IAC, DO if accept else DONT, option]))
        elif verb == DO:
            accept = option == SUPPRESS_GO_AHEAD
            self.sock.sendall(bytes([IAC, WILL if accept else WONT, option]))

    @staticmethod
    def escape(data: bytes) -> bytes:
        return data.replace(bytes([IAC]), bytes([IAC, IAC]))


def session(sock: socket.socket, stdin: int, stdout: int) -> None:
    """Relay between the terminal and the board until either side ends."""
    telnet = Telnet(sock)
    while True:
        ready, _, _ = select.select([sock, stdin], [], [])
        if sock in ready:
            data = sock.recv(65536)
            if not data:
                return
            os.write(stdout, telnet.feed(data))
        if stdin in ready:
            data = os.read(stdin, 4096)
            if not data or ESCAPE in data:
                return
            sock.sendall(Telnet.escape(data))


def main(args) -> int:
    """Entry point of ``munix connect``."""
    try:
        sock = socket.create_connection((args.host, args.port), timeout=10)
    except OSError as error:
        hint = sim_port_hint(args.host, args.port, "telnet")
        raise MunixError(f"{args.host}:{args.port}: {error.strerror or error}{hint}") from None
    sock.settimeout(None)
    print(f"connected to {args.host}:{args.port}; Ctrl-] ends", file=sys.stderr)
    saved = termios.tcgetattr(0) if os.isatty(0) else None
    try:
        if saved is not None:
            tty.setraw(0)
        session(sock, 0, 1)
    finally:
        if saved is not None:
            termios.tcsetattr(0, termios.TCSADRAIN, saved)
        sock.close()
    print("\nconnection closed", file=sys.stderr)
    return 0
