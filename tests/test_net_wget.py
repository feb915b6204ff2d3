"""wget: downloads from real servers on 127.0.0.1, plain HTTP and HTTPS
with a test CA installed as the board's /etc/ca.pem, into a temporary file
renamed only once complete; every failure is one line on stderr, a non-zero
status, and no file created or changed.

The well-behaved servers are upgrade_support's; misbehaviour it has no
switch for (301, 500, a body without a length, a server that stalls) comes
from Canned, which answers each path with bytes written here.
"""
import os
import socket
import threading
import time

import pytest

from conftest import free_port
from upgrade_support import CertAuthority, Server

BIG = 200 * 1024
USAGE_LINE = "wget URL [-O FILE] [-T SECONDS] [-q] [--no-check-certificate]"
# Text whose multi-byte characters straddle the 512-byte reads.
TEXT = "".join("line %d: héllo wörld — ✓ 😀\n" % i for i in range(400))


class Canned:
    """A server on 127.0.0.1 answering GET PATH with responses[PATH] (raw
    bytes, then the connection closes); HOLD after them keeps the
    connection open, silent, until stop()."""

    HOLD = object()

    def __init__(self, responses):
        self.responses = responses
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def url(self, path=""):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def _serve(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(5)
            try:
                head = b""
                while b"\r\n\r\n" not in head:
                    part = conn.recv(4096)
                    if not part:
                        break
                    head += part
                path = head.split(b" ", 2)[1].decode("latin-1") if head.count(b" ") >= 2 else ""
                answer = self.responses.get(path, b"HTTP/1.1 404 Not Found\r\n"
                                                  b"Content-Length: 0\r\n\r\n")
                parts = answer if isinstance(answer, tuple) else (answer,)
                for part in parts:
                    if part is self.HOLD:
                        self.held.append(conn)
                        conn = None
                        break
                    conn.sendall(part)
            except OSError:
                pass
            if conn is not None:
                conn.close()

    def stop(self):
        self.stopping.set()
        self.sock.close()
        for conn in self.held:
            conn.close()
        self.thread.join(5)


def _response(status, body=b"", headers=()):
    head = "HTTP/1.1 %s\r\n" % status + "".join("%s: %s\r\n" % h for h in headers)
    return head.encode() + b"\r\n" + body


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    """Served files, a test CA, and the servers: https (certificate for
    localhost), wrong_host (for another name), unknown_ca (signed by a CA
    the board does not know), both (for another name and signed by that
    CA), http, canned, and a port nobody listens on."""
    base = tmp_path_factory.mktemp("wget")
    www = base / "www"
    www.mkdir()
    big = os.urandom(BIG)
    (www / "big.bin").write_bytes(big)
    (www / "chunked.bin").write_bytes(big[:3000])
    (www / "text.txt").write_text(TEXT)
    (www / "empty").write_bytes(b"")
    ca = CertAuthority(base / "ca")
    stranger = CertAuthority(base / "stranger")
    servers = {
        "https": Server(www, cert=ca.server_files("localhost")),
        "wrong_host": Server(www, cert=ca.server_files("other.example")),
        "unknown_ca": Server(www, cert=stranger.server_files("localhost")),
        "both": Server(www, cert=stranger.server_files("other.example")),
        "http": Server(www),
    }
    for s in (servers["https"], servers["http"]):
        s.chunked.add("/chunked.bin")
        s.drop.add("/drop/big.bin")
        s.redirect.update({"/latest": "big.bin", "/dir/up": "/text.txt",
                           "/loop": "/loop", "/down": servers["http"].url() + "/big.bin"})
    (www / "drop").mkdir()
    (www / "drop" / "big.bin").write_bytes(big)
    servers["canned"] = Canned({
        "/": _response("200 OK", b"<h1>home</h1>\n", [("Content-Length", 14)]),
        "/docs/old": _response("301 Moved Permanently", b"gone\n", [
            ("Location", "new.txt"), ("Content-Length", 5)]),
        "/docs/new.txt": _response("200 OK", b"new\n", [("Content-Length", 4)]),
        "/error": _response("500 Internal Server Error", b"oops\n", [("Content-Length", 5)]),
        "/latin1": b"HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename=caf\xe9\r\n"
                   b"Content-Length: 3\r\n\r\nok\n",
        "/unsized": _response("200 OK", big[:5000], [("Connection", "close")]),
        "/short": _response("200 OK", big[:1000], [("Content-Length", BIG)]),
        "/long-line": _response("200 OK", b"x", [("X-Junk", "a" * 100000),
                                                 ("Content-Length", 1)]),
        "/big-head": _response("200 OK", b"x", [("X-Junk-%d" % i, "a" * 50)
                                                for i in range(2000)] + [("Content-Length", 1)]),
        "/garbage": b"garbage\r\n\r\n",
        "/bad-length": _response("200 OK", b"x", [("Content-Length", "many")]),
        "/bad-chunk": _response("200 OK", b"zz\r\nx", [("Transfer-Encoding", "chunked")]),
        "/silent": b"",
        "/stall": (Canned.HOLD,),
        "/stall-body": (_response("200 OK", big[:1000], [("Content-Length", BIG)]),
                        Canned.HOLD),
    })
    yield dict(servers, big=big, ca=ca, closed=free_port())
    for s in servers.values():
        s.stop()


@pytest.fixture
def wsim(sim, net):
    """The simulator with the test CA as /etc/ca.pem."""
    sim.write("/etc/ca.pem", net["ca"].pem)
    return sim


def url(net, server, path):
    s = net[server]
    return s.url() + path if isinstance(s, Server) else s.url(path)


def leftovers(sim):
    """Temporary files left anywhere on the flash."""
    return [p for p in sim.flash.rglob("*.part")]


def one_line(err):
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


# Normal use


@pytest.mark.parametrize("server", ["http", "https"])
def test_downloads_a_big_binary_file_byte_exact(wsim, net, server):
    r = wsim.run("wget %s" % url(net, server, "/big.bin"))
    assert r.status == 0 and r.err == "", r
    assert r.out == "big.bin: 200K saved\n"
    assert wsim.path("/big.bin").read_bytes() == net["big"]
    assert leftovers(wsim) == []


def test_output_file_names(wsim, net):
    base = url(net, "http", "")
    r = wsim.run("mkdir /d", "cd /d",
                 "wget -O a.bin %s/big.bin" % base,             # -O before the URL
                 "wget %s/big.bin -O /d/b.bin -q" % base,       # options after it
                 "wget '%s/text.txt?x=1&y=2'" % base,             # query left out
                 "wget %s/empty#part" % base,                   # fragment never sent
                 "wget %s" % url(net, "canned", "/"),           # no name: index.html
                 "ls", "cat index.html")
    assert r.status == 0 and r.err == "", r
    assert r.out.splitlines() == [
        "a.bin: 200K saved", "text.txt: 14K saved", "empty: 0 saved", "index.html: 14 saved",
        "a.bin", "b.bin", "empty", "index.html", "text.txt", "<h1>home</h1>"]
    for name in ("a.bin", "b.bin"):
        assert wsim.path("/d/" + name).read_bytes() == net["big"]
    assert wsim.path("/d/text.txt").read_text() == TEXT
    assert wsim.path("/d/empty").read_bytes() == b""
    assert "/empty" in net["http"].requests and "/text.txt" in net["http"].requests


def test_replaces_an_existing_file(wsim, net):
    wsim.write("/big.bin", b"old")
    r = wsim.run("wget %s" % url(net, "https", "/big.bin"))
    assert r.status == 0, r
    assert wsim.path("/big.bin").read_bytes() == net["big"]


def test_dash_o_dash_prints_the_body(wsim, net):
    r = wsim.run("wget -O - %s" % url(net, "https", "/text.txt"))
    assert r.status == 0 and r.err == "", r
    assert r.out == TEXT
    r = wsim.run("wget %s -O - | grep -c wörld" % url(net, "http", "/text.txt"))
    assert r.out == "400\n" and r.status == 0, r
    assert leftovers(wsim) == []


def test_dash_o_dash_refuses_binary(wsim, net):
    r = wsim.run("wget -O - %s" % url(net, "http", "/big.bin"))
    assert r.status == 1, r
    assert "not a text file" in one_line(r.err)


def test_at_the_terminal(board, net):
    board.path("/etc/ca.pem").write_bytes(net["ca"].pem)
    out = board.run("wget -O - %s" % url(net, "canned", "/"))
    assert out == "<h1>home</h1>\n"
    out = board.run("wget %s; echo status=$?" % url(net, "https", "/big.bin"))
    assert out == "big.bin: 200K saved\nstatus=0\n"
    assert board.path("/big.bin").read_bytes() == net["big"]


# Redirects and transfer encodings


@pytest.mark.parametrize("server", ["http", "https"])
def test_redirects_keep_the_name_asked_for(wsim, net, server):
    r = wsim.run("wget %s" % url(net, server, "/latest"),          # 302, relative
                 "wget %s -O up.txt" % url(net, server, "/dir/up"))  # 302, absolute path
    assert r.status == 0 and r.err == "", r
    assert wsim.path("/latest").read_bytes() == net["big"]
    assert wsim.path("/up.txt").read_text() == TEXT


def test_301_with_a_relative_location(wsim, net):
    r = wsim.run("wget %s" % url(net, "canned", "/docs/old"))
    assert r.status == 0 and r.out == "old: 4 saved\n", r
    assert wsim.path("/old").read_bytes() == b"new\n"


def test_redirect_loops_and_downgrades_are_refused(wsim, net):
    r = wsim.run("wget %s" % url(net, "http", "/loop"))
    assert r.status == 1 and "too many redirects" in one_line(r.err), r
    r = wsim.run("wget %s" % url(net, "https", "/down"))
    assert r.status == 1 and "refusing redirect from https" in one_line(r.err), r
    assert not wsim.path("/loop").exists() and not wsim.path("/down").exists()


@pytest.mark.parametrize("server", ["http", "https"])
def test_chunked_transfer_encoding(wsim, net, server):
    r = wsim.run("wget %s" % url(net, server, "/chunked.bin"))
    assert r.status == 0 and r.out == "chunked.bin: 2.9K saved\n", r
    assert wsim.path("/chunked.bin").read_bytes() == net["big"][:3000]


def test_body_without_a_length_ends_with_the_connection(wsim, net):
    r = wsim.run("wget %s" % url(net, "canned", "/unsized"))
    assert r.status == 0 and r.out == "unsized: 4.9K saved\n", r
    assert wsim.path("/unsized").read_bytes() == net["big"][:5000]


def test_a_header_in_another_charset(wsim, net):
    r = wsim.run("wget %s" % url(net, "canned", "/latin1"))
    assert r.status == 0 and r.out == "latin1: 3 saved\n", r
    assert wsim.path("/latin1").read_bytes() == b"ok\n"


# HTTPS refusals


@pytest.mark.parametrize("server, why", [
    ("wrong_host", "does not match"),
    ("unknown_ca", "not correctly signed by the trusted CA"),
    # mbedtls gives a line per reason: one line here
    ("both", "does not match with the expected CN; The certificate is not correctly signed"),
])
def test_untrusted_certificates_are_refused(wsim, net, server, why):
    wsim.write("/x.bin", b"mine")
    r = wsim.run("wget %s -O x.bin" % url(net, server, "/big.bin"))
    assert r.status == 1, r
    line = one_line(r.err)
    assert line.startswith("wget: localhost:%d: " % net[server].port) and why in line
    assert r.out == ""
    assert wsim.path("/x.bin").read_bytes() == b"mine"
    assert leftovers(wsim) == []


def test_https_without_a_ca_bundle_is_refused(wsim, net):
    wsim.path("/etc/ca.pem").unlink()
    r = wsim.run("wget %s" % url(net, "https", "/big.bin"))
    assert r.status == 1, r
    assert one_line(r.err).startswith("wget: CA bundle /etc/ca.pem: ")
    assert not wsim.path("/big.bin").exists()


# Failures leave no file and the old one untouched


@pytest.mark.parametrize("server, path, why", [
    ("http", "/nothere.bin", "404 Not Found"),
    ("https", "/nothere.bin", "404 Not Found"),
    ("canned", "/error", "500 Internal Server Error"),
])
def test_http_errors(wsim, net, server, path, why):
    r = wsim.run("wget %s" % url(net, server, path))
    assert r.status == 1 and r.out == "", r
    assert one_line(r.err) == "wget: %s: %s" % (url(net, server, path), why)
    name = path.rsplit("/", 1)[1]
    assert not wsim.path("/" + name).exists()
    wsim.write("/" + name, b"keep me")
    r = wsim.run("wget %s" % url(net, server, path))
    assert r.status == 1, r
    assert wsim.path("/" + name).read_bytes() == b"keep me"
    assert leftovers(wsim) == []


@pytest.mark.parametrize("server, path", [
    ("http", "/drop/big.bin"),
    ("https", "/drop/big.bin"),
    ("canned", "/short"),
])
def test_a_body_cut_short_keeps_the_old_file(wsim, net, server, path):
    name = path.rsplit("/", 1)[1]
    wsim.write("/" + name, b"keep me")
    r = wsim.run("wget %s" % url(net, server, path))
    assert r.status == 1 and r.out == "", r
    assert "connection closed before the end of the body" in one_line(r.err)
    assert wsim.path("/" + name).read_bytes() == b"keep me"
    assert leftovers(wsim) == []


@pytest.mark.parametrize("path, why", [
    ("/long-line", "header line too long"),
    ("/big-head", "response head too large"),
    ("/garbage", "not an HTTP response"),
    ("/bad-length", "bad Content-Length"),
    ("/bad-chunk", "bad chunk size"),
    ("/silent", "connection closed early"),
])
def test_broken_responses(wsim, net, path, why):
    name = path[1:]
    wsim.write("/" + name, b"keep me")
    r = wsim.run("wget %s" % url(net, "canned", path))
    assert r.status == 1 and r.out == "", r
    assert one_line(r.err) == "wget: %s: %s" % (url(net, "canned", path), why)
    assert wsim.path("/" + name).read_bytes() == b"keep me"
    assert leftovers(wsim) == []


def test_a_stalled_server_times_out(wsim, net):
    wsim.write("/stall-body", b"keep me")
    r = wsim.run("wget -T 1 %s" % url(net, "canned", "/stall"), "echo $?",
                 "wget %s -T 1" % url(net, "canned", "/stall-body"), "echo $?",
                 # a TLS handshake nobody answers
                 "wget -T 1 https://127.0.0.1:%d/stall" % net["canned"].port)
    assert r.status == 1, r
    assert r.out == "1\n1\n"
    lines = r.err.splitlines()
    assert len(lines) == 3 and all(line.endswith(": timed out") for line in lines), r.err
    assert not wsim.path("/stall").exists()
    assert wsim.path("/stall-body").read_bytes() == b"keep me"
    assert leftovers(wsim) == []


def test_ctrl_c_mid_download_keeps_the_old_file(board, net):
    board.path("/stall-body").write_bytes(b"keep me")
    part = board.path("/stall-body.part")
    board.send("wget %s -T 30\r" % url(net, "canned", "/stall-body"))
    deadline = time.monotonic() + 10
    while not (part.exists() and part.stat().st_size):
        assert time.monotonic() < deadline, "the download never started"
        time.sleep(0.05)
    board.send("\x03")
    board.read_to_prompt()
    assert board.run("echo $?") == "130\n"
    assert board.path("/stall-body").read_bytes() == b"keep me"
    assert not part.exists()


def test_unreachable_servers(wsim, net):
    r = wsim.run("wget http://127.0.0.1:%d/x.bin" % net["closed"])
    assert r.status == 1, r
    assert one_line(r.err) == "wget: 127.0.0.1:%d: connection refused" % net["closed"]
    r = wsim.run("wget http://no-such-host.invalid/x.bin")
    assert r.status == 1, r
    assert one_line(r.err) == "wget: no-such-host.invalid: host not found"
    assert not wsim.path("/x.bin").exists()


# Bad input


@pytest.mark.parametrize("args, message", [
    ("", "no URL given"),
    ("-z http://h/x", "unknown option -z"),
    ("http://h/x -z", "unknown option -z"),
    ("http://h/x -O", "option -O needs a value"),
    ("http://h/x http://h/y", "extra operand http://h/y"),
    ("-T soon http://h/x", "soon: not a number of seconds"),
    ("-T 0 http://h/x", "-T takes a number of seconds from 1"),
    ("ftp://h/x", "ftp://h/x: not an http:// or https:// URL"),
    ("h/x", "h/x: not an http:// or https:// URL"),
    ("http:///x", "http:///x: no host"),
    ("http://h:port/x", "http://h:port/x: bad port"),
])
def test_usage_errors(wsim, args, message):
    r = wsim.run("wget " + args)
    assert r.status == 2 and r.out == "", r
    assert r.err.splitlines() == ["wget: " + message, "usage: " + USAGE_LINE]


def test_system_files_and_folders_are_not_overwritten(wsim, net):
    main = wsim.path("/main.py").read_bytes()
    base = url(net, "http", "")
    r = wsim.run("wget %s/big.bin -O /main.py" % base, "echo $?",
                 "wget %s/big.bin -O /./lib/../lib/x.py" % base, "echo $?",
                 "cd /lib", "wget %s/big.bin" % base, "echo $?",
                 "cd /", "mkdir big.bin", "wget %s/big.bin" % base)
    assert r.status == 1 and r.out == "1\n1\n1\n", r
    assert r.err.splitlines() == [
        "wget: /main.py: part of the system",
        "wget: /./lib/../lib/x.py: part of the system",
        "wget: big.bin: part of the system",
        "wget: big.bin: Is a directory"]
    assert wsim.path("/main.py").read_bytes() == main
    assert not wsim.path("/lib/x.py").exists() and not wsim.path("/lib/big.bin").exists()
    assert wsim.path("/big.bin").is_dir()
    assert leftovers(wsim) == []


def test_a_folder_that_is_not_there(wsim, net):
    r = wsim.run("wget %s -O /nowhere/x.bin" % url(net, "http", "/big.bin"))
    assert r.status == 1, r
    assert one_line(r.err) == "wget: /nowhere/x.bin: No such file or directory"
    assert leftovers(wsim) == []


def test_help(wsim):
    r = wsim.run("wget --help")
    assert r.status == 0 and r.out.startswith("usage: " + USAGE_LINE), r
    assert "-O -" in r.out


# TLS buffers come from the Python heap on the unix port (from the system's
# on an ESP32): HTTPS needs a bigger one here.
@pytest.mark.parametrize("server, heap", [("http", "100K"), ("https", "128K")])
def test_small_heap(compiled_sim, net, server, heap):
    """The compiled tree in a small heap downloads 200 KB: nothing holds
    the body in memory."""
    compiled_sim.write("/etc/ca.pem", net["ca"].pem)
    done = compiled_sim(["wget %s" % url(net, server, "/big.bin"), "echo status=$?"],
                        heap=heap, timeout=30)
    assert done.stdout.endswith("big.bin: 200K saved\nstatus=0\n"), done
    assert compiled_sim.path("/big.bin").read_bytes() == net["big"]
