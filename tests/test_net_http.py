"""The HTTP daemon, uhttpd, against real clients on the loopback: Python's
http.client and curl, and hostile ones (garbage, huge lines and headers,
silent and slow connections, wrong passwords, path escapes, floods).

Each test boots the OS in a pseudo-terminal with the daemon on a port of
its own (written into /etc/system.conf before the boot) and a password set
in /etc/shadow.
"""
import collections
import base64
import http.client
import json
import re
import shutil
import socket
import subprocess
import threading
import time

import pytest

from conftest import (FILL_HEAP, HEAP_HOG, LET_GO, PASSWORD, USER, Board, DaemonBoard, admission_heap,
                      held_heap, seed_flash, shadow_line)
from munixtool import boards
from munixtool import sim as simulator

TIMEOUT = 10
BASIC = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()


class HttpBoard(DaemonBoard):
    """The OS in a pseudo-terminal, uhttpd started on a port of its own,
    serving /www/hello.txt and /www/docs/index.html."""

    SECTION, COMMAND = "http", "uhttpd"

    def settings(self):
        return {"idle_s": 5}

    def prepare(self, flash):
        (flash / "www" / "hello.txt").write_text("hello, world\n")
        (flash / "www" / "docs").mkdir()
        (flash / "www" / "docs" / "index.html").write_text("<p>docs</p>\n")

    def conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)

    def request(self, method, path, body=None, headers=None, login=True):
        """(status, headers, body) of one request on a connection of its own."""
        c = self.conn()
        h = dict(headers or {})
        if login:
            h["Authorization"] = BASIC
        if method == "POST":
            h.setdefault("Content-Type", "application/json")
        c.request(method, path, body, h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, r, data

    def api(self, method, path, body=None, **kw):
        status, r, data = self.request(method, "/api" + path, body, **kw)
        assert r.getheader("Content-Type") == "application/json", data
        return status, json.loads(data)

    def raw(self):
        return socket.create_connection(("127.0.0.1", self.port), timeout=TIMEOUT)


@pytest.fixture
def web(flash):
    b = HttpBoard(flash)
    yield b
    b.close()


def read_all(sock):
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, ConnectionError):
            break
        if not chunk:
            break
        data += chunk
    return data


def assert_refused(web, request, why):
    """request, sent whole on a connection of its own, gets one answer: 400."""
    s = web.raw()
    s.sendall(request)
    answer = read_all(s)
    s.close()
    assert answer.split(b"\r\n", 1)[0] == b"HTTP/1.1 400 Bad Request", (why, answer)
    assert answer.count(b"HTTP/1.1") == 1, answer


# Static files

def test_static_files_with_http_client(web):
    c = web.conn()
    # index.html, kept alive for several requests on one connection.
    c.request("GET", "/")
    r = c.getresponse()
    page = r.read()
    assert r.status == 200 and r.getheader("Content-Type") == "text/html; charset=utf-8"
    assert page == web.flash.joinpath("www", "index.html").read_bytes()
    assert int(r.getheader("Content-Length")) == len(page)
    c.request("GET", "/hello.txt")
    r = c.getresponse()
    assert r.read() == b"hello, world\n"
    assert r.getheader("Content-Type") == "text/plain; charset=utf-8"
    etag, modified = r.getheader("ETag"), r.getheader("Last-Modified")
    assert etag and modified.endswith(" GMT")
    # The client's copy is fresh: 304, by ETag or by date.
    for h in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        c.request("GET", "/hello.txt", headers=h)
        r = c.getresponse()
        assert r.status == 304 and r.read() == b""
    c.request("GET", "/hello.txt", headers={"If-None-Match": '"other"'})
    r = c.getresponse()
    assert r.status == 200 and r.read() == b"hello, world\n"
    # HEAD: the headers alone.
    c.request("HEAD", "/hello.txt")
    r = c.getresponse()
    assert r.status == 200 and r.getheader("Content-Length") == "13" and r.read() == b""
    # A folder: redirected to its / form, then its index.html.
    c.request("GET", "/docs")
    r = c.getresponse()
    r.read()
    assert r.status == 301 and r.getheader("Location") == "/docs/"
    c.request("GET", "/docs/?x=1")
    r = c.getresponse()
    assert r.read() == b"<p>docs</p>\n"
    c.close()


def test_the_types_of_the_files_served_are_no_names(web):
    """Content-Type comes from the extension; the table of them held some
    20 short strings, each a name the board interned for good with the
    first file served, where the pool of names is what runs out (the esp32
    profile, tests/test_names.py)."""
    for name, kind in (("a.css", "text/css"), ("b.png", "image/png"), ("c.JPEG", "image/jpeg"),
                       ("d.html", "text/html; charset=utf-8"), ("e.xml", "application/xml"),
                       ("f.unknown", "application/octet-stream"), ("g", "application/octet-stream"),
                       ("h.css x", "application/octet-stream")):
        web.flash.joinpath("www", name).write_text("x")
        status, r, data = web.request("GET", "/" + name.replace(" ", "%20"))
        assert (status, r.getheader("Content-Type"), data) == (200, kind, b"x"), name
    dump = web.run("> import micropython; micropython.qstr_info(1)")
    # Not image/jpeg: the camera's pictures (camweb) name it on the esp32cam.
    interned = [n for n in ("text/css", "image/png", "image/gif", "wasm", "jpeg", "ico")
                if "Q(%s)" % n in dump.splitlines()]
    assert interned == []


def test_static_errors_and_escapes(web):
    for path in ("/nope", "/../etc/shadow", "/%2e%2e/etc/shadow", "/..%2f..%2fetc/init.sh",
                 "//etc/init.sh", "/docs/../../lib/kernel.py"):
        status, r, data = web.request("GET", path, login=False)
        assert status == 404, path
        assert json.loads(data)["error"].startswith("not found: ")
    status, r, data = web.request("POST", "/hello.txt", b"x", login=False)
    assert status == 405 and r.getheader("Allow") == "GET, HEAD"
    status, r, data = web.request("GET", "/a%00b", login=False)
    assert status == 400


