"""Signature checking for releases: RSA (PKCS#1 v1.5) over SHA-256, in
plain MicroPython.

Verifying is one modular exponentiation with the small public exponent
(65537), which MicroPython's big integers do quickly even on an ESP32. Ports
built without three-argument pow() (ESP8266) get it by square-and-multiply,
which holds no more than two numbers of twice the key's size at a time. The
public key is a JSON file: {"type": "rsa-pkcs1v15-sha256", "e": 65537,
"n": "<modulus in hex>"}.
"""
import json

TYPE = "rsa-pkcs1v15-sha256"
# DER prefix of a DigestInfo holding a SHA-256 digest (RFC 8017, 9.2 note 1).
_SHA256_INFO = b"\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20"


class BadSignature(Exception):
    pass


def load_key(path):
    """(n, e) from a public key file; ValueError when it is not one."""
    with open(path) as f:
        key = json.load(f)
    if not isinstance(key, dict) or key.get("type") != TYPE:
        raise ValueError("%s: not a %s public key" % (path, TYPE))
    return int(key["n"], 16), int(key["e"])


def verify(digest, signature, key):
    """Raise BadSignature unless signature (bytes) signs the SHA-256
    digest (32 bytes) with key (n, e)."""
    n, e = key
    size = (_bit_length(n) + 7) // 8
    s = int.from_bytes(signature, "big")
    if len(signature) != size or s >= n:
        raise BadSignature("signature has the wrong size")
    # Rebuilding the one valid encoding and comparing it whole leaves no
    # room for the parsing flaws of lenient verifiers.
    tail = _SHA256_INFO + digest
    expected = b"\x00\x01" + b"\xff" * (size - 3 - len(tail)) + b"\x00" + tail
    if _pow_mod(s, e, n).to_bytes(size, "big") != expected:
        raise BadSignature("bad signature")


def _pow_mod(base, exp, mod):
    """base ** exp % mod."""
    try:
        return pow(base, exp, mod)
    except NotImplementedError:     # "3-arg pow() not supported"
        return _square_multiply(base, exp, mod)


def _square_multiply(base, exp, mod):
    """base ** exp % mod, reduced at each step."""
    result = 1
    base %= mod
    while exp:
        if exp & 1:
            result = result * base % mod
        exp >>= 1
        if exp:
            base = base * base % mod
    return result


def _bit_length(n):
    bits = 0
    while n >> (bits + 64):
        bits += 64
    while n >> bits:
        bits += 1
    return bits
