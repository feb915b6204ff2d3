"""HMAC-SHA256 (RFC 2104) over hashlib.sha256, which every port has, and a
comparison of two tags that takes as long whatever byte differs: the
fleet's ESP-NOW frames are signed with it (fleetnow.py)."""
import hashlib


def digest(key, data):
    """The 32-byte HMAC-SHA256 of data (bytes) with key (bytes, at most
    64: the fleet's is 32)."""
    block = bytearray(64)
    block[:len(key)] = key
    for i in range(64):
        block[i] ^= 0x36
    h = hashlib.sha256(block)
    h.update(data)
    inner = h.digest()
    for i in range(64):
        block[i] ^= 0x36 ^ 0x5C
    h = hashlib.sha256(block)
    h.update(inner)
    return h.digest()


def same(a, b):
    """True when a and b are equal, looked at whole: a forger learns
    nothing from how soon a wrong tag is refused."""
    if len(a) != len(b):
        return False
    diff = 0
    for i in range(len(a)):
        diff |= a[i] ^ b[i]
    return diff == 0
