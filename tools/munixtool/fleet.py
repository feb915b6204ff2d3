"""``munix fleet ls|run|metrics|upgrade|deploy``: the boards whose fleetd reports to a broker.

ls reads the retained statuses of munix/+/status (a board's last will
marks it offline) and asks the local network too, by a UDP broadcast
fleetd answers (lib/fleetbeacon.py); run publishes a command on munix/NAME/cmd of each
board chosen and prints each one's result, grouped per board; metrics
turns the statuses into Prometheus's text format, printed once or served
on an HTTP port for Prometheus to scrape; upgrade and deploy are
fleet_upgrade.py's and fleet_deploy.py's.
The topics and the signed text are lib/fleetlink.py's.
"""

import json
import secrets
import socket
import sys
import time
from pathlib import Path

from munixtool import MunixError
from munixtool.mqttlite import Client, MQTTError

SETTLE = 0.5     # seconds without a new retained status: all came
LIST_MAX = 5     # seconds to gather statuses at most
SIGNED = "munix-fleet 1\n"
LAN_PORT = 5456              # lib/fleetbeacon.py's
LAN_QUERY = b"munix-fleet?"


def add_verbs(fleet) -> None:
    """The verbs and options of `munix fleet` (cli.py makes its parser)."""
    fleet.add_argument("-h", "--help", action="help", help="show this help message and exit")
    verbs = fleet.add_subparsers(dest="verb", metavar="ls|run|metrics|upgrade|deploy", required=True)
    ls = verbs.add_parser("ls", help="the boards, online or offline, with their status")
    ls.add_argument("--lan", default="255.255.255.255", metavar="ADDRESS[:PORT]",
                    help="ask the local network too: a UDP broadcast to ADDRESS (255.255.255.255)"
                         " and PORT (%d), which fleetd answers" % LAN_PORT)
    ls.add_argument("--lan-wait", type=float, default=1, metavar="SECONDS",
                    help="wait this long for the answers (1; 0: do not ask)")
    ls.add_argument("--no-broker", action="store_true", help="ask the local network only")
    metrics = verbs.add_parser("metrics", help="the boards' statuses in Prometheus's text format")
    metrics.add_argument("--listen", metavar="[HOST:]PORT",
                         help="serve them at http://HOST:PORT/metrics (HOST 127.0.0.1), kept up"
                              " to date from the broker, instead of printing them once")
    run = verbs.add_parser("run", help="run a command on boards, output grouped per board")
    run.add_argument("words", nargs="+", metavar="[NAME...] COMMAND",
                     help="the boards' names, then the command line (quoted)")
    run.add_argument("--all", action="store_true", help="every board online")
    run.add_argument("--tag", action="append", default=[], metavar="T",
                     help="the boards online with tag T (repeatable)")
    run.add_argument("-t", "--timeout", type=float, default=30, metavar="SECONDS",
                     help="wait this long for the results (30)")
    run.add_argument("--sign", type=Path, metavar="KEY",
                     help="sign each command with this private key (boards with fleet.sign)")
    from munixtool import fleet_deploy, fleet_upgrade
    upgrade = fleet_upgrade.add_parser(verbs)
    deploy = fleet_deploy.add_parser(verbs)
    for verb in (ls, run, metrics, upgrade, deploy):
        verb.add_argument("-H", "--host", default="localhost", help="the broker (localhost)")
        verb.add_argument("-p", "--port", type=int, help="its port (1883, 8883 with --tls)")
        verb.add_argument("--tls", action="store_true", help="TLS, the broker's certificate checked")
        verb.add_argument("--cafile", help="the CA to check it against (default: the system's)")
        verb.add_argument("-u", "--user", help="broker user")
        verb.add_argument("--password-file", type=Path, metavar="FILE",
                          help="broker password, the file's first line")


def connect(args) -> Client:
    password = None
    if args.password_file:
        try:
            password = args.password_file.read_text().splitlines()[0]
        except (OSError, IndexError) as error:
            raise MunixError(f"{args.password_file}: cannot read a password: {error}") from None
    if (args.user is None) != (password is None):
        raise MunixError("--user and --password-file go together")
    port = args.port or (8883 if args.tls else 1883)
    try:
        client = Client(args.host, port, args.tls, args.cafile)
        client.connect("munix-host-" + secrets.token_hex(4), args.user, password)
    except MQTTError as error:
        raise MunixError(f"broker {args.host}:{port}: {error}") from None
    return client


