"""A time server (NTP) on the loopback for the network command tests, and
the `ntp` fixture that makes them and stops them all."""
import socket
import struct
import threading
import time

import pytest

NTP_TO_UNIX = 2208988800
Y2000 = 946684800           # 2000-01-01 00:00 UTC: where an ESP32's clock starts


class FakeNtp:
    """A time server on the loopback, offset seconds ahead of the host's
    clock (5.25 unless told; Y2000 - time.time() makes it tell a board's
    reset time); `silent` ones never answer, `kiss` ones answer stratum 0
    (go away)."""

    def __init__(self, silent=False, kiss=False, offset=5.25):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.silent, self.kiss, self.offset = silent, kiss, offset
        self.requests = 0
        self.done = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.done:
            try:
                data, peer = self.sock.recvfrom(100)
            except OSError:
                continue
            self.requests += 1
            if self.silent or len(data) < 48:
                continue
            t = time.time() + self.offset + NTP_TO_UNIX
            stratum = 0 if self.kiss else 2
            reply = (bytes([0x24, stratum]) + bytes(22) + data[40:48] + bytes(8)
                     + struct.pack("!II", int(t), int(t % 1 * 2 ** 32)))
            self.sock.sendto(reply, peer)

    def close(self):
        self.done = True
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def ntp():
    """make(**kw): a FakeNtp, stopped at the end of the test."""
    servers = []

    def make(**kw):
        servers.append(FakeNtp(**kw))
        return servers[-1]
    yield make
    for s in servers:
        s.close()
