"""The HTTP daemon: the web root /www and a JSON API, on the OS's asyncio
loop (asyncloop), so that many clients cost no thread each.

Static files (GET, HEAD; httpfile.py): paths are decoded, normalised and
confined to /www; a folder serves its index.html; Content-Type from the
extension, Content-Length, ETag and Last-Modified, answered 304 when the
client has the file already; HTTP/1.1 keep-alive. Files stream in small
chunks. A client that takes gzip gets PATH.gz, when there is one, as PATH
with Content-Encoding: gzip (the web desktop's assets are stored
compressed).

The JSON API (httpapi.py), behind HTTP Basic authentication when logins
are asked (auth.asked()): a checked password is remembered for a while,
as a digest of the Basic token, as long as the user's line of the
password file stays as it was, so that the slow password hash is not
computed for every request. A browser's requests (a Cookie or an Origin
header) and the web desktop's own paths go through websession.py: login
sessions in a cookie, CSRF tokens, same-origin checks.

    POST   /api/run      {"cmd": "ls /"} -> {"status": 0, "output": "..."} (httprun.py)
    GET    /api/sys      versions, board, CPU, uptime, memory, flash,
                         Wi-Fi, network (websys.py)
    GET    /api/dash     daemons, jobs, cron table, the log's end (webdash.py)
    GET    /api/fs/PATH  a folder's entries as JSON, or the file (webfiles.py)
    PUT    /api/fs/PATH  upload: received into a temporary file, renamed
                         over PATH only once complete (webfiles.py)
    DELETE /api/fs/PATH  a file or an empty folder (webfiles.py)
    POST   /api/fs/PATH  {"mkdir": true}, {"rename": "/to"} (webmove.py)
    POST   /api/login, /api/logout; GET /api/session (websession.py)
    GET    /api/term     a shell over a WebSocket (webterm.py)
    GET    /api/hw       pins, sensors, the LED; POST: drive a pin, the LED (webhw.py)
    GET    /metrics      Prometheus's text format, behind the API's login (webmetrics.py)

This module reads requests and writes answers; what is not needed for
every request lives in those modules, loaded by the first request that
needs it (load) and dropped after it on a small heap (unload): a request
holds the code of its own path only, and a small board's heap is left to
the commands of /api/run. Errors are JSON too, {"error": "..."}, with their
status: 400 bad request, 401 login needed (with WWW-Authenticate, unless
the web desktop's page asked: X-Requested-With: munix), 403 forbidden (the
shell's protected files, the password file, a CSRF token missing, another
site's Origin or a Host not the board's), 404, 405 (with Allow), 409
exists, 413 too large, 415 a body not JSON, 500, 503 too many clients.
A request is framed as RFC 9112 says, so that no proxy in front reads
another request than the board: a Content-Length in digits and said once,
no Transfer-Encoding, no CR without its LF in the head (400 otherwise, the
connection closed); a body that no answer reads (a GET's) ends the
connection.
Bounds: the request line and each header line (1 KiB), the number of
headers (32), JSON bodies (4 KiB), uploads (the "upload_max"
setting), clients at once ("sessions"), and time: a request must arrive
whole within 10 s, a kept-alive connection idles "idle_s" seconds.
A connection none of whose requests has passed a login yet is a guest:
its requests must come whole within "login_s" of its connection, and
"login_slots" guests are served at once. A client that finds no slot free
takes that of a guest which has had 3 s, or of a connection idle between
requests: idle or trickling clients never lock the others out.
"""
import asyncio
import json
import time
from micropython import const

# What every request needs is imported here, by the command that starts
# the daemon: imports from several threads at once are not safe without a
# GIL. The rest comes through load(), under the lock for imports.
import asyncloop
import fspath
import lending
import netd
import netsock
import system