def test_curl(web, tmp_path):
    if not shutil.which("curl"):
        pytest.skip("no curl")

    def curl(*args):
        return subprocess.run(["curl", "-sS", "--max-time", str(TIMEOUT), *args],
                              capture_output=True, timeout=TIMEOUT + 5)

    base = "http://127.0.0.1:%d" % web.port
    assert curl(base + "/hello.txt").stdout == b"hello, world\n"
    # Two files on one connection: curl reuses it (keep-alive).
    done = curl("-v", base + "/hello.txt", base + "/docs/")
    assert done.stdout == b"hello, world\n<p>docs</p>\n"
    assert b"Re-using existing connection" in done.stderr
    # Upload, list, download, delete with the JSON API.
    up = tmp_path / "up.bin"
    up.write_bytes(bytes(range(256)) * 100)
    auth = ["-u", "%s:%s" % (USER, PASSWORD)]
    done = curl(*auth, "-T", str(up), base + "/api/fs/tmp/up.bin")
    assert json.loads(done.stdout) == {"path": "/tmp/up.bin", "size": 25600}
    assert web.flash.joinpath("tmp", "up.bin").read_bytes() == up.read_bytes()
    assert curl(*auth, base + "/api/fs/tmp/up.bin").stdout == up.read_bytes()
    done = curl(*auth, "-X", "DELETE", base + "/api/fs/tmp/up.bin")
    assert json.loads(done.stdout) == {"deleted": "/tmp/up.bin"}
    as_json = ["-H", "Content-Type: application/json"]
    done = curl(*auth, *as_json, "-d", '{"cmd": "echo $((6 * 7))"}', base + "/api/run")
    assert json.loads(done.stdout) == {"status": 0, "output": "42\n", "truncated": False}
    done = curl(*auth, *as_json, "-d", '{"cmd": "echo bye; exit 42; echo not reached"}', base + "/api/run")
    assert json.loads(done.stdout) == {"status": 42, "output": "bye\n", "truncated": False}


# The JSON API

def test_api_needs_a_login(web):
    status, body = web.api("GET", "/sys", login=False)
    assert status == 401 and body == {"error": "login needed (HTTP Basic)"}
    status, r, _ = web.request("GET", "/api/sys", login=False)
    assert r.getheader("WWW-Authenticate") == 'Basic realm="munix"'
    wrong = "Basic " + base64.b64encode(b"alice:nope").decode()
    status, body = web.api("GET", "/sys", login=False, headers={"Authorization": wrong})
    assert status == 401 and body == {"error": "wrong user or password"}
    status, body = web.api("GET", "/sys", login=False, headers={"Authorization": "Basic %%%"})
    assert status == 401
    # The static files need none.
    assert web.request("GET", "/hello.txt", login=False)[0] == 200
    log = web.flash.joinpath("tmp", "net.log").read_text()
    assert "http: login failed for alice from 127.0.0.1" in log and "nope" not in log


def test_logins_fail_closed_without_a_password_file(web):
    """Only setauth -d opens the daemon: a password file that is gone,
    empty or unreadable refuses every login, also one checked a moment
    ago, and the console says why. Bytes that are not UTF-8 there gave 500
    to every request that carried a login."""
    assert web.api("GET", "/sys")[0] == 200
    shadow = web.flash / "etc" / "shadow"
    for damage in (shadow.unlink, lambda: shadow.write_text(""),
                   lambda: shadow.write_text("garbage\n"),
                   lambda: shadow.write_bytes(b"\xff\xfe:1:00:00\n"),
                   # A damaged first line is not a missing one: the one
                   # after it does not disable logins.
                   lambda: shadow.write_bytes(b"\xff\n# logins disabled\n")):
        damage()
        status, body = web.api("GET", "/sys")
        assert status == 401, (damage, body)
        status, body = web.api("POST", "/run", b'{"cmd": "echo hi"}')
        assert status == 401
    web.board.send("echo x\r")
    assert "no user in /etc/shadow: logins refused" in web.board.read_to_prompt()
    web.run("setauth -d")
    assert web.api("GET", "/sys", login=False)[0] == 200


def test_a_password_past_128_characters_is_refused_unhashed(web):
    """Hashing costs time with the password's length (1 KB: 3 to 5 s a
    guess on an ESP32): one longer than setauth takes is refused without
    being hashed, even the right one of an older file."""
    long = "p" * 1000
    (web.flash / "etc" / "shadow").write_text(shadow_line(USER, long))
    basic = "Basic " + base64.b64encode(("%s:%s" % (USER, long)).encode()).decode()
    assert web.api("GET", "/sys", login=False, headers={"Authorization": basic})[0] == 401


def test_a_blocked_address_gets_no_remembered_login(web):
    """HTTP remembers a checked login; while the address was blocked for
    its failures, a guess of the right password got in at once through
    that memory, the block notwithstanding."""
    assert web.api("GET", "/sys")[0] == 200
    wrong = "Basic " + base64.b64encode(("%s:nope" % USER).encode()).decode()
    for _ in range(5):      # the failures that block (auth's default)
        web.api("GET", "/sys", login=False, headers={"Authorization": wrong})
    assert web.api("GET", "/sys")[0] == 401


def test_a_changed_password_is_asked_at_once(web):
    assert web.api("GET", "/sys")[0] == 200
    (web.flash / "etc" / "shadow").write_text(shadow_line(USER, "another one"))
    assert web.api("GET", "/sys")[0] == 401
    other = "Basic " + base64.b64encode(("%s:another one" % USER).encode()).decode()
    assert web.api("GET", "/sys", login=False, headers={"Authorization": other})[0] == 200


