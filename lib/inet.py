"""Internet addresses for the network commands: a host name (or a dotted
address, with an optional :PORT) resolved to a socket address, and a
socket address shown as text (the board's own is netsock.address()). Ports differ in what getaddrinfo() returns:
a (host, port) tuple on boards, a packed sockaddr on the unix port; and
only the unix port has socket.inet_pton."""
import socket

import strsplit
# A socket address shown as text: the servers' (which do without this
# module), the one way.
from netsock import peer_ip as ntoa  # noqa: F401


def split_port(text, default):
    """("host", port) of "host" or "host:port"; ValueError for a bad port."""
    host, sep, port = strsplit.rpartition(text, ":")
    if not sep:
        return text, default
    number = int(port)
    if not 0 < number < 65536 or not host:
        raise ValueError("bad port")
    return host, number


def resolve(host, port, kind=socket.SOCK_STREAM):
    """The socket address of host:port for sockets of that kind; OSError
    when the name does not resolve."""
    try:
        found = socket.getaddrinfo(host, port, 0, kind)
    except OSError:
        found = None    # ports report it with codes of their own
    if not found:
        raise OSError("unknown host")
    return found[0][-1]


def aton(text):
    """The 4 bytes of a dotted IPv4 address (1.2.3.4); ValueError when
    text is not one."""
    parts = text.split(".")
    packed = bytes(int(p) for p in parts if p.isdigit() and len(p) <= 3 and int(p) < 256)
    if len(parts) != 4 or len(packed) != 4:
        raise ValueError("%s: not an IPv4 address" % text)
    return packed
