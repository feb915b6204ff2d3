"""What the three daemons (FTP, HTTP, telnet) share: their life cycle
through daemonctl."""
import socket

import pytest

from test_net_ftp import FtpBoard
from test_net_http import HttpBoard
from test_net_telnet import TelnetBoard


@pytest.mark.parametrize("board_class", [FtpBoard, HttpBoard, TelnetBoard])
def test_port_in_use_is_a_one_line_error(flash, board_class):
    command = board_class.COMMAND
    with socket.socket() as blocker:
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        b = board_class(flash, start=False)
        try:
            blocker.bind(("127.0.0.1", b.port))
            blocker.listen(1)
            out = b.run("%s start; echo status=$?" % command)
            assert "%s: port %d: in use" % (command, b.port) in out and "status=1" in out
            assert "not running" in b.run("%s status" % command)
        finally:
            b.close()


@pytest.mark.parametrize("board_class", [FtpBoard, HttpBoard, TelnetBoard])
def test_a_daemon_is_a_process_that_kill_stops(flash, board_class):
    command = board_class.COMMAND
    b = board_class(flash)
    try:
        client = socket.create_connection(("127.0.0.1", b.port), timeout=10)
        rows = [row.split() for row in b.run("ps -l").splitlines()]
        mine = [row for row in rows if row[-2:] == [command, "start"]]
        assert len(mine) == 1 and mine[0][5] == "daemon", rows
        assert "yes" in b.run("test -p %s && echo yes" % command)
        out = b.run("kill %s; echo status=$?" % mine[0][0])
        assert "status=0" in out, out
        assert "not running" in b.run("%s status" % command)
        assert command not in b.run("ps")
        assert "no" in b.run("test -p %s || echo no" % command)
        client.settimeout(10)
        while client.recv(4096):
            pass
        client.close()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", b.port), timeout=10)
        assert "listening" in b.run("%s start" % command)
        assert "status=0" in b.run("killall %s; echo status=$?" % command)
        assert "not running" in b.run("%s status" % command)
    finally:
        b.close()
