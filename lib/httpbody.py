"""uhttpd's request bodies: their length, their pieces, a JSON object.
Loaded by the first request that sends one (httpd.load), so that the
requests without one (static files, most of the API's GETs) and the
connections kept alive between requests do not hold this code.
"""
import json
import time

import httpd
import strsplit
from micropython import const

_BODY_MAX = const(4096)         # a JSON body's bytes at most


def length(conn, headers, limit):
    """The body's Content-Length (httpd checked it), at most limit (413
    beyond); the caller reads the body."""
    n = conn.body
    conn.body = 0
    if n > limit:
        raise httpd.Error(413, "body too large (%d bytes at most)" % limit)
    return n


def deadline(conn):
    """When the whole body must have come."""
    return time.ticks_add(time.ticks_ms(), conn.server.idle_ms + httpd.REQUEST_MS)


async def chunk(conn, left, until):
    """The next piece (at most left bytes) of a body; OSError when the
    client stops sending before its end (until: deadline())."""
    if not conn.buf:
        wait = time.ticks_diff(until, time.ticks_ms())
        if wait <= 0 or not await conn.fill(wait):
            raise OSError("the body ended early")
    piece = conn.buf[:left]
    conn.buf = conn.buf[len(piece):]
    return piece


async def json_object(conn, headers):
    """The body (_BODY_MAX bytes at most) as a JSON object; {} when it is
    not one, for the caller to refuse with what it expected. 415 unless
    the request says it is JSON: a page of another site can send a form or
    text/plain to the board without asking the browser first (CORS), never
    application/json."""
    kind = strsplit.partition(headers.get("content-type", ""), ";")[0]
    if kind.strip().lower() != "application/json":
        raise httpd.Error(415, "send the body as JSON, with Content-Type: application/json")
    left = length(conn, headers, _BODY_MAX)
    until = deadline(conn)
    data = b""
    while left > 0:
        piece = await chunk(conn, left, until)
        data += piece
        left -= len(piece)
    try:
        request = json.loads(data)
    except ValueError:
        return {}
    return request if isinstance(request, dict) else {}
