"""MQTT 3.1.1, the client side, for mqttc, fleetd and on: over a
connected socket (plain or TLS, see open_socket).

    c = mqtt.Client(mqtt.open_socket(host, 1883), keepalive=60)
    c.connect("id", user, password, will=("topic", b"gone", 0, False))
    c.publish("a/b", b"hello", qos=1)     # QoS 1 waits for the PUBACK
    c.subscribe(["a/#"], qos=1)
    c.unsubscribe(["a/#"])
    while True:
        m = c.wait(100)                   # (topic, payload, retain) or None
    c.disconnect()

QoS 0 and 1 only. A packet is read whole, never more than max_packet
bytes: a larger one is refused with an error rather than held, or, with
drop_large (fleetd: a stranger's huge message must not cut the link, and
a QoS 1 one would come again at each reconnection), a larger PUBLISH is
read past, acknowledged, and given as (topic, None, retain). Waiting
for a packet polls in slices the caller chooses, so a program can look at
its stop requests between them; once a packet has begun, the rest must
come within the socket's timeout. PINGREQ goes out when the connection
has been quiet for half the keepalive (the client must send within it;
at the whole keepalive, a ping late by a loaded CPU or a slow radio left
only the broker's slack), and a broker that answers nothing for the
keepalive is given up.
"""
import select
import struct
import sys
import time
from micropython import const

MAX_PACKET = 8192
_LARGE = const(512)  # bytes of a payload written apart from its packet's head
CONNECT, CONNACK, PUBLISH, PUBACK = 0x10, 0x20, 0x30, 0x40
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK = 0x82, 0x90, 0xA2, 0xB0
PINGREQ, PINGRESP, DISCONNECT = 0xC0, 0xD0, 0xE0
REFUSED = {1: "unacceptable protocol version", 2: "client identifier rejected",
           3: "server unavailable", 4: "bad user name or password", 5: "not authorized"}


class MQTTError(Exception):
    """A failed exchange: the message says why, in one line."""


def _string(data):
    if isinstance(data, str):
        data = data.encode()
    return struct.pack("!H", len(data)) + data


def _length(n):
    """The remaining-length field: 7 bits a byte, low bits first."""
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | 0x80 if n else byte)
        if not n:
            return bytes(out)


