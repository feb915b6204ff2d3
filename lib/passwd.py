"""Setting the daemons' passwords (setauth): user names, the password
asked without echo, and /etc/shadow written whole. Apart from auth, which
every login loads (telnet, FTP, HTTP) and which so holds only the checks.
"""
import binascii

import auth
import fspath

_USER_BYTES = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"


def valid_user(user):
    """A user name: letters, digits, _ . - (what every protocol carries).
    Looked at as bytes: each character taken out of a str is kept for good."""
    data = user.encode()
    return 0 < len(data) <= 32 and not data.strip(_USER_BYTES)


def _hex(data):
    return binascii.hexlify(data).decode()


def set_password(user, password):
    """Store user's password (replacing an older one), as a salted hash."""
    import os
    salt = os.urandom(auth.SALT_BYTES)
    line = "%s:%d:%s:%s\n" % (user, auth.ROUNDS, _hex(salt),
                              _hex(auth.digest(password, salt, auth.ROUNDS)))
    lines = []
    try:
        lines = [old for old in auth.lines() if old.split(":", 1)[0] != user and not old.startswith("#")]
    except OSError:
        pass
    fspath.write_file(auth.FILE, "".join(lines) + line)


def disable():
    """Ask no login any more: every user is removed."""
    fspath.write_file(auth.FILE, auth.DISABLED + " by `setauth -d`; `setauth USER` enables them\n")


def ask(prompt):
    """Read a secret from the current process's terminal without echo: a
    terminal that can hide what is typed says so with a true hide_input and
    takes input(prompt, echo=False) (telnet sessions); the console is read
    character by character with its echo off (a board's console echoes
    nothing itself, the simulator's host terminal does); other terminals
    are read as they are."""
    import munix
    proc = munix.proc()
    term = proc.stdin
    if getattr(term, "hide_input", False):
        return term.input(prompt, echo=False)
    if proc.session.console and term is proc.session.stdin:
        return _console_secret(proc.stdout, prompt)
    return term.input(prompt)


def _console_secret(out, prompt):
    import session
    import sys
    out.write(prompt)
    text = ""
    session.console_keys(True)
    try:
        while True:
            c = sys.stdin.read(1)
            if not c or c == "\x04" and not text:
                raise EOFError
            if c == "\x03":
                raise KeyboardInterrupt
            if c in "\r\n":
                out.write("\n")
                return text
            if c in "\x08\x7f":
                text = text[:-1]
            else:
                text += c
    finally:
        session.console_keys(False)
