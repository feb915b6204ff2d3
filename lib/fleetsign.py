"""fleetd's check of a signed command (the "sign" setting), loaded for
each signed command and dropped after it (fleet._signature): the command's
signature by the release key ("key", default /etc/upgrade.pub) over
fleetlink.signed_text, its time within _WINDOW seconds of the board's
clock, which must be set."""
import time
from micropython import const

import fleetlink

_WINDOW = const(300)     # seconds a signed command is good for, either way


def check(agent, rid, cmd, request):
    """Why the command is refused, or None when its signature holds."""
    ts, sig = request.get("ts"), request.get("sig")
    if not isinstance(ts, int) or not isinstance(sig, str):
        return "unsigned: this board runs signed commands only"
    import clock
    import system
    if time.time() < system.CLOCK_SET:
        return "the clock is not set: signed commands wait for ntpupdate"
    now = int(time.time()) + clock.EPOCH
    if abs(now - ts) > _WINDOW:
        return "signed %d s from now: more than %d" % (ts - now, _WINDOW)
    import binascii
    import hashlib
    import signature
    try:
        if agent.key is None:
            # Kept: read and parsed again for each command, its 768 hex
            # digits cut a small heap into pieces.
            agent.key = signature.load_key(agent.conf.get("key") or "/etc/upgrade.pub")
        digest = hashlib.sha256(fleetlink.signed_text(agent.name, rid, ts, cmd)).digest()
        signature.verify(digest, binascii.unhexlify(sig), agent.key)
    except (OSError, ValueError, KeyError) as e:
        return "the key: %s" % e
    except signature.BadSignature as e:
        return str(e)
    return None
