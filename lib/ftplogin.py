"""FTP's logging in, for ftpd: USER and PASS. Loaded for a session's login
and, on a board short of heap, dropped once no session is logging in
(ftpd._load, ftpd._release): a session's transfers leave its heap to the
board's other work.

Each command is a function of the session (an ftpd.Session) and its
argument, as the session's own ftp_ methods are.
"""
import asyncio
from micropython import const

import auth
import loginblock

_TRIES = const(3)       # wrong passwords before the connection is closed


def USER(s, arg):
    s.user = arg.strip()
    s.logged = False
    if auth.asked(s.daemon.insecure):
        s.reply(331, "Password required for %s" % s.user[:32])
    else:
        _logged(s)
        s.reply(230, "Logged in, no password needed")


async def PASS(s, arg):
    if s.logged:
        s.reply(230, "Already logged in")
        return
    if s.user is None:
        s.reply(503, "USER first")
        return
    if auth.check(s.user, arg, s.ip, "ftp", delay=False):
        _logged(s)
        s.reply(230, "Logged in")
        return
    # The loop's other clients are served meanwhile.
    await asyncio.sleep_ms(auth.limit("delay_ms", auth.DELAY_MS))
    s.tries += 1
    if s.tries >= _TRIES or loginblock.blocked(s.ip):
        s.reply(421, "Login incorrect, closing")
        s.quit = True
    else:
        s.reply(530, "Login incorrect")


def _logged(s):
    s.logged = True
    s.daemon.guests.remove(s.sock)
    s.daemon.count("logins")
