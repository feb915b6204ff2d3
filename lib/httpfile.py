"""uhttpd's static files (GET and HEAD of /www) and the file answers of
/api/fs: loaded by httpd.py for the first request that sends a file, and
dropped after it where the heap is small (httpd.unload), so that the
API's requests do not hold this code, nor these tables, in the heap.

A folder serves its index.html; Content-Type from the extension,
Content-Length, ETag and Last-Modified, answered 304 when the client has
the file already. Files stream in _CHUNK pieces. A client that takes gzip
gets PATH.gz, when there is one, as PATH with Content-Encoding: gzip (the
web desktop's assets are stored compressed).
"""
import time

import fspath
import httpd
from micropython import const

ROOT = "/www"
_CHUNK = const(1024)
# Content types by extension, in one string rather than a dict: its short
# keys and types were each a name, interned for good with the first file
# served (some 20, on boards whose pool of names is what runs out).
_TYPES = ("\nhtml text/html; charset=utf-8\nhtm text/html; charset=utf-8\ncss text/css"
          "\njs application/javascript\njson application/json\ntxt text/plain; charset=utf-8"
          "\nsh text/plain; charset=utf-8\npy text/plain; charset=utf-8\npng image/png"
          "\njpg image/jpeg\njpeg image/jpeg\ngif image/gif\nsvg image/svg+xml"
          "\nico image/x-icon\nwasm application/wasm\nxml application/xml\n")


async def static(conn, path, target, head_only, headers, keep):
    # path is normal (httpd._decode_path).
    full = ROOT + path if path != "/" else ROOT
    st = fspath.stat(full)
    if st is not None and st[0] & fspath.DIR:
        asked = target.split("?")[0]
        if not asked.endswith("/"):
            # The client's own words, still %-encoded: the name decoded
            # may hold CR LF, which would end the header there; and a CR
            # sent as it is ends a line for some clients.
            for c in asked:
                if c < " " or c == "\x7f":
                    raise httpd.Error(400, "bad path")
            await conn.head(301, [("Location", asked + "/")], 0, keep)
            return
        full = fspath.join(full, "index.html")
        st = fspath.stat(full)
    if st is None or st[0] & fspath.DIR:
        raise httpd.Error(404, "not found: %s" % path)
    if "gzip" in headers.get("accept-encoding", ""):
        gz = fspath.stat(full + ".gz")
        if gz is not None and not gz[0] & fspath.DIR:
            return await file(conn, full + ".gz", gz, head_only, headers, keep, full)
    await file(conn, full, st, head_only, headers, keep)


async def file(conn, full, st, head_only, headers, keep, name=None):
    """Send the file full; name: the file whose gzip-compressed copy it is."""
    size, mtime = st[6], st[8]
    etag = '"%x-%x"' % (size, mtime)
    modified = _http_date(mtime)
    cache = [("ETag", etag), ("Last-Modified", modified)]
    if name:
        cache += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
    else:
        name = full
    match = headers.get("if-none-match")
    if match == etag or match is None and headers.get("if-modified-since") == modified:
        await conn.head(304, cache, None, keep)
        return
    dot = name.rfind(".")
    kind = "application/octet-stream"
    if dot > name.rfind("/"):
        at = _TYPES.find("\n%s " % name[dot + 1:].lower())
        if at >= 0:
            at = _TYPES.index(" ", at) + 1
            kind = _TYPES[at:_TYPES.index("\n", at)]
    with open(full, "rb") as f:
        if head_only:
            return await conn.head(200, cache, size, keep, kind)
        # Before the head, and no larger than the file: on a full heap
        # the answer is then a whole error, not a 200 cut off after its
        # head (CI, esp32 profile, a 13-byte file after a load).
        buf = bytearray(min(size, _CHUNK))
        n = f.readinto(buf)
        # The head and the first piece in one write: a small file is one
        # packet.
        await conn.head(200, cache, size, keep, kind, buf if n == len(buf) else buf[:n])
        sent = n
        while sent < size:
            n = f.readinto(buf)
            if not n:
                break
            sent += n
            await conn.send(buf[:n] if n < len(buf) else buf)


def _http_date(t):
    g = time.gmtime(t)
    return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (
        "MonTueWedThuFriSatSun"[g[6] * 3:g[6] * 3 + 3], g[2],
        "JanFebMarAprMayJunJulAugSepOctNovDec"[g[1] * 3 - 3:g[1] * 3], g[0], g[3], g[4], g[5])
