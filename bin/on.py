import cmdargs
import munix

USAGE = """[-t SECONDS] NAME COMMAND...
  Run COMMAND on board NAME of the fleet, through the broker of
  /etc/system.conf's "fleet" section (fleetd runs there), print its
  output and end with its status: 124 when no answer came within SECONDS
  (default 30), 126 when NAME refused the command (the reason on the
  error output), 1 when NAME is offline or unknown (then nothing is
  sent) or the broker cannot be reached. In scripts and crontab lines too: on pump1 gpio write 4 1
  A board of fleet.espnow is asked over ESP-NOW, through this board's
  fleetd (which holds the radio), with no broker."""
ABOUT = "run a command on another board of the fleet"

SLICE_MS = 100
STATUS_MS = 3000    # for the board's retained status, which comes at once


def __main__(args):
    opts, rest = cmdargs.parse(args, "", "t", None, False)
    seconds = cmdargs.number(opts.get("t", "30"), "number of seconds")
    if seconds < 1:
        raise cmdargs.UsageError("%d: not a number of seconds" % seconds)
    if not rest:
        raise cmdargs.UsageError("no board named")
    if len(rest) < 2:
        raise cmdargs.UsageError("no command given")
    import fleetlink
    name = rest[0]
    if not fleetlink.good_name(name):
        raise cmdargs.UsageError("%s: not a board name (letters, digits, - _ .)" % name)
    conf = fleetlink.settings()
    if name in (conf.get("espnow") or ()):
        return _espnow(name, " ".join(rest[1:]), seconds)
    import mqtt
    import random
    me = fleetlink.board_name(conf)
    rid = "%s-%08x" % (me[:40], random.getrandbits(32))
    try:
        client = fleetlink.connect(conf, "munix-on-" + rid)
    except (fleetlink.FleetError, mqtt.MQTTError) as e:
        return cmdargs.error(None, str(e))
    try:
        result = fleetlink.topic(name, "result/" + rid)
        status = fleetlink.topic(name, "status")
        client.subscribe([result, status], 1)
        # Sent to a board away, a command would wait at the broker and run
        # whenever the board is back, long after `on` said it failed.
        why = _absent(client, status)
        if why:
            return cmdargs.error(name, why)
        client.publish(fleetlink.topic(name, "cmd"), _request(rid, rest[1:], me), 1)
        return _answer(client, name, result, status, seconds)
    except mqtt.MQTTError as e:
        return cmdargs.error(None, str(e))
    finally:
        client.disconnect()
        client.close()


def _espnow(name, cmd, seconds):
    """cmd run on board name over ESP-NOW by this board's fleetd."""
    import sys
    import time
    fleet = sys.modules.get("fleet")
    link = fleet.state.now if fleet and fleet.state else None
    if link is None:
        return cmdargs.error(name, "over ESP-NOW: fleetd with fleet.espnow must run here first")
    import fleetnow
    if len(cmd.encode()) > fleetnow.CMD_MAX:
        return cmdargs.error(name, "over ESP-NOW: a command of %d bytes at most" % fleetnow.CMD_MAX)
    mac = None
    for peer in link.peers:
        if link.peers[peer] == name:
            mac = peer
    if link.ask is not None:
        return cmdargs.error(name, "busy: another `on` of this board waits over ESP-NOW")
    ask = link.ask = Ask(mac, cmd)
    try:
        start = time.ticks_ms()
        while ask.status is None:
            if munix.stopping():
                return 143
            if time.ticks_diff(time.ticks_ms(), start) >= seconds * 1000:
                cmdargs.error(name, "no answer within %d s" % seconds)
                return 124
            munix.sleep(SLICE_MS // 5)
    finally:
        link.ask = None
    try:
        munix.proc().stdout.write(b"".join(ask.parts).decode())
    except UnicodeError:
        # Parts lost in the middle of a character: the error says so.
        pass
    if ask.error:
        cmdargs.error(name, ask.error)
    return ask.status


class Ask:
    """A command sent over ESP-NOW (fleetnow.py): fleetd's link hands it
    the frames of its exchange while `on` waits, so that fleetd holds no
    code for them."""

    def __init__(self, mac, cmd):
        self.mac = mac
        self.cmd = cmd
        self.nonce = None
        self.sent = False
        self.parts = []
        self.status = None      # set when done
        self.error = None

    def answer(self, link, kind, frame):
        """Take a frame (kind !, O, E or X); why it is refused, or None."""
        import fleetnow
        import hmacsha
        if kind == b"X":
            self.error = "refused: " + frame[1:].decode()
            self.status = 126
            return None
        if kind == b"!":
            if self.nonce is not None or len(frame) != 17:
                return "not expected"
            self.nonce = frame[1:]
            cmd = self.cmd.encode()
            link.send(self.mac, b"C" + link.tag(b"C" + self.nonce + link.mac + cmd) + cmd)
            return None
        size = 2 if kind == b"O" else 3
        head, body = frame[1:size], frame[size + fleetnow.TAG:]
        if self.nonce is None or len(frame) < size + fleetnow.TAG or not hmacsha.same(
                frame[size:size + fleetnow.TAG], link.tag(kind + self.nonce + head + body)):
            return "whose HMAC does not check (forged or replayed)"
        if kind == b"O":
            if head[0] == len(self.parts) and len(self.parts) * fleetnow.PART <= link.limit:
                self.parts.append(body)
            return None
        self.error = body.decode() if head[0] == len(self.parts) else "part of the output was lost"
        self.status = head[1]
        return None


def _request(rid, words, me):
    import json
    return json.dumps({"id": rid, "cmd": " ".join(words), "from": me})


def _json(message):
    """The JSON object a message holds, or None."""
    import json
    if message is None or message[1] is None:
        return None
    try:
        found = json.loads(message[1])
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _absent(client, status):
    """Why the board is not there to run a command, by its retained
    status (the broker sends it right after the subscription), or None."""
    import time
    start = time.ticks_ms()
    while time.ticks_diff(time.ticks_ms(), start) < STATUS_MS:
        message = client.wait(SLICE_MS)
        found = _json(message)
        if found is not None and message[0] == status:
            return None if found.get("online") else "offline"
    return "unknown: no status on the broker"


def _answer(client, name, result, status, seconds):
    """Wait for the result; print it, return its status."""
    import time
    start = time.ticks_ms()
    while time.ticks_diff(time.ticks_ms(), start) < seconds * 1000:
        if munix.stopping():
            return 143
        message = client.wait(SLICE_MS)
        found = _json(message)
        if found is None:
            continue
        if message[0] == status:
            if found.get("online") is False:
                return cmdargs.error(name, "went offline")
            continue
        munix.proc().stdout.write(str(found.get("output", "")))
        if found.get("error"):
            cmdargs.error(name, str(found["error"]))
        code = found.get("status")
        return code if isinstance(code, int) else 1
    cmdargs.error(name, "no answer within %d s" % seconds)
    return 124
