import cmdargs
import munix
from micropython import const

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
_STATUS_MS = const(3000) # for the board's retained status, which comes at once


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
    import random
    me = fleetlink.board_name(conf)
    rid = "%s-%08x" % (me[:40], random.getrandbits(32))
    relay = Relay(name, fleetlink.topic(name, "cmd"), fleetlink.topic(name, "result/" + rid),
                  fleetlink.topic(name, "status"), _request(rid, rest[1:], me))
    fleet = munix.loaded("fleet")
    agent = fleet.relay(relay) if fleet else None
    import mqtt
    client = agent.client if agent is not None and relay.direct else None
    if agent is None:
        try:
            client = fleetlink.connect(conf, "munix-on-" + rid)
        except (fleetlink.FleetError, mqtt.MQTTError) as e:
            return cmdargs.error(None, str(e))
    try:
        return _answer(relay, seconds, client, agent)
    except mqtt.MQTTError as e:
        return cmdargs.error(None, str(e))
    finally:
        relay.over = True
        if agent is None:
            client.disconnect()
            client.close()
        elif relay.direct:
            relay.end(client)
            agent.ask = None


def _espnow(name, cmd, seconds):
    """cmd run on board name over ESP-NOW by this board's fleetd."""
    import time
    fleet = munix.loaded("fleet")
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


class Relay:
    """A command sent to a board over MQTT: the board's retained status
    first, which the broker sends right after the subscription (online:
    the command goes; offline, or none within _STATUS_MS: it does not, as
    it would wait at the broker and run whenever the board is back, long
    after `on` said it failed), then its result. Driven by this program's
    own connection, or by fleetd's when it runs here, whose loop hands it
    a step and its topics' messages: no second connection then (a second
    TLS session did not fit a Pico W's heap beside fleetd's, and each took
    a handshake)."""

    def __init__(self, name, cmd, result, status, request):
        self.name = name
        self.cmd = cmd
        self.topics = (result, status)
        self.request = request
        self.started = None     # ticks_ms of the subscription
        self.sent = None        # ticks_ms of the command's sending
        self.found = None       # the result, a JSON object
        self.why = None         # why there is none
        self.over = False       # set when `on` ends: fleetd lets the topics go
        self.size = 0           # the connection's largest packet, while raised
        self.direct = False     # on fleetd's connection, driven by `on` (fleet.relay)
        self.aside = []         # fleetd's own messages read meanwhile

    def step(self, client):
        """A look, in the loop that reads client; True once done with it."""
        import time
        if self.over:
            if self.started is not None:
                client.max_packet = self.size
                client.unsubscribe(list(self.topics))
            return True
        if self.started is None:
            import mqtt
            # A result may be larger than fleetd takes of a command; put
            # back at the end, whatever the subscription does.
            self.started = time.ticks_ms()
            self.size, client.max_packet = client.max_packet, max(client.max_packet, mqtt.MAX_PACKET)
            client.subscribe(list(self.topics), 1)
        elif self.sent is None and time.ticks_diff(time.ticks_ms(), self.started) >= _STATUS_MS:
            self.why = self.why or "unknown: no status on the broker"
        return False

    def end(self, client):
        """Let fleetd's connection, driven here, go back to it."""
        import mqtt
        client.pending.extend(self.aside)
        try:
            self.step(client)
        except mqtt.MQTTError:
            pass    # fleetd finds the broker gone at its next look

    def take(self, client, topic, payload):
        """A message of one of its topics."""
        found = _json(payload)
        if found is None:
            return
        if topic == self.topics[0]:
            if self.sent is not None:
                self.found = found
        elif self.sent is None:
            if not found.get("online"):
                self.why = self.why or "offline"
                return
            import time
            client.publish(self.cmd, self.request, 1)
            self.sent = time.ticks_ms()
        elif found.get("online") is False:
            self.why = "went offline"


def _json(payload):
    """The JSON object payload holds, or None."""
    import json
    if payload is None:
        return None
    try:
        found = json.loads(payload)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _answer(relay, seconds, client, agent):
    """Wait for relay's answer on client (this program's connection, or
    fleetd's, driven here), or through agent, fleetd, whose loop runs in
    another thread and hands relay the messages; print it, return its
    status."""
    import time
    proc = munix.proc()
    while relay.found is None and relay.why is None:
        if proc.stopping():
            return 143
        if relay.sent is not None and time.ticks_diff(time.ticks_ms(), relay.sent) >= seconds * 1000:
            cmdargs.error(relay.name, "no answer within %d s" % seconds)
            return 124
        if client is None:
            proc.sleep(SLICE_MS // 5)
            if agent.ask is not relay:
                relay.why = relay.why or "the broker's connection was lost"
            continue
        relay.step(client)
        message = client.wait(SLICE_MS)
        if message is None:
            continue
        if message[0] in relay.topics:
            relay.take(client, message[0], message[1])
        else:
            relay.aside.append(message)
    if relay.why:
        return cmdargs.error(relay.name, relay.why)
    found = relay.found
    proc.stdout.write(str(found.get("output", "")))
    if found.get("error"):
        cmdargs.error(relay.name, str(found["error"]))
    code = found.get("status")
    return code if isinstance(code, int) else 1
