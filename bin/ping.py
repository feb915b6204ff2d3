import socket
import struct
import time

import cmdargs

USAGE = """HOST [-c N] [-W SECONDS]
  Send N ICMP echo requests (default 4), one a second, and print each
  reply's round trip; -W is how long to wait for each (default 1).
  The status is 0 when some reply came, 1 when none did."""
ABOUT = "check that a host answers (ICMP echo)"

ECHO, REPLY = 8, 0
SIZE = 56           # data bytes, as ping sends by default


def __main__(args):
    opts, rest = cmdargs.parse(args, "", "cW", operands=1, anywhere=True)
    if not rest:
        raise cmdargs.UsageError("missing HOST")
    count = cmdargs.number(opts.get("c", "4"), "count")
    wait = cmdargs.number(opts.get("W", "1"), "number of seconds")
    if count < 1 or wait < 1:
        raise cmdargs.UsageError("-c and -W take numbers from 1")
    import inet
    host = rest[0]
    try:
        addr = inet.resolve(host, 0, socket.SOCK_DGRAM)
    except OSError as e:
        return cmdargs.error(host, e)
    ip = inet.ntoa(addr)
    try:
        packed = inet.aton(ip)
    except ValueError:
        return cmdargs.error(host, "no IPv4 address")
    kinds = _icmp_kinds()
    if not kinds:
        return cmdargs.error(None, "no ICMP socket: this board's network stack has no raw sockets")
    try:
        sock = _icmp_socket(kinds)
    except OSError as e:
        return cmdargs.error(None, "no ICMP socket: %s" % cmdargs.strerror(e))
    print("PING %s (%s): %d data bytes" % (host, ip, SIZE))
    ident = time.ticks_ms() & 0xFFFF
    times = []
    try:
        for seq in range(1, count + 1):
            # ticks wrap (ticks_us every 2^30 us on boards): differences
            # only, microseconds for the round trip, milliseconds for waits.
            sent_ms, sent_us = time.ticks_ms(), time.ticks_us()
            sock.sendto(_packet(ident, seq), addr)
            answer = _reply(sock, ident, seq, packed, sent_us, time.ticks_add(sent_ms, wait * 1000))
            if answer is None:
                print("no answer to icmp_seq=%d" % seq)
            else:
                size, ttl, us = answer
                times.append(us)
                print("%d bytes from %s: icmp_seq=%d%s time=%d.%03d ms" % (
                    size, ip, seq, "" if ttl is None else " ttl=%d" % ttl,
                    us // 1000, us % 1000))
            if seq < count:
                _pause(time.ticks_add(sent_ms, 1000))
    except OSError as e:
        return cmdargs.error(host, e)
    finally:
        sock.close()
    lost = (count - len(times)) * 100 // count
    print("--- %s ping statistics ---" % host)
    print("%d packets transmitted, %d received, %d%% packet loss" % (count, len(times), lost))
    if times:
        print("round-trip min/avg/max = %s/%s/%s ms" % (
            _ms(min(times)), _ms(sum(times) // len(times)), _ms(max(times))))
    return 0 if times else 1


def _ms(us):
    return "%d.%03d" % (us // 1000, us % 1000)


def _icmp_kinds():
    """The socket types that can carry ICMP here: raw sockets where the
    port has them (lwIP ports, and root on Linux); on Linux also the
    datagram ICMP socket it may grant unprivileged users (lwIP would take a
    datagram socket for UDP whatever the protocol asked)."""
    import sys
    kinds = []
    if hasattr(socket, "SOCK_RAW"):
        kinds.append(socket.SOCK_RAW)
    if sys.platform == "linux":
        kinds.append(socket.SOCK_DGRAM)
    return kinds


def _icmp_socket(kinds):
    """An ICMP socket of the first of kinds that opens; the first one's
    OSError when none does."""
    first = None
    for kind in kinds:
        try:
            return socket.socket(socket.AF_INET, kind, 1)
        except OSError as e:
            first = first or e
    raise first


def _checksum(data):
    if len(data) & 1:
        data += b"\0"
    total = 0
    for i in range(0, len(data), 2):
        total += data[i] << 8 | data[i + 1]
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def _packet(ident, seq):
    body = bytes([i & 0xFF for i in range(SIZE)])
    head = struct.pack("!BBHHH", ECHO, 0, 0, ident, seq)
    return struct.pack("!BBHHH", ECHO, 0, _checksum(head + body), ident, seq) + body


def _reply(sock, ident, seq, packed, sent_us, deadline):
    """(bytes, ttl, microseconds) of the echo reply to seq, None when none
    came by deadline (ticks_ms). A raw socket sees every ICMP packet, with
    its IP header: the reply is told by its source address and identifier.
    A datagram socket sees only its own, without header, the identifier
    rewritten."""
    while True:
        left = time.ticks_diff(deadline, time.ticks_ms())
        if left <= 0:
            return None
        sock.settimeout(left / 1000)
        try:
            data = sock.recv(SIZE + 64)
        except OSError:
            return None     # the socket's timeout
        us = time.ticks_diff(time.ticks_us(), sent_us)
        ttl = None
        raw = data and data[0] >> 4 == 4
        if raw:
            if data[12:16] != packed:
                continue
            ttl = data[8]
            data = data[(data[0] & 15) * 4:]
        if len(data) >= 8:
            kind, _, _, who, got = struct.unpack("!BBHHH", data[:8])
            if kind == REPLY and got == seq and (who == ident or not raw):
                return len(data), ttl, us


def _pause(until):
    """Sleep until the ticks_ms until, in short steps so Ctrl-C gets through."""
    while True:
        left = time.ticks_diff(until, time.ticks_ms())
        if left <= 0:
            return
        time.sleep_ms(min(left, 100))