def test_basic_is_case_insensitive_and_names_are_logged_escaped(web):
    lower = "basic " + BASIC.split(" ", 1)[1]
    assert web.api("GET", "/sys", login=False, headers={"Authorization": lower})[0] == 200
    forged = "Basic " + base64.b64encode(b"eve\n2026-01-01 00:00:00 forged:x").decode()
    assert web.api("GET", "/sys", login=False, headers={"Authorization": forged})[0] == 401
    log = web.flash.joinpath("tmp", "net.log").read_text()
    assert "\n2026-01-01 00:00:00 forged" not in log
    assert "eve\\x0a2026-01-01 00" in log
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d http: login failed for eve", log, re.M)
    # Unicode's line ends and C1 controls end a line in some viewers, and
    # bidi controls make it read backwards: escaped too.
    tricky = "mallory\u2028\u0085\u202ex\u2029\u2067\u061c".encode()
    web.api("GET", "/sys", login=False,
            headers={"Authorization": "Basic " + base64.b64encode(tricky + b":x").decode()})
    log = web.flash.joinpath("tmp", "net.log").read_text()
    assert "mallory\\u2028\\x85\\u202ex\\u2029\\u2067\\u061c from" in log, log


def test_api_sys(web):
    status, body = web.api("GET", "/sys")
    assert status == 200
    assert body["name"] == "munix" and body["network"]["address"] == "127.0.0.1"
    assert body["memory"]["total"] == body["memory"]["used"] + body["memory"]["free"]
    assert body["flash"]["free"] <= body["flash"]["total"]
    assert isinstance(body["uptime_s"], int)
    status, body = web.api("DELETE", "/sys")
    assert status == 405


def test_api_run(web):
    status, body = web.api("POST", "/run", json.dumps({"cmd": "cd /etc; pwd; ls nope"}))
    assert status == 200
    assert body == {"status": 1, "output": "/etc\nls: nope: No such file or directory\n",
                    "truncated": False}
    # Each request is a session of its own; input is empty.
    status, body = web.api("POST", "/run", json.dumps({"cmd": "pwd; cat -"}))
    assert body["output"] == "/\n" and body["status"] == 0
    status, body = web.api("POST", "/run", json.dumps({"cmd": "seq 10000 19999"}))
    # 16 KiB, or an eighth of the heap free on a small board.
    assert body["truncated"] is True, body
    assert len(body["output"]) == 16384 or 0 < len(body["output"]) < 16384 and simulator.board_name()
    for bad in (b"not json", b"[1]", b'{"cmd": 3}', b"{}"):
        status, body = web.api("POST", "/run", bad)
        assert status == 400 and body == {"error": 'expected a JSON object {"cmd": "..."}'}
    status, body = web.api("POST", "/run", b"x" * 5000)
    assert status == 413
    status, body = web.api("GET", "/run")
    assert status == 405
    status, body = web.api("GET", "/nothing")
    assert status == 404 and body == {"error": "no such API: /api/nothing"}


def test_api_fs(web):
    status, body = web.api("GET", "/fs/etc")
    assert status == 200 and body["path"] == "/etc"
    assert {"name": "init.sh", "type": "file",
            "size": web.flash.joinpath("etc", "init.sh").stat().st_size} in body["entries"]
    assert "shadow" not in [e["name"] for e in body["entries"]]
    status, r, data = web.request("GET", "/api/fs/etc/init.sh")
    assert data == web.flash.joinpath("etc", "init.sh").read_bytes()
    assert web.api("GET", "/fs/etc/shadow")[0] == 403
    assert web.api("GET", "/fs/no/such")[0] == 404
    # Upload: new (201), replaced (200); folders and protected paths refused.
    assert web.api("PUT", "/fs/tmp/a.txt", b"one")[0] == 201
    assert web.api("PUT", "/fs/tmp/a.txt", b"two!")[1] == {"path": "/tmp/a.txt", "size": 4}
    assert web.flash.joinpath("tmp", "a.txt").read_bytes() == b"two!"
    assert web.api("PUT", "/fs/tmp", b"x")[0] == 400
    assert web.api("PUT", "/fs/nofolder/a.txt", b"x")[0] == 404
    # .mpy on board profiles; beside a pack (rp2040), /lib holds what mounts it.
    kernel = min(web.flash.joinpath("lib").glob("*.*"))
    paths = ["/main.py", "/lib/" + kernel.name, "/etc/shadow", "/"]
    if web.flash.joinpath("munix.romfs").exists():
        paths.append("/munix.romfs")
    for path in paths:
        status, body = web.api("PUT", "/fs" + path, b"x")
        assert status == 403, path
        assert web.api("DELETE", "/fs" + path)[0] == 403
    assert kernel.read_bytes() != b"x"
    # Escapes stay on the board.
    assert web.api("GET", "/fs/../../../etc/shadow")[0] == 404      # /www/etc/shadow
    assert web.api("GET", "/fs/%2e%2e/%2e%2e/etc/shadow")[0] == 404
    # Delete: files, empty folders; not a full one.
    assert web.api("DELETE", "/fs/tmp/a.txt")[0] == 200
    assert not web.flash.joinpath("tmp", "a.txt").exists()
    assert web.api("DELETE", "/fs/tmp/a.txt")[0] == 404
    assert web.api("DELETE", "/fs/www")[0] == 400
    assert web.api("PATCH", "/fs/tmp/x")[0] == 405


