"""The HTTP daemon: the web root /www and a JSON API, on the OS's asyncio
loop (asyncloop), so that many clients cost no thread each.

Static files (GET, HEAD): paths are decoded, normalised and confined to
/www; a folder serves its index.html; Content-Type from the extension,
Content-Length, ETag and Last-Modified, answered 304 when the client has
the file already; HTTP/1.1 keep-alive. Files stream in small chunks.

The JSON API, behind HTTP Basic authentication when logins are asked
(auth.asked()): a checked password is remembered for a while, as a
digest of the Basic token, as long as the user's line of the password
file stays as it was, so that the slow password hash is not computed for
every request.

    POST   /api/run      {"cmd": "ls /"} -> {"status": 0, "output": "..."}
    GET    /api/sys      version, uptime, memory, flash, network
    GET    /api/fs/PATH  a folder's entries as JSON, or the file
    PUT    /api/fs/PATH  upload: received into a temporary file, renamed
                         over PATH only once complete
    DELETE /api/fs/PATH  a file or an empty folder

Errors are JSON too, {"error": "..."}, with their status: 400 bad request,
401 login needed, 403 forbidden (the shell's protected files, the password
file), 404, 405 (with Allow), 413 too large, 500, 503 too many clients.
Bounds: the request line and each header line (LINE_MAX), the number of
headers (HEADERS_MAX), JSON bodies (BODY_MAX), uploads (the "upload_max"
setting), clients at once ("sessions"), and time: a request must arrive
whole within REQUEST_MS, a kept-alive connection idles "idle_s" seconds.
"""
import asyncio
import json
import os
import time

# Everything a request needs is imported here, by the command that starts
# the daemon: imports from several threads at once are not safe without a GIL.
import auth
import fspath
import netd
import process
import procctl
import system

NAME = "http"
ROOT = "/www"
CHUNK = 1024
LINE_MAX = 1024
HEADERS_MAX = 32
BODY_MAX = 4096
UPLOAD_MAX = 1024 * 1024
OUTPUT_MAX = 16384      # output of /api/run kept
PART = 512              # /api/run's output is kept in parts of about this size
REQUEST_MS = 10000
START_MS = 3000
SLOT_MS = 3000          # a client past the limit waits this long for a turn
SEND_MS = 30000
AUTH_CACHE = 8          # Authorization headers remembered
AUTH_MS = 300000        # for this long

TYPES = {"html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8",
         "css": "text/css", "js": "application/javascript", "json": "application/json",
         "txt": "text/plain; charset=utf-8", "sh": "text/plain; charset=utf-8",
         "py": "text/plain; charset=utf-8", "png": "image/png", "jpg": "image/jpeg",
         "jpeg": "image/jpeg", "gif": "image/gif", "svg": "image/svg+xml",
         "ico": "image/x-icon", "wasm": "application/wasm", "xml": "application/xml"}
REASONS = {200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently",
           304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large",
           500: "Internal Server Error", 503: "Service Unavailable"}
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Error(Exception):
    """An answer other than success: Error(status, message)."""

    def __init__(self, status, message, allow=None):
        self.status = status
        self.message = message
        self.allow = allow


def start(insecure=False):
    """Start the daemon with the settings of /etc/system.conf; the Daemon.
    The port is tried here first, so that one in use is reported at once."""
    conf = netd.settings(NAME)
    port = netd.setting(conf, "port", 80)
    netd.listen(netd.address(), port).close()
    daemon = netd.start_task(NAME, port, lambda d: Server(d).run(), insecure)
    # Listening is the loop's business: wait for it, so that the port is
    # open once `uhttpd start` returns.
    deadline = time.ticks_add(time.ticks_ms(), START_MS)
    while not getattr(daemon, "listening", False) and netd.get(NAME) is daemon:
        if time.ticks_diff(deadline, time.ticks_ms()) <= 0:
            break
        time.sleep_ms(10)
    return daemon


