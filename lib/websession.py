"""uhttpd's login sessions for the web desktop (/www): loaded by httpd.py
for the first request a browser sends (one with a Cookie or an Origin
header, or to the paths below), so that scripts and curl using HTTP Basic
never pay for it in heap.

    POST /api/login    {"user": ..., "password": ...} -> {"user", "csrf"}
                       and the cookie munix_session (HttpOnly, SameSite=Strict)
    POST /api/logout   the session forgotten, the cookie cleared
    GET  /api/session  {"user", "csrf", "expires_s"} of the cookie's session,
                       401 without one; {"user": null, "open": true, "csrf"}
                       when no login is asked
    GET  /api/term     the terminal (webterm.py), a WebSocket

A session is a random token (the cookie) that the board maps to its user,
a random CSRF token, and the user's line of the password file when it was
made: it ends after "session_s" seconds, after "session_idle_s" seconds
unused, at logout, when more than _SESSIONS were made since (the oldest
goes), and as soon as the user's line of /etc/shadow changes (setauth gave
a new password or removed the user). The table is the daemon's, in its
asyncio task only: no lock.

Every other /api request is authorised by the cookie or by HTTP Basic
(httpapi.py). With the cookie, a request other than GET or HEAD must carry
the session's token in X-CSRF-Token; a request whose Origin is not the
Host it was sent to, or whose Host is not a name of the board, is refused
whatever authorises it (httpapi.same_site), so that no other site can
drive the board through a browser that holds a cookie or a remembered
Basic password.
"""
import asyncio
import binascii
import os

import auth
import httpd
import lending
import netd
import strsplit
import system
from micropython import const

_COOKIE = "munix_session"
_SESSIONS = const(4)            # sessions kept; the oldest goes
_SESSION_S = const(43200)       # a session's life
_IDLE_S = const(1800)           # and how long it may go unused


async def answer(conn, method, path, target, headers, keep):
    httpd.load("httpapi").same_site(headers)
    if path == "/login":
        if method != "POST":
            raise httpd.Error(405, "POST a JSON object {\"user\": ..., \"password\": ...}", "POST")
        return await _login(conn, headers, keep)
    if path == "/session":
        if method not in ("GET", "HEAD"):
            raise httpd.Error(405, "only GET here", "GET, HEAD")
        if not auth.asked(conn.server.daemon.insecure):
            conn.admit()
            return await conn.json(200, {"user": None, "open": True, "csrf": _open_token(conn)}, keep)
        token, found = current(conn, headers)
        if found is None:
            raise httpd.Error(401, "login needed")
        conn.admit()
        left = _setting("session_s", _SESSION_S) - (system.uptime_ms() - found[2]) // 1000
        return await conn.json(200, {"user": found[0], "csrf": found[1], "expires_s": left}, keep)
    found = await authorize(conn, method, headers)
    if path == "/logout":
        if method != "POST":
            raise httpd.Error(405, "only POST here", "POST")
        if found is not None:
            del _table(conn)[found[0]]
        return await conn.json(200, {"logout": True}, keep, [("Set-Cookie", _cookie("", 0))])
    if path == "/term":
        if found is not None and not auth.same(_query(target, "csrf").encode(), found[1][1].encode()):
            raise httpd.Error(403, "CSRF token missing or wrong")
        return await httpd.load("webterm").answer(conn, method, headers, found[1][0] if found else None)
    await httpd.load("httpapi").api(conn, method, path, headers, keep)


async def authorize(conn, method, headers):
    """(token, session) when the cookie authorises the request, None when
    HTTP Basic does (or no login is asked); httpd.Error 401 or 403 else."""
    if not auth.asked(conn.server.daemon.insecure):
        return conn.admit()
    token, found = current(conn, headers)
    if found is None:
        if "authorization" in headers or not _cookie_of(headers):
            await httpd.load("httpapi").basic(conn, headers)
            return None
        raise httpd.Error(401, "login needed: the session has ended")
    if method not in ("GET", "HEAD") and not auth.same(headers.get("x-csrf-token", "").encode(),
                                                       found[1].encode()):
        raise httpd.Error(403, "CSRF token missing or wrong")
    conn.admit()
    return token, found


def current(conn, headers):
    """(token, [user, csrf, made, used, line]) of the request's cookie,
    (token, None) when it names no live session (an ended one forgotten)."""
    token = _cookie_of(headers)
    table = _table(conn)
    found = table.get(token)
    if found is None:
        return token, None
    now = system.uptime_ms()
    if (now - found[2] > _setting("session_s", _SESSION_S) * 1000
            or now - found[3] > _setting("session_idle_s", _IDLE_S) * 1000
            or auth.entry(found[0]) != found[4]):
        del table[token]
        return token, None
    found[3] = now
    return token, found


async def _login(conn, headers, keep):
    request = await httpd.load("httpbody").json_object(conn, headers)
    user, password = request.get("user"), request.get("password")
    if not isinstance(user, str) or not isinstance(password, str):
        raise httpd.Error(400, "expected a JSON object {\"user\": \"...\", \"password\": \"...\"}")
    if not auth.asked(conn.server.daemon.insecure):
        conn.admit()
        return await conn.json(200, {"user": None, "open": True, "csrf": _open_token(conn)}, keep)
    if not auth.check(user, password, conn.ip, httpd.NAME, delay=False):
        await asyncio.sleep_ms(auth.limit("delay_ms", auth.DELAY_MS))
        raise httpd.Error(401, "wrong user or password")
    table = _table(conn)
    while len(table) >= _SESSIONS:
        del table[min(table, key=lambda k: table[k][2])]
    token, csrf = _random(), _random()
    now = system.uptime_ms()
    table[token] = [user, csrf, now, now, auth.entry(user)]
    lending.lend("logfile", "net", "http: session for %s from %s" % (user, conn.ip))
    conn.server.daemon.count("logins")
    conn.admit()
    await conn.json(200, {"user": user, "csrf": csrf}, keep,
                    [("Set-Cookie", _cookie(token, _setting("session_s", _SESSION_S)))])


def _table(conn):
    """The daemon's sessions: token -> [user, csrf, made, used, line]. Kept
    by the daemon: httpd and this module go while no client is connected."""
    return conn.server.daemon.state.setdefault("web_sessions", {})


def _open_token(conn):
    """Without logins the page still gets a token to send (and the checks
    stay the same for it): one per daemon."""
    state = conn.server.daemon.state
    token = state.get("web_open")
    if token is None:
        token = state["web_open"] = _random()
    return token


def _random():
    return binascii.hexlify(os.urandom(16)).decode()


def _setting(key, default):
    return system.setting(system.settings(httpd.NAME), key, default)


def _cookie(token, age):
    return "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d" % (_COOKIE, token, age)


def _cookie_of(headers):
    """The session token of the Cookie header, "" without one."""
    for part in headers.get("cookie", "").split(";"):
        name, _, value = strsplit.partition(part, "=")
        if name.strip() == _COOKIE:
            return value.strip()
    return ""


def _query(target, key):
    """A parameter of the request target's query, "" when absent."""
    for part in strsplit.partition(target, "?")[2].split("&"):
        name, _, value = strsplit.partition(part, "=")
        if name == key:
            return value
    return ""
