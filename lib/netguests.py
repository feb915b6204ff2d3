"""The clients of a session daemon (netctl.start: uftpd, utelnetd) that
have not logged in yet: its guests.

A guest has login_ms to log in from the moment its protocol serves it,
however much it sends meanwhile, and at most `slots` guests are served at
once. A new client that finds no slot free (the guests' or the daemon's)
takes the slot of the oldest guest served for _EVICT_MS, whose session
ends at once (one still waiting for room in the heap, netd, keeps its
slot: taken from it, the client that had waited longest was cut off when
it came to be served, in favour of one that would wait as long; but an
address holding more than one slot so gives its newest to a client from
another address, told to try again later), and
waits for it meanwhile (as it does for the slot of a guest whose client
has left, which its session takes POLL_MS to see; as many clients wait
at once as there are slots, one per address): idle, dribbling or
short-lived connections, or a flood of them from one address, never lock
logged-in users or new logins from elsewhere out. A guest that runs out
of time or slot gets Expired in its next wait.

Loaded only by the daemons that ask for logins once per session, so that
uhttpd (a login per request, on a small heap) carries none of it.
"""
import time
from micropython import const

import netd
import system

SLOTS = 2               # clients not logged in yet served at once
_EVICT_MS = const(3000)  # a guest this old gives its slot to a new client


def asked(insecure):
    """auth.asked(insecure), auth's code held no longer than the call: a
    session that kept it in its frame kept it for as long as it ran."""
    return system.import_module("auth").asked(insecure)


def blocked(ip):
    """loginblock.blocked(ip), its code loaded only while some address or
    user has failures counted (netd asks it of every new client); 0 when
    the heap has no room for that code: the protocol asks again once it
    has the client."""
    if system.logins is None or not system.logins[0]:
        return 0
    try:
        loginblock = system.import_module("loginblock")
    except MemoryError:
        with system.import_lock:
            system.forget_failed_imports()
        return 0
    return loginblock.blocked(ip)


class Expired(netd.Stopped):
    """A client not logged in ran out of time, or its slot went to a new
    client: the session ends; str() says which."""


class Guests:
    WAIT_MS = _EVICT_MS + 2 * netd.POLL_MS  # how long a new client waits for a slot

    def __init__(self, login_ms, slots, limit, blocked_words):
        self.login_ms = login_ms
        self.blocked_words = blocked_words  # what a client whose address is blocked is told
        self.slots = max(1, min(slots, limit))
        # [sock, ticks_ms accepted, Expired once ended, served by the
        # protocol, its address], oldest first
        self.table = []
        self.waiting = []       # the addresses of new clients waiting for a slot (netd's loop)
        self.lock = system.allocate_lock()

    def add(self, sock, ip):
        with self.lock:
            self.table.append([sock, time.ticks_ms(), None, False, ip])

    def shut_out(self, ip):
        """Whether a new client from ip is told blocked_words at once (netd):
        its address is blocked by failed logins."""
        return blocked(ip) > 0

    def preload(self):
        """auth's code, which a guest's first step loads (its address
        checked: blocked()), loaded by netd where a full heap is waited
        out: FTP clients beside two telnet sessions running lines on the
        esp32 profile were taken in, then failed there, 4 in 6."""
        system.import_module("auth")

    def served(self, sock):
        """The protocol has sock's client, which may log in from now on:
        its time to do so starts."""
        with self.lock:
            for guest in self.table:
                if guest[0] is sock:
                    guest[1] = time.ticks_ms()
                    guest[3] = True

    def logging_in(self):
        """Whether a guest may be logging in: one the protocol serves, not
        one still waiting for the heap to have room for it (netd)."""
        for guest in self.table:
            if guest[3]:
                return True
        return False

    def may_wait(self, ip):
        """Whether a new client from ip may wait for a slot: one wait per
        address, so that one address's clients cannot take every wait."""
        return len(self.waiting) < self.slots and ip not in self.waiting

    def remove(self, sock):
        """sock logged in, or its session ended: a guest no more. With no
        guest of any daemon logging in, auth's code goes (netd.drop_auth)."""
        with self.lock:
            for guest in self.table:
                if guest[0] is sock:
                    self.table.remove(guest)
                    break
        netd.drop_auth()

    def check(self, sock, step):
        """How long (at most step ms) the guest on sock may wait now; step
        for a client that has logged in. Expired when its time is up."""
        with self.lock:
            for guest in self.table:
                if guest[0] is sock:
                    if guest[2] is not None:
                        raise guest[2]
                    left = self.login_ms - time.ticks_diff(time.ticks_ms(), guest[1])
                    if left <= 0:
                        raise Expired("login time is up")
                    return min(step, left)
        return step

    def room(self, sessions, limit, ip):
        """Whether a new client from ip can be served now: a slot is free.
        When none is, the oldest guest old enough is told to give its own;
        else, where another address holds more than one slot, the newest of
        its guests still waiting for room in the heap (idle connections from
        one address, which the heap kept waiting, locked every other
        address out: the esp32 soak's FTP users beside its idle intruder).
        The caller asks again (WAIT_MS at most, longer while a guest told
        to go has not gone: ending()): that guest's session ends
        within netd.POLL_MS, as does one whose client has left."""
        with self.lock:
            if sessions < limit and len(self.table) < self.slots:
                return True
            now = time.ticks_ms()
            for guest in self.table:
                if guest[2] is None and guest[3] and time.ticks_diff(now, guest[1]) >= _EVICT_MS:
                    guest[2] = Expired("a new client took the slot")
                    return False
            newest = None
            for guest in self.table:
                if guest[2] is None and not guest[3] and guest[4] != ip and self.holds(guest[4]) > 1:
                    newest = guest
            if newest is not None:
                newest[2] = Expired("a client from another address took the slot")
        return False

    def ending(self):
        """Whether a guest told to give its slot has not ended yet: the
        client waiting for that slot waits on (a loaded board took more
        than WAIT_MS to end it, and refused the client it was ended for)."""
        for guest in self.table:
            if guest[2] is not None:
                return True
        return False

    def give_socket(self, ip):
        """The oldest guest from ip is told to go (netd, no socket free): its
        session ends within netd.POLL_MS, and its socket with it."""
        with self.lock:
            oldest = None
            for guest in self.table:
                if guest[4] == ip and guest[2] is None and (
                        oldest is None or time.ticks_diff(guest[1], oldest[1]) < 0):
                    oldest = guest
            if oldest is not None:
                oldest[2] = Expired("no socket free for a new client")

    def holds(self, ip):
        """How many guests from ip have not been told to go."""
        n = 0
        for guest in self.table:
            if guest[4] == ip and guest[2] is None:
                n += 1
        return n

    def given_up(self, sock):
        """The Expired of the guest on sock whose slot went to another
        client while it waited for room in the heap, or None."""
        for guest in self.table:
            if guest[0] is sock:
                return guest[2]
        return None
