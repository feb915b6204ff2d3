"""WebSocket (RFC 6455), server side, over a connection of httpd.py: the
opening handshake, and messages read and written as frames.

    key = websocket.accept(headers)     # 400 unless a valid upgrade request
    await websocket.upgrade(conn, key)  # 101 Switching Protocols
    partial = [None, None]              # a message begun, between calls
    opcode, data = await websocket.receive(conn, wait_ms, partial)
    await websocket.send(conn, websocket.TEXT, b"...")

receive() returns whole messages (fragments joined, at most _MESSAGE_MAX
bytes) and answers nothing itself: a ping is returned as (PING, data), for
the caller to answer with a pong from the one task that writes (two tasks
waiting to write on one socket are an error of asyncio's). Every
frame from a client must be masked; a protocol error is raised as
Closed(code), the code to close with (1002 protocol error, 1007 text not
UTF-8, 1009 too large); the client's own close as Closed(code it sent).
"""
import binascii
import hashlib
from micropython import const

import httpd

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0, 1, 2, 8, 9, 10
_MESSAGE_MAX = const(4096) # a message's bytes, fragments joined
_CONTROL_MAX = const(125) # a control frame's (RFC 6455 5.5)


class Closed(Exception):
    """The connection closes: args[0] is the close code."""


def accept(headers):
    """The Sec-WebSocket-Accept of a valid upgrade request; httpd.Error
    400 (426 for another version) otherwise."""
    if (headers.get("upgrade", "").lower() != "websocket"
            or "upgrade" not in headers.get("connection", "").lower()):
        raise httpd.Error(400, "a WebSocket upgrade is expected here")
    if headers.get("sec-websocket-version") != "13":
        raise httpd.Error(400, "WebSocket version 13 only")
    key = headers.get("sec-websocket-key", "")
    try:
        valid = len(binascii.a2b_base64(key)) == 16
    except ValueError:
        valid = False
    if not valid:
        raise httpd.Error(400, "bad Sec-WebSocket-Key")
    return binascii.b2a_base64(hashlib.sha1(key.encode() + GUID).digest()).strip().decode()


async def upgrade(conn, key):
    conn.headed = True
    await conn.send(("HTTP/1.1 101 Switching Protocols\r\nServer: munix\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % key).encode())


async def _take(conn, n, wait_ms):
    """n bytes of the connection; OSError when it ends."""
    while len(conn.buf) < n:
        if not await conn.fill(wait_ms):
            raise OSError("the client left")
    data = conn.buf[:n]
    conn.buf = conn.buf[n:]
    return data


async def _frame(conn, wait_ms):
    """(fin, opcode, payload) of the next frame, unmasked."""
    head = await _take(conn, 2, wait_ms)
    if head[0] & 0x70:
        raise Closed(1002)      # reserved bits: no extension was agreed
    if not head[1] & 0x80:
        raise Closed(1002)      # a client's frames are masked (5.1)
    n = head[1] & 0x7F
    if n == 126:
        n = int.from_bytes(await _take(conn, 2, wait_ms), "big")
    elif n == 127:
        n = int.from_bytes(await _take(conn, 8, wait_ms), "big")
    if n > _MESSAGE_MAX:
        raise Closed(1009)
    mask = await _take(conn, 4, wait_ms)
    data = bytearray(await _take(conn, n, wait_ms))
    for i in range(n):
        data[i] ^= mask[i & 3]
    return head[0] & 0x80, head[0] & 0x0F, bytes(data)


async def receive(conn, wait_ms, partial):
    """The next message: (opcode, data), opcode TEXT, BINARY, PING or PONG;
    Closed at the client's close or a protocol error; asyncio.TimeoutError
    when nothing came within wait_ms. partial: [data, opcode] of a message
    whose fragments a control frame interrupted (RFC 6455 5.4), kept by the
    caller from one call to the next."""
    message, kind = partial
    while True:
        fin, opcode, data = await _frame(conn, wait_ms)
        if opcode >= CLOSE:
            if not fin or len(data) > _CONTROL_MAX or opcode > PONG:
                raise Closed(1002)
            if opcode == CLOSE:
                code = int.from_bytes(data[:2], "big") if len(data) >= 2 else 1000
                raise Closed(code if len(data) != 1 else 1002)
            partial[0], partial[1] = message, kind
            return opcode, data
        if opcode == CONTINUATION:
            if message is None:
                raise Closed(1002)
            message += data
            if len(message) > _MESSAGE_MAX:
                raise Closed(1009)
        elif opcode in (TEXT, BINARY):
            if message is not None:
                raise Closed(1002)  # a new message before the last one ended
            message, kind = data, opcode
        else:
            raise Closed(1002)
        if fin:
            partial[0] = partial[1] = None
            if kind == TEXT:
                try:
                    message.decode()
                except UnicodeError:
                    raise Closed(1007)
            return kind, message


def frame(opcode, data):
    """A server's frame (not masked) of data, bytes."""
    n = len(data)
    if n < 126:
        head = bytes((0x80 | opcode, n))
    elif n < 65536:
        head = bytes((0x80 | opcode, 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 127)) + n.to_bytes(8, "big")
    return head + data


async def send(conn, opcode, data):
    await conn.send(frame(opcode, data))


async def close(conn, code):
    """Send a Close frame with code (the client's own close is echoed)."""
    await conn.send(frame(CLOSE, code.to_bytes(2, "big")))