def test_an_interrupted_upload_keeps_the_old_file(web):
    web.flash.joinpath("tmp", "keep.txt").write_text("old")
    s = web.raw()
    s.sendall(b"PUT /api/fs/tmp/keep.txt HTTP/1.1\r\nAuthorization: " + BASIC.encode()
              + b"\r\nContent-Length: 1000\r\n\r\n" + b"n" * 400)
    time.sleep(0.3)
    s.close()
    assert web.api("GET", "/sys")[0] == 200
    assert web.flash.joinpath("tmp", "keep.txt").read_text() == "old"

    def kept():
        return [p.name for p in web.flash.joinpath("tmp").iterdir() if p.name.startswith("keep")]
    # The upload's client has gone, which the board learns at its next
    # pass over that connection: a request answered meanwhile may be
    # answered first.
    deadline = time.monotonic() + TIMEOUT
    while kept() != ["keep.txt"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert kept() == ["keep.txt"]
    status, body = web.api("PUT", "/fs/tmp/keep.txt", b"x" * 2000)
    assert status == 200 and body["size"] == 2000


def test_upload_limit(flash):
    b = HttpBoard(flash, upload_max=1000)
    try:
        status, body = b.api("PUT", "/fs/tmp/big", b"x" * 1001)
        assert status == 413 and body == {"error": "body too large (1000 bytes at most)"}
        assert not b.flash.joinpath("tmp", "big").exists()
    finally:
        b.close()


# Life cycle

def test_start_stop_status(web):
    assert "already running" in web.run("uhttpd start")
    assert "http: listening on 127.0.0.1:%d" % web.port in web.run("uhttpd status")
    s = web.raw()
    s.sendall(b"GET /hello.txt HTTP/1.1\r\n\r\n")
    got = b""
    while b"hello, world" not in got:
        got += s.recv(4096)
    assert "stopped" in web.run("uhttpd stop")
    s.settimeout(TIMEOUT)
    assert read_all(s) == b""
    with pytest.raises(ConnectionRefusedError):
        web.raw()
    assert "not running" in web.run("uhttpd status; echo status=$?")
    assert "status=0" in web.run("uhttpd -q stop; echo status=$?")
    assert "listening" in web.run("uhttpd start")
    assert web.request("GET", "/hello.txt")[0] == 200


def test_open_without_passwords_only_with_i(flash):
    b = HttpBoard(flash, password=False, start=False)
    try:
        assert "no password set" in b.run("uhttpd start")
        assert "listening" in b.run("uhttpd -i start")
        assert b.api("GET", "/sys", login=False)[0] == 200
    finally:
        b.close()


def test_end_sh_stops_the_daemon(web):
    web.board.send("exit\r")
    web.board.expect("http: stopped")


# Hostile clients

def test_hostile_clients_leave_the_others_unharmed(web):
    answers = []
    for junk in (b"\x00\xff garbage \x01\r\n\r\n", b"GET / HTTP/1.1 extra\r\n\r\n",
                 b"GET /" + b"a" * 1_000_000 + b" HTTP/1.1\r\n\r\n",
                 b"GET / HTTP/1.1\r\n" + b"X-A: b\r\n" * 100 + b"\r\n",
                 b"GET / HTTP/1.1\r\nX: " + b"y" * 5000 + b"\r\n\r\n",
                 b"GET / HTTP/1.1\r\nno colon\r\n\r\n"):
        s = web.raw()
        try:
            s.sendall(junk)
        except ConnectionError:
            pass
        answers.append(read_all(s).split(b"\r\n", 1)[0])
        s.close()
    assert answers == [b"HTTP/1.1 400 Bad Request"] * 2 + [b"HTTP/1.1 413 Payload Too Large"] * 3 \
        + [b"HTTP/1.1 400 Bad Request"]
    # Half-open and slowloris connections are dropped (told 503 when a new
    # client takes their slot); the others go on.
    silent = web.raw()
    slow = web.raw()
    slow.sendall(b"GET /hello.txt HTTP/1.1\r\nX-")
    assert web.request("GET", "/hello.txt")[2] == b"hello, world\n"
    for s in (silent, slow):
        s.settimeout(15)
        assert read_all(s).split(b"\r\n", 1)[0] in (b"", b"HTTP/1.1 503 Service Unavailable")
        s.close()
    assert web.api("GET", "/sys")[0] == 200


def test_a_body_length_said_twice_or_not_in_digits_is_refused(web):
    """RFC 9112 6.3: a Content-Length that is not digits, or said twice,
    is refused (400) and the connection closed: read another way by a
    proxy in front of the board, it smuggles a second request in."""
    for head in (b"Content-Length: 3\r\nContent-Length: 30\r\n",
                 b"Content-Length: 3\r\nContent-Length: 3\r\n",
                 b"Content-Length: +3\r\n", b"Content-Length: 3 3\r\n",
                 b"Content-Length : 3\r\n"):
        assert_refused(web, b"POST /api/run HTTP/1.1\r\nAuthorization: " + BASIC.encode()
                       + b"\r\n" + head + b"\r\n{}\n", head)
    assert web.api("GET", "/sys")[0] == 200


def test_a_folders_redirect_never_carries_a_header_in_its_name(web):
    """A folder of /www named with CR LF in it (made over FTP) put a header
    of its own into the 301's Location."""
    (web.flash / "www" / "a\r\nSet-Cookie: x=1").mkdir()
    s = web.raw()
    s.sendall(b"GET /a%0D%0ASet-Cookie:%20x=1 HTTP/1.1\r\nConnection: close\r\n\r\n")
    answer = read_all(s)
    s.close()
    head = answer.split(b"\r\n\r\n", 1)[0]
    assert head.startswith(b"HTTP/1.1 301 ") and b"\r\nSet-Cookie" not in head, head
    assert b"\r\nLocation: /a%0D%0ASet-Cookie:%20x=1/\r\n" in head, head
    # A bare CR sent as it is in the request line: a line end to some
    # clients (Python's header parser among them); other control
    # characters, a vertical tab or a form feed, to others (splitlines).
    for sep in ("\r", "\x0b", "\x0c"):
        (web.flash / "www" / ("b%sSet-Cookie: x=1" % sep)).mkdir()
        s = web.raw()
        s.sendall(b"GET /b%sSet-Cookie:%%20x=1 HTTP/1.1\r\nConnection: close\r\n\r\n"
                  % sep.encode())
        answer = read_all(s)
        s.close()
        head = answer.split(b"\r\n\r\n", 1)[0]
        assert sep.encode() not in head.replace(b"\r\n", b""), head
        assert head.startswith(b"HTTP/1.1 400 "), head
    assert web.api("GET", "/sys")[0] == 200


def test_a_body_length_is_checked_whatever_the_request(web):
    """A Content-Length not in digits was refused only where a body was
    read: a GET passed with it, as with a chunked body, whose chunks a
    proxy in front of the board reads as a body and the board read as
    the next request."""
    for head in (b"Content-Length: abc\r\n", b"Content-Length: -1\r\n",
                 b"Content-Length: 1e3\r\n", b"Transfer-Encoding: chunked\r\n"):
        for target in (b"/hello.txt", b"/api/sys"):
            assert_refused(web, b"GET " + target + b" HTTP/1.1\r\nAuthorization: "
                           + BASIC.encode() + b"\r\n" + head + b"\r\n0\r\n\r\n", head)
    assert web.api("GET", "/sys")[0] == 200


def test_a_bare_cr_in_a_requests_head_is_refused(web):
    """RFC 9112 2.2: a CR not before LF ends a line for some proxies, not
    for the board, which read the Content-Length after it as part of
    another header's value: what the proxy passed on as a body, the board
    read as the next request."""
    inner = b"GET /api/sys HTTP/1.1\r\nAuthorization: " + BASIC.encode() + b"\r\n\r\n"
    assert_refused(web, b"GET /hello.txt HTTP/1.1\r\nX-A: b\rContent-Length: %d\r\n\r\n"
                   % len(inner) + inner, "bare CR")
    assert web.api("GET", "/sys")[0] == 200


def test_a_body_no_answer_reads_is_never_a_request(web):
    """A GET with a body: the answer reads none, and the body was read on
    the kept connection as a second request, which a proxy in front of
    the board never saw (RFC 9112 6.3: the body is the Content-Length's)."""
    inner = b"GET /api/sys HTTP/1.1\r\nAuthorization: " + BASIC.encode() + b"\r\n\r\n"
    for target in (b"/hello.txt", b"/api/sys"):
        s = web.raw()
        s.sendall(b"GET " + target + b" HTTP/1.1\r\nAuthorization: " + BASIC.encode()
                  + b"\r\nContent-Length: %d\r\n\r\n" % len(inner) + inner)
        answer = read_all(s)
        s.close()
        assert answer.startswith(b"HTTP/1.1 200 OK\r\n"), answer
        assert answer.count(b"HTTP/1.1 ") == 1, answer
    # A body of no length is none: the connection goes on.
    c = web.conn()
    for _ in range(2):
        c.request("GET", "/hello.txt", headers={"Content-Length": "0"})
        r = c.getresponse()
        assert r.status == 200 and r.read() == b"hello, world\n"
    c.close()


def test_fifty_connections_at_once(web):
    socks = []
    for _ in range(50):
        # Its request at once: a connection that has sent nothing for 3 s
        # gives its slot to a newer one, closed without an answer
        # (test_net_hostile), and under CI's load the fifty took that long
        # to open.
        s = web.raw()
        s.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
        socks.append(s)
    firsts = [read_all(s).split(b"\r\n", 1)[0] for s in socks]
    for s in socks:
        s.close()
    allowed = {b"HTTP/1.1 200 OK", b"HTTP/1.1 503 Service Unavailable"}
    if simulator.board_name():
        # Past a board's sockets (10 on an ESP32) a connection cannot even
        # be accepted to be told 503: it is closed unanswered.
        allowed.add(b"")
    assert set(firsts) <= allowed, collections.Counter(firsts)
    assert b"HTTP/1.1 200 OK" in firsts
    assert web.request("GET", "/hello.txt")[0] == 200


def test_clients_in_parallel(web):
    results = []

    def fetch():
        for _ in range(5):
            status, r, data = web.request("GET", "/hello.txt")
            results.append((status, data))

    threads = [threading.Thread(target=fetch) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 2)
    assert results == [(200, b"hello, world\n")] * 15


def test_api_run_leaves_no_parser_on_a_small_heap(web):
    """A line that needs the parser, run by /api/run on a board whose heap
    is low with uhttpd: the parser goes after it, as after a line at a
    prompt. It stayed, and under load the daemon found no 1 KiB block for
    its next requests (every one reset)."""
    name = simulator.board_name()
    if not name or boards.get(name).heap >= 256 * 1024:
        pytest.skip("the parser stays loaded on a large heap (lib/system.py, SMALL_HEAP)")
    # A program, run by a plain line: it loads no parser itself.
    web.flash.joinpath("tmp", "parserprobe.py").write_text(
        "import sys\ndef __main__(args):\n"
        "    print([m for m in ('shellparse', 'expansion') if m in sys.modules])\n")
    # The heap made low whatever the board's size (the rp2040's leaves the
    # parser room): 52 KiB free, which the line's parser takes below the
    # shell's 48 KiB mark. (What the console's lines loaded went before,
    # uhttpd running: on the rp2040, with core1's 14 KiB stack taken from
    # it, 40 KiB left the loop's parser too little, and from 45 to 47 KiB
    # the 1 KiB pieces held here left it a block of 256 bytes or none,
    # by how they fell: CI's rp2040 lane, 2026-11-26.)
    web.run("> import gc; gc.collect(); "
            "hold = [bytearray(1024) for _ in range(max(0, gc.mem_free() - 53248) // 1100)]")
    check = "/tmp/parserprobe"
    assert web.api("POST", "/run", json.dumps({"cmd": check}))[1]["output"] == "[]\n"
    status, body = web.api("POST", "/run", json.dumps({"cmd": "for i in 1 2; do echo $i; done"}))
    assert (status, body["output"]) == (200, "1\n2\n")
    assert web.api("POST", "/run", json.dumps({"cmd": check}))[1]["output"] == "[]\n"


def test_api_run_command_has_the_heap_of_the_code_it_does_not_need(web):
    """On a small heap uhttpd holds no code in sys.modules but httpd's
    while /api/run's command runs: the login's, the body's and the static
    files' modules went before it (httpd.py held them all, 13 KiB on the
    esp32 profile, with /api/run's own, which its running code keeps), and
    so did auth's (4 KiB more)."""
    if not simulator.board_name() or boards.get(simulator.board_name()).heap > 112 * 1024:
        pytest.skip("a heap this large keeps the modules requests loaded (httpd._KEEP_FREE)")
    web.flash.joinpath("tmp", "httpprobe.py").write_text(
        "import sys\ndef __main__(args):\n"
        "    print(sorted([m for m in sys.modules if m.startswith(('http', 'web', 'auth'))]))\n")
    assert web.request("GET", "/hello.txt", login=False)[::2] == (200, b"hello, world\n")
    status, body = web.api("POST", "/run", json.dumps({"cmd": "/tmp/httpprobe"}))
    assert (status, body["output"]) == (200, "['httpd']\n")


# What the daemon holds, read under netd's lock, which its clients' ends
# take: its sessions, whether the heap is roomy, and the modules of
# uhttpd's protocol loaded.
HELD_PROBE = """import sys
import netd
import system

def __main__(args):
    daemon = netd.get("http")
    with netd.lock:
        loaded = sorted([m for m in sys.modules if m.startswith(("http", "web"))])
        print(daemon.sessions, system.ROOMY_HEAP, loaded)
"""


@pytest.mark.parametrize("heap", [None, "384K"])
def test_the_daemons_code_goes_after_its_last_client(flash, heap):
    """uhttpd waiting for clients holds no code of its protocol: httpd and
    what its requests loaded go with the last client on a heap under 512
    KiB, and a second after it on a larger one (for clients that open a
    connection per request). Fails when the code is never dropped, or when
    a small heap keeps it after the last client."""
    if heap and simulator.board_name():
        pytest.skip("a board profile has its own heap")
    flash.joinpath("tmp", "heldprobe.py").write_text(HELD_PROBE)
    web = HttpBoard(flash, start=not heap)
    try:
        if heap:
            web.board.close()
            web.board = Board(flash, heap=heap)
            assert "listening on" in web.run("uhttpd start")

        def held():
            sessions, roomy, loaded = web.run("/tmp/heldprobe").strip().split(" ", 2)
            return int(sessions), roomy == "True", loaded

        for path in ("/hello.txt", "/api/sys"):
            assert web.request("GET", path)[0] == 200
        deadline = time.monotonic() + TIMEOUT
        sessions, roomy, loaded = held()
        while sessions and time.monotonic() < deadline:
            sessions, roomy, loaded = held()
        assert sessions == 0
        name = simulator.board_name()
        assert roomy == (heap is None and (not name or boards.get(name).heap >= 512 * 1024))
        if roomy:
            while loaded != "[]" and time.monotonic() < deadline:
                time.sleep(0.2)
                loaded = held()[2]
        assert loaded == "[]"
        assert web.request("GET", "/hello.txt")[::2] == (200, b"hello, world\n")
    finally:
        web.close()


def test_a_client_the_heap_cannot_take_is_closed_not_left_waiting(web):
    """uhttpd loads its protocol for a client after a quiet time: on a heap
    too full for it, that client was neither answered nor closed, and
    waited until its own timeout. It is closed at once now, and the next
    client, once the heap is back, is served. (The default board's heap is
    large enough that the client may be served instead.)"""
    held_heap(web, web.flash, 2000, 8)
    with socket.create_connection(("127.0.0.1", web.port), timeout=TIMEOUT) as s:
        s.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
        answer = b""
        try:
            # A client left waiting: socket.timeout, the failure.
            for chunk in iter(lambda: s.recv(65536), b""):
                answer += chunk
        except ConnectionResetError:
            pass
        except TimeoutError:
            # Failed so once on CI's esp32s3 lane, not met again on demand:
            # what the OS says then is the lead.
            log = web.flash.joinpath("tmp", "net.log")
            pytest.fail("left waiting %d s; ps: %r; net.log: %r" % (
                TIMEOUT, web.run("ps"), log.read_text() if log.exists() else None))
    assert answer == b"" or answer.startswith(b"HTTP/1.1 200 OK"), answer
    # Past the hog's time: with the heap full, `wait` itself fails.
    time.sleep(2)
    web.run("wait")
    assert web.request("GET", "/hello.txt")[0] == 200


def test_a_kept_connections_request_the_heap_has_no_room_for_waits_for_it(flash):
    """A kept connection's next request that found no room in the heap
    was closed unanswered, reset with its bytes unread: the connection
    still counted as answering the request before (and a head the heap
    had no room to make counted as sent), so the words made in advance
    for a full heap (503) were not sent. A GET now waits for room, as a
    telnet line or an FTP command does, and is served once the job that
    holds the heap lets go; and so does one whose bytes the heap has no
    room to read (told 503 at once, it failed one request in forty beside
    two telnet sessions running commands on the esp32 profile). The
    connection is kept 30 s: kept 5, it was once found closed under CI's
    load, the job slower to hold the heap than its idle time."""
    web = HttpBoard(flash, heap=admission_heap(), idle_s=30)
    try:
        request = b"GET /hello.txt HTTP/1.1\r\nHost: board\r\nAuthorization: %s\r\n\r\n" % BASIC.encode()
        with socket.create_connection(("127.0.0.1", web.port), timeout=TIMEOUT) as s:
            s.sendall(request)
            assert s.recv(4096).startswith(b"HTTP/1.1 200 OK")
            held_heap(web, flash, 1500, 1)
            s.sendall(request)
            answer = b""
            try:
                for chunk in iter(lambda: s.recv(4096), b""):
                    answer += chunk
                    if b"\r\n\r\n" in answer:
                        break
            except ConnectionResetError:
                pass
        assert answer.startswith(b"HTTP/1.1 200 OK\r\n"), answer
        time.sleep(2)
        web.run("wait")
        assert web.request("GET", "/hello.txt")[0] == 200
    finally:
        web.close()


def test_uhttpd_takes_clients_again_after_the_whole_heap_was_held(web):
    """asyncio's server task ended at the first MemoryError, its socket
    still listening, so that no new one could take the port: uhttpd said
    "listening" and answered nobody, for good. (A half-made wait on the
    heap's edge also crashed the runtime: the loop's poller was left an
    empty entry.)"""
    web.flash.joinpath("tmp", "hog.py").write_text(HEAP_HOG)
    web.run("/tmp/hog 2000 &")
    time.sleep(0.5)
    try:
        # The answer may wait for the hog to let go: on a 4 MiB heap
        # (esp32cam) its filling alone took seconds under CI's load, and
        # TIMEOUT ran out before the two held ones did; on the esp32s3's
        # 8 MiB, three times TIMEOUT once did too.
        with socket.create_connection(("127.0.0.1", web.port), timeout=TIMEOUT * 6) as s:
            s.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
            s.recv(100)
    except ConnectionResetError:
        pass
    except TimeoutError:
        # Unanswered once in CI (esp32c3 lane, not reproduced in 27 runs):
        # what the daemon and the jobs were then tells where it stood.
        raise AssertionError("no answer in %d s: %r" % (TIMEOUT * 6, web.run("uhttpd status; ps")))
    time.sleep(2)
    web.run("wait")
    assert web.request("GET", "/hello.txt")[0] == 200


def test_a_client_whose_protocol_finds_no_room_waits_for_it(flash):
    """Clients of every daemon at once on a small heap: the code of the
    protocol that came last found no room, and its client was closed
    unanswered (issue 27's scenario on the esp32 profile: the /api/run
    call). The client waits for room instead, and is answered once the
    heap has it: here a job holds all of it but 5 KiB for a second. (A
    small heap: a heap of 512 KiB or more takes clients in without asking;
    the default board passed only while its job had not filled its 2 MiB
    yet.)"""
    web = HttpBoard(flash, heap=admission_heap())
    try:
        web.run("sleep 2")      # uhttpd's code gone since its last client
        held_heap(web, flash, 1000, 5)
        assert web.request("GET", "/hello.txt")[::2] == (200, b"hello, world\n")
        web.run("wait")
    finally:
        web.close()


# Holds the heap but ARG1 KiB for ARG0 ms, then lets it go; says the KiB
# free at the start of the hold and at its end.
ROOM_HOG = """import gc, time

def __main__(args):
    spare = bytearray(int(args[1]) * 1024)
""" + FILL_HEAP + """    spare = None
    gc.collect()
    first = gc.mem_free()
    open("/tmp/hog.ready", "w").close()
    time.sleep_ms(int(args[0]))
    gc.collect()
    last = gc.mem_free()
""" + LET_GO + """    print(first // 1024, last // 1024)
"""


def test_a_client_waits_until_the_heap_has_room_for_it_and_the_console(tmp_path):
    """Clients of every daemon at once on the esp32 profile left 4 to 9 KiB
    of its heap free, and the console's next command failed. A client is
    taken in once the heap has room for its protocol's code and netd's
    _ROOM more: here a job holds all of it but 20 KiB for a second and a
    half; a request coming meanwhile waits, taking 2 or 3 KiB of what the
    job left free (uhttpd's code took 9 to 12 before, on the default board
    and the rp2040 profile), and is answered once the job lets go. (Not a
    block of 14 KiB asked by the job at the end: what the loop kept meanwhile
    may split the free piece, as it did once under CI's load.)"""
    heap = admission_heap(daemons_fit=False)
    flash = seed_flash(tmp_path / "flash", compiled=True)
    web = HttpBoard(flash, heap=heap)
    try:
        flash.joinpath("tmp", "hog.py").write_text(ROOM_HOG)
        web.run("/tmp/hog 1500 20 > /tmp/hog.out &")
        ready, said = flash / "tmp" / "hog.ready", flash / "tmp" / "hog.out"
        deadline = time.monotonic() + TIMEOUT
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        with socket.create_connection(("127.0.0.1", web.port), timeout=TIMEOUT) as s:
            s.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
            while not said.read_text() and time.monotonic() < deadline:
                time.sleep(0.05)
            first, last = [int(kib) for kib in said.read_text().split()]
            assert first - last < 6, (first, last)
            answer = read_all(s)
        assert answer.startswith(b"HTTP/1.1 200 OK") and answer.endswith(b"hello, world\n"), answer
        web.run("wait")
    finally:
        web.close()


def test_deep_nesting_under_concurrent_load(web):
    """200 levels of every kind of nesting, and a function and an `sh`
    script calling themselves, sent to /api/run by two clients
    at once while a third fetches files: each line refused in one line (300
    levels of $(( )) once crashed the runtime; two threads loading the
    same module at once, one got it half made), every client served."""
    lines = {"$((": "echo $((%s1%s))" % ("(" * 200, ")" * 200),
             "$(": "echo " + "$(echo " * 200 + "x" + ")" * 200,
             "(": "(" * 200 + "echo x" + ")" * 200,
             "if": "if true; then " * 200 + "echo x" + "; fi" * 200,
             "${": 'echo "%s"' % ("${x:-" * 200 + "x" + "}" * 200),
             "f()": "f() { for i in 1; do x=$(echo $i); done; f; }; f",
             "sh": "sh /tmp/nest.sh"}
    web.flash.joinpath("tmp", "nest.sh").write_text("for i in 1; do x=$(echo $i); done; sh /tmp/nest.sh\n")
    answers, files = [], []

    def run():
        for line in lines.values():
            try:
                status, body = web.api("POST", "/run", json.dumps({"cmd": line}))
                answers.append((status, body.get("output", body)))
            except Exception as e:  # reported with the others below
                answers.append((None, repr(e)))

    def fetch():
        for _ in range(10):
            try:
                files.append(web.request("GET", "/hello.txt")[::2])
            except Exception as e:  # reported with the others below
                files.append(repr(e))

    threads = [threading.Thread(target=run), threading.Thread(target=run),
               threading.Thread(target=fetch)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 4)
    assert len(answers) == 14 and len(files) == 10
    # A file's answer is whole or cut off, never another answer inside it
    # (a MemoryError after the head once added a 500 to the body); on a
    # board's heap it may be a whole error instead: a 500 (the esp32
    # profile ran out while reading the file) or the 503 of a client the
    # heap or the login slots had no room for (1 run in 40 on the esp32
    # profile, three at once: the two /api/run clients' lines held them).
    odd = [f for f in files if not (f == (200, b"hello, world\n") or isinstance(f, str)
                                    or simulator.board_name() and f[0] in (500, 503)
                                    and f[1].startswith(b'{"error": '))]
    assert not odd, odd
    for status, output in answers:
        if simulator.board_name() and status in (None, 500, 503):
            continue  # a board's heap: 37 KiB free on the esp32 profile with uhttpd
        assert status == 200, output
        if simulator.board_name() and "memory allocation failed" in output:
            # The heap ran out first (the stack holds more levels than it
            # did): nested scripts may each say so, a line each (CI, esp32),
            # and so may a command (echo), whose line then goes on, to the
            # shell's limit of nesting (CI, esp32).
            assert all(re.match(r"[\w.-]+: ", line)
                       and ("memory allocation failed" in line or " nested " in line)
                       for line in output.splitlines()), output
            continue
        assert output.count("\n") == 1 and output.startswith("sh: "), output
        if not simulator.board_name():
            # The shell's own limits come first in a thread, as on the
            # console: the runtime's came first, and an import made at its
            # limit crashed the simulator (once in a few runs).
            assert "nested deeper than" in output or "nested too deeply (limit 16)" in output, output
        # On a board, the shell's own words for a stack that ran out first
        # ("arithmetic nested too deeply for the stack") count too.
        assert ("nested deeper than" in output or "recursion" in output
                or "nested too deeply (limit 16)" in output
                or simulator.board_name() and ("memory allocation failed" in output
                                               or "nested too deeply" in output)), output
    if not simulator.board_name():
        assert files == [(200, b"hello, world\n")] * 10
    # Once the lines' shells have ended too: answered, one may still hold
    # the heap it parsed with (CI, esp32 profile: the next file's body
    # found none).
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and [
            row for row in web.run("ps").splitlines()[1:] if " http " in row and "uhttpd" not in row]:
        time.sleep(0.2)
    assert web.request("GET", "/hello.txt")[::2] == (200, b"hello, world\n")


def test_a_fork_bomb_through_api_run_is_bounded_and_killall_wins(web):
    """`f(){ f & f & }; f` posted four times: its jobs, which run on once
    the request is answered, wrote into that answer after it was measured
    (a body longer than its Content-Length) and the simulator crashed in 2
    of 4 tries. Each answer is whole, the jobs write to their logs once
    their request is answered, the thread limit bounds them and one
    killall ends them."""
    body = json.dumps({"cmd": "f(){ f & f & }; f"}).encode()
    outputs = []
    for _ in range(4):
        s = web.raw()
        s.sendall(b"POST /api/run HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: %s\r\n"
                  b"Content-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s"
                  % (BASIC.encode(), len(body), body))
        answer = read_all(s)
        s.close()
        head, _, data = answer.partition(b"\r\n\r\n")
        length = re.search(rb"\r\nContent-Length: (\d+)\r\n", head)
        assert length and int(length.group(1)) == len(data), answer
        assert head.startswith(b"HTTP/1.1 200 "), answer
        # 1 once the jobs of the requests before took every thread.
        assert json.loads(data)["status"] in (0, 1), answer
        outputs.append(json.loads(data)["output"])
    assert web.request("GET", "/hello.txt")[::2] == (200, b"hello, world\n")
    assert "alive" in web.run("echo alive")
    web.run("killall f")
    deadline = time.monotonic() + TIMEOUT
    while True:
        ps = web.run("ps")
        if not re.search(r" f$", ps, re.M):
            break
        assert time.monotonic() < deadline, ps
        time.sleep(0.5)
    if "[1] " in "".join(outputs):
        # What the jobs said once their request was answered: the bomb went
        # on until killall, each job starting two while threads were free.
        # Or, on a board whose one thread the request held, the jobs that
        # waited for it ended with the request's session, unrun.
        logs = "".join(p.read_text() for p in (web.flash / "tmp").glob("job*.log"))
        assert ("cannot start f in the background" in logs
                or "sh: f: not started: its session ended first" in logs), logs
    else:
        # The esp32 profile's heap, or the rp2040's one thread, held the
        # command itself and no job besides.
        assert simulator.board_name() and "no thread free" in outputs[0], outputs
    assert api_run_works(web)


def api_run_works(web):
    status, answer = web.api("POST", "/run", json.dumps({"cmd": "echo ok"}))
    return (status, answer) == (200, {"status": 0, "output": "ok\n", "truncated": False})


def test_every_status_the_daemon_answers_has_its_reason_phrase(web):
    """409 and 415 went out as 'HTTP/1.1 415 ', with no reason phrase."""
    status, r, _ = web.request("POST", "/api/run", b"cmd=ls", {"Content-Type": "text/plain"})
    assert (status, r.reason) == (415, "Unsupported Media Type")
    assert web.request("POST", "/api/fs/tmp/new", b'{"mkdir": true}')[0] == 201
    status, r, _ = web.request("POST", "/api/fs/tmp/new", b'{"mkdir": true}')
    assert (status, r.reason) == (409, "Conflict")
