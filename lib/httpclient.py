"""A small streaming HTTP/1.1 client, plain or over TLS, for wget and
upgrade.

    r = httpclient.get(url, ca="/etc/ca.pem")
    while True:
        n = r.readinto(buf)       # 0 at the end of the body
        ...
    r.close()

The body is never held in memory: callers read it into a buffer of their
own. HTTPS verifies the server's certificate, and that it names the host,
against a CA bundle (PEM, one or more certificates); without one, on a port
whose TLS cannot load one (the ESP8266's axTLS), or with a clock not yet set
(boards start at 2000 or 2021), HTTPS is refused rather than done
unverified, unless the caller asks for no verification (verify=False).
TLS is MicroPython's tls module (1.23+) or, before it, ssl.

httprequest.request() is the general form (curl) built on this module.

Redirects are followed (never from HTTPS down to plain HTTP); chunked
bodies are decoded; a body that ends before its announced length is an
error, never a short success. Every socket operation has a timeout.
"""
import socket
import strsplit
from micropython import const

REDIRECTS = (301, 302, 303, 307, 308)
# Bounds on what a server can make us hold: one header (or chunk size) line,
# and the whole response head. Lines are read in pieces: readline(n) sets
# n bytes aside first, too much to ask for each line in a small heap.
LINE_MAX = 2048
_HEAD_MAX = const(8192)
_PIECE = const(128)


class HTTPError(Exception):
    """A failed request: the message says why, in one line."""


def split_url(url):
    """(scheme, host, port, path) of an http:// or https:// URL; a
    #fragment is the client's own, never sent, so it is left out."""
    scheme, sep, rest = strsplit.partition(url.split("#", 1)[0], "://")
    scheme = scheme.lower()
    if not sep or scheme not in ("http", "https"):
        raise HTTPError("%s: not an http:// or https:// URL" % url)
    slash = rest.find("/")
    hostport, path = (rest, "/") if slash < 0 else (rest[:slash], rest[slash:])
    host, colon, port = strsplit.rpartition(hostport, ":")
    if not colon or "]" in port:
        host, port = hostport, ""
    if not host:
        raise HTTPError("%s: no host" % url)
    try:
        port = int(port) if port else (443 if scheme == "https" else 80)
    except ValueError:
        raise HTTPError("%s: bad port" % url)
    return scheme, host.strip("[]"), port, path


def resolve(base, location):
    """The absolute URL of a redirect's Location, taken from base."""
    if "://" in location:
        return location
    scheme, host, port, path = split_url(base)
    root = "%s://%s:%d" % (scheme, host, port)
    if location.startswith("//"):
        return scheme + ":" + location
    if location.startswith("/"):
        return root + location
    return root + path[:path.rfind("/") + 1] + location


class Response:
    """A response whose body is read with readinto(); close() it when done."""

    def __init__(self, stream, url):
        self.stream = stream
        self.url = url
        self.status = 0
        self.reason = ""
        self.headers = {}
        self.length = None
        self._left = None  # bytes left in the body, or in the current chunk
        self._chunked = False
        self._chunks = 0
        self._done = False

    def _line(self):
        line = b""
        while not line.endswith(b"\n"):
            if len(line) >= LINE_MAX:
                raise HTTPError("%s: header line too long" % self.url)
            part = self.stream.readline(_PIECE)
            if not part:
                raise HTTPError("%s: connection closed early" % self.url)
            line += part
        line = line.rstrip(b"\r\n")
        try:
            return line.decode()
        except UnicodeError:    # a header in another charset: its ASCII is what counts
            return bytes(c for c in line if c < 128).decode()

    def _read_head(self):
        parts = self._line().split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise HTTPError("%s: not an HTTP response" % self.url)
        try:
            self.status = int(parts[1])
        except ValueError:
            raise HTTPError("%s: bad status line" % self.url)
        self.reason = parts[2] if len(parts) > 2 else ""
        room = _HEAD_MAX
        while True:
            line = self._line()
            if not line:
                break
            room -= len(line)
            if room < 0:
                raise HTTPError("%s: response head too large" % self.url)
            name, _, value = strsplit.partition(line, ":")
            self.headers[name.strip().lower()] = value.strip()
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            self._chunked = True
            self._left = 0
        elif "content-length" in self.headers:
            try:
                self.length = self._left = int(self.headers["content-length"])
            except ValueError:
                raise HTTPError("%s: bad Content-Length" % self.url)
            self._done = self.length == 0

    def readinto(self, buf):
        """Read the next part of the body into buf (a bytearray or
        memoryview); the number of bytes, 0 at the end of the body."""
        if self._done:
            return 0
        if self._chunked and self._left == 0:
            self._next_chunk()
            if self._done:
                return 0
        want = len(buf) if self._left is None else min(len(buf), self._left)
        try:
            n = self.stream.readinto(memoryview(buf)[:want]) or 0
        except OSError as e:
            raise HTTPError("%s: %s" % (self.url, reason(e)))
        if n == 0:
            if self._left is None:
                self._done = True
                return 0
            raise HTTPError("%s: connection closed before the end of the body" % self.url)
        if self._left is not None:
            self._left -= n
            if self._left == 0 and not self._chunked:
                self._done = True
        return n

    def _next_chunk(self):
        if self._chunks:
            self._line()  # the CRLF ending the previous chunk
        self._chunks += 1
        try:
            size = int(self._line().split(";", 1)[0].strip(), 16)
        except ValueError:
            raise HTTPError("%s: bad chunk size" % self.url)
        if size == 0:
            while self._line():  # trailers, up to the empty line
                pass
            self._done = True
        self._left = size

    def read(self, size=512):
        """Up to size bytes of the body (b"" at the end); for small bodies."""
        buf = bytearray(size)
        return bytes(buf[:self.readinto(buf)])

    def close(self):
        if self.stream:
            self.stream.close()
            self.stream = None


