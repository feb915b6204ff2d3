"""``munix fleet ls|run``: the boards whose fleetd reports to a broker.

ls reads the retained statuses of munix/+/status (a board's last will
marks it offline); run publishes a command on munix/NAME/cmd of each
board chosen and prints each one's result, grouped per board. The topics
and the signed text are lib/fleetlink.py's.
"""

import json
import secrets
import sys
import time
from pathlib import Path

from munixtool import MunixError
from munixtool.mqttlite import Client, MQTTError

SETTLE = 0.5     # seconds without a new retained status: all came
LIST_MAX = 5     # seconds to gather statuses at most
SIGNED = "munix-fleet 1\n"


def add_parser(commands) -> None:
    fleet = commands.add_parser("fleet", help="the boards whose fleetd reports to an MQTT broker")
    verbs = fleet.add_subparsers(dest="verb", metavar="ls|run", required=True)
    ls = verbs.add_parser("ls", help="the boards, online or offline, with their status")
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
    for verb in (ls, run):
        verb.add_argument("-H", "--host", default="localhost", help="the broker (localhost)")
        verb.add_argument("-p", "--port", type=int, help="its port (1883, 8883 with --tls)")
        verb.add_argument("--tls", action="store_true", help="TLS, the broker's certificate checked")
        verb.add_argument("--cafile", help="the CA to check it against (default: the system's)")
        verb.add_argument("-u", "--user", help="broker user")
        verb.add_argument("--password-file", type=Path, metavar="FILE",
                          help="broker password, the file's first line")
    fleet.set_defaults(module="fleet")


def _connect(args) -> Client:
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


def ls(args) -> int:
    client = _connect(args)
    try:
        found = statuses(client)
    finally:
        client.close()
    if not found:
        print("munix fleet: no board has a status on the broker", file=sys.stderr)
        return 1
    rows = [("NAME", "STATE", "BOARD", "MUNIX", "UPTIME", "HEAP FREE", "IP", "TAGS")]
    for name in sorted(found):
        s = found[name]
        if s.get("online"):
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
    return chosen, command


def _request(args, name: str, rid: str, command: str) -> str:
    request = {"id": rid, "cmd": command, "from": "host"}
    if args.sign:
        from munixtool import release
        ts = int(time.time())
        text = "%s%s\n%s\n%d\n%s" % (SIGNED, name, rid, ts, command)
        request.update(ts=ts, sig=release.sign(args.sign, text.encode()).hex())
    return json.dumps(request)


def run(args) -> int:
    client = _connect(args)
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
                client.publish("munix/%s/cmd" % name, _request(args, name, rid, command), 1)
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


def main(args) -> int:
    return ls(args) if args.verb == "ls" else run(args)
