"""``munix fleet upgrade``: a staged rollout of a signed release.

Each board chosen runs the OTA it has, ``upgrade -y --url RELEASE``, sent
as a fleet command (munix/NAME/cmd, signed with --sign): it checks the
release's signature, downloads, restarts, installs and boots the new
version on probation (README, Upgrades). The host follows it through the
board's retained status: offline (its last will, or the goodbye of
fleetd stopping for the restart), then online again with the new version
in ``munix``; then asks it ``uname -r; test ! -e /.upgrade/state`` until
the probation has ended (the boot reached the end of rc.local).

The canary (--canary N boards) goes first, then batches of --batch M,
each batch's boards at once. The first board that fails (upgrade refused
the release, did not come back within --timeout, came back on its old
version because the new one was rolled back, or stays on probation) ends
the rollout after its batch: boards not yet begun are not touched, and
the exit status is 1.
"""

import secrets
import sys
import time
from pathlib import Path

from munixtool import MunixError
from munixtool.mqttlite import MQTTError

CHECK = "uname -r; test ! -e /.upgrade/state"
CHECK_EVERY = 1.0       # seconds between two health checks of a board on probation


def add_parser(verbs):
    up = verbs.add_parser("upgrade", help="upgrade boards to a signed release: a canary first, "
                                           "then batches; stop at the first failure")
    up.add_argument("names", nargs="*", metavar="NAME", help="the boards (or --all, --tag)")
    up.add_argument("--all", action="store_true", help="every board online")
    up.add_argument("--tag", action="append", default=[], metavar="T",
                    help="the boards online with tag T (repeatable)")
    up.add_argument("--release", required=True, metavar="URL",
                    help="the release's folder, as `upgrade --url` takes it")
    up.add_argument("--version", metavar="V",
                    help="the version the release holds (read from URL/etc/release otherwise)")
    up.add_argument("--canary", type=int, default=1, metavar="N",
                    help="boards upgraded first, before any other (1)")
    up.add_argument("--batch", type=int, default=5, metavar="M",
                    help="boards upgraded at once after the canary (5)")
    up.add_argument("-t", "--timeout", type=float, default=300, metavar="SECONDS",
                    help="for each board to come back healthy on the new version (300)")
    up.add_argument("--sign", type=Path, metavar="KEY",
                    help="sign the commands with this private key (boards with fleet.sign)")
    return up


def release_version(url: str) -> str:
    """The version in the release's manifest, URL/etc/release."""
    import urllib.request       # not at the top: see fleet_deploy.main

    manifest = url.rstrip("/") + "/etc/release"
    try:
        with urllib.request.urlopen(manifest, timeout=10) as r:
            text = r.read(65536).decode(errors="replace")
    except (OSError, ValueError) as error:
        raise MunixError(f"{manifest}: {getattr(error, 'reason', None) or error} "
                         "(--version V says which version the release holds)") from None
    for line in text.splitlines():
        if line.startswith("version "):
            return line.split(None, 1)[1].strip()
    raise MunixError(f"{manifest}: no version line: not a munix release")


def _say(text: str) -> None:
    print(text, flush=True)


