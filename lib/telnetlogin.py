"""A telnet client's login (telnetd): `login:` and `Password:`, to be
answered within the daemon's login time (netguests), _TRIES wrong
passwords at most. Loaded for the clients logging in and dropped once
none is: a logged-in session carries none of it.
"""
import asyncio
from micropython import const

import auth
import lineplain
import loginblock

_TRIES = const(3)  # wrong passwords before the connection closes


def _mute(text):
    pass


def _reader(write, prompt, term=None):
    """A line reader without history for the login's answers, begun."""
    editor = lineplain.PlainEditor(None, write)
    if term is not None:
        term.send_text(prompt)
    editor.begin(prompt if term is None else "", False)
    return editor


async def login(term, ip):
    """The user name once logged in, None when the client failed or left."""
    if loginblock.blocked(ip):
        term.write("Too many failed logins, try again later.\n")
        return None
    for _ in range(_TRIES):
        try:
            user = await term.line(_reader(term.send_text, "login: "))
            # Typed unseen: the editor's echo goes nowhere.
            password = await term.line(_reader(_mute, "Password: ", term))
            term.send_text("\n")
        except (EOFError, KeyboardInterrupt):
            return None
        if auth.check(user, password, ip, "telnet", delay=False):
            return user
        await term.drain()
        await asyncio.sleep_ms(auth.limit("delay_ms", auth.DELAY_MS))
        term.write("Login incorrect\n")
        if loginblock.blocked(ip):
            break
    return None
