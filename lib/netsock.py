"""The sockets of the network servers (netd's daemons, the shared
console): the board's address they listen on, a listening socket, a
client refused in words, a client's address. Apart from netd, whose code
the shared console does without, and from inet, whose code (and names,
interned for good) a daemon's start does without."""
import socket
import sys

_SINK = bytearray(64)   # what a refused client sent, read (refuse)


def address():
    """The board's own address, which its daemons listen on: the station's
    when connected, else the access point's when active, else every
    interface (0.0.0.0). On the
    unix port (the simulator) 127.0.0.1, so that a simulated board is never
    reachable from the PC's network unless asked (the simulated Wi-Fi also
    gives 127.0.0.1 once connected)."""
    try:
        import network
        for interface in (network.STA_IF, network.AP_IF):
            wlan = network.WLAN(interface)
            up = wlan.isconnected() if interface == network.STA_IF else wlan.active()
            if up:
                ip = wlan.ifconfig()[0]
                if ip != "0.0.0.0":
                    return ip
    except (ImportError, AttributeError, OSError):
        pass
    return "127.0.0.1" if sys.platform == "linux" else "0.0.0.0"


def listen(host, port, backlog=2):
    """A TCP socket listening on host:port."""
    sock = socket.socket()
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(socket.getaddrinfo(host, port)[0][-1])
        sock.listen(backlog)
    except Exception:
        sock.close()
        raise
    return sock


def refuse(client, busy):
    """Tell client busy and close it, what it sent read first: a socket
    closed with data unread is reset, and the client may lose the words
    (an HTTP request; a telnet client's options). Read into a buffer of its
    own, as the heap may be full, and never waiting: the heap may have run
    out before the client was made non-blocking."""
    try:
        client.setblocking(False)
        for _ in range(64):
            if not client.readinto(_SINK):
                break
        client.write(busy)
    except OSError:
        pass
    client.close()


def peer_ip(addr):
    """The IP of an address from accept(): a tuple on boards, a raw
    sockaddr on the unix port."""
    if isinstance(addr, tuple):
        return addr[0]
    family, ip, _ = socket.sockaddr(addr)
    return socket.inet_ntop(family, ip)
