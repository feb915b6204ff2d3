"""HTTP requests of any method, for curl: a body from bytes or a file,
the caller's headers, Basic authentication, every line of the exchange
shown as it goes, redirects and HTTP errors followed or returned. Built on
httpclient (its connections, TLS checks and streamed responses); wget and
upgrade, which only GET, need not load it.
"""
import httpclient
from httpclient import REDIRECTS, HTTPError, connect, reason, resolve, split_url


class Response(httpclient.Response):
    """A response whose head lines are shown to echo as they are read;
    bodiless: the answer to a HEAD, whose Content-Length is that of a body
    not sent."""

    def __init__(self, stream, url, echo, bodiless):
        super().__init__(stream, url)
        self.echo = echo
        self.bodiless = bodiless

    def _line(self):
        line = super()._line()
        if self.echo:
            self.echo("<", line)
        return line

    def _read_head(self):
        super()._read_head()
        self.echo = None    # what follows are the body's chunk lines
        if self.bodiless or self.status in (204, 304) or self.status < 200:
            self._done = True


def request(method, url, ca=None, timeout=10, redirects=5, headers=None, verify=True,
            body=None, size=0, auth=None, echo=None, follow=True, fail=True):
    """Send a request and read the response's head: a Response.

    headers: (name, value) pairs sent after (and replacing, by name) the
    client's own; an empty value leaves that header out. body: bytes, or a
    file of size bytes read in pieces (so sent again after a 307 or 308).
    auth: "user:password" for Basic authentication, sent to url's own
    server only, as are Authorization and Cookie headers. echo(mark, line):
    shown every line of each request (">") and response head ("<"), and
    each redirect followed ("*"). follow: redirects followed (up to
    redirects of them), else returned; fail: a status from 400 raises
    HTTPError, else the response is returned whatever its status.
    Raises HTTPError."""
    origin = split_url(url)[:3]
    for _ in range(redirects + 1):
        scheme, host, port, path = split_url(url)
        own = (scheme, host, port) == origin
        stream = connect(scheme, host, port, ca, timeout, verify)
        response = Response(stream, url, echo, method == "HEAD")
        try:
            _send(stream, "%s %s HTTP/1.1" % (method, path), _headers(
                headers, body, size, auth, own, host, port, scheme), body, echo)
            response._read_head()
        except OSError as e:
            response.close()
            raise HTTPError("%s: %s" % (url, reason(e)))
        except HTTPError:
            response.close()
            raise
        if response.status in REDIRECTS and "location" in response.headers and follow:
            response.close()
            target = resolve(url, response.headers["location"])
            if scheme == "https" and not target.startswith("https://"):
                raise HTTPError("%s: refusing redirect from https to %s" % (url, target))
            if response.status == 303 or (response.status < 303 and method == "POST"):
                method, body = ("HEAD" if method == "HEAD" else "GET"), None
            elif body is not None and not isinstance(body, bytes):
                body.seek(0)
            url = target
            if echo:
                echo("*", "following the redirect to " + url)
            continue
        if fail and response.status >= 400:
            response.close()
            raise HTTPError("%s: %d %s" % (url, response.status, response.reason))
        return response
    raise HTTPError("%s: too many redirects" % url)


# Headers that carry who the client is: never sent to another server than
# the one asked for, when a redirect leads there.
_PRIVATE = ("authorization", "cookie")


def _headers(given, body, size, auth, own, host, port, scheme):
    """The request's header lines: the client's own, then given, a later
    one replacing an earlier of the same name, an empty one removing it."""
    default = 443 if scheme == "https" else 80
    lines = [("Host", host if port == default else "%s:%d" % (host, port)),
             ("User-Agent", "munix"), ("Connection", "close")]
    if body is not None:
        lines.append(("Content-Length", str(len(body) if isinstance(body, bytes) else size)))
    if auth is not None:
        import binascii
        lines.append(("Authorization", "Basic " + binascii.b2a_base64(
            auth.encode()).decode().strip()))
    result = []
    for name, value in lines + list(given or ()):
        low = name.lower()
        if low in _PRIVATE and not own:
            continue
        result = [(n, v) for n, v in result if n.lower() != low]
        if value:
            result.append((name, value))
    return result


def _send(stream, first, lines, body, echo):
    head = [first] + ["%s: %s" % nv for nv in lines] + [""]
    for line in head:
        if echo:
            echo(">", line)
        stream.write((line + "\r\n").encode())
    if isinstance(body, bytes):
        stream.write(body)
    elif body is not None:
        buf = bytearray(512)
        while True:
            n = body.readinto(buf)
            if not n:
                break
            stream.write(memoryview(buf)[:n])
