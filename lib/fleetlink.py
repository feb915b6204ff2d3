"""What fleetd and `on` share: the "fleet" section of /etc/system.conf,
the fleet's topics and a connection to its broker.

    munix/NAME/status       retained JSON status; {"name", "online": false} as last will
    munix/NAME/cmd          {"id", "cmd"[, "ts", "sig"]}: a command for board NAME
    munix/NAME/result/ID    {"id", "name", "status", "output", "ms"[, "error"]}

Loaded by fleetd and by `on` while it runs.
"""
import system
from micropython import const

ROOT = "munix/"
TIMEOUT = 10          # seconds to connect and to hear the broker
STATUS_REFUSED = 126  # a command refused (not run): its result's status
# Bytes of a command's output kept for its result unless the "output_max"
# setting says (up to _OUTPUT_LIMIT): the result is built whole (text,
# JSON, bytes), and a board's heap, cut up by what ran, often has no
# larger block free.
OUTPUT_MAX = 2048
_OUTPUT_LIMIT = const(16384)
SIGNED = "munix-fleet 1\n"  # what the signed text begins with


class FleetError(Exception):
    """Why the fleet cannot be reached, in one line."""


def settings():
    """The "fleet" section of /etc/system.conf ({} when missing)."""
    section = system.conf.get("fleet")
    return section if isinstance(section, dict) else {}


def output_max(conf):
    """The "output_max" setting; ValueError when it is no number of bytes
    up to _OUTPUT_LIMIT."""
    found = conf.get("output_max", OUTPUT_MAX)
    if type(found) is not int or not 0 < found <= _OUTPUT_LIMIT:
        raise ValueError("fleet.output_max: a number of bytes, 1 to %d" % _OUTPUT_LIMIT)
    return found


def board_name(conf):
    """This board's name in the fleet: "name", else the hostname."""
    return str(conf.get("name") or system.conf.get("hostname") or "munix")


def good_name(text):
    """True when text can name a board or a request: one topic level of
    letters, digits, - _ and ., 1 to 64 of them."""
    if not 0 < len(text) <= 64:
        return False
    # Its bytes: a character taken from a str is a name MicroPython keeps
    # for good, and these come from other boards.
    for b in text.encode():
        if not (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122 or b in b"-_."):
            return False
    return True


def topic(name, what):
    return ROOT + name + "/" + what


def signed_text(name, request, ts, cmd):
    """The bytes a command's signature covers: the board it is for, its id
    and time, so that it runs nowhere else, once, and not later."""
    return ("%s%s\n%s\n%d\n%s" % (SIGNED, name, request, ts, cmd)).encode()


def password(conf):
    """The broker password of the "password_file" setting, or None when no
    "user" is set."""
    if not conf.get("user"):
        return None
    path = conf.get("password_file")
    if not path:
        raise FleetError("fleet.user is set but not fleet.password_file")
    try:
        with open(path) as f:
            return f.read().strip("\r\n")
    except OSError:
        raise FleetError("%s: cannot read the broker password" % path)


def connect(conf, client_id, will=None, clean=True, max_packet=None, drop_large=False):
    """An mqtt.Client connected to the fleet's broker as conf says ("host",
    "port", "tls", "ca", "user", "password_file", "keepalive"); FleetError
    or mqtt.MQTTError when it cannot be."""
    import mqtt
    host = conf.get("host")
    if not host:
        raise FleetError("no broker: set fleet.host in /etc/system.conf")
    tls = bool(conf.get("tls"))
    try:
        port = int(conf.get("port") or (8883 if tls else 1883))
        keepalive = int(conf.get("keepalive", 60))
    except (TypeError, ValueError):
        raise FleetError("fleet.port and fleet.keepalive are numbers")
    secret = password(conf)
    ca = conf.get("ca") or (system.conf.get("upgrade") or {}).get("ca", "/etc/ca.pem")
    sock = mqtt.open_socket(host, port, tls, ca, TIMEOUT)
    client = mqtt.Client(sock, keepalive, max_packet or mqtt.MAX_PACKET, drop_large)
    try:
        client.connect(client_id, conf.get("user") or None, secret, will, clean)
    except mqtt.MQTTError as e:
        client.close()
        # Named as the socket's own errors are (open_socket).
        raise mqtt.MQTTError("%s:%d: %s" % (host, port, e))
    except BaseException:
        client.close()
        raise
    return client