def statuses(client: Client) -> dict[str, dict]:
    """{name: status} of every board that has published one."""
    client.subscribe(["munix/+/status"])
    found: dict[str, dict] = {}
    start = last = time.monotonic()
    while time.monotonic() - last < SETTLE and time.monotonic() - start < LIST_MAX:
        message = client.wait(0.1)
        if message is None:
            continue
        topic, payload, _ = message
        name = topic.split("/")[1]
        try:
            status = json.loads(payload)
        except ValueError:
            continue
        if isinstance(status, dict):
            found[name] = status
            last = time.monotonic()
    return found


def lan(where: str, wait: float) -> dict[str, dict]:
    """{name: answer} of the boards whose fleetd answered a query
    broadcast to where (ADDRESS[:PORT]) within wait seconds."""
    address, _, port = where.partition(":")
    try:
        target = (address, int(port or LAN_PORT))
    except ValueError:
        raise MunixError(f"{where}: not ADDRESS[:PORT]") from None
    found: dict[str, dict] = {}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        try:
            s.sendto(LAN_QUERY, target)
        except (OSError, OverflowError) as error:
            raise MunixError(f"the local network ({where}): "
                             f"{getattr(error, 'strerror', None) or error}") from None
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            s.settimeout(left)
            try:
                data = s.recv(2048)
            except TimeoutError:
                break
            except OSError:
                continue
            try:
                answer = json.loads(data)
            except ValueError:
                continue
            if isinstance(answer, dict) and isinstance(answer.get("name"), str):
                found[answer["name"]] = answer
    return found


