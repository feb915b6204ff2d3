"""The web desktop's API on a board profile (`munix test --board NAME
tests/test_web_board.py`): a login works, and the terminal either works
or is refused before the upgrade with the reason (503: no thread, or not
heap enough for one), never a broken connection. On the default board the
whole API is tested by test_web_api.py."""
import json
import re

from conftest import PASSWORD, USER
from test_web_api import BASIC, PAGE, PROMPT, WebBoard, WebSocket, session_headers


def test_login_and_terminal(flash):
    b = WebBoard(flash)
    try:
        status, r, data = b.request("POST", "/api/login", {"user": USER, "password": PASSWORD}, PAGE)
        assert status == 200, data
        cookie, csrf = r.getheader("Set-Cookie").split(";", 1)[0], json.loads(data)["csrf"]
        status, r, data = b.request("GET", "/api/session", None, session_headers(cookie))
        assert status == 200 and json.loads(data)["user"] == USER
        ws = WebSocket(b, cookie, csrf)
        try:
            if ws.status == 503:
                length = int(re.search(r"Content-Length: (\d+)", ws.head).group(1))
                assert "no thread free" in json.loads(ws.take(length))["error"]
            else:
                assert ws.status == 101, ws.head
                ws.expect(PROMPT)
                ws.send("echo hello\r")
                ws.expect("hello\r\n" + PROMPT)
                ws.send("exit\r")
                assert ws.close_code() == 1000
        finally:
            ws.close()
        assert "listening" in b.run("uhttpd status")
    finally:
        b.close()


def test_hardware_panel_or_its_refusal(flash):
    """GET /api/hw answers, or is refused with 503 and the reason when the
    heap is too small for it (an ESP32 without PSRAM), its heap given back:
    the API goes on answering."""
    b = WebBoard(flash)
    try:
        auth = {"Authorization": BASIC}
        status, r, data = b.request("GET", "/api/hw", None, auth)
        if status == 503:
            assert re.fullmatch(r"not heap enough for the hardware panel: \d+ KiB free, \d+ KiB needed",
                                json.loads(data)["error"])
        else:
            assert status == 200 and "pins" in json.loads(data)
        status, r, data = b.request("POST", "/api/run", {"cmd": "echo still here"}, auth)
        assert status == 200 and json.loads(data)["output"] == "still here\n"
    finally:
        b.close()
