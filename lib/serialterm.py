"""The console as a terminal of a serial line (screen): its keys go out
of a UART, what the UART receives goes to the screen, until Ctrl-].

Only the board's console can: its keys are read one at a time, Ctrl-C
among them (the line editor's keyboard mode, session.py), and waited for
with select.poll together with the UART.
"""
import sys

import session

_LEAVE = "\x1d"      # Ctrl-]
POLL_MS = 20


def available(proc):
    """True if proc's keys are the console's."""
    return isinstance(proc.stdin, session.ConsoleInput)


def passthrough(uart, out):
    """Copy keys to uart and uart's bytes to out until Ctrl-]."""
    import select
    keys = select.poll()
    keys.register(sys.stdin, select.POLLIN)
    session.console_keys(True)
    try:
        while True:
            for _ in keys.poll(POLL_MS):
                key = sys.stdin.read(1)
                if key == _LEAVE or not key:
                    return
                # Enter is a CR on the line, as terminals send it, even
                # where the console made it a newline.
                uart.write(b"\r" if key == "\n" else key.encode())
            if uart.any():
                data = uart.read()
                if data:
                    out.write(text(data))
    finally:
        session.console_keys(False)


def text(data):
    """data as text: UTF-8, or ASCII with ? for what is not."""
    try:
        return data.decode()
    except UnicodeError:
        return "".join(chr(b) if b < 128 else "?" for b in data)
