"""ESP-NOW between simulated boards: the simulator's espnow stand-in
(tools/sim/rom/board/espnow.py) carries the frames as UDP datagrams on the
loopback, a board's MAC naming its port. The test plays a board of its own
from such a socket.
"""
import os
import socket
import subprocess

import pytest

from munixtool import boards, portbuild
from munixtool import sim as simulator

ASKED = simulator.board_name()
BOARD = ASKED if ASKED and "espnow" in boards.get(ASKED).modules else "esp32"
TIMEOUT = 10
BASE = b"\x02\x00\x7f\x00"


class Peer:
    """A board played by the test: a UDP socket on the loopback, its MAC
    the stand-in's name for its port."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.mac = BASE + self.sock.getsockname()[1].to_bytes(2, "big")

    def send(self, mac, frame):
        self.sock.sendto(frame, ("127.0.0.1", int.from_bytes(mac[4:], "big")))

    def recv(self, wait=TIMEOUT):
        """(MAC, frame) of the next frame, None after wait seconds."""
        self.sock.settimeout(wait)
        try:
            frame, (_, port) = self.sock.recvfrom(512)
        except TimeoutError:
            return None
        return BASE + port.to_bytes(2, "big"), frame

    def close(self):
        self.sock.close()


@pytest.fixture
def peers():
    made = []

    def make():
        made.append(Peer())
        return made[-1]
    yield make
    for p in made:
        p.close()


# The stand-in


@pytest.mark.parametrize("name", sorted({BOARD, "esp8266"}))
def test_the_stand_in_carries_frames_as_the_radio_does(name, peers):
    program, env = portbuild.runtime(name)
    code = r'''
import binascii, espnow, network, sys
e = espnow.ESPNow()
e.active(True)
try:
    e.recv(0)
except OSError as x:
    print("wifi off:", x)
sta = network.WLAN(network.STA_IF)
sta.active(True)
print(binascii.hexlify(sta.config("mac")).decode())
peer = binascii.unhexlify(sys.stdin.readline().strip())
for msg in (b"x", b"y" * 251, b""):
    try:
        e.send(peer, msg)
    except (OSError, ValueError) as x:
        print("refused:", x)
    if msg == b"x":
        e.add_peer(peer)
print(e.send(peer, b"z" * 250))
print(e.recv(5000))
'''
    host = peers()
    p = subprocess.Popen([*program, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True, env=dict(os.environ, **env))
    try:
        assert p.stdout.readline() == "wifi off: ESP_ERR_ESPNOW_IF\n"
        mac = bytes.fromhex(p.stdout.readline().strip())
        assert mac[:4] == BASE, mac
        p.stdin.write(host.mac.hex() + "\n")
        p.stdin.flush()
        assert [p.stdout.readline() for _ in range(4)] == [
            "refused: ESP_ERR_ESPNOW_NOT_FOUND\n", "refused: ESP_ERR_ESPNOW_ARG\n",
            "refused: ESP_ERR_ESPNOW_ARG\n", "True\n"]
        assert host.recv() == (mac, b"z" * 250)
        # A datagram longer than a frame is never delivered; what follows is.
        host.send(mac, b"o" * 251)
        host.send(mac, b"back")
        out, _ = p.communicate(timeout=TIMEOUT)
        assert out == "[%r, b'back']\n" % host.mac, out
    finally:
        p.kill()
        p.wait()
