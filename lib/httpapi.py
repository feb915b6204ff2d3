"""uhttpd's JSON API: HTTP Basic authentication and the API's paths, each
served by a module loaded for the first request that needs it (httpd.py
lists them). Loaded by httpd.py for the first /api request, and dropped
after it where the heap is small (httpd.unload), so that static files do
not hold this code in the heap.

Every API request must come by one of the board's own names (same_site),
and a browser's from a page of the board; a JSON body must say it is JSON
(httpbody.json_object): no page of another site can drive the board
through a browser, whether it holds a login or no login is asked.

A checked password is remembered for a while, as a digest of the Basic
token, as long as the user's line of the password file stays as it was,
so that the slow password hash is not computed for every request.
"""
import asyncio
import time

import fspath
import httpd
import netd
import strsplit
import system
from micropython import const

_AUTH_CACHE = const(8)          # Authorization headers remembered
_AUTH_MS = const(300000)        # for this long


async def authorize(conn, headers):
    """A script's request (no Cookie, no Origin): sent to the board by one
    of its names, and logged in by HTTP Basic unless no login is asked."""
    same_site(headers)
    await basic(conn, headers)


def same_site(headers):
    """403 for a request a page of another site may have sent: one whose
    Origin is not the Host it was sent to, or one sent by another name
    than the board's own (own_name), as a page's whose site's name was
    made to point at the board (DNS rebinding) is. A request without Host
    (HTTP/1.0: no browser) is no page's."""
    host = headers.get("host", "").lower()
    origin = headers.get("origin")
    if origin is not None and strsplit.partition(origin, "://")[2].lower() != host:
        raise httpd.Error(403, "cross-site request refused (Origin is not Host)")
    if host and not own_name(_name_of(host)):
        raise httpd.Error(403, "cross-site request refused (Host is not a name of the board:"
                               " see the http setting \"hosts\")")


def own_name(name):
    """Whether name (lower case, no port) is one of the board's: its
    hostname, with or without .local, localhost, its loopback addresses,
    an address of its Wi-Fi interfaces, or one of the http setting
    "hosts" (names it is reached by through a proxy or a hosts file)."""
    if name in ("localhost", "127.0.0.1", "::1"):
        return True
    mine = system.conf.get("hostname")
    if isinstance(mine, str) and name in (mine.lower(), mine.lower() + ".local"):
        return True
    extra = system.settings(httpd.NAME).get("hosts", ())
    if not isinstance(extra, list):
        extra = [extra]
    for other in extra:
        if isinstance(other, str) and _name_of(other.lower()) == name:
            return True
    try:
        import network
        for interface in (network.STA_IF, network.AP_IF):
            address = network.WLAN(interface).ifconfig()[0]
            if address == name and address != "0.0.0.0":
                return True
    except (ImportError, AttributeError, OSError):
        pass
    return False


def _name_of(host):
    """The name of a Host header's value: without its port, brackets
    (an IPv6 address) or a final dot."""
    if host.startswith("["):
        return strsplit.partition(host[1:], "]")[0]
    name, sep, port = strsplit.rpartition(host, ":")
    if not sep or not port.isdigit():
        name = host
    return name[:-1] if name.endswith(".") else name


async def basic(conn, headers):
    """Logged in by HTTP Basic, or no login asked; httpd.Error 401 else."""
    # Imported here, not for the module: on a small heap auth's code (4
    # KiB of the esp32 profile's) goes once the login is checked, rather
    # than stay while the request runs (netd.drop_auth).
    import auth
    import loginblock
    try:
        if not auth.asked(conn.server.daemon.insecure):
            return conn.admit()
        # The scheme's name is case-insensitive (RFC 7617).
        scheme, _, token = strsplit.partition(headers.get("authorization", ""), " ")
        if scheme.lower() != "basic":
            raise httpd.Error(401, "login needed (HTTP Basic)")
        import binascii
        try:
            user, sep, password = strsplit.partition(binascii.a2b_base64(token.strip()).decode(), ":")
        except (ValueError, UnicodeError):
            user, sep, password = "", "", ""
        import hashlib
        key = hashlib.sha256(token.strip().encode()).digest()
        logins = conn.server.logins
        seen = logins.get(key)
        # A remembered login holds while the user's line of the password
        # file is the one it was checked against, and while neither the
        # address nor the user is blocked: a guess of the right password
        # got in at once through it, the block notwithstanding.
        if (seen is not None and time.ticks_diff(time.ticks_ms(), seen[0]) < _AUTH_MS
                and seen[1] == auth.entry(user)
                and not loginblock.blocked(conn.ip) and not loginblock.blocked("@" + user)):
            return conn.admit()
        if not sep or not auth.check(user, password, conn.ip, httpd.NAME, delay=False):
            logins.pop(key, None)
            await asyncio.sleep_ms(auth.limit("delay_ms", auth.DELAY_MS))
            raise httpd.Error(401, "wrong user or password")
        if len(logins) >= _AUTH_CACHE:
            del logins[min(logins, key=lambda k: logins[k][0])]
        logins[key] = (time.ticks_ms(), auth.entry(user))
        conn.admit()
    finally:
        auth = None
        if system.SMALL_HEAP:
            netd.drop_auth()


async def api(conn, method, path, headers, keep):
    load = httpd.load
    if path == "/run":
        await load("httprun").run(conn, method, headers, keep)
    elif path == "/sys" or path == "/dash":
        if method not in ("GET", "HEAD"):
            raise httpd.Error(405, "only GET here", "GET, HEAD")
        # websys, webdash
        await conn.json(200, load("web" + path[1:]).info(), keep, head_only=method == "HEAD")
    elif path == "/hw":
        await load("webhw").answer(conn, method, headers, keep)
    elif path == "/metrics":
        if method not in ("GET", "HEAD"):
            raise httpd.Error(405, "only GET here", "GET, HEAD")
        metrics = load("webmetrics")
        parts = metrics.pieces()
        await conn.head(200, (), sum([len(p) for p in parts]), keep, metrics.TYPE)
        if method != "HEAD":
            for p in parts:
                await conn.send(p)
    elif path == "/fs" or path.startswith("/fs/"):
        await load("webfiles").answer(conn, method, fspath.normpath(path[3:] or "/"), headers, keep)
    else:
        for ext in httpd.extensions:
            if path == ext.PREFIX or path.startswith(ext.PREFIX + "/"):
                return await ext.answer(conn, method, path[len(ext.PREFIX):], headers, keep)
        raise httpd.Error(404, "no such API: /api%s" % path)
