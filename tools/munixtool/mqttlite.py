"""A small MQTT 3.1.1 client for the host's ``munix fleet``: connect (plain
or TLS, user and password), subscribe, publish with QoS 0 or 1, receive.

The boards' client is lib/mqtt.py, written for MicroPython's sockets and
ticks; this is its CPython counterpart, kept as small, since the host's
requirements hold no MQTT library.
"""

import socket
import struct
import time

CONNECT, CONNACK, PUBLISH, PUBACK = 0x10, 0x20, 0x30, 0x40
SUBSCRIBE, SUBACK, PINGREQ, DISCONNECT = 0x82, 0x90, 0xC0, 0xE0
REFUSED = {1: "unacceptable protocol version", 2: "client identifier rejected",
           3: "server unavailable", 4: "bad user name or password", 5: "not authorized"}
MAX_PACKET = 1 << 20


class MQTTError(Exception):
    """A failed exchange, in one line."""


def _string(data: str | bytes) -> bytes:
    if isinstance(data, str):
        data = data.encode()
    return struct.pack("!H", len(data)) + data


def _length(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | 0x80 if n else byte)
        if not n:
            return bytes(out)


class Client:
    def __init__(self, host: str, port: int, tls: bool = False, cafile: str | None = None,
                 timeout: float = 10, keepalive: int = 60):
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
            # A PUBLISH right after a PUBACK waited for the broker's delayed ACK.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if tls:
                import ssl      # not at the top: see fleet_deploy.main

                context = ssl.create_default_context(cafile=cafile)
                sock = context.wrap_socket(sock, server_hostname=host)
        except OSError as error:    # ssl.SSLError is one
            raise MQTTError(str(error.strerror or error)) from None
        self.sock = sock
        self.keepalive = keepalive
        self.pending: list[tuple[str, bytes, bool]] = []
        self.packet_id = 0
        self.last_sent = time.monotonic()

    def _send(self, kind: int, body: bytes = b"") -> None:
        try:
            self.sock.sendall(bytes([kind]) + _length(len(body)) + body)
        except OSError as error:
            raise MQTTError(f"the broker: {error}") from None
        self.last_sent = time.monotonic()

    def _read(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            try:
                part = self.sock.recv(n - len(data))
            except OSError as error:
                raise MQTTError(f"the broker: {error}") from None
            if not part:
                raise MQTTError("the broker closed the connection")
            data += part
        return data

    def _packet(self, timeout: float) -> tuple[int, bytes] | None:
        self.sock.settimeout(max(timeout, 0.001))
        try:
            first = self.sock.recv(1)
        except (socket.timeout, TimeoutError):
            return None
        except OSError as error:
            raise MQTTError(f"the broker: {error}") from None
        if not first:
            raise MQTTError("the broker closed the connection")
        self.sock.settimeout(10)
        size = shift = 0
        while True:
            byte = self._read(1)[0]
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
            if shift > 21:
                raise MQTTError("the broker sent a malformed packet length")
        if size > MAX_PACKET:
            raise MQTTError(f"the broker sent a packet of {size} bytes")
        return first[0], self._read(size)

    def _message(self, kind: int, body: bytes) -> tuple[str, bytes, bool]:
        n = struct.unpack("!H", body[:2])[0]
        topic, at = body[2:2 + n].decode(errors="replace"), 2 + n
        if kind >> 1 & 3:
            self._send(PUBACK, body[at:at + 2])
            at += 2
        return topic, body[at:], bool(kind & 1)

    def _await(self, want: int, packet_id: int | None = None, timeout: float = 10) -> bytes:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            got = self._packet(left)
            if got is None:
                continue
            kind, body = got
            if kind & 0xF0 == PUBLISH:
                self.pending.append(self._message(kind, body))
            elif kind & 0xF0 == want and (packet_id is None or body[:2] == struct.pack("!H", packet_id)):
                return body
        raise MQTTError("no answer from the broker")

    def _next_id(self) -> int:
        self.packet_id = self.packet_id % 65535 + 1
        return self.packet_id

    def connect(self, client_id: str, user: str | None = None, password: str | None = None) -> None:
        flags, payload = 2, _string(client_id)
        if user is not None:
            flags |= 0x80
            payload += _string(user)
        if password is not None:
            flags |= 0x40
            payload += _string(password)
        self._send(CONNECT, _string("MQTT") + struct.pack("!BBH", 4, flags, self.keepalive) + payload)
        body = self._await(CONNACK)
        code = body[1] if len(body) > 1 else 255
        if code:
            raise MQTTError("the broker refused the connection: "
                            + REFUSED.get(code, f"code {code}"))

    def subscribe(self, filters: list[str], qos: int = 1) -> None:
        packet_id = self._next_id()
        body = struct.pack("!H", packet_id) + b"".join(_string(f) + bytes([qos]) for f in filters)
        self._send(SUBSCRIBE, body)
        granted = self._await(SUBACK, packet_id)[2:]
        for f, code in zip(filters, granted):
            if code & 0x80:
                raise MQTTError(f"{f}: the broker refused the subscription")

    def publish(self, topic: str, payload: bytes | str, qos: int = 1, retain: bool = False) -> None:
        if isinstance(payload, str):
            payload = payload.encode()
        head = _string(topic)
        packet_id = self._next_id() if qos else None
        if packet_id:
            head += struct.pack("!H", packet_id)
        self._send(PUBLISH | qos << 1 | int(retain), head + payload)
        if packet_id:
            self._await(PUBACK, packet_id)

    def wait(self, timeout: float) -> tuple[str, bytes, bool] | None:
        """The next message (topic, payload, retained), None after timeout seconds."""
        if self.pending:
            return self.pending.pop(0)
        if self.keepalive and time.monotonic() - self.last_sent > self.keepalive / 2:
            self._send(PINGREQ)
        got = self._packet(timeout)
        if got is not None and got[0] & 0xF0 == PUBLISH:
            return self._message(*got)
        return None

    def close(self) -> None:
        try:
            self._send(DISCONNECT)
        except MQTTError:
            pass
        self.sock.close()