class Server:
    def __init__(self, daemon):
        conf = netd.settings(NAME)
        self.daemon = daemon
        self.limit = netd.setting(conf, "sessions", 4)
        self.idle_ms = netd.setting(conf, "idle_s", 30) * 1000
        self.upload_max = netd.setting(conf, "upload_max", UPLOAD_MAX)
        self.clients = []           # tasks serving a client, or waiting for a turn
        self.active = 0             # clients being served
        self.logins = {}            # digest of a Basic token -> (ticks_ms checked, the user's line then)

    async def run(self):
        daemon = self.daemon
        server = await asyncio.start_server(self.client, daemon.host, daemon.port, 8)
        daemon.listening = True
        try:
            while not daemon.stopping:
                await asyncio.sleep_ms(netd.POLL_MS)
        finally:
            server.close()
            await server.wait_closed()
            for task in self.clients[:]:
                task.cancel()
            while self.clients:
                await asyncio.sleep_ms(10)
        return 0

    async def client(self, reader, writer):
        task = asyncio.current_task()
        self.clients.append(task)
        conn = Connection(self, reader, writer)
        served = False
        try:
            # Past the limit a client waits a little for a turn: one that
            # just closed its connection may not be counted out yet.
            waited = 0
            while self.active >= self.limit:
                if waited >= SLOT_MS:
                    await conn.error(Error(503, "too many clients, try again later"), False)
                    return
                await asyncio.sleep_ms(20)
                waited += 20
            served = True
            self.active += 1
            self.daemon.sessions = self.active
            await conn.serve()
        except (OSError, asyncio.TimeoutError, asyncio.CancelledError):
            pass
        except Exception as e:
            netd.log("http: %s: %r" % (type(e).__name__, e))
        finally:
            self.clients.remove(task)
            if served:
                self.active -= 1
                self.daemon.sessions = self.active
            try:
                writer.close()
                await writer.wait_closed()
            except Exception:
                pass


