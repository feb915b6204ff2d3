"""The pool of names a board's MicroPython interns, after a day's use.

MicroPython interns every name a module it loads uses, for good, in pools
that double: past 1,260 names the next pool is one block of 1,280 entries
(9 KiB on an ESP32). munix's modules and programs use some 2,400 names the
firmware does not have, so a board that runs enough of them gets there,
and by then its heap is in pieces: on the esp32 profile every command with
a name not yet interned failed from then on ("allocating 1280 bytes"),
with 25 KiB free. Run on the board lanes (munix test --board NAME) whose
heap is under 512 KiB and runs the daemons.
"""
import base64
import ftplib
import http.client
import io
import json
import os

import pytest

from conftest import PASSWORD, USER, Board, own_ports, seed_flash, shadow_line
from munixtool import boards
from munixtool import sim as simulator
from test_net_telnet import Raw

TIMEOUT = 30

# Some thirty everyday commands, after the daemons' clients: the esp32's
# pool was full after the fourth line.
EVERYDAY = [
    "ls /; ps; df; free; date; uptime",
    "help > /dev/null; env > /dev/null; cat /etc/system.conf > /dev/null; "
    "grep a /etc/system.conf; head -n 1 /etc/system.conf; wc /etc/system.conf",
    "mkdir /tmp/x; cp /etc/system.conf /tmp/x/a; mv /tmp/x/a /tmp/x/b; rm -r /tmp/x; "
    "find /etc > /dev/null; du /etc; hexdump /etc/system.conf > /dev/null",
    "for i in 1 2 3; do echo $i; done; x=$((1+2)); echo $x; jobs; ps -l > /dev/null; "
    "crontab -l; sensors; gpio read 2; i2cscan",
]
# Commands none of the above ran.
NEW = "uname -a; sort /etc/system.conf > /dev/null; touch /tmp/t; tail -n 1 /etc/system.conf > /dev/null; echo done"


def test_a_day_of_use_leaves_room_for_the_commands_not_run_yet(tmp_path, request):
    name = simulator.board_name()
    if name is None or name == "esp8266" or boards.get(name).heap >= 512 * 1024:
        pytest.skip("a board with a heap under 512 KiB that runs the daemons (the board lanes)")
    if name == "esp32":
        # The esp32c3's 128 KiB and the rp2040's 168 still had the block
        # (1,415 names then on the esp32c3). The way out costs 9 KiB of
        # the esp32's heap from boot (docs/measurements.md): not chosen yet.
        request.applymarker(pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
            "the esp32's 112 KiB, split, has no 9 KiB block for the pool's growth")))
    conf = own_ports()
    ports = {name: section["port"] for name, section in conf.items()}
    flash = seed_flash(tmp_path / "flash")
    (flash / "etc" / "system.conf").write_text(json.dumps(conf))
    (flash / "etc" / "shadow").write_text(shadow_line(USER, PASSWORD))
    board = Board(flash)
    try:
        board.run("wifi sta on")
        board.run("wifi sta connect munix-sim munix-sim-pass 5")
        out = board.run("uftpd start; utelnetd start; uhttpd start; crond start")
        if out.count("listening on") != 3:
            pytest.fail(out)
        telnet = Raw(ports["telnet"])
        try:
            telnet.login()
            said = telnet.cmd("true & wait; echo waited")
        except AssertionError as e:     # Raw's: a set-up's failure, not the day's
            pytest.fail(str(e))
        finally:
            telnet.close()
        if "waited" not in said:
            pytest.fail("the telnet line did not run: %r" % said)
        ftp = ftplib.FTP()
        ftp.connect("127.0.0.1", ports["ftp"], timeout=TIMEOUT)
        ftp.login(USER, PASSWORD)
        ftp.storbinary("STOR /tmp/up", io.BytesIO(os.urandom(20000)))
        ftp.nlst("/tmp")
        ftp.retrbinary("RETR /tmp/up", lambda data: None)
        ftp.quit()
        for method, path, body in (("GET", "/api/sys", None), ("GET", "/", None),
                                   ("POST", "/api/run", json.dumps({"cmd": "echo run"}))):
            c = http.client.HTTPConnection("127.0.0.1", ports["http"], timeout=TIMEOUT)
            login = base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
            c.request(method, path, body, {"Authorization": "Basic " + login,
                                           "Content-Type": "application/json"})
            if c.getresponse().status != 200:
                pytest.fail("%s %s did not answer 200" % (method, path))
            c.close()
        for line in EVERYDAY:
            board.run(line)
        # The day's part: the setup's checks fail the test whatever the
        # board (pytest.fail), this one is what the esp32 is expected to fail.
        out = board.run(NEW)
        assert "memory allocation failed" not in out and out.endswith("done\n"), out
    finally:
        board.close()