def connect(scheme, host, port, ca, timeout, verify):
    """A connected stream to host:port, TLS-wrapped and checked for https;
    HTTPError in one line when it cannot be had (mqtt uses it too)."""
    where = "%s:%d" % (host, port)
    context = _context(where, ca, verify) if scheme == "https" else None
    try:
        address = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0][-1]
    except OSError:
        raise HTTPError("%s: host not found" % host)
    sock = socket.socket()
    try:
        sock.settimeout(timeout)
        sock.connect(address)
        if context:
            sock = context.wrap_socket(sock, server_hostname=host)
    except (OSError, ValueError) as e:
        sock.close()
        if context and verify and "in the future" in str(e):
            raise HTTPError("%s: the certificate is not valid yet by the board's clock (%s): "
                            "if the clock is wrong, set it with ntpupdate" % (where, _clock()))
        raise HTTPError("%s: %s" % (where, reason(e)))
    return sock


def _tls():
    """MicroPython's TLS module: tls from 1.23, ssl before (same API but
    for load_verify_locations); (module, whether it is tls). (None, False)
    on a build without TLS."""
    try:
        import tls
        return tls, True
    except ImportError:
        pass
    try:
        import ssl
        return ssl, False
    except ImportError:
        return None, False


def can_verify():
    """Whether this port's TLS can check a server against a CA bundle."""
    tls = _tls()[0]
    return hasattr(tls, "CERT_REQUIRED") and hasattr(tls.SSLContext, "load_verify_locations")


def _context(where, ca, verify):
    """The TLS context of a client of where (host:port): checking
    certificates against the CA bundle ca, or checking none when verify is
    false."""
    tls, new = _tls()
    if tls is None:
        raise HTTPError("%s: this MicroPython has no TLS, so no https" % where)
    if not verify:
        context = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
        if hasattr(tls, "CERT_NONE"):   # 1.22's axTLS has none: it never checks
            context.verify_mode = tls.CERT_NONE
        return context
    if not can_verify():
        raise HTTPError("%s: this board's TLS cannot check certificates (no CA support)" % where)
    if not ca:
        raise HTTPError("https needs a CA bundle to check the server against")
    import system
    import time
    # A clock never set (boards start at 2000 or 2021): every certificate
    # would be "not valid yet".
    if time.time() < system.CLOCK_SET:
        raise HTTPError("%s: the board's clock says %s, too early to check certificates: "
                        "set it with ntpupdate" % (where, _clock()))
    context = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    context.verify_mode = tls.CERT_REQUIRED
    try:
        if new:
            if not _load_ca(context, ca):
                raise ValueError("no certificate in it")
        else:
            with open(ca, "rb") as f:
                context.load_verify_locations(cadata=f.read())
    except (OSError, ValueError) as e:
        raise HTTPError("CA bundle %s: %s" % (ca, reason(e)))
    return context


def _load_ca(context, ca):
    """Load the certificates of the bundle ca (PEM, or one DER certificate)
    into context one at a time, as DER: MicroPython's own mbedTLS
    configuration (rp2, the unix port) parses no PEM, and one certificate
    at a time needs no more heap than the largest. How many were loaded."""
    import binascii
    loaded = 0
    with open(ca, "rb") as f:
        if f.read(5) != b"-----":
            f.seek(0)
            context.load_verify_locations(f.read())
            return 1
        f.seek(0)
        block = None
        for line in f:
            line = line.strip()
            if line.startswith(b"-----BEGIN CERTIFICATE"):
                block = []
            elif line.startswith(b"-----END CERTIFICATE") and block is not None:
                context.load_verify_locations(binascii.a2b_base64(b"".join(block)))
                loaded += 1
                block = None
            elif block is not None:
                block.append(line)
    return loaded


def _clock():
    import clock
    t = clock.gmtime()
    return "%04d-%02d-%02d %02d:%02d UTC" % t[:5]


def reason(e):
    """Why e happened, in one line (cmdargs.strerror's words)."""
    import cmdargs
    return cmdargs.strerror(e)


def get(url, ca=None, timeout=10, redirects=5, headers=None, verify=True):
    """Send a GET for url and read the response's head: a Response whose
    status is below 300 (redirects followed). HTTPS checks the server
    against the CA bundle ca, unless verify is false. Raises HTTPError."""
    for _ in range(redirects + 1):
        scheme, host, port, path = split_url(url)
        stream = connect(scheme, host, port, ca, timeout, verify)
        response = Response(stream, url)
        try:
            default = 443 if scheme == "https" else 80
            request = "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: munix\r\nConnection: close\r\n" % (
                path, host if port == default else "%s:%d" % (host, port))
            for name in headers or ():
                request += "%s: %s\r\n" % (name, headers[name])
            stream.write((request + "\r\n").encode())
            response._read_head()
        except OSError as e:
            response.close()
            raise HTTPError("%s: %s" % (url, reason(e)))
        except HTTPError:
            response.close()
            raise
        if response.status in REDIRECTS and "location" in response.headers:
            response.close()
            target = resolve(url, response.headers["location"])
            if scheme == "https" and not target.startswith("https://"):
                raise HTTPError("%s: refusing redirect from https to %s" % (url, target))
            url = target
            continue
        if response.status >= 300:
            response.close()
            raise HTTPError("%s: %d %s" % (url, response.status, response.reason))
        return response
    raise HTTPError("%s: too many redirects" % url)