class Connection:
    """One client: its requests, one after the other."""

    def __init__(self, server, reader, writer):
        self.server = server
        self.reader = reader
        self.writer = writer
        self.buf = b""
        peer = writer.get_extra_info("peername")
        try:
            self.ip = netd.peer_ip(peer)
        except Exception:
            self.ip = "?"

    async def serve(self):
        first = True
        while True:
            try:
                request = await self.request(REQUEST_MS if first else self.server.idle_ms)
            except Error as e:
                await self.error(e, False)
                return
            if request is None:
                return
            first = False
            method, target, version, headers = request
            keep = version == "HTTP/1.1"
            connection = headers.get("connection", "").lower()
            if connection == "close":
                keep = False
            elif connection == "keep-alive":
                keep = True
            try:
                await self.answer(method, target, headers, keep)
            except Error as e:
                # The body of a refused request may be unread: the
                # connection cannot go on.
                if "content-length" in headers:
                    keep = False
                await self.error(e, keep)
            except (OSError, asyncio.TimeoutError, asyncio.CancelledError):
                raise
            except Exception as e:
                netd.log("http: %s %s: %r" % (method, target, e))
                await self.error(Error(500, "internal error: %s" % type(e).__name__), False)
                return
            if not keep:
                return

    # Reading

    async def fill(self, timeout_ms):
        """More bytes into buf; False at the end of the connection."""
        data = await asyncio.wait_for_ms(self.reader.read(CHUNK), timeout_ms)
        if not data:
            return False
        self.buf += data
        return True

    async def line(self, deadline):
        """A line (bytes, without CR LF) within LINE_MAX, None at the end
        of the connection before any byte."""
        while True:
            end = self.buf.find(b"\n")
            if end >= 0:
                line = self.buf[:end]
                self.buf = self.buf[end + 1:]
                return line[:-1] if line.endswith(b"\r") else line
            if len(self.buf) > LINE_MAX:
                raise Error(413, "request line or header too long")
            left = time.ticks_diff(deadline, time.ticks_ms())
            if left <= 0:
                raise asyncio.TimeoutError()
            if not await self.fill(left):
                if self.buf:
                    raise Error(400, "incomplete request")
                return None

    async def request(self, wait_ms):
        """(method, target, version, headers) of the next request, None
        when the client closed the connection or stayed silent."""
        try:
            if not self.buf and not await self.fill(wait_ms):
                return None
        except asyncio.TimeoutError:
            return None
        deadline = time.ticks_add(time.ticks_ms(), REQUEST_MS)
        line = await self.line(deadline)
        while line == b"":      # blank lines before a request are allowed
            line = await self.line(deadline)
        if line is None:
            return None
        parts = line.split(b" ")
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            raise Error(400, "not an HTTP/1 request line")
        try:
            method, target, version = [p.decode() for p in parts]
        except UnicodeError:
            raise Error(400, "not an HTTP/1 request line")
        headers = {}
        count = 0
        while True:
            line = await self.line(deadline)
            if line is None:
                raise Error(400, "incomplete request")
            if not line:
                break
            count += 1
            if count > HEADERS_MAX:
                raise Error(413, "too many headers")
            name, sep, value = line.partition(b":")
            if not sep:
                raise Error(400, "bad header line")
            try:
                headers[name.decode().strip().lower()] = value.decode().strip()
            except UnicodeError:
                raise Error(400, "bad header line")
        return method, target, version, headers

    def length(self, headers, limit):
        """The body's Content-Length, at most limit (413 beyond)."""
        if "transfer-encoding" in headers:
            raise Error(400, "chunked bodies are not supported: send a Content-Length")
        try:
            n = int(headers.get("content-length", "0"))
        except ValueError:
            raise Error(400, "bad Content-Length")
        if n < 0:
            raise Error(400, "bad Content-Length")
        if n > limit:
            raise Error(413, "body too large (%d bytes at most)" % limit)
        return n

    def body_deadline(self):
        return time.ticks_add(time.ticks_ms(), self.server.idle_ms + REQUEST_MS)

    async def chunk(self, left, deadline):
        """The next piece (at most left bytes) of a body; OSError when the
        client stops sending before its end."""
        if not self.buf:
            wait = time.ticks_diff(deadline, time.ticks_ms())
            if wait <= 0 or not await self.fill(wait):
                raise OSError("the body ended early")
        piece = self.buf[:left]
        self.buf = self.buf[len(piece):]
        return piece

    async def body(self, headers):
        left = self.length(headers, BODY_MAX)
        deadline = self.body_deadline()
        data = b""
        while left > 0:
            piece = await self.chunk(left, deadline)
            data += piece
            left -= len(piece)
        return data

    # Writing

    async def send(self, data):
        self.writer.write(data)
        await asyncio.wait_for_ms(self.writer.drain(), SEND_MS)

    async def head(self, status, headers, length, keep, kind=None):
        text = "HTTP/1.1 %d %s\r\nServer: munix\r\n" % (status, REASONS.get(status, ""))
        if kind:
            text += "Content-Type: %s\r\n" % kind
        if length is not None:
            text += "Content-Length: %d\r\n" % length
        for name, value in headers:
            text += "%s: %s\r\n" % (name, value)
        text += "Connection: %s\r\n\r\n" % ("keep-alive" if keep else "close")
        await self.send(text.encode())

    async def json(self, status, value, keep, extra=(), head_only=False):
        data = json.dumps(value).encode()
        await self.head(status, extra, len(data), keep, "application/json")
        if not head_only:
            await self.send(data)

    async def error(self, e, keep):
        extra = [("Allow", e.allow)] if e.allow else []
        if e.status == 401:
            extra.append(("WWW-Authenticate", 'Basic realm="munix"'))
        await self.json(e.status, {"error": e.message}, keep, extra)

    # Answers

    async def answer(self, method, target, headers, keep):
        path = _decode_path(target)
        if path == "/api" or path.startswith("/api/"):
            await self.authorize(headers)
            await self.api(method, path[4:], headers, keep)
            return
        if method not in ("GET", "HEAD"):
            raise Error(405, "only GET and HEAD here", "GET, HEAD")
        await self.static(path, target, method == "HEAD", headers, keep)

    async def static(self, path, target, head_only, headers, keep):
        full = fspath.normpath(ROOT + path)
        st = fspath.stat(full)
        if st is not None and st[0] & fspath.DIR:
            if not target.split("?")[0].endswith("/"):
                await self.head(301, [("Location", path.rstrip("/") + "/")], 0, keep)
                return
            full = fspath.join(full, "index.html")
            st = fspath.stat(full)
        if st is None or st[0] & fspath.DIR:
            raise Error(404, "not found: %s" % path)
        await self.file(full, st, head_only, headers, keep)

    async def file(self, full, st, head_only, headers, keep):
        size, mtime = st[6], st[8]
        etag = '"%x-%x"' % (size, mtime)
        modified = _http_date(mtime)
        cache = [("ETag", etag), ("Last-Modified", modified)]
        match = headers.get("if-none-match")
        if match == etag or match is None and headers.get("if-modified-since") == modified:
            await self.head(304, cache, None, keep)
            return
        dot = full.rfind(".")
        kind = "application/octet-stream"
        if dot > full.rfind("/"):
            kind = TYPES.get(full[dot + 1:].lower(), kind)
        with open(full, "rb") as f:
            await self.head(200, cache, size, keep, kind)
            if head_only:
                return
            buf = bytearray(CHUNK)
            while True:
                n = f.readinto(buf)
                if not n:
                    break
                await self.send(buf[:n] if n < CHUNK else buf)

    async def authorize(self, headers):
        if not auth.asked(self.server.daemon.insecure):
            return
        # The scheme's name is case-insensitive (RFC 7617).
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            raise Error(401, "login needed (HTTP Basic)")
        import binascii
        try:
            user, sep, password = binascii.a2b_base64(token.strip()).decode().partition(":")
        except (ValueError, UnicodeError):
            user, sep, password = "", "", ""
        import hashlib
        key = hashlib.sha256(token.strip().encode()).digest()
        logins = self.server.logins
        seen = logins.get(key)
        # A remembered login holds while the user's line of the password
        # file is the one it was checked against.
        if (seen is not None and time.ticks_diff(time.ticks_ms(), seen[0]) < AUTH_MS
                and seen[1] == auth.entry(user)):
            return
        if not sep or not auth.check(user, password, self.ip, NAME, delay=False):
            logins.pop(key, None)
            await asyncio.sleep_ms(auth.limit("delay_ms", auth.DELAY_MS))
            raise Error(401, "wrong user or password")
        if len(logins) >= AUTH_CACHE:
            del logins[min(logins, key=lambda k: logins[k][0])]
        logins[key] = (time.ticks_ms(), auth.entry(user))

    async def api(self, method, path, headers, keep):
        if path == "/run":
            if method != "POST":
                raise Error(405, "POST a JSON object {\"cmd\": ...}", "POST")
            await self.run(headers, keep)
        elif path == "/sys":
            if method not in ("GET", "HEAD"):
                raise Error(405, "only GET here", "GET, HEAD")
            await self.json(200, _sys(), keep, head_only=method == "HEAD")
        elif path == "/fs" or path.startswith("/fs/"):
            await self.fs(method, fspath.normpath(path[3:] or "/"), headers, keep)
        else:
            raise Error(404, "no such API: /api%s" % path)

    async def run(self, headers, keep):
        try:
            request = json.loads(await self.body(headers))
            cmd = request["cmd"]
            if not isinstance(cmd, str):
                raise TypeError
        except (ValueError, KeyError, TypeError, IndexError):
            raise Error(400, "expected a JSON object {\"cmd\": \"...\"}")
        runner = Runner(cmd)
        try:
            procctl.start_thread(runner.run, ())
        except procctl.NoThread as e:
            raise Error(503, str(e))
        try:
            while runner.status is None:
                await asyncio.sleep_ms(5)
        except asyncio.CancelledError:
            owner = runner.session.owner if runner.session is not None else None
            if owner is not None:
                procctl.set_state(owner, process.STOPPING)
            raise
        # Sent a piece at a time, never as one JSON text: the output alone
        # may be more than a small board's heap has free in one block.
        head = ('{"status": %d, "truncated": %s, "output": "' % (
            runner.status, "true" if runner.dropped else "false")).encode()
        size = len(head) + 2
        for part in runner.parts:
            size += len(json.dumps(part).encode()) - 2
        await self.head(200, (), size, keep, "application/json")
        await self.send(head)
        for part in runner.parts:
            await self.send(json.dumps(part)[1:-1].encode())
        await self.send(b'"}')

    async def fs(self, method, path, headers, keep):
        if method in ("GET", "HEAD"):
            if auth.is_secret(path):
                raise Error(403, "%s is secret" % path)
            st = fspath.stat(path)
            if st is None:
                raise Error(404, "no such file or folder: %s" % path)
            if st[0] & fspath.DIR:
                await self.json(200, {"path": path, "entries": _listing(path)}, keep,
                                head_only=method == "HEAD")
            else:
                await self.file(path, st, method == "HEAD", headers, keep)
            return
        if method not in ("PUT", "DELETE"):
            raise Error(405, "GET, PUT or DELETE a path", "GET, HEAD, PUT, DELETE")
        if path == "/" or fspath.is_protected(path) or auth.is_secret(path):
            raise Error(403, "%s is part of the system" % path)
        if method == "DELETE":
            await self.delete(path, keep)
        else:
            await self.upload(path, headers, keep)

    async def delete(self, path, keep):
        st = fspath.stat(path)
        if st is None:
            raise Error(404, "no such file or folder: %s" % path)
        try:
            if st[0] & fspath.DIR:
                os.rmdir(path)
            else:
                os.remove(path)
        except OSError as e:
            import cmdargs
            raise Error(400, "%s: %s" % (path, cmdargs.strerror(e)))
        await self.json(200, {"deleted": path}, keep)

    async def upload(self, path, headers, keep):
        n = self.length(headers, self.server.upload_max)
        if "content-length" not in headers:
            raise Error(400, "send a Content-Length")
        if fspath.isdir(path):
            raise Error(400, "%s is a folder" % path)
        folder = fspath.split(path)[0]
        if not fspath.isdir(folder):
            raise Error(404, "no such folder: %s" % folder)
        existed = fspath.exists(path)
        tmp = "%s.%d.part" % (path, id(self) & 0xFFFF)
        complete = False
        try:
            deadline = self.body_deadline()
            left = n
            with open(tmp, "wb") as f:
                while left > 0:
                    piece = await self.chunk(left, deadline)
                    f.write(piece)
                    left -= len(piece)
            fspath.replace(tmp, path)
            complete = True
        finally:
            if not complete:
                try:
                    os.remove(tmp)
                except OSError:
                    pass
        await self.json(200 if existed else 201, {"path": path, "size": n}, keep)


