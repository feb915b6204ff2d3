"""What the three daemons (FTP, HTTP, telnet) share: their life cycle
through netd.control."""
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
