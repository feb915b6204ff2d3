"""uhttpd's GET /metrics, Prometheus's text exposition format, against a
real client on the loopback (http.client): the text parsed line by line
as Prometheus reads it, the API's login asked for it, other methods
refused. The host's side, `munix fleet metrics`, is in test_fleet.py.
"""
import base64
import http.client

import pytest

from conftest import PASSWORD, USER, DaemonBoard
from prom_support import parse, value
from munixtool import boards
from munixtool import sim as simulator

TIMEOUT = 10
# A job's thread leaves an ESP32 without PSRAM too little heap for uhttpd's
# requests (/api/sys, /api/dash as /metrics; test_web_api.py).
BOARD = simulator.board_name()
needs_psram = pytest.mark.skipif(BOARD is not None and not boards.get(BOARD).psram,
                                 reason="needs PSRAM on a board")
BASIC = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
TYPE = "text/plain; version=0.0.4; charset=utf-8"


class MetricsBoard(DaemonBoard):
    SECTION, COMMAND = "http", "uhttpd"

    def request(self, method, path="/metrics", body=None, headers=None):
        """(status, response, body bytes) of one request on a connection of its own."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        c.request(method, path, body, dict(headers or {}))
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, r, data


@pytest.fixture
def web(flash):
    b = MetricsBoard(flash)
    yield b
    b.close()


def scrape(web):
    status, r, data = web.request("GET", headers={"Authorization": BASIC})
    assert status == 200, data
    assert r.getheader("Content-Type") == TYPE
    assert int(r.getheader("Content-Length")) == len(data)
    return parse(data.decode())


def test_metrics_in_the_text_format(web):
    families = scrape(web)
    assert families["munix_uptime_seconds"]["type"] == "gauge"
    info = families["munix_info"]["samples"]
    assert len(info) == 1 and info[0][1] == 1
    assert info[0][0]["version"] == "0.1.0" and info[0][0]["micropython"].startswith("1.")
    assert set(info[0][0]) == {"version", "micropython", "board", "hostname"}
    free, used = value(families, "munix_heap_free_bytes"), value(families, "munix_heap_used_bytes")
    assert free > 0 and used > 0
    # What df says of / (the rp2040's flash is full after boot: its 848 KiB
    # hold the compiled tree's files in 4 KiB blocks, README); the default
    # board's is the filesystem of the test's folder, which others write to
    # meanwhile. Not df's last line: on the default board that is /rom's,
    # the checkout's filesystem, which was /'s only while the tests'
    # folders were on the same disk.
    root = [line.split() for line in web.run("df").splitlines() if line.endswith(" /")]
    size, used = int(root[0][0]), int(root[0][1])
    assert value(families, "munix_flash_size_bytes") == size > 0
    assert abs(value(families, "munix_flash_free_bytes") - (size - used)) <= size // 100
    assert value(families, "munix_uptime_seconds") >= 0
    assert value(families, "munix_jobs") == 0
    assert value(families, "munix_processes") >= 2     # the shell, uhttpd
    assert value(families, "munix_daemon_sessions", daemon="http") == 1    # this request
    assert families["munix_http_requests_total"]["type"] == "counter"
    first = value(families, "munix_http_requests_total")
    assert first >= 1
    web.request("GET", "/nowhere")
    again = scrape(web)
    assert value(again, "munix_http_requests_total") == first + 2
    if simulator.board_name():
        # The simulated Wi-Fi's station gives -42 dBm.
        assert value(families, "munix_wifi_rssi_dbm") == -42
    else:
        assert "munix_wifi_rssi_dbm" not in families
    assert "munix_fleet_connected" not in families      # fleetd does not run
    # What the status line says, as counters.
    web.request("POST", "/api/login", b'{"user": "%s", "password": "%s"}' % (USER.encode(), PASSWORD.encode()),
                {"X-Requested-With": "munix", "Content-Type": "application/json"})
    assert value(scrape(web), "munix_daemon_events_total", daemon="http", event="logins") == 1
    assert "requests %d" % (first + 4) in web.run("uhttpd status")


@needs_psram
def test_metrics_count_the_jobs(web):
    web.run("sleep 30 &")
    families = scrape(web)
    assert value(families, "munix_jobs") == 1
    assert value(families, "munix_threads") >= 1        # the job's


def test_metrics_need_the_login(web):
    status, r, data = web.request("GET")
    assert status == 401 and r.getheader("WWW-Authenticate") == 'Basic realm="munix"'
    assert data == b'{"error": "login needed (HTTP Basic)"}'
    wrong = "Basic " + base64.b64encode(b"alice:nope").decode()
    status, r, data = web.request("GET", headers={"Authorization": wrong})
    assert status == 401 and b"munix_" not in data
    status, r, data = web.request("GET", headers={"Authorization": "Bearer x"})
    assert status == 401 and b"munix_" not in data
    # A browser's session cookie does as for the API.
    status, r, data = web.request("POST", "/api/login", b'{"user": "%s", "password": "%s"}' % (
        USER.encode(), PASSWORD.encode()), {"X-Requested-With": "munix", "Content-Type": "application/json"})
    assert status == 200
    cookie = r.getheader("Set-Cookie").split(";", 1)[0]
    status, r, data = web.request("GET", headers={"Cookie": cookie})
    assert status == 200 and b"munix_heap_free_bytes " in data
    status, r, data = web.request("GET", headers={"Cookie": "munix_session=" + "0" * 32})
    assert status == 401 and b"munix_" not in data


def test_metrics_fail_closed_when_the_password_file_goes(web):
    assert web.request("GET", headers={"Authorization": BASIC})[0] == 200
    web.flash.joinpath("etc", "shadow").unlink()
    # The login remembered held while the user's line was as checked.
    status, r, data = web.request("GET", headers={"Authorization": BASIC})
    assert status == 401 and b"munix_" not in data


def test_metrics_open_when_the_api_is(flash):
    b = MetricsBoard(flash, password=False, start=False)
    try:
        assert "listening" in b.run("uhttpd -i start")
        status, r, data = b.request("GET")
        assert status == 200 and "munix_uptime_seconds" in parse(data.decode())
    finally:
        b.close()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_metrics_bad_method(web, method):
    status, r, data = web.request(method, headers={"Authorization": BASIC, "Content-Length": "0"})
    assert status == 405 and r.getheader("Allow") == "GET, HEAD"
    assert data == b'{"error": "only GET here"}'


def test_metrics_head(web):
    status, r, data = web.request("HEAD", headers={"Authorization": BASIC})
    assert status == 200 and data == b"" and r.getheader("Content-Type") == TYPE
    assert int(r.getheader("Content-Length")) > 500
    # Still the board's: /metrics/x and /metricsx are static paths.
    assert web.request("GET", "/metrics/x")[0] == 404
    assert web.request("GET", "/metricsx")[0] == 404