class Runner:
    """A command line of /api/run, run in a thread of its own as a session
    of its own, its output collected (OUTPUT_MAX characters at most, less
    on a heap with little free), in
    parts of PART characters or more rather than one object per write."""

    def __init__(self, cmd):
        import gc
        self.cmd = cmd
        self.parts = []
        self.size = 0
        # No more than a quarter of the heap free: the command must run too.
        self.limit = min(OUTPUT_MAX, gc.mem_free() // 4)
        self.dropped = 0
        self.status = None
        self.session = None

    def write(self, text):
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8", "replace")
        room = self.limit - self.size
        if len(text) > room:
            self.dropped += len(text) - max(room, 0)
            text = text[:max(room, 0)]
        if text:
            if self.parts and len(self.parts[-1]) < PART:
                self.parts[-1] += text
            else:
                self.parts.append(text)
            self.size += len(text)

    def input(self, prompt=""):
        raise EOFError

    def run(self):
        import session
        import shell
        self.session = session.Session("http", self, self, self)
        status = 1
        try:
            status = shell.serve(self.session, self.cmd)
        except Exception as e:
            self.write("sh: %s\n" % e)
        finally:
            self.status = status


def _decode_path(target):
    """The path of a request target, %-decoded and normalised (never
    above /)."""
    path = target.split("?", 1)[0].split("#", 1)[0]
    if "%" in path:
        raw = bytearray()
        i = 0
        while i < len(path):
            c = path[i]
            if c == "%" and _hex2(path[i + 1:i + 3]) is not None:
                raw.append(_hex2(path[i + 1:i + 3]))
                i += 3
            else:
                raw += c.encode()
                i += 1
        try:
            path = bytes(raw).decode()
        except UnicodeError:
            raise Error(400, "bad path encoding")
    if "\0" in path or not path.startswith("/"):
        raise Error(400, "bad path")
    return fspath.normpath(path)


def _hex2(text):
    if len(text) != 2:
        return None
    try:
        return int(text, 16)
    except ValueError:
        return None


def _http_date(t):
    g = time.gmtime(t)
    return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (DAYS[g[6]], g[2], MONTHS[g[1] - 1],
                                                    g[0], g[3], g[4], g[5])


def _listing(path):
    entries = []
    for name, folder in sorted(fspath.entries(path)):
        full = fspath.join(path, name)
        if auth.is_secret(full):
            continue
        item = {"name": name, "type": "dir" if folder else "file"}
        if not folder:
            st = fspath.stat(full)
            item["size"] = st[6] if st else 0
        entries.append(item)
    return entries


def _sys():
    import gc
    import sys
    gc.collect()
    free = gc.mem_free()
    used = gc.mem_alloc()
    info = {"name": system.NAME, "version": system.VERSION, "platform": sys.platform,
            "micropython": ".".join([str(n) for n in sys.implementation.version[:3]]),
            "hostname": system.conf.get("hostname"), "uptime_s": system.uptime_ms() // 1000,
            "memory": {"total": used + free, "used": used, "free": free},
            "network": {"address": netd.address()}}
    try:
        st = os.statvfs("/")
        unit = st[1] or st[0]
        info["flash"] = {"total": st[2] * unit, "free": st[3] * unit}
    except OSError:
        pass
    return info
