"""Users and passwords of the network daemons (telnet, FTP, HTTP).

Passwords are kept in /etc/shadow, one `USER:ROUNDS:SALT:HASH` line each
(salt and hash in hex): HASH is SHA-256 iterated ROUNDS times over a random
16-byte salt and the password, so a stolen file gives neither the password
nor a quick way to guess it. ROUNDS (4000) is chosen so that a check costs about
0.2 s on an ESP32 (README: Users and passwords); it is kept per line, so a
new default never breaks stored passwords.

Three states (required()):
  True    every daemon asks for a login: the file has users, or it is
          empty, damaged or unreadable, and then no login passes (fail
          closed; the console says why)
  False   `setauth -d` disabled logins explicitly: the file says so
  None    never configured (no file): daemons refuse to start unless
          started with -i, and then ask no login; a file that goes away
          while they run refuses every login

check() delays each failure (delay_ms) and logs it; an address or a user
with too many failures is refused without a check (loginblock). The
settings are the "auth" section of /etc/system.conf. Neither the password
nor its hash is ever printed or logged. Setting passwords is passwd's
(setauth's), apart from what every login loads.
"""
import binascii
import hashlib
import time

import lending
import loginblock
import system
from hmacsha import same
from loginblock import DELAY_MS, limit
from micropython import const

FILE = "/etc/shadow"     # fsguard.SECRET: no daemon shows it
ROUNDS = const(4000)
SALT_BYTES = const(16)
# Characters of a password at most: hashing costs time with its length (a
# 1 KB guess took 3 to 5 s on an ESP32), so a longer one is not hashed.
PASSWORD_MAX = const(128)

DISABLED = "# logins disabled"


def digest(password, salt, rounds):
    """The iterated salted SHA-256 of password (str) as bytes."""
    secret = password.encode()
    d = hashlib.sha256(salt + secret).digest()
    for _ in range(rounds):
        d = hashlib.sha256(d + secret).digest()
    return d


def _entries():
    """(user, rounds, salt, hash) of each line of the file; None without file."""
    try:
        text = lines()
    except OSError:
        return None
    found = []
    for line in text:
        parts = line.strip().split(":")
        if len(parts) == 4 and not parts[0].startswith("#"):
            try:
                found.append((parts[0], int(parts[1]), _unhex(parts[2]), _unhex(parts[3])))
            except ValueError:
                pass
    return found


def lines():
    """The file's lines that are text (OSError without it): one that is
    not UTF-8 is damaged, and counts as no line, so that logins fail
    closed (such bytes made every request with a login a 500)."""
    found = []
    with open(FILE, "rb") as f:
        for line in f:
            try:
                found.append(line.decode())
            except UnicodeError:
                pass
    return found


def _unhex(text):
    return binascii.unhexlify(text)


def required():
    """True when logins are asked, False when disabled, None when never set."""
    # The first line as it is: a damaged one that lines() leaves out
    # must not make the next one, "# logins disabled", open the daemons.
    try:
        with open(FILE, "rb") as f:
            first = f.readline()
    except OSError:
        return None
    return not first.startswith(DISABLED.encode())


def asked(insecure):
    """Whether a daemon asks for a login: always, but when it was started
    with -i before any password was set (insecure), or when `setauth -d`
    disabled logins."""
    return not insecure and required() is not False


def entry(user):
    """user's line of the file, to tell whether it changed; None without."""
    try:
        for line in lines():
            if line.split(":", 1)[0] == user:
                return line
    except OSError:
        pass
    return None


def users():
    found = _entries()
    return [e[0] for e in found] if found else []


def check(user, password, ip, service="", delay=True):
    """True when password is user's. A failure is logged and, with delay,
    answered only after limit("delay_ms", DELAY_MS) (an asyncio server
    passes delay=False and sleeps that long itself); an address or a user
    blocked by repeated failures, counting the checks under way, always
    fails unchecked."""
    found = _entries() or []
    if not found:
        _no_users(loginblock.state()[1])
    stored = None
    for entry in found:
        if entry[0] == user:
            stored = entry
    # Only the file's users are counted: names made up would push them out.
    keys = (ip, "@" + user) if stored else (ip,)
    if not loginblock.begin(keys):
        _failed(user, ip, service, "refused (too many failures)", delay)
        return False
    ok = None
    try:
        if stored is None or len(password) > PASSWORD_MAX:
            # The same work for an unknown user and a password no one has:
            # answers take as long.
            digest(password[:PASSWORD_MAX], b"\0" * SALT_BYTES, ROUNDS)
            ok = False
        else:
            ok = same(digest(password, stored[2], stored[1]), stored[3])
    finally:
        # A check cut short (no heap for the digest) has told its client
        # nothing: it counts no failure, and the check made again once
        # there is room is counted once.
        loginblock.end(keys, ok)
    if ok:
        loginblock.state()[1][0] = None
        return True
    _failed(user, ip, service, "failed", delay)
    return False


def _no_users(said):
    """Say on the console why every login fails, once per change."""
    text = "no user in %s: logins refused (`setauth USER` sets one, `setauth -d` asks none)" % FILE
    if said[0] != text:
        said[0] = text
        lending.lend("logfile", "net", text)
        if system.console is not None:
            system.console.stdout.write("%s\n" % text)


def _failed(user, ip, service, what, delay):
    lending.lend("logfile", "net", "%s: login %s for %s from %s"
                 % (service or "auth", what, user[:32], ip))
    if delay:
        time.sleep_ms(limit("delay_ms", DELAY_MS))
