"""``munix fleet deploy``: files from the host onto boards of the fleet.

The host serves the files over HTTP, for the time of the deploy, at
paths holding a random token, on its address towards the broker (or
--serve); each board chosen is sent the fleet commands
``mkdir -p FOLDER`` for each folder and ``wget -q -T 30 -O PATH URL`` for
each file, one after the other, all boards at once. wget writes PATH.part and renames it over
PATH only once the whole body has come, so a board keeps its old file
when a download fails, and it refuses the system's protected files.
"""

import json
import secrets
import socket
import sys
import threading
import time
from pathlib import Path

from munixtool import MunixError
from munixtool.mqttlite import MQTTError


def add_parser(verbs):
    dep = verbs.add_parser("deploy", help="copy files from this computer onto boards")
    dep.add_argument("names", nargs="*", metavar="NAME", help="the boards (or --all, --tag)")
    dep.add_argument("--all", action="store_true", help="every board online")
    dep.add_argument("--tag", action="append", default=[], metavar="T",
                     help="the boards online with tag T (repeatable)")
    dep.add_argument("--put", nargs=2, action="append", required=True, metavar=("FILE", "PATH"),
                     help="copy FILE to PATH on each board (repeatable)")
    dep.add_argument("--serve", metavar="HOST[:PORT]",
                     help="where the boards fetch the files (this computer's address towards "
                          "the broker, a free port)")
    dep.add_argument("-t", "--timeout", type=float, default=60, metavar="SECONDS",
                     help="for each file's result (60)")
    dep.add_argument("--sign", type=Path, metavar="KEY",
                     help="sign the commands with this private key (boards with fleet.sign)")
    return dep


def _files(args) -> list[tuple[bytes, str]]:
    found = []
    for local, remote in args.put:
        if (not remote.startswith("/") or remote.endswith("/") or "//" in remote
                or not all(c.isascii() and (c.isalnum() or c in "/._-") for c in remote)):
            raise MunixError(f"{remote}: a board's path from / to a file, of letters, digits "
                             "and / . _ -")
        try:
            found.append((Path(local).read_bytes(), remote))
        except OSError as error:
            raise MunixError(f"{local}: {error.strerror or error}") from None
    return found


def _address(args) -> tuple[str, int]:
    host, port = args.serve or "", "0"
    if ":" in host:
        host, _, port = host.rpartition(":")
    if not host:
        # The address this computer reaches the broker from: the boards
        # reach the broker, and so, as a rule, this computer there.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.connect((args.host, 9))
                host = s.getsockname()[0]
            except OSError as error:
                raise MunixError(f"{args.host}: {error.strerror or error} "
                                 "(--serve HOST tells where the boards fetch the files)") from None
    try:
        return host, int(port or 0)
    except ValueError:
        raise MunixError(f"{args.serve}: not HOST[:PORT]") from None


def main(args) -> int:
    # Here, not at the top: every munix command builds fleet's parser, and
    # http.server's imports took a tenth of a second of each (munix sim).
    import http.server

    from munixtool import fleet
    files = _files(args)
    token = secrets.token_hex(8)
    served = {"/%s/%d" % (token, i): data for i, (data, _) in enumerate(files)}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def do_GET(self) -> None:
            data = served.get(self.path)
            if data is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    address = _address(args)
    try:
        server = http.server.ThreadingHTTPServer(address, Handler)
    except OSError as error:
        raise MunixError(f"{address[0]}:{address[1]}: {error.strerror or error}") from None
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://%s:%d/%s/" % (address[0], server.server_address[1], token)
    client = fleet.connect(args)
    try:
        found = fleet.statuses(client)
        chosen = fleet.select(args, args.names, found)
        missing = [n for n in chosen if not (found.get(n) or {}).get("online")]
        if missing:
            raise MunixError("not online, nothing done: " + ", ".join(
                "%s (%s)" % (n, "offline" if n in found else "unknown") for n in missing))
        rid = "dep-" + secrets.token_hex(5)
        client.subscribe(["munix/%s/result/#" % n for n in chosen])
        # The commands each board runs, one after the other: plain words,
        # no quotes nor &&, whose parsing takes more heap than an ESP32
        # without PSRAM has beside fleetd.
        steps = []
        for folder in dict.fromkeys(remote.rsplit("/", 1)[0] for _, remote in files):
            if folder:
                steps.append((folder, "mkdir -p " + folder))
        for i, (_, remote) in enumerate(files):
            steps.append((remote, "wget -q -T 30 -O %s %s%d" % (remote, base, i)))
        # Per board: the index of the step under way, or None once done.
        state = {n: {"at": 0, "sent": 0.0, "error": None, "ms": 0} for n in chosen}

        def send(name):
            i = state[name]["at"]
            client.publish("munix/%s/cmd" % name,
                           fleet.request(args, name, "%s-%d" % (rid, i), steps[i][1]), 1)
            state[name]["sent"] = time.monotonic()

        for name in chosen:
            send(name)
        while any(s["at"] is not None for s in state.values()):
            message = client.wait(0.1)
            now = time.monotonic()
            for name, s in state.items():
                if s["at"] is not None and now - s["sent"] > args.timeout:
                    s["error"] = "%s: no answer within %g s" % (steps[s["at"]][0], args.timeout)
                    s["at"] = None
            if message is None:
                continue
            parts = message[0].split("/")
            if len(parts) != 4 or parts[1] not in state or parts[2] != "result":
                continue
            s = state[parts[1]]
            if s["at"] is None or parts[3] != "%s-%d" % (rid, s["at"]):
                continue
            try:
                result = json.loads(message[1])
            except ValueError:
                continue
            if not isinstance(result, dict):
                continue
            s["ms"] += result.get("ms") or 0
            if result.get("status") != 0:
                output = str(result.get("output") or "").strip()
                why = result.get("error") or (output.splitlines()[-1] if output else "")
                s["error"] = "%s: status %s: %s" % (steps[s["at"]][0], result.get("status"),
                                                    why or "no output")
                s["at"] = None
            elif s["at"] + 1 < len(steps):
                s["at"] += 1
                send(parts[1])
            else:
                s["at"] = None
    except MQTTError as error:
        raise MunixError(f"broker {args.host}: {error}") from None
    finally:
        client.close()
        server.shutdown()
        server.server_close()
    size = sum(len(data) for data, _ in files)
    failed = 0
    for name in chosen:
        s = state[name]
        if s["error"]:
            failed += 1
            print("== %s: FAILED: %s ==" % (name, s["error"]))
        else:
            print("== %s: %d file%s, %d bytes, %d ms ==" % (name, len(files), "" if len(files) == 1
                                                           else "s", size, s["ms"]))
    if failed:
        print("munix fleet deploy: %d of %d boards failed" % (failed, len(chosen)), file=sys.stderr)
    return 1 if failed else 0
