"""What the three daemons (FTP, HTTP, telnet) share: their life cycle
through daemonctl."""
import io
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


def test_a_daemon_that_gets_too_few_threads_says_so(flash):
    """A board with few threads (an RP2040 has one): a daemon that cannot
    have the threads it needs does not start, in one line, and leaves
    nothing running; a client that finds no thread is served by the
    listener itself when it is the only one, else told to come back."""
    b = TelnetBoard(flash, start=False)
    try:
        board_file = flash / "etc" / "default.board"
        board_file.write_text('{"name": "small", "threads": 1}')
        out = b.run("loadboard; utelnetd start; echo status=$?")
        assert "utelnetd: no thread free: this board runs at most 1\n" in out, out
        assert "status=1" in out
        assert "not running" in b.run("utelnetd status")
        assert "utelnetd" not in b.run("ps")
        board_file.write_text('{"name": "small", "threads": 2}')
        assert "listening" in b.run("loadboard; utelnetd start")
        client = socket.create_connection(("127.0.0.1", b.port), timeout=10)
        client.settimeout(10)
        seen = b""
        while b"login: " not in seen:
            data = client.recv(4096)
            assert data, seen
            seen += data
        client.close()
        assert "stopped" in b.run("utelnetd stop")
    finally:
        b.close()


def test_a_daemon_refused_for_want_of_a_thread_lets_its_port_go(flash):
    """An RP2040 whose one extra thread another daemon holds: utelnetd,
    refused, kept its port bound until reboot, and every later start said
    "in use"."""
    b = TelnetBoard(flash, start=False)
    try:
        board_file = flash / "etc" / "default.board"
        board_file.write_text('{"name": "small", "threads": 0}')
        out = b.run("loadboard; utelnetd start; echo status=$?")
        assert "utelnetd: no thread free" in out and "status=1" in out, out
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", b.port), timeout=10)
        out = b.run("utelnetd start; echo status=$?")
        assert "in use" not in out and "no thread free" in out, out
    finally:
        b.close()


def test_ftp_with_one_thread_serves_one_client_at_a_time(flash):
    """An RP2040's one extra thread: uftpd's listener, which then serves
    its clients itself, one after the other."""
    b = FtpBoard(flash, start=False)
    try:
        (flash / "etc" / "default.board").write_text('{"name": "small", "threads": 1}')
        assert "listening" in b.run("loadboard; uftpd start")
        for name in ("first", "second"):
            f = b.client()
            f.storbinary("STOR /tmp/%s" % name, io.BytesIO(name.encode()))
            assert name in f.nlst("/tmp")
            f.quit()
        assert (flash / "tmp" / "second").read_bytes() == b"second"
    finally:
        b.close()