class Client:
    def __init__(self, sock, keepalive=60, max_packet=MAX_PACKET, drop_large=False):
        self.sock = sock
        self.drop_large = drop_large
        self.keepalive_ms = keepalive * 1000
        self.max_packet = max_packet
        self.poller = select.poll()
        self.poller.register(sock, select.POLLIN)
        self.last_sent = time.ticks_ms()
        self.pinged = None      # ticks_ms of a PINGREQ not yet answered
        self.pending = []       # messages that came while awaiting an ack
        self.packet_id = 0

    def _send(self, kind, body=b"", tail=b""):
        """Send a packet: body, then tail, a large payload written as it is
        rather than copied into the packet (a 4 KB result on a small heap
        took four copies)."""
        try:
            # One write for the rest: a packet's body written after its
            # head waited for the head's delayed ACK (Nagle), 40 ms a
            # message, where TCP_NODELAY is not set (TLS).
            self.sock.write(bytes([kind]) + _length(len(body) + len(tail)) + body)
            if tail:
                self.sock.write(tail)
        except OSError as e:
            raise MQTTError(_reason(e))
        self.last_sent = time.ticks_ms()

    def _read(self, n):
        data = b""
        while len(data) < n:
            try:
                part = self.sock.read(n - len(data))
            except OSError as e:
                raise MQTTError(_reason(e))
            if not part:
                raise MQTTError("the broker closed the connection")
            data += part
        return data

    def _packet(self, ms):
        """(type byte, body) of the next packet, None when none began
        within ms; (type byte, head, None) for a PUBLISH too large, dropped."""
        ready = self.poller.poll(ms)
        if not ready:
            return None
        if ready[0][1] & (select.POLLHUP | select.POLLERR) and not ready[0][1] & select.POLLIN:
            raise MQTTError("the broker closed the connection")
        try:
            kind = self._read(1)[0]
            size = shift = 0
            while True:
                byte = self._read(1)[0]
                size |= (byte & 0x7F) << shift
                shift += 7
                if not byte & 0x80:
                    break
                if shift > 21:
                    raise MQTTError("the broker sent a malformed packet length")
            self.pinged = None
            if size > self.max_packet:
                if not (self.drop_large and kind & 0xF0 == PUBLISH):
                    raise MQTTError("the broker sent a packet of %d bytes, more than the %d taken"
                                    % (size, self.max_packet))
                return self._drop(kind, size)
            return kind, self._read(size) if size else b""
        except MemoryError:
            # The rest of a packet begun is still on the way: the stream
            # is lost (a QoS 1 message comes again on the next connection).
            raise MQTTError("memory allocation failed")

    def _next_id(self):
        self.packet_id = self.packet_id % 65535 + 1
        return self.packet_id

    def _drop(self, kind, size):
        """A PUBLISH of size bytes read past, beyond its topic and packet id:
        (kind, the body's head, no payload)."""
        head = self._read(2)
        n = 2 + struct.unpack("!H", head)[0] + (2 if kind & 6 else 0)
        if n > size or n > self.max_packet:
            raise MQTTError("the broker sent a PUBLISH whose topic is too long or malformed")
        head += self._read(n - 2)
        left = size - n
        while left:
            left -= len(self._read(min(left, 512)))
        return kind, head, None

    def _message(self, kind, body, payload=b""):
        """The (topic, payload, retain) of a PUBLISH, acknowledged when QoS
        1; payload None for one too large, dropped."""
        qos = kind >> 1 & 3
        if qos > 1 or len(body) < 2:
            raise MQTTError("the broker sent a PUBLISH this client cannot take (QoS %d)" % qos)
        n = struct.unpack("!H", body[:2])[0]
        topic = body[2:2 + n]
        at = 2 + n
        if qos:
            self._send(PUBACK, body[at:at + 2])
            at += 2
        try:
            topic = topic.decode()
        except UnicodeError:
            raise MQTTError("the broker sent a topic that is not UTF-8")
        return topic, body[at:] if payload is not None else None, bool(kind & 1)

    def _await(self, want, packet_id=None, timeout_ms=10000):
        """The body of the next packet of type want (with that packet id),
        PUBLISHes on the way kept for wait()."""
        start = time.ticks_ms()
        while True:
            left = timeout_ms - time.ticks_diff(time.ticks_ms(), start)
            if left <= 0:
                raise MQTTError("no answer from the broker")
            got = self._packet(left)
            if got is None:
                continue
            kind, body = got[0], got[1]
            if kind & 0xF0 == PUBLISH:
                self.pending.append(self._message(*got))
            elif kind & 0xF0 == want and (packet_id is None or body[:2] == struct.pack("!H", packet_id)):
                return body

    def connect(self, client_id, user=None, password=None, will=None, clean=True):
        """Open the session; will is (topic, message, qos, retain) or None."""
        flags = 2 if clean else 0
        payload = _string(client_id)
        if will:
            topic, message, qos, retain = will
            flags |= 4 | qos << 3 | (0x20 if retain else 0)
            payload += _string(topic) + _string(message)
        if user is not None:
            flags |= 0x80
            payload += _string(user)
        if password is not None:
            flags |= 0x40
            payload += _string(password)
        head = _string("MQTT") + struct.pack("!BBH", 4, flags, self.keepalive_ms // 1000)
        self._send(CONNECT, head + payload)
        body = self._await(CONNACK)
        code = body[1] if len(body) > 1 else 255
        if code:
            raise MQTTError("the broker refused the connection: %s"
                            % REFUSED.get(code, "code %d" % code))

    def publish(self, topic, payload, qos=0, retain=False):
        if isinstance(payload, str):
            payload = payload.encode()
        head = _string(topic)
        packet_id = None
        if qos:
            packet_id = self._next_id()
            head += struct.pack("!H", packet_id)
        if len(payload) < _LARGE:
            head, payload = head + payload, b""
        self._send(PUBLISH | qos << 1 | (1 if retain else 0), head, payload)
        if qos:
            self._await(PUBACK, packet_id)

    def subscribe(self, filters, qos=0):
        """Subscribe to every filter; the QoS granted to each."""
        packet_id = self._next_id()
        body = struct.pack("!H", packet_id)
        for f in filters:
            body += _string(f) + bytes([qos])
        self._send(SUBSCRIBE, body)
        granted = list(self._await(SUBACK, packet_id)[2:])
        for f, code in zip(filters, granted):
            if code & 0x80:
                raise MQTTError("%s: the broker refused the subscription" % f)
        return granted

    def unsubscribe(self, filters):
        packet_id = self._next_id()
        body = struct.pack("!H", packet_id)
        for f in filters:
            body += _string(f)
        self._send(UNSUBSCRIBE, body)
        self._await(UNSUBACK, packet_id)

    def ping_if_due(self):
        """Send PINGREQ when nothing was sent for half the keepalive."""
        if self.keepalive_ms and\
                time.ticks_diff(time.ticks_ms(), self.last_sent) >= self.keepalive_ms // 2:
            self._send(PINGREQ)
            if self.pinged is None:
                self.pinged = self.last_sent

    def wait(self, ms):
        """The next message, (topic, payload bytes, retained), or None when
        none came within ms; answers the broker's pings and acks on the way."""
        if self.pending:
            return self.pending.pop(0)
        self.ping_if_due()
        got = self._packet(ms)
        if got is None:
            if self.pinged is not None and\
                    time.ticks_diff(time.ticks_ms(), self.pinged) > self.keepalive_ms:
                raise MQTTError("the broker stopped answering")
            return None
        if got[0] & 0xF0 == PUBLISH:
            return self._message(*got)
        return None

    def disconnect(self):
        try:
            self._send(DISCONNECT)
        except MQTTError:
            pass

    def close(self):
        self.sock.close()


def open_socket(host, port, tls=False, ca=None, timeout=10, verify=True):
    """A socket connected to the broker at host:port, over TLS when tls:
    httpclient's connection, whose TLS (tls or ssl module, certificates
    checked against the CA bundle ca unless verify is false, the clock
    checked first) is what HTTPS has. A plain connection is a socket of
    its own: httpclient is 6 KiB of heap a small board's fleetd and `on`
    need not hold."""
    if tls:
        import httpclient
        try:
            return httpclient.connect("https", host, port, ca, timeout, verify)
        except httpclient.HTTPError as e:
            raise MQTTError(str(e))
    import socket
    try:
        address = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0][-1]
    except OSError:
        raise MQTTError("%s: host not found" % host)
    sock = socket.socket()
    try:
        sock.settimeout(timeout)
        sock.connect(address)
    except OSError as e:
        sock.close()
        raise MQTTError("%s:%d: %s" % (host, port, _reason(e)))
    if sys.platform in ("linux", "esp32"):
        # TCP_NODELAY, where setsockopt takes it (netd.nodelay's ports; not
        # imported from there, a daemon's module): a PUBLISH written after
        # a PUBACK waited for the broker's delayed ACK, 40 ms a result.
        try:
            sock.setsockopt(6, 1, 1)
        except (OSError, TypeError):
            pass
    return sock


def _reason(e):
    import cmdargs
    return cmdargs.strerror(e)