class Rollout:
    def __init__(self, args, client, found: dict[str, dict], target: str):
        self.args = args
        self.client = client
        self.found = found
        self.target = target
        self.rid = "up-" + secrets.token_hex(5)
        self.checks = 0

    def send(self, name: str, rid: str, command: str) -> None:
        from munixtool import fleet
        self.client.publish("munix/%s/cmd" % name, fleet.request(self.args, name, rid, command), 1)

    def batch(self, names: list[str]) -> list[str]:
        """Upgrade names at once; those that failed."""
        boards = {}
        url = self.args.release
        self.client.subscribe(["munix/%s/result/#" % n for n in names])
        for name in names:
            status = self.found.get(name) or {}
            boards[name] = {"phase": "sent", "since": time.monotonic(), "check": None,
                            "uptime": status.get("uptime"), "why": None}
            self.send(name, self.rid, "upgrade -y --url '%s'" % url)
            _say("%s: upgrade sent (munix %s)" % (name, status.get("munix")))
        while any(b["phase"] not in ("done", "failed") for b in boards.values()):
            message = self.client.wait(0.2)
            if message is not None:
                self.handle(boards, message)
            now = time.monotonic()
            for name, b in boards.items():
                if b["phase"] in ("done", "failed"):
                    continue
                if now - b["since"] > self.args.timeout:
                    self.fail(name, b, "not back healthy on munix %s within %g s (%s)"
                              % (self.target, self.args.timeout, _PHASES[b["phase"]]))
                elif b["phase"] == "checking" and b["check"] is None and now >= b["next"]:
                    self.checks += 1
                    b["check"] = "%s-h%d" % (self.rid, self.checks)
                    self.send(name, b["check"], CHECK)
        return [n for n in names if boards[n]["phase"] == "failed"]

    def fail(self, name, b, why):
        b["phase"], b["why"] = "failed", why
        _say("%s: FAILED: %s" % (name, why))

    def handle(self, boards, message) -> None:
        import json
        topic, payload, _ = message
        parts = topic.split("/")
        if len(parts) < 3 or parts[0] != "munix" or parts[1] not in boards:
            return
        name, b = parts[1], boards[parts[1]]
        if b["phase"] in ("done", "failed"):
            return
        try:
            data = json.loads(payload)
        except ValueError:
            return
        if not isinstance(data, dict):
            return
        if parts[2:] == ["status"]:
            self.status(name, b, data)
        elif parts[2:] == ["result", self.rid]:
            # upgrade ended: it restarts the board when it installs, so an
            # answer is a refusal (or nothing to do).
            output = str(data.get("output") or "").strip()
            why = data.get("error") or (output.splitlines()[-1] if output else "")
            self.fail(name, b, "upgrade %s: %s" % (
                "ended without restarting" if data.get("status") == 0 else
                "status %s" % data.get("status"), why or "no output"))
        elif len(parts) == 4 and parts[2] == "result" and parts[3] == b["check"]:
            b["check"] = None
            lines = str(data.get("output") or "").split()
            version = lines[0] if lines else "?"
            if version != self.target:
                self.fail(name, b, "runs munix %s, not %s" % (version, self.target))
            elif data.get("status") == 0:
                b["phase"] = "done"
                _say("%s: upgraded to munix %s in %.1f s" % (name, self.target,
                                                             time.monotonic() - b["since"]))
            else:
                b["next"] = time.monotonic() + CHECK_EVERY      # on probation still

    def status(self, name, b, status) -> None:
        self.found[name] = status
        if not status.get("online"):
            if b["phase"] == "sent":
                b["phase"] = "restarting"
                _say("%s: restarting" % name)
            return
        version = status.get("munix")
        uptime = status.get("uptime")
        rebooted = b["phase"] == "restarting" or (
            isinstance(uptime, int) and isinstance(b["uptime"], int) and uptime < b["uptime"])
        if version == self.target and b["phase"] in ("sent", "restarting"):
            b["phase"], b["next"] = "checking", time.monotonic()
            _say("%s: back on munix %s, checking" % (name, version))
        elif version != self.target and rebooted:
            self.fail(name, b, "came back on munix %s: the new version was rolled back" % version)
        elif isinstance(uptime, int):
            b["uptime"] = uptime


_PHASES = {"sent": "no restart seen", "restarting": "offline since its restart",
           "checking": "still on probation"}


def main(args) -> int:
    from munixtool import fleet
    if args.canary < 1 or args.batch < 1:
        raise MunixError("--canary and --batch take a number of boards above 0")
    if any(c.isspace() or c in "'\"\\" for c in args.release):
        raise MunixError(f"{args.release}: a URL without spaces or quotes, please")
    target = args.version or release_version(args.release)
    client = fleet.connect(args)
    try:
        found = fleet.statuses(client)
        chosen = fleet.select(args, args.names, found)
        missing = [n for n in chosen if not (found.get(n) or {}).get("online")]
        if missing:
            raise MunixError("not online, nothing done: " + ", ".join(
                "%s (%s)" % (n, "offline" if n in found else "unknown") for n in missing))
        todo = [n for n in chosen if found[n].get("munix") != target]
        for name in chosen:
            if name not in todo:
                _say("%s: on munix %s already" % (name, target))
        groups = [todo[:args.canary]] + [todo[i:i + args.batch]
                                         for i in range(args.canary, len(todo), args.batch)]
        groups = [g for g in groups if g]
        if groups:
            _say("upgrading %d board%s to munix %s from %s: canary %s, then %d batch%s of %d at most"
                 % (len(todo), "" if len(todo) == 1 else "s", target, args.release,
                    ", ".join(groups[0]), len(groups) - 1, "" if len(groups) == 2 else "es",
                    args.batch))
        rollout = Rollout(args, client, found, target)
        for i, group in enumerate(groups):
            _say("== %s: %s ==" % ("canary" if i == 0 else "batch %d" % i, ", ".join(group)))
            failed = rollout.batch(group)
            if failed:
                rest = [n for g in groups[i + 1:] for n in g]
                print("munix fleet upgrade: stopped: %s failed; not touched: %s"
                      % (", ".join(failed), ", ".join(rest) or "none"), file=sys.stderr)
                return 1
    except MQTTError as error:
        raise MunixError(f"broker {args.host}: {error}") from None
    finally:
        client.close()
    _say("all %d board%s on munix %s" % (len(chosen), "" if len(chosen) == 1 else "s", target))
    return 0
