import cmdargs
import munix
from micropython import const

USAGE = """-s [-p PORT] [-1] | -c HOST [-p PORT] [-t SECONDS] [-R]
  Measure TCP throughput with iperf3 (3.x) at the other end, printing
  the bandwidth of each second and the totals of both ends as iperf3
  does; one stream.
  -s          serve tests, one after another, until Ctrl-C or kill
  -1          serve one test, then end
  -c HOST     send to HOST's iperf3 server for SECONDS (-t, default 10)
  -R          reverse: the server sends, this board receives
  -p PORT     the server's port (default 5201)"""
ABOUT = "measure network throughput against iperf3 (TCP)"

PORT = 5201
BLOCK = 8192        # bytes a read or write moves: the board's heap is small
SLICE_MS = 100      # how often a wait looks at stop requests
TIMEOUT = 10        # seconds any step of the exchange may take
_JSON_MAX = const(8192) # the largest parameter or result document taken
_COOKIE_SIZE = const(37)
_COOKIE_CHARS = "abcdefghijklmnopqrstuvwxyz234567"

# The control connection's states (a signed byte each), as iperf3 numbers them.
TEST_START, TEST_RUNNING, TEST_END = 1, 2, 4
PARAM_EXCHANGE, CREATE_STREAMS, SERVER_TERMINATE, CLIENT_TERMINATE = 9, 10, 11, 12
EXCHANGE_RESULTS, DISPLAY_RESULTS, IPERF_DONE = 13, 14, 16
ACCESS_DENIED, SERVER_ERROR = -1, -2
_IEUNIMP = const(13) # iperf3's error number: "not implemented"

STREAM = 1          # iperf3 numbers the first (here the only) stream 1
HEADER = "[ ID] Interval           Transfer     Bitrate"
_SEPARATOR = "- - - - - - - - - - - - - - - - - - - - - - - - -"


class IperfError(Exception):
    """A failed test: the message says why, in one line."""


class Stopped(Exception):
    """Kill asked this program to end."""


def __main__(args):
    opts, rest = cmdargs.parse(args, "sR1", "cpt", operands=0, anywhere=True)
    serve, host = "s" in opts, opts.get("c")
    if serve == (host is not None):
        raise cmdargs.UsageError("give -s (server) or -c HOST (client)")
    port = cmdargs.number(opts.get("p", str(PORT)), "port")
    if not 0 < port < 65536:
        raise cmdargs.UsageError("%d: not a port" % port)
    if serve and ("t" in opts or "R" in opts):
        raise cmdargs.UsageError("-t and -R are for the client (-c)")
    if not serve and "1" in opts:
        raise cmdargs.UsageError("-1 is for the server (-s)")
    seconds = cmdargs.number(opts.get("t", "10"), "number of seconds")
    if not 0 < seconds <= 86400:
        raise cmdargs.UsageError("-t takes 1 to 86400 seconds")
    try:
        if serve:
            return _server(port, "1" in opts)
        return _client(host, port, seconds, "R" in opts)
    except Stopped:
        return 143
    except IperfError as e:
        return cmdargs.error(None, str(e))


# Both ends


def _poller(*socks):
    import select
    p = select.poll()
    for s in socks:
        p.register(s, select.POLLIN)
    return p


def _ready(poller, ms):
    """poller's events after waiting up to ms in slices, stop requests
    looked at between them; [] when nothing came."""
    import time
    start = time.ticks_ms()
    while True:
        if munix.stopping():
            raise Stopped()
        left = ms - time.ticks_diff(time.ticks_ms(), start)
        events = poller.poll(max(0, min(left, SLICE_MS)))
        if events or left <= 0:
            return events


def _read(sock, n, what):
    """Exactly n bytes of sock, in the socket's timeout."""
    data = b""
    while len(data) < n:
        try:
            part = sock.read(n - len(data))
        except OSError as e:
            raise IperfError("reading %s: %s" % (what, cmdargs.strerror(e)))
        if not part:
            raise IperfError("the other end closed the connection (reading %s)" % what)
        data += part
    return data


