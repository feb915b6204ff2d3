"""curl: requests of any method to a real server on 127.0.0.1 (plain HTTP
and HTTPS with a test CA as the board's /etc/ca.pem) that answers with
what it received, so that each test checks what went over the wire; bodies
streamed both ways; -o replaces a file only once the body is complete."""
import hashlib
import http.server
import os
import ssl
import threading
import time

import pytest

from conftest import free_port
from munixtool import sim as simulator
from ntp_support import FakeNtp
from upgrade_support import CertAuthority

BIG = 200 * 1024
USER, PASSWORD = "alice", "s3cret:pass"
USAGE_LINE = ("curl URL [-X METHOD] [-H 'NAME: VALUE']... [-d DATA|@FILE] "
              "[-u USER:PASSWORD] [-o FILE] [-iIvsfLk]")


class Handler(http.server.BaseHTTPRequestHandler):
    """Answers every method: /echo with the request as text, the others as
    the tests below need them."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _answer(self):
        body = b""
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            body = self.rfile.read(length)
        self.server.seen.append((self.command, self.path, dict(self.headers), body))
        path = self.path.split("?", 1)[0]
        big = self.server.big
        if path == "/echo":
            lines = ["%s %s" % (self.command, self.path)]
            lines += ["%s: %s" % h for h in self.headers.items()]
            if len(body) > 100:
                lines.append("body: %d bytes, sha256 %s" % (len(body), hashlib.sha256(body).hexdigest()))
            else:
                lines.append("body: %s" % body.decode())
            self._send(200, ("\n".join(lines) + "\n").encode(), [("Content-Type", "text/plain")])
        elif path in self.server.redirects:
            status, location = self.server.redirects[path]
            self._send(status, b"moved\n", [("Location", location)])
        elif path == "/auth":
            if self.headers.get("Authorization") == self.server.credentials:
                self._send(200, b"welcome\n")
            else:
                self._send(401, b"denied\n", [("WWW-Authenticate", 'Basic realm="test"')])
        elif path == "/big.bin":
            self._send(200, big, [("Content-Type", "application/octet-stream")])
        elif path == "/drop":
            self.send_response(200)
            self.send_header("Content-Length", str(len(big)))
            self.end_headers()
            self.wfile.write(big[:len(big) // 2])
            self.wfile.flush()
            self.close_connection = True
        elif path == "/stall":
            self.send_response(200)
            self.send_header("Content-Length", str(len(big)))
            self.end_headers()
            self.wfile.write(big[:1000])
            self.wfile.flush()
            self.server.release.wait(30)
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"one ", b"two ", b"three\n"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self._send(404, b"no such page\n")

    def _send(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("X-Test", "yes")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _answer


class Server:
    """The test server on 127.0.0.1, in a thread, with TLS when given a
    certificate."""

    def __init__(self, big, cert=None):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.seen = []
        self.httpd.big = big
        self.httpd.redirects = {}
        self.httpd.release = threading.Event()     # ends the answers to /stall
        import base64
        self.httpd.credentials = "Basic " + base64.b64encode(
            ("%s:%s" % (USER, PASSWORD)).encode()).decode()
        self.scheme = "http"
        if cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*cert)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="", host="127.0.0.1"):
        return "%s://%s:%d%s" % (self.scheme, host, self.port, path)

    @property
    def seen(self):
        return self.httpd.seen

    def stop(self):
        self.httpd.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    base = tmp_path_factory.mktemp("curl")
    big = os.urandom(BIG)
    ca = CertAuthority(base / "ca")
    stranger = CertAuthority(base / "stranger")
    servers = {"http": Server(big), "https": Server(big, ca.server_files("localhost")),
               "unknown_ca": Server(big, stranger.server_files("localhost"))}
    for s in servers.values():
        s.httpd.redirects.update({
            "/found": (302, "/echo?from=found"),
            "/see-other": (303, "/echo"),
            "/temporary": (307, "/echo"),
            "/elsewhere": (302, s.url("/auth", host="localhost")),
            "/loop": (302, "/loop"),
            "/down": (302, servers["http"].url("/echo")),
        })
    clock = FakeNtp()
    yield dict(servers, big=big, ca=ca, closed=free_port(), clock=clock)
    clock.close()
    for s in servers.values():
        s.stop()


class Clocked:
    """A simulator whose runs first set the clock, when it plays a board
    (munix test --board): a board's starts in 2000 (2021 on an RP2), too
    early to check certificates, until ntpupdate sets it."""

    def __init__(self, sim, clock):
        self.sim = sim
        self.first = ["ntpupdate -W 5 127.0.0.1:%d >/dev/null" % clock.port]

    def run(self, *lines, **kw):
        return self.sim.run(*(self.first + list(lines)), **kw)

    def __call__(self, lines, **kw):
        return self.sim(self.first + list(lines), **kw)

    def __getattr__(self, name):
        return getattr(self.sim, name)


@pytest.fixture
def csim(sim, net):
    """The simulator with the test CA as /etc/ca.pem (and its clock set)."""
    sim.write("/etc/ca.pem", net["ca"].pem)
    return Clocked(sim, net["clock"]) if simulator.board_name() else sim


def one_line(err):
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


def leftovers(sim):
    return list(sim.flash.rglob("*.part"))


def echoed(out):
    """The request the server echoed: (request line, {header: value}, body line)."""
    lines = out.splitlines()
    headers = dict(line.split(": ", 1) for line in lines[1:-1])
    return lines[0], headers, lines[-1]


# Normal use


@pytest.mark.parametrize("server", ["http", "https"])
def test_get_prints_the_body(csim, net, server):
    host = "localhost" if server == "https" else "127.0.0.1"
    r = csim.run("curl %s" % net[server].url("/echo?x=1", host=host))
    assert r.status == 0 and r.err == "", r
    line, headers, body = echoed(r.out)
    assert line == "GET /echo?x=1"
    assert headers["Host"] == "%s:%d" % (host, net[server].port)
    assert headers["User-Agent"] == "munix" and headers["Accept"] == "*/*"
    assert "Content-Length" not in headers and body == "body: "


def test_methods_headers_and_data(csim, net):
    echo = net["http"].url("/echo")
    r = csim.run("curl -d 'a=1&b=two' %s" % echo)
    line, headers, body = echoed(r.out)
    assert (line, body) == ("POST /echo", "body: a=1&b=two")
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert headers["Content-Length"] == "9"
    r = csim.run("curl %s -X PUT -H 'Content-Type: application/json' "
                 "--header 'X-One: 1' -H X-Two:2 -d '{\"k\": [1, 2]}'" % echo)
    line, headers, body = echoed(r.out)
    assert (line, body) == ("PUT /echo", 'body: {"k": [1, 2]}')
    assert headers["Content-Type"] == "application/json"
    assert headers["X-One"] == "1" and headers["X-Two"] == "2"
    r = csim.run("curl --request=DELETE -H 'User-Agent: tester' -H 'Accept:' %s" % echo)
    line, headers, body = echoed(r.out)
    assert line == "DELETE /echo" and headers["User-Agent"] == "tester"
    assert "Accept" not in headers
    assert r.status == 0 and r.err == "", r


def test_data_from_a_file_is_streamed(csim, net):
    csim.write("/up.bin", net["big"])
    csim.write("/small.txt", "line one\nline two\n")
    r = csim.run("curl -d @up.bin -H 'Content-Type: application/octet-stream' %s"
                 % net["https"].url("/echo", host="localhost"),
                 "curl -X PATCH --data=@/small.txt %s" % net["http"].url("/echo"))
    assert r.status == 0 and r.err == "", r
    method, path, headers, body = net["https"].seen[-1]
    assert (method, body) == ("POST", net["big"])
    assert headers["Content-Length"] == str(BIG)
    assert "body: %d bytes, sha256 %s" % (BIG, hashlib.sha256(net["big"]).hexdigest()) in r.out
    method, path, headers, body = net["http"].seen[-1]
    assert (method, body) == ("PATCH", b"line one\nline two\n")


def test_data_from_the_standard_input(csim, net):
    r = csim.run("printf 'k=v\\nsecond' | curl --data @- -sH 'X-Via: pipe' %s"
                 % net["http"].url("/echo"))
    assert r.status == 0 and r.err == "", r
    method, path, headers, body = net["http"].seen[-1]
    assert (method, body, headers["X-Via"]) == ("POST", b"k=v\nsecond", "pipe")


def test_include_and_head(csim, net):
    r = csim.run("curl -i %s" % net["http"].url("/missing"))
    assert r.status == 0, r
    lines = r.out.splitlines()
    assert lines[0] == "HTTP/1.1 404 Not Found"
    assert "X-Test: yes" in lines and "Content-Length: 13" in lines
    assert lines[-2:] == ["", "no such page"]
    r = csim.run("curl -I %s" % net["http"].url("/big.bin"))
    assert r.status == 0 and r.err == "", r
    assert r.out.splitlines()[0] == "HTTP/1.1 200 OK"
    assert "Content-Length: %d" % BIG in r.out.splitlines() and r.out.endswith("\n\n")
    assert net["http"].seen[-1][0] == "HEAD"


def test_verbose_shows_both_heads_on_stderr(csim, net):
    r = csim.run("curl -v -d x=1 %s" % net["http"].url("/echo"))
    assert r.status == 0, r
    assert echoed(r.out)[0] == "POST /echo"
    err = r.err.splitlines()
    assert err[0] == "> POST /echo HTTP/1.1"
    assert "> Host: 127.0.0.1:%d" % net["http"].port in err
    assert "> Content-Length: 3" in err and "> " in err
    assert "< HTTP/1.1 200 OK" in err and "< X-Test: yes" in err
    assert err[-1] == "< "


def test_chunked_and_http_errors_without_fail(csim, net):
    r = csim.run("curl %s" % net["http"].url("/chunked"), "curl %s" % net["http"].url("/nothere"))
    assert r.out == "one two three\nno such page\n" and r.status == 0, r


def test_fail_on_http_errors(csim, net):
    r = csim.run("curl -f %s" % net["http"].url("/nothere"))
    assert r.status == 1 and r.out == "", r
    assert one_line(r.err) == "curl: %s: 404 Not Found" % net["http"].url("/nothere")
    r = csim.run("curl -sf %s" % net["http"].url("/nothere"))
    assert (r.status, r.out, r.err) == (1, "", "")


def test_basic_auth(csim, net):
    url = net["http"].url("/auth")
    r = csim.run("curl -u '%s:%s' %s" % (USER, PASSWORD, url), "curl -u %s:wrong %s" % (USER, url),
                 "curl %s" % url)
    assert r.out == "welcome\ndenied\ndenied\n", r


def test_redirects_only_with_dash_l(csim, net):
    base = net["http"].url()
    r = csim.run("curl %s/found" % base)
    assert r.out == "moved\n" and r.status == 0, r
    r = csim.run("curl -L %s/found" % base)
    assert echoed(r.out)[0] == "GET /echo?from=found", r
    # a POST redirected by 303 (or 301, 302) becomes a GET, without its body
    r = csim.run("curl -L -d x=1 %s/see-other" % base, "curl -L -d x=2 %s/found" % base)
    assert r.out.count("GET /echo\n") == 1 and r.out.count("GET /echo?from=found\n") == 1, r
    assert r.out.count("body: \n") == 2
    r = csim.run("curl -L -X PUT -d keep %s/temporary" % base)
    assert echoed(r.out)[0::2] == ("PUT /echo", "body: keep"), r
    r = csim.run("curl -Li %s/found" % base)
    assert r.out.startswith("HTTP/1.1 302 Found\n") and "\nHTTP/1.1 200 OK\n" in r.out, r


def test_a_file_body_is_sent_again_after_307(csim, net):
    csim.write("/up.txt", "again\n")
    r = csim.run("curl -L -d @up.txt %s" % net["http"].url("/temporary"))
    assert r.out.startswith("POST /echo\n") and r.out.endswith("body: again\n\n"), r
    assert [s[3] for s in net["http"].seen[-2:]] == [b"again\n", b"again\n"]


def test_credentials_stay_with_their_server(csim, net):
    r = csim.run("curl -L -u '%s:%s' -H 'Cookie: a=b' %s" % (USER, PASSWORD, net["http"].url("/elsewhere")))
    assert r.out == "denied\n", r
    headers = net["http"].seen[-1][2]
    assert net["http"].seen[-1][1] == "/auth"
    assert "Authorization" not in headers and "Cookie" not in headers
    assert "Authorization" in net["http"].seen[-2][2]


def test_redirect_loops_and_downgrades_are_refused(csim, net):
    r = csim.run("curl -L %s" % net["http"].url("/loop"))
    assert r.status == 1 and "too many redirects" in one_line(r.err), r
    r = csim.run("curl -L %s" % net["https"].url("/down", host="localhost"))
    assert r.status == 1 and "refusing redirect from https" in one_line(r.err), r


# -o: the file is replaced only by a complete body


@pytest.mark.parametrize("server", ["http", "https"])
def test_output_file(csim, net, server):
    csim.write("/data.bin", b"old")
    r = csim.run("curl -o data.bin %s" % net[server].url("/big.bin", host="localhost"),
                 "curl --output=/page.txt %s" % net[server].url("/echo", host="localhost"),
                 "curl -o - %s" % net[server].url("/chunked", host="localhost"))
    assert r.status == 0 and r.err == "" and r.out == "one two three\n", r
    assert csim.path("/data.bin").read_bytes() == net["big"]
    assert csim.path("/page.txt").read_text().startswith("GET /echo\n")
    assert leftovers(csim) == []


def test_a_cut_download_keeps_the_old_file(csim, net):
    csim.write("/data.bin", b"keep me")
    r = csim.run("curl -o data.bin %s" % net["http"].url("/drop"))
    assert r.status == 1 and r.out == "", r
    assert "connection closed before the end of the body" in one_line(r.err)
    assert csim.path("/data.bin").read_bytes() == b"keep me"
    assert leftovers(csim) == []


def test_ctrl_c_mid_download_keeps_the_old_file(board, net):
    board.path("/data.bin").write_bytes(b"keep me")
    part = board.path("/data.bin.part")
    board.send("curl -o data.bin %s\r" % net["http"].url("/stall"))
    deadline = time.monotonic() + 10
    while not (part.exists() and part.stat().st_size):
        assert time.monotonic() < deadline, "the download never started"
        time.sleep(0.05)
    board.send("\x03")
    board.read_to_prompt()
    assert board.run("echo $?") == "130\n"
    assert board.path("/data.bin").read_bytes() == b"keep me"
    assert not part.exists()


def test_binary_bodies_go_to_files(csim, net):
    r = csim.run("curl %s" % net["http"].url("/big.bin"))
    assert r.status == 1, r
    assert one_line(r.err).endswith("not a text body (save it with -o FILE)")


def test_system_files_and_folders_are_not_overwritten(csim, net):
    main = csim.path("/main.py").read_bytes()
    r = csim.run("curl -o /main.py %s" % net["http"].url("/echo"), "echo $?",
                 "mkdir /d", "curl -o /d %s" % net["http"].url("/echo"))
    assert r.status == 1 and r.out == "1\n", r
    assert r.err.splitlines() == ["curl: /main.py: part of the system",
                                  "curl: /d: Is a directory"]
    assert csim.path("/main.py").read_bytes() == main


# HTTPS


def test_https_certificates_are_checked(csim, net):
    url = net["unknown_ca"].url("/echo", host="localhost")
    r = csim.run("curl %s" % url)
    assert r.status == 1 and r.out == "", r
    assert "not correctly signed by the trusted CA" in one_line(r.err)
    r = csim.run("curl -k %s" % url, "curl --insecure %s" % url)
    assert r.status == 0 and r.out.count("GET /echo\n") == 2, r


def test_https_without_a_ca_bundle_is_refused(csim, net):
    csim.path("/etc/ca.pem").unlink()
    r = csim.run("curl %s" % net["https"].url("/echo", host="localhost"))
    assert r.status == 1, r
    assert one_line(r.err).startswith("curl: CA bundle /etc/ca.pem: ")


# Failures


def test_unreachable_servers(csim, net):
    r = csim.run("curl http://127.0.0.1:%d/x" % net["closed"])
    assert r.status == 1, r
    assert one_line(r.err) == "curl: 127.0.0.1:%d: connection refused" % net["closed"]
    r = csim.run("curl -s http://no-such-host.invalid/x")
    assert (r.status, r.err) == (1, ""), r


def test_missing_data_file(csim, net):
    r = csim.run("curl -d @nothere.txt %s" % net["http"].url("/echo"))
    assert r.status == 1, r
    assert one_line(r.err) == "curl: nothere.txt: No such file or directory"


@pytest.mark.parametrize("args, message", [
    ("", "no URL given"),
    ("-z http://h/x", "unknown option -z"),
    ("--frobnicate http://h/x", "unknown option --frobnicate"),
    ("--silent=yes http://h/x", "option --silent takes no value"),
    ("http://h/x -H", "option -H needs a value"),
    ("http://h/x -o", "option -o needs a value"),
    ("http://h/x http://h/y", "extra operand http://h/y"),
    ("-H 'NoColon' http://h/x", "NoColon: not a header (NAME: VALUE)"),
    ("-H 'Bad Name: x' http://h/x", "Bad Name: x: not a header (NAME: VALUE)"),
    ("-u alice http://h/x", "-u takes USER:PASSWORD"),
    ("-X 'GET /evil' http://h/x", "spaces and control characters are not allowed in URL or "
                                  "METHOD (write a space in a URL as %20)"),
    ("ftp://h/x", "ftp://h/x: not an http:// or https:// URL"),
    ("http://h:port/x", "http://h:port/x: bad port"),
])
def test_usage_errors(csim, args, message):
    r = csim.run("curl " + args)
    assert r.status == 2 and r.out == "", r
    assert r.err.splitlines() == ["curl: " + message, "usage: " + USAGE_LINE]


def test_help(csim):
    r = csim.run("curl --help")
    assert r.status == 0 and r.out.startswith("usage: " + USAGE_LINE), r
    assert "-d @FILE" in r.out


# An ESP32's heap (112K); TLS buffers come from the Python heap on the unix
# port (from the system's on an ESP32): HTTPS needs a bigger one here.
@pytest.mark.parametrize("server, heap", [("http", "112K"), ("https", "128K")])
def test_small_heap(compiled_sim, net, server, heap):
    """200 KB each way in a small heap: no body is held in memory."""
    compiled_sim.write("/etc/ca.pem", net["ca"].pem)
    compiled_sim.write("/up.bin", net["big"])
    s = net[server]
    run = Clocked(compiled_sim, net["clock"]) if simulator.board_name() else compiled_sim
    done = run(["curl -o down.bin %s" % s.url("/big.bin", host="localhost"),
                         "echo status=$?",
                         "curl -d @up.bin %s" % s.url("/echo", host="localhost"),
                         "echo status=$?"], heap=heap, timeout=30)
    assert "status=0\n" in done.stdout and done.stdout.endswith("status=0\n"), done
    assert compiled_sim.path("/down.bin").read_bytes() == net["big"]
    assert s.seen[-1][3] == net["big"]