def ls(args) -> int:
    found: dict[str, dict] = {}
    if not args.no_broker:
        client = connect(args)
        try:
            found = statuses(client)
        finally:
            client.close()
    answered = lan(args.lan, args.lan_wait) if args.lan_wait > 0 else {}
    if not (found or answered):
        print("munix fleet: no board has a status on the broker%s" % (
            " nor answered on the local network" if args.lan_wait > 0 else ""), file=sys.stderr)
        return 1
    rows = [("NAME", "STATE", "BOARD", "MUNIX", "UPTIME", "HEAP FREE", "IP", "TAGS")]
    for name in sorted(set(found) | set(answered)):
        s = found.get(name, {})
        if name in answered and not s.get("online"):
            # Not on the broker (none, another, or it cannot reach it), but there.
            a = answered[name]
            rows.append((name, "lan", str(a.get("board") or ""), str(a.get("munix") or ""), "", "",
                         str(a.get("ip") or ""), ""))
        elif s.get("online"):
            rows.append((name, "online", str(s.get("board", "")), str(s.get("munix", "")),
                         _duration(s.get("uptime")), "%.1fK" % (s.get("heap_free", 0) / 1024),
                         str(s.get("ip", "")), ",".join(map(str, s.get("tags") or []))))
        else:
            rows.append((name, "offline", "", "", "", "", "", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    return 0


def _duration(seconds) -> str:
    if not isinstance(seconds, int):
        return ""
    days, rest = divmod(seconds, 86400)
    text = "%d:%02d:%02d" % (rest // 3600, rest // 60 % 60, rest % 60)
    return "%dd %s" % (days, text) if days else text


def _chosen(args, found: dict[str, dict]) -> tuple[list[str], str]:
    """The boards to run on, and the command line."""
    *names, command = args.words
    if not command.strip():
        raise MunixError("no command given")
    return select(args, names, found), command


def select(args, names: list[str], found: dict[str, dict]) -> list[str]:
    """The boards named, or those online with a tag (--tag), or all those
    online (--all)."""
    if not (names or args.all or args.tag):
        raise MunixError("name boards, or give --all or --tag T")
    if names and (args.all or args.tag):
        raise MunixError("name boards or give --all/--tag, not both")
    online = [n for n in sorted(found) if found[n].get("online")]
    if args.all:
        chosen = online
    elif args.tag:
        chosen = [n for n in online if set(args.tag) & set(found[n].get("tags") or [])]
    else:
        chosen = list(dict.fromkeys(names))
    if not chosen:
        raise MunixError("no board online matches")
    return chosen


def request(args, name: str, rid: str, command: str) -> str:
    request = {"id": rid, "cmd": command, "from": "host"}
    if args.sign:
        from munixtool import release
        ts = int(time.time())
        text = "%s%s\n%s\n%d\n%s" % (SIGNED, name, rid, ts, command)
        request.update(ts=ts, sig=release.sign(args.sign, text.encode()).hex())
    return json.dumps(request)


def run(args) -> int:
    client = connect(args)
    try:
        found = statuses(client)
        chosen, command = _chosen(args, found)
        rid = "host-" + secrets.token_hex(6)
        client.subscribe(["munix/+/result/" + rid])
        results: dict[str, dict] = {}
        for name in chosen:
            if name in found and not found[name].get("online"):
                results[name] = {"status": None, "error": "offline"}
            elif name not in found:
                results[name] = {"status": None, "error": "unknown: no status on the broker"}
            else:
                client.publish("munix/%s/cmd" % name, request(args, name, rid, command), 1)
        deadline = time.monotonic() + args.timeout
        while len(results) < len(chosen) and time.monotonic() < deadline:
            message = client.wait(0.1)
            if message is None:
                continue
            # Statuses come too, on the subscription statuses() made.
            parts = message[0].split("/")
            if len(parts) != 4 or parts[2:] != ["result", rid] or parts[1] not in chosen:
                continue
            try:
                result = json.loads(message[1])
            except ValueError:
                continue
            if isinstance(result, dict):
                results[parts[1]] = result
    except MQTTError as error:
        raise MunixError(f"broker {args.host}: {error}") from None
    finally:
        client.close()
    failed = 0
    for name in chosen:
        result = results.get(name, {"status": None,
                                    "error": "no answer within %g s" % args.timeout})
        status = result.get("status")
        head = "status %s, %s ms" % (status, result.get("ms")) if status is not None else ""
        if result.get("error"):
            head = (head + ", " if head else "") + str(result["error"])
        print("== %s: %s ==" % (name, head))
        output = str(result.get("output") or "")
        sys.stdout.write(output if not output or output.endswith("\n") else output + "\n")
        failed += status != 0
    return 1 if failed else 0


# Metrics

# (name, HELP, status key) of the gauges a board's status gives.
GAUGES = (("munix_board_uptime_seconds", "Seconds since the board booted.", "uptime"),
          ("munix_board_heap_free_bytes", "The board's free heap.", "heap_free"),
          ("munix_board_flash_free_bytes", "Free space of the board's flash.", "flash_free"),
          ("munix_board_rssi_dbm", "The board's Wi-Fi signal.", "rssi"))


def _labels(labels: dict) -> str:
    if not labels:
        return ""

    def escape(value) -> str:
        return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return "{" + ",".join('%s="%s"' % (k, escape(labels[k])) for k in sorted(labels)) + "}"


def exposition(found: dict[str, dict], broker_up: bool | None = None) -> str:
    """The fleet's statuses in Prometheus's text format 0.0.4."""
    out = []

    def family(name: str, about: str, samples: list[tuple[dict, float]]) -> None:
        if samples:
            out.append("# HELP %s %s\n# TYPE %s gauge\n" % (name, about, name))
            out.extend("%s%s %s\n" % (name, _labels(labels), _number(value))
                       for labels, value in samples)

    names = sorted(found)
    online = [n for n in names if found[n].get("online")]
    if broker_up is not None:
        family("munix_fleet_broker_connected", "1 when munix fleet metrics is connected to the broker.",
               [({}, int(broker_up))])
    family("munix_fleet_boards", "Boards with a status on the broker.", [({}, len(names))])
    family("munix_board_online", "1 when the board is online, 0 when its last will said offline.",
           [({"name": n}, int(n in online)) for n in names])
    family("munix_board_info", "The board's kind, versions, address and tags.",
           [({"name": n, "board": found[n].get("board") or "", "munix": found[n].get("munix") or "",
              "micropython": found[n].get("micropython") or "", "ip": found[n].get("ip") or "",
              "tags": ",".join(map(str, found[n].get("tags") or []))}, 1) for n in online])
    for name, about, key in GAUGES:
        family(name, about, [({"name": n}, found[n][key]) for n in online
                             if isinstance(found[n].get(key), (int, float))
                             and not isinstance(found[n].get(key), bool)])
    family("munix_board_daemons", "Daemons running on the board.",
           [({"name": n}, len(found[n].get("daemons") or [])) for n in online])
    return "".join(out)


def _number(value) -> str:
    return "%d" % value if isinstance(value, int) or float(value).is_integer() else repr(float(value))


class Watcher:
    """The latest status of every board, kept from a subscription to
    munix/+/status by a thread of its own, connecting again when the
    broker goes."""

    def __init__(self, args):
        import threading
        self.args = args
        self.found: dict[str, dict] = {}
        self.connected = False
        self.error = ""
        self.lock = threading.Lock()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self) -> None:
        wait = 1
        while True:
            try:
                client = connect(self.args)
            except MunixError as error:
                self.error = str(error)
                time.sleep(wait)
                wait = min(wait * 2, 30)
                continue
            wait = 1
            try:
                client.subscribe(["munix/+/status"])
                self.connected = True
                while True:
                    message = client.wait(1)
                    if message is None:
                        continue
                    name, status = _status(message)
                    if name is not None:
                        with self.lock:
                            if status is None:      # the retained status cleared
                                self.found.pop(name, None)
                            else:
                                self.found[name] = status
            except MQTTError as error:
                self.error = str(error)
            finally:
                self.connected = False
                client.sock.close()

    def text(self) -> str:
        with self.lock:
            return exposition(dict(self.found), self.connected)


def _status(message) -> tuple[str | None, dict | None]:
    """(board name, its status) of a status message; (name, None) for an
    empty one, (None, None) for one that is not a status."""
    topic, payload, _ = message
    parts = topic.split("/")
    if len(parts) != 3 or parts[0] != "munix" or parts[2] != "status":
        return None, None
    if not payload:
        return parts[1], None
    try:
        status = json.loads(payload)
    except ValueError:
        return None, None
    return (parts[1], status) if isinstance(status, dict) else (None, None)


def metrics(args) -> int:
    if not args.listen:
        client = connect(args)
        try:
            found = statuses(client)
        except MQTTError as error:
            raise MunixError(f"broker {args.host}: {error}") from None
        finally:
            client.close()
        sys.stdout.write(exposition(found))
        return 0
    import http.server
    host, _, port = args.listen.rpartition(":")
    try:
        address = (host or "127.0.0.1", int(port))
    except ValueError:
        raise MunixError(f"{args.listen}: not [HOST:]PORT") from None
    watcher = Watcher(args)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def answer(self, status: int, body: str, kind: str, extra=()) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for header in extra:
                self.send_header(*header)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.split("?")[0] != "/metrics":
                self.answer(404, "only /metrics here\n", "text/plain; charset=utf-8")
            else:
                self.answer(200, watcher.text(), "text/plain; version=0.0.4; charset=utf-8")

        do_HEAD = do_GET

        def do_POST(self) -> None:
            self.answer(405, "only GET here\n", "text/plain; charset=utf-8", [("Allow", "GET, HEAD")])

        do_PUT = do_DELETE = do_POST

    try:
        server = http.server.ThreadingHTTPServer(address, Handler)
    except OSError as error:
        raise MunixError(f"{args.listen}: {error.strerror or error}") from None
    server.daemon_threads = True
    print("munix fleet: metrics of the boards on %s at http://%s:%d/metrics"
          % (args.host, address[0], server.server_address[1]), file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def main(args) -> int:
    if args.verb in ("upgrade", "deploy"):
        from munixtool import fleet_deploy, fleet_upgrade
        return (fleet_upgrade if args.verb == "upgrade" else fleet_deploy).main(args)
    if args.verb == "ls" and args.lan_wait < 0:
        raise MunixError("--lan-wait: not a number of seconds")
    return {"ls": ls, "run": run, "metrics": metrics}[args.verb](args)