def _state(ctrl):
    """The next state byte of the control connection, waited for up to
    TIMEOUT; refusals and errors of the peer raised."""
    if not _ready(_poller(ctrl), TIMEOUT * 1000):
        raise IperfError("no answer from the other end")
    state = _read(ctrl, 1, "a state")[0]
    state = state - 256 if state > 127 else state
    if state == ACCESS_DENIED:
        raise IperfError("the server is busy running a test. try again later")
    if state == SERVER_ERROR:
        import struct
        code, err = struct.unpack("!ii", _read(ctrl, 8, "an error"))
        raise IperfError("the server refused the test (iperf3 error %d%s)"
                         % (code, ", errno %d" % err if err else ""))
    if state == SERVER_TERMINATE:
        raise IperfError("the server has terminated")
    if state == CLIENT_TERMINATE:
        raise IperfError("the client has terminated")
    return state


def _expect(ctrl, want):
    state = _state(ctrl)
    if state != want:
        raise IperfError("unexpected state %d from the other end (waiting for %d)" % (state, want))


def _send(sock, data):
    try:
        sock.write(data)
    except OSError as e:
        raise IperfError("sending: %s" % cmdargs.strerror(e))


def _send_state(ctrl, state):
    _send(ctrl, bytes([state & 0xFF]))


def _send_json(ctrl, doc):
    import json
    import struct
    text = json.dumps(doc).encode()
    _send(ctrl, struct.pack("!I", len(text)) + text)


def _read_json(ctrl):
    import json
    import struct
    size = struct.unpack("!I", _read(ctrl, 4, "a JSON length"))[0]
    if not 0 < size <= _JSON_MAX:
        raise IperfError("the other end sent a JSON document of %d bytes (at most %d taken)"
                         % (size, _JSON_MAX))
    try:
        doc = json.loads(_read(ctrl, size, "JSON"))
    except ValueError:
        raise IperfError("the other end sent JSON that does not parse")
    if not isinstance(doc, dict):
        raise IperfError("the other end sent JSON that is not an object")
    return doc


def _results(count, seconds, sender):
    """The result document iperf3 expects of one end."""
    return {"cpu_util_total": 0, "cpu_util_user": 0, "cpu_util_system": 0,
            "sender_has_retransmits": 0 if sender else -1,
            "streams": [{"id": STREAM, "bytes": count, "retransmits": -1, "jitter": 0,
                         "errors": 0, "omitted_errors": 0, "packets": 0, "omitted_packets": 0,
                         "start_time": 0, "end_time": seconds}]}


def _their_stream(doc):
    """(bytes, seconds) of the other end's results."""
    try:
        stream = doc["streams"][0]
        return int(stream["bytes"]), float(stream.get("end_time", 0)) - float(stream.get("start_time", 0))
    except (KeyError, IndexError, TypeError, ValueError):
        raise IperfError("the other end's results have no stream")


def _unit(value, base, names):
    i = 0
    while value >= base and i < len(names) - 1:
        value /= base
        i += 1
    form = "%4.2f %s" if value < 9.995 else "%4.1f %s" if value < 99.95 else "%4.0f %s"
    return form % (value, names[i])


def _line(start, end, count, role=""):
    """A report line: the interval, what was moved, the bitrate."""
    span = end - start
    rate = count * 8 / span if span > 0 else 0
    return "[%3d] %6.2f-%-6.2f sec  %s  %s/sec                  %s" % (
        STREAM, start, end, _unit(count, 1024, ("Bytes", "KBytes", "MBytes", "GBytes", "TBytes")),
        _unit(rate, 1000, ("bits", "Kbits", "Mbits", "Gbits", "Tbits")), role)


def _summary(mine, theirs, seconds, sending):
    """The closing lines: the sender's total, then the receiver's."""
    their_count, their_seconds = theirs
    lines = [(mine, seconds), (their_count, their_seconds or seconds)]
    if not sending:
        lines.reverse()
    print(_SEPARATOR)
    print(HEADER)
    print(_line(0, lines[0][1], lines[0][0], "sender"))
    print(_line(0, lines[1][1], lines[1][0], "receiver"))


