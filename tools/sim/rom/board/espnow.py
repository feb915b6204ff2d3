"""Stand-in for espnow on ESP32 and ESP8266 boards: ESP-NOW frames between
the simulated boards of one host, as UDP datagrams on the loopback.

A board's MAC names its port (02:00:7f:00 and the port, chosen at import
among the ephemeral ones, which tests never hand out; the station's MAC
becomes it), so a frame's sender is the port it came from. As the radio:
frames of 1 to MAX_DATA_LEN bytes (send() refuses others; a longer
datagram is never delivered), send() only to a peer added and recv() only
while ESP-NOW and a Wi-Fi interface are active. A frame to a board that
is not there is lost."""
import os
import select
import socket
import time

import network

MAX_DATA_LEN = 250
ADDR_LEN = 6
_BASE = b"\x02\x00\x7f\x00"

_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while True:
    # os's, not random's: importing random took 1.6 KiB of the esp32 profile's heap.
    _port = os.urandom(2)
    _port = 32768 + (_port[0] << 8 | _port[1]) % 16384
    try:
        _sock.bind(socket.getaddrinfo("127.0.0.1", _port)[0][-1])
        break
    except OSError:
        pass
network.WLAN(network.STA_IF).config(mac=_BASE + bytes((_port >> 8, _port & 255)))
_poll = select.poll()
_poll.register(_sock, select.POLLIN)
_peers = []
_on = [False]


def _ready():
    if not _on[0]:
        raise OSError("ESP_ERR_ESPNOW_NOT_INIT")
    if not (network.WLAN(network.STA_IF).active() or network.WLAN(network.AP_IF).active()):
        raise OSError("ESP_ERR_ESPNOW_IF")


class ESPNow:
    """The board's one ESP-NOW: every ESPNow() is the same."""

    def active(self, flag=None):
        if flag is not None:
            _on[0] = bool(flag)
            if not flag:
                _peers.clear()
        return _on[0]

    def add_peer(self, mac, lmk=None):
        _ready()
        if bytes(mac) in _peers:
            raise OSError("ESP_ERR_ESPNOW_EXIST")
        _peers.append(bytes(mac))

    def del_peer(self, mac):
        _ready()
        if bytes(mac) not in _peers:
            raise OSError("ESP_ERR_ESPNOW_NOT_FOUND")
        _peers.remove(bytes(mac))

    def send(self, mac, msg, sync=True):
        _ready()
        if bytes(mac) not in _peers:
            raise OSError("ESP_ERR_ESPNOW_NOT_FOUND")
        if not 0 < len(msg) <= MAX_DATA_LEN:
            raise ValueError("ESP_ERR_ESPNOW_ARG")
        if mac[:4] == _BASE:
            _sock.sendto(msg, socket.getaddrinfo("127.0.0.1", mac[4] << 8 | mac[5])[0][-1])
        return True

    def recv(self, timeout_ms=None):
        """[mac, msg] of the next frame, (None, None) after timeout_ms (0:
        at once; None: the default 300 s; below 0: for ever)."""
        _ready()
        wait = 300000 if timeout_ms is None else timeout_ms
        end = time.ticks_add(time.ticks_ms(), wait)
        while _poll.poll(wait):
            msg, addr = _sock.recvfrom(MAX_DATA_LEN + 1)
            if 0 < len(msg) <= MAX_DATA_LEN:
                return [_BASE + addr[2:4], msg]
            # The radio delivers none such: dropped, the wait goes on.
            if wait > 0:
                wait = max(0, time.ticks_diff(end, time.ticks_ms()))
        return (None, None)

    irecv = recv

    def any(self):
        return bool(_poll.poll(0))
