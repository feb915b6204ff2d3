"""Blocks of logins: an address with failures failures in a row is refused
for block_s seconds, and so is a user (from any address); checks under way
count as failures until they end, so that guesses sent at once over several
connections get no more checks than failures before the block. The settings
are the "auth" section of /etc/system.conf; defaults below.

Apart from auth's code, which checks passwords: netd asks whether a new
client's address is blocked before it loads the client's protocol, and a
blocked address's connections, each loading a protocol and auth, took the
heap a busy esp32's users needed.
"""
import time
from micropython import const

import system

DELAY_MS = 1000
_FAILURES = const(5)
_BLOCK_S = const(60)
_TRACKED = const(16)        # addresses and users whose failures are remembered


def limit(key, default):
    """An "auth" setting of /etc/system.conf."""
    return system.setting(system.settings("auth"), key, default)


def state():
    """The failures (an address, or "@" and a user name -> [failures in
    a row, ticks_ms of the last one, checks under way]), what the console
    was last told about the password file (auth), and their lock: system's,
    which outlive this code and auth's (netd.drop_auth)."""
    if system.logins is None:
        with system.import_lock:
            if system.logins is None:
                system.logins = ({}, [None], system.allocate_lock())
    return system.logins


def blocked(ip):
    """Seconds left before ip may try again (0: it may; so before any
    login has been checked, when there is no table yet)."""
    if system.logins is None:
        return 0
    failures = limit("failures", _FAILURES)
    block_ms = limit("block_s", _BLOCK_S) * 1000
    table, _, lock = system.logins
    with lock:
        entry = table.get(ip)
        if entry is None or entry[0] < failures:
            return 0
        left = block_ms - time.ticks_diff(time.ticks_ms(), entry[1])
        if left <= 0:
            entry[0] = 0
            return 0
        return left // 1000 + 1


def begin(keys):
    """A check of a login begins for keys (its address, and "@" and its
    user's name): False, and no check, when one of them is blocked."""
    table, _, lock = state()
    failures = limit("failures", _FAILURES)
    block_ms = limit("block_s", _BLOCK_S) * 1000
    with lock:
        for key in keys:
            if _over(table, key, failures, block_ms):
                return False
        for key in keys:
            _entry(table, key)[2] += 1
    return True


def end(keys, ok):
    """The check begun for keys has ended, ok when the password was right,
    None when it was cut short (neither a success nor a failure)."""
    table, _, lock = state()
    with lock:
        for key in keys:
            entry = table[key]
            entry[2] -= 1
            if ok:
                entry[0] = 0
            elif ok is not None:
                entry[0] += 1
                entry[1] = time.ticks_ms()
            if not entry[0] and not entry[2]:
                del table[key]


def _over(table, key, failures, block_ms):
    """Whether key may not try now: its failures and checks under way
    reach failures, its block not yet over. Called with the lock held."""
    entry = table.get(key)
    if entry is None:
        return False
    if entry[0] >= failures and time.ticks_diff(time.ticks_ms(), entry[1]) >= block_ms:
        entry[0] = 0
    return entry[0] + entry[2] >= failures


def _entry(table, key):
    """key's entry, made (the oldest idle one forgotten when the table is
    full). Called with the lock held."""
    entry = table.get(key)
    if entry is None:
        idle = [k for k in table if not table[k][2]]
        if len(table) >= _TRACKED and idle:
            del table[min(idle, key=lambda k: table[k][1])]
        entry = table[key] = [0, time.ticks_ms(), 0]
    return entry