def _transfer(data, ctrl, sending, limit_ms):
    """Send or receive on data, printing each second's bandwidth, until
    limit_ms passed (the client's end) or a state comes on ctrl (the
    server's end); (bytes, seconds, state or None)."""
    import select
    import time
    buf = bytearray(BLOCK)
    poller = _poller(ctrl)
    poller.register(data, select.POLLOUT if sending else select.POLLIN)
    start = time.ticks_ms()
    mark = total = count = 0
    state = None
    while True:
        if munix.stopping():
            raise Stopped()
        elapsed = time.ticks_diff(time.ticks_ms(), start)
        if elapsed - mark >= 1000 or (limit_ms and elapsed >= limit_ms):
            # A last piece shorter than a tenth of a second is not worth a line.
            if elapsed - mark >= 100 or not mark:
                print(_line(mark / 1000, elapsed / 1000, count))
            mark, count = elapsed, 0
        if limit_ms and elapsed >= limit_ms:
            break
        events = poller.poll(SLICE_MS)
        for event in events:
            if event[0] is ctrl:
                state = _state(ctrl)
                break
            try:
                if sending:
                    data.write(buf)
                    n = BLOCK
                else:
                    n = data.readinto(buf)
            except OSError as e:
                raise IperfError("data connection: %s" % cmdargs.strerror(e))
            if not n:
                poller.unregister(data)
                data = None
                if limit_ms:
                    raise IperfError("the server closed the data connection")
            count += n
            total += n
        if state is not None:
            elapsed = time.ticks_diff(time.ticks_ms(), start)
            if elapsed - mark >= 100:
                print(_line(mark / 1000, elapsed / 1000, count))
            return total, elapsed / 1000, state
    return total, elapsed / 1000, None


def _connect(addr):
    import socket
    sock = socket.socket()
    sock.settimeout(TIMEOUT)
    try:
        sock.connect(addr)
    except OSError as e:
        sock.close()
        raise IperfError("unable to connect to the server: %s" % cmdargs.strerror(e))
    return sock


# The client


def _cookie():
    import random
    return ("".join(_COOKIE_CHARS[random.getrandbits(5)] for _ in range(_COOKIE_SIZE - 1))
            + "\0").encode()


def _client(host, port, seconds, reverse):
    import inet
    try:
        addr = inet.resolve(host, port)
    except OSError:
        raise IperfError("%s: host not found" % host)
    print("Connecting to host %s, port %d" % (host, port))
    if reverse:
        print("Reverse mode, remote host %s is sending" % host)
    ctrl = _connect(addr)
    data = None
    done = False
    try:
        cookie = _cookie()
        _send(ctrl, cookie)
        _expect(ctrl, PARAM_EXCHANGE)
        params = {"tcp": True, "omit": 0, "time": seconds, "num": 0, "blockcount": 0,
                  "parallel": 1, "len": BLOCK, "pacing_timer": 1000,
                  "client_version": "munix " + munix.VERSION}
        if reverse:
            params["reverse"] = True
        _send_json(ctrl, params)
        _expect(ctrl, CREATE_STREAMS)
        data = _connect(addr)
        _send(data, cookie)
        print("[%3d] connected to %s port %d" % (STREAM, inet.ntoa(addr), port))
        _expect(ctrl, TEST_START)
        _expect(ctrl, TEST_RUNNING)
        print(HEADER)
        total, elapsed, state = _transfer(data, ctrl, not reverse, seconds * 1000)
        if state is not None:
            raise IperfError("unexpected state %d from the server" % state)
        _send_state(ctrl, TEST_END)
        _expect(ctrl, EXCHANGE_RESULTS)
        _send_json(ctrl, _results(total, elapsed, not reverse))
        theirs = _their_stream(_read_json(ctrl))
        _expect(ctrl, DISPLAY_RESULTS)
        _summary(total, theirs, elapsed, not reverse)
        _send_state(ctrl, IPERF_DONE)
        done = True
        print("\niperf Done.")
        return 0
    finally:
        if not done:
            _farewell(ctrl, CLIENT_TERMINATE)
        if data:
            data.close()
        ctrl.close()


def _farewell(ctrl, state):
    """Tell the other end this one is leaving, if it still listens."""
    try:
        ctrl.settimeout(1)
        ctrl.write(bytes([state]))
    except OSError:
        pass


# The server


