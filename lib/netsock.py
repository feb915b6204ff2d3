"""The sockets of the network servers (netd's daemons, the shared
console): a listening socket, a client refused in words, a client's
address. Apart from netd, whose code the shared console does without."""
import socket

_SINK = bytearray(64)   # what a refused client sent, read (refuse)


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