NAME = "http"
_CHUNK = const(1024)
_LINE_MAX = const(1024)
_HEADERS_MAX = const(32)
_UPLOAD_MAX = const(1024 * 1024)
REQUEST_MS = const(10000)       # a request's head must come whole within this (its body: httpbody)
_SLOT_MS = const(3500)          # a client past the limit waits this long for a turn (past _EVICT_MS)
_LOGIN_MS = const(10000)        # a guest's time, from its connection (the "login_s" setting)
_GUEST_SLOTS = const(2)         # guests served at once (the "login_slots" setting)
_EVICT_MS = const(3000)         # a guest this old gives its slot to a new client
_LOOK_MS = const(500)           # how often a client waiting for a slot looks for one to take
_SEND_MS = const(30000)
_KEEP_FREE = const(48 * 1024)   # the heap free below which load()'s modules go after the request

# Status -> reason phrase, as one text: a dict of them took 200 bytes more
# of the heap, which every client holds.
_REASONS = ("|200OK|201Created|204No Content|301Moved Permanently|304Not Modified|"
           "400Bad Request|401Unauthorized|403Forbidden|404Not Found|"
           "405Method Not Allowed|409Conflict|413Payload Too Large|415Unsupported Media Type|"
           "500Internal Server Error|"
           "503Service Unavailable|")


class Error(Exception):
    """An answer other than success: Error(status, message)."""

    def __init__(self, status, message, allow=None):
        self.status = status
        self.message = message
        self.allow = allow


async def client(daemon, stream):
    """Serve a client of the daemon (netd's; a task of the OS's loop). This
    module is loaded for the daemon's first client and goes after its last
    (netd), and so does the Server, whose clients are then all gone."""
    global _server
    if _server is None or _server.daemon is not daemon:
        _server = Server(daemon)
        daemon.spare = _spare
        del extensions[:]
        for name in system.settings(NAME).get("extensions", system.board.get("http", ())):
            extensions.append(load(name))
    await _server.client(stream, stream)


_server = None


def _spare():
    """netd found no socket free for a new client (of any daemon): the
    oldest connection that could spare its slot ends, one kept idle
    between requests (RFC 9112, 9.5: a server may close it at any time) or
    a guest that has had its time to send one; True when one did."""
    return _server is not None and _server.evict(_server.clients)
# Extensions: modules serving /api/PREFIX... (camweb: a camera's pictures),
# named by the "extensions" setting, else by the board file.
extensions = []
_WEB = ("/login", "/logout", "/session", "/term")     # websession's own paths
_loaded = []            # the modules load() loaded, for unload()