def _server(port, once):
    import socket
    listener = socket.socket()
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(socket.getaddrinfo("0.0.0.0", port)[0][-1])
        listener.listen(2)
    except OSError as e:
        listener.close()
        raise IperfError("port %d: %s" % (port, cmdargs.strerror(e)))
    status = 0
    tests = 0
    try:
        while True:
            tests += 1
            print("-----------------------------------------------------------")
            print("Server listening on %d (test #%d)" % (port, tests))
            print("-----------------------------------------------------------")
            ctrl, addr = _accept(listener, None)
            try:
                _serve(listener, ctrl, addr, port)
                status = 0
            except IperfError as e:
                status = cmdargs.error(None, str(e))
            finally:
                ctrl.close()
            if once:
                return status
    finally:
        listener.close()


def _accept(listener, limit_ms):
    """The next connection and its address, the connection's timeout set;
    waited for without end when limit_ms is None."""
    while True:
        if not _ready(_poller(listener), limit_ms or 3600000):
            if limit_ms:
                raise IperfError("the client opened no data connection")
            continue
        try:
            sock, addr = listener.accept()
        except OSError:
            continue
        sock.settimeout(TIMEOUT)
        return sock, addr


def _peer(addr):
    """(ip, port) of an address from accept()."""
    if isinstance(addr, tuple):
        return addr[0], addr[1]
    import inet
    import socket
    return inet.ntoa(addr), socket.sockaddr(addr)[2]


def _serve(listener, ctrl, addr, port):
    """Run the test the client on ctrl asks for."""
    ip, their_port = _peer(addr)
    print("Accepted connection from %s, port %d" % (ip, their_port))
    cookie = _read(ctrl, _COOKIE_SIZE, "the cookie")
    data = None
    done = False
    try:
        _send_state(ctrl, PARAM_EXCHANGE)
        params = _read_json(ctrl)
        problem = _unsupported(params)
        if problem:
            import struct
            _send(ctrl, bytes([SERVER_ERROR & 0xFF]) + struct.pack("!ii", _IEUNIMP, 0))
            done = True
            raise IperfError("refused a test %s" % problem)
        sending = bool(params.get("reverse"))
        _send_state(ctrl, CREATE_STREAMS)
        data = _data_connection(listener, cookie)
        _send_state(ctrl, TEST_START)
        _send_state(ctrl, TEST_RUNNING)
        print(HEADER)
        total, elapsed, state = _transfer(data, ctrl, sending, 0)
        if state != TEST_END:
            raise IperfError("unexpected state %d from the client" % state)
        data.close()
        data = None
        _send_state(ctrl, EXCHANGE_RESULTS)
        theirs = _their_stream(_read_json(ctrl))
        _send_json(ctrl, _results(total, elapsed, sending))
        _send_state(ctrl, DISPLAY_RESULTS)
        _summary(total, theirs, elapsed, sending)
        done = True
        # The client's goodbye (IPERF_DONE) or its closing: either ends it.
        try:
            _state(ctrl)
        except IperfError:
            pass
    finally:
        if not done:
            _farewell(ctrl, SERVER_TERMINATE)
        if data:
            data.close()


def _unsupported(params):
    """What of the client's parameters this server cannot do; None when
    it can do them all."""
    if not params.get("tcp"):
        return "that is not TCP"
    if params.get("parallel", 1) != 1:
        return "of %s parallel streams (one is served)" % params.get("parallel")
    if params.get("bidirectional"):
        return "in both directions"
    if params.get("num") or params.get("blockcount"):
        return "of a size in bytes or blocks (a time is served)"
    return None


def _data_connection(listener, cookie):
    """The test's data connection: the next one that brings the cookie;
    others are refused (iperf3's busy answer) and closed."""
    import time
    start = time.ticks_ms()
    while True:
        left = TIMEOUT * 1000 - time.ticks_diff(time.ticks_ms(), start)
        if left <= 0:
            raise IperfError("the client opened no data connection")
        sock, addr = _accept(listener, left)
        try:
            if _read(sock, _COOKIE_SIZE, "the cookie") == cookie:
                ip, their_port = _peer(addr)
                print("[%3d] connected to %s port %d" % (STREAM, ip, their_port))
                return sock
            sock.write(bytes([ACCESS_DENIED & 0xFF]))
        except (IperfError, OSError):
            pass
        sock.close()