class Server:
    def __init__(self, daemon):
        conf = system.settings(NAME)
        self.daemon = daemon
        self.limit = system.setting(conf, "sessions", 4)
        self.idle_ms = system.setting(conf, "idle_s", 30) * 1000
        self.upload_max = system.setting(conf, "upload_max", _UPLOAD_MAX)
        self.login_ms = system.setting(conf, "login_s", _LOGIN_MS // 1000) * 1000
        self.guest_slots = max(1, min(system.setting(conf, "login_slots", _GUEST_SLOTS), self.limit))
        self.clients = []           # Connections served, or waiting for a turn; oldest first
        self.guests = []            # those served whose requests have not passed a login yet
        self.active = 0             # clients being served
        self.freed = None           # an asyncio.Event clients wait on for a slot, set by admit()
        # digest of a Basic token -> (ticks_ms checked, the user's line then),
        # kept by the daemon: this module goes between clients.
        self.logins = daemon.state.setdefault("logins", {})

    def room(self):
        """Whether a new client can be served now. When not, the oldest
        connection that can spare its slot is ended: one idle between
        requests, or a guest that has had _EVICT_MS to send its request.
        So idle or trickling connections never lock users out."""
        full = self.active >= self.limit
        if not full and len(self.guests) < self.guest_slots:
            return True
        self.evict(self.clients if full else self.guests)
        return False

    def evict(self, conns):
        """End the oldest of conns that can spare its slot (room()); True
        when one did."""
        now = time.ticks_ms()
        for conn in conns:
            if conn.waiting and (conn.served or conn.guest
                                 and time.ticks_diff(now, conn.since) >= _EVICT_MS):
                conn.waiting = False
                conn.evicted = True
                conn.task.cancel()
                return True
        return False

    async def client(self, reader, writer):
        conn = Connection(self, reader, writer)
        self.clients.append(conn)
        served = False
        try:
            # Past the limit a client waits a little for a turn: one that
            # just closed its connection may not be counted out yet. It
            # looks again when a slot may have freed (admit), and every
            # _LOOK_MS: a guest's slot can be taken once it is old enough.
            began = time.ticks_ms()
            while not self.room():
                if time.ticks_diff(time.ticks_ms(), began) >= _SLOT_MS:
                    await conn.error(Error(503, "too many clients, try again later"), False)
                    return
                # An Event set once, and replaced: the task that waits on
                # it starts later, and a set() and clear() before then
                # would go unseen (a wait of _LOOK_MS with a slot free).
                freed = self.freed = self.freed or asyncio.Event()
                try:
                    await asyncio.wait_for_ms(freed.wait(), _LOOK_MS)
                except asyncio.TimeoutError:
                    pass
            served = True
            self.active += 1
            conn.since = time.ticks_ms()
            conn.guest = True
            self.guests.append(conn)
            await conn.serve()
        except asyncio.CancelledError:
            # A guest whose slot went to a new client is told so, once it
            # has begun a request: a browser took a 503 on a connection it
            # had made ahead of its requests for the answer to its next.
            if conn.evicted and conn.buf and not conn.served and not conn.headed:
                try:
                    await conn.error(Error(503, "too many clients, try again later"), False)
                except Exception:
                    pass
        except (OSError, asyncio.TimeoutError):
            pass
        except MemoryError as e:
            # The heap ran out reading or answering a request (a job's, the
            # other clients'): the server is busy, and says so in words
            # made in advance, as when it is full (the client was closed
            # unanswered, or told 500 "internal error: MemoryError").
            if not conn.headed:
                netsock.refuse(writer.s, self.daemon.busy)
            netd.failed("http", e)
        except Exception as e:
            netd.failed("http", e)
        finally:
            unload()
            self.clients.remove(conn)
            if served:
                self.active -= 1
            conn.admit()
            try:
                writer.close()
                await writer.wait_closed()
            except Exception:
                pass


class Connection:
    """One client: its requests, one after the other."""

    # What a connection starts with, kept by the class until it sets its
    # own (an entry less each in every connection's table of attributes).
    buf = b""
    headed = False          # the answer to its request has begun
    guest = False           # served, no request of it past a login yet
    since = 0               # ticks_ms it was let in
    waiting = False         # for a request
    evicted = False         # its slot went to a new client
    served = False          # a request at least

    def __init__(self, server, reader, writer):
        self.server = server
        self.reader = reader
        self.writer = writer
        self.task = asyncio.current_task()
        peer = writer.get_extra_info("peername")
        try:
            self.ip = netsock.peer_ip(peer)
        except Exception:
            self.ip = "?"

    def admit(self):
        """A request of it passed a login (or none is asked), or it has
        ended: a guest no more, and the clients waiting for a slot look."""
        server = self.server
        if self.guest:
            self.guest = False
            server.guests.remove(self)
        if server.freed:
            server.freed.set()
            server.freed = None

    async def serve(self):
        while True:
            if self.served:
                # The next request of a kept connection waits a turn: a
                # small answer gives the loop none, and a client sending
                # many at once would keep it.
                await asyncio.sleep_ms(0)
            # No answer has begun for the next request: a kept connection's
            # stayed headed from the one before, and a request the heap
            # had no room for was closed unanswered (reset: its bytes
            # unread), not told the server is busy.
            self.headed = False
            try:
                request = await self.attempt(True, self.request,
                                             self.server.idle_ms if self.served else REQUEST_MS)
            except Error as e:
                await self.error(e, False)
                return
            if request is None:
                return
            method, target, keep, headers = request
            # /metrics' munix_http_requests_total: every request read, itself too.
            self.server.daemon.count("requests")
            connection = headers.get("connection", "").lower()
            if connection == "close":
                keep = False
            elif connection == "keep-alive":
                keep = True
            # Its body's bytes, until an answer takes them (httpbody.length).
            self.body = int(headers.get("content-length", "0"))
            await asyncloop.turn(code=0 if system.ROOMY_HEAP else _code(target, headers))
            try:
                await self.attempt(method in ("GET", "HEAD"), self.answer, method, target, headers,
                                   keep)
            except Error as e:
                if self.headed:
                    # Its answer has begun: the client learns from the close.
                    return
                # The body of a refused request may be unread: the
                # connection cannot go on.
                if "content-length" in headers:
                    await self.error(e, False, headers)
                    await self.discard()
                    return
                await self.error(e, keep, headers)
            except (OSError, asyncio.TimeoutError, asyncio.CancelledError, MemoryError):
                raise
            except Exception as e:
                lending.lend("logfile", "net", "http: %s %s: %r" % (method, target, e))
                if not self.headed:
                    await self.error(Error(500, "internal error: %s" % type(e).__name__), False)
                return
            finally:
                asyncloop.end_turn()
            unload()
            self.served = True
            if self.body:
                # A body no answer read (a GET's): read on, it would pass
                # for a request that a proxy in front never saw.
                await self.discard()
                return
            if not keep:
                return

    async def attempt(self, again, call, *args):
        """await call(*args), again while the heap has no room for it (a
        job's work or the other clients' hold it), as a telnet line or an
        FTP command waits: told 503 at once, HTTP lost nearly every request
        beside two telnet sessions on the esp32 profile. Made again when
        again says so and the answer has not begun: a request's head, whose
        bytes wait in buf (or in the socket), and a GET's or HEAD's answer,
        which change nothing (RFC 9110 9.2.1): another request may have
        done part of its work. MemoryError then, or after netd.ROOM_MS."""
        began = time.ticks_ms()
        waited = 0
        while True:
            try:
                return await call(*args)
            except MemoryError:
                if self.headed or not again or waited >= netd.ROOM_MS:
                    raise
            await netd.room_again()
            waited = time.ticks_diff(time.ticks_ms(), began)

    # Reading

    async def fill(self, timeout_ms):
        """More bytes into buf; False at the end of the connection."""
        data = await asyncio.wait_for_ms(self.reader.read(_CHUNK), timeout_ms)
        if not data:
            return False
        # Taken as it is when nothing waits before it: joined, it takes
        # heap again, and a heap with no room for that lost the bytes read
        # (attempt() reads a request again; its bytes were gone).
        self.buf = self.buf + data if self.buf else data
        return True

    async def request(self, wait_ms):
        """(method, target, HTTP/1.1 or not, headers) of the next request,
        None when the client closed the connection or stayed silent. A
        guest's requests must come whole within its time, however it sends
        them. The head's lines are read in one await, and its headers
        parsed as bytes: an await for each line cost a coroutine, and each
        str made a search of the interned names (MicroPython looks for one
        to reuse)."""
        head_ms = REQUEST_MS
        if self.guest:
            left = self.server.login_ms - time.ticks_diff(time.ticks_ms(), self.since)
            if left <= 0:
                return None
            wait_ms, head_ms = min(wait_ms, left), min(head_ms, left)
        self.waiting = True
        try:
            if not self.buf:
                # What has come is taken at once: asyncio's read waits for
                # a pass of the loop first, and its timeout costs a task.
                data = self.reader.s.read(_CHUNK)
                if data is None:
                    if not await self.fill(wait_ms):
                        return None
                elif data:
                    self.buf = data
                else:
                    return None
        except asyncio.TimeoutError:
            return None
        deadline = time.ticks_add(time.ticks_ms(), head_ms)
        lines = []
        at = 0
        while True:
            buf = self.buf
            end = buf.find(b"\n", at)
            if end < 0:
                if len(buf) - at > _LINE_MAX:
                    raise Error(413, "request line or header too long")
                left = time.ticks_diff(deadline, time.ticks_ms())
                if left <= 0:
                    raise asyncio.TimeoutError()
                if not await self.fill(left):
                    if lines or at < len(buf):
                        raise Error(400, "incomplete request")
                    return None
                continue
            line = buf[at:end]
            at = end + 1
            if line.endswith(b"\r"):
                line = line[:-1]
            # RFC 9112 2.2: a CR of its own ends a line for some proxies,
            # which would read another head than this one.
            if b"\r" in line:
                raise Error(400, "CR without LF in the request")
            if line:
                lines.append(line)
                if len(lines) > _HEADERS_MAX + 1:
                    raise Error(413, "too many headers")
            elif lines:
                break
            # Blank lines before a request are allowed.
        self.buf = buf[at:]
        try:
            method, target, version = lines[0].decode().split(" ")
        except (UnicodeError, ValueError):
            version = ""
        if not version.startswith("HTTP/1."):
            raise Error(400, "not an HTTP/1 request line")
        headers = {}
        for line in lines[1:]:
            colon = line.find(b":")
            name = line[:colon]
            # RFC 9112: no space before the colon, and one body length, in
            # digits, whatever the request; a proxy that read them
            # otherwise would pass a second request.
            if colon < 1 or name != name.strip():
                raise Error(400, "bad header line")
            try:
                key = name.lower().decode()
                value = line[colon + 1:].strip().decode()
            except UnicodeError:
                raise Error(400, "bad header line")
            if key == "content-length" and (key in headers or not value.isdigit()):
                raise Error(400, "bad Content-Length")
            if key == "transfer-encoding":
                raise Error(400, "chunked bodies are not supported: send a Content-Length")
            headers[key] = value
        self.waiting = False
        return method, target, version == "HTTP/1.1", headers

    async def discard(self):
        """Read, and drop, what the client still sends for a second (64 KiB
        at most): a connection closed with data unread is reset, and the
        client may lose the answer it was sent."""
        deadline = time.ticks_add(time.ticks_ms(), 1000)
        got = 0
        try:
            while got < 65536:
                left = time.ticks_diff(deadline, time.ticks_ms())
                if left <= 0 or not await self.fill(left):
                    return
                got += len(self.buf)
                self.buf = b""
        except (OSError, asyncio.TimeoutError):
            pass

    # Writing

    async def send(self, data, turn=True):
        """Write data, waiting while the client reads slower than it comes
        (_SEND_MS at most); then, with turn, give the loop's other clients
        their turn, as asyncio's drain() does."""
        writer = self.writer
        writer.write(data)
        if writer.out_buf:
            await asyncio.wait_for_ms(writer.drain(), _SEND_MS)
        elif turn:
            await asyncio.sleep_ms(0)

    async def head(self, status, headers, length, keep, kind=None, body=b""):
        """The answer's head, and body with it in one write: a small
        answer is one packet, and costs the loop no turn."""
        at = _REASONS.find("|%d" % status) + 4
        reason = _REASONS[at:_REASONS.find("|", at)] if at > 3 else ""
        # Bytes, not a str: MicroPython looks for each str it makes among
        # the interned names, to reuse one.
        text = b"HTTP/1.1 %d %s\r\nServer: munix\r\n" % (status, reason)
        if kind:
            text += b"Content-Type: %s\r\n" % kind
        if length is not None:
            text += b"Content-Length: %d\r\n" % length
        for name, value in headers:
            text += b"%s: %s\r\n" % (name, value)
        text += b"Connection: %s\r\n\r\n" % ("keep-alive" if keep else "close") + body
        # Begun once it is sent: a head the heap had no room to make left
        # the request unanswered, closed, rather than told 503 or waiting.
        self.headed = True
        await self.send(text, False)

    async def json(self, status, value, keep, extra=(), head_only=False):
        data = json.dumps(value).encode()
        await self.head(status, extra, len(data), keep, "application/json", b"" if head_only else data)

    async def error(self, e, keep, headers={}):
        extra = [("Allow", e.allow)] if e.allow else []
        # Not to the web desktop's page: the browser would show its own
        # password dialog over the page's login.
        if e.status == 401 and headers.get("x-requested-with") != "munix":
            extra.append(("WWW-Authenticate", 'Basic realm="munix"'))
        await self.json(e.status, {"error": e.message}, keep, extra)

    # Answers

    async def answer(self, method, target, headers, keep):
        kind, path = _route(_decode_path(target), headers)
        if kind == "web":
            return await load("websession").answer(self, method, path, target, headers, keep)
        if kind != "file":
            await load("httpapi").authorize(self, headers)
            if kind == "run":
                # The login's code goes before the command runs, which
                # has the heap it took.
                unload()
                return await load("httprun").run(self, method, headers, keep)
            return await load("httpapi").api(self, method, path, headers, keep)
        if method not in ("GET", "HEAD"):
            raise Error(405, "only GET and HEAD here", "GET, HEAD")
        await load("httpfile").static(self, path, target, method == "HEAD", headers, keep)


def _route(path, headers):
    """Who answers a request for path (decoded): ("web", "run" or "api",
    the API's path) or ("file", path)."""
    if path == "/api" or path.startswith("/api/") or path == "/metrics":
        # /metrics, for Prometheus, is the API's: same login.
        if path != "/metrics":
            path = path[4:]
        # A browser's request (the web desktop): its sessions and checks.
        if "cookie" in headers or "origin" in headers or path in _WEB:
            return "web", path
        return ("run" if path == "/run" else "api"), path
    return "file", path


def _code(target, headers):
    """The heap the modules a request for target will load take (as
    answer() routes it): its turn waits for room for them too. A request
    for /api/run let in with 16 KiB free then loaded 12 KiB of code (the
    API, its login and the command's), and beside two telnet sessions
    running lines the esp32 profile had 9 KiB left."""
    try:
        kind = _route(_decode_path(target), headers)[0]
    except Error:
        return 0    # answered 400 at once
    if kind == "web":
        names = ["websession"]
    elif kind == "file":
        names = ["httpfile"]
    else:
        names = ["httpapi", "auth", "hmacsha", "loginblock"]
        if kind == "run":
            names += ["httpbody", "httprun"]
    return netd.code_size(names)


def _decode_path(target):
    """The path of a request target, %-decoded and normalised (never
    above /)."""
    path = target
    if "?" in path or "#" in path:
        path = path.split("?", 1)[0].split("#", 1)[0]
    if "%" in path:
        parts = path.split("%")
        raw = parts[0].encode()
        for part in parts[1:]:
            # Two hex digits after the %; else the % stands for itself.
            try:
                raw += bytes((int(part[:2] if len(part) > 1 else "?", 16),)) + part[2:].encode()
            except ValueError:
                raw += ("%" + part).encode()
        try:
            path = raw.decode()
        except UnicodeError:
            raise Error(400, "bad path encoding")
    if "\0" in path or not path.startswith("/"):
        raise Error(400, "bad path")
    # A path without //, . or .. parts or a / at its end is normal already.
    if "//" in path or "/." in path or path.endswith("/"):
        path = fspath.normpath(path)
    return path


def load(name):
    """A module loaded by the first request that needs it (the API alone,
    on a small board, leaves its heap to the commands): fsguard, the web
    desktop's; under the shell's lock for imports: another thread may be
    loading a program. See unload()."""
    import sys
    module = sys.modules.get(name)
    if module is None:
        import gc
        # Its code needs blocks of some size: the garbage goes first.
        gc.collect()
        with system.import_lock:
            module = system.import_module(name)
        _loaded.append(name)
        # It goes with this module too (netd), whose Error and load() it
        # may use: a copy kept past a reload would raise the old Error.
        if _server is not None and name not in _server.daemon.loaded:
            _server.daemon.loaded.append(name)
    return module


def unload():
    """Drop the modules requests loaded when the heap left is below
    _KEEP_FREE: a board without PSRAM (some 37 KiB free with the daemon)
    keeps its heap for the next request and the commands, and loads them
    again. A heap of 512 KiB or more (PSRAM, the simulator) keeps them
    without asking: gc.mem_free() reads the whole heap's table, which took
    half of each static request's time on a 2 MiB heap. Code that still
    runs keeps its module."""
    import gc
    if _loaded and not system.ROOMY_HEAP and gc.mem_free() < _KEEP_FREE:
        import sys
        with system.import_lock:
            for name in _loaded:
                sys.modules.pop(name, None)
        del _loaded[:]
        gc.collect()
