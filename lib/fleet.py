"""fleetd: the board's agent in a fleet (started by `fleetd start`, an
asyncio task: it needs no thread of its own).

It keeps a connection to the fleet's MQTT broker (fleetlink.py, loaded
to connect and to read a command), with a last will that marks the board
offline; publishes a retained status when connected and every
"interval" seconds; and runs the commands sent to munix/NAME/cmd, each
as a background process of its own as cron's jobs are (fleetjob.py,
loaded while commands wait or run; one at a time, _QUEUE waiting),
publishing its output, status and time on munix/NAME/result/ID.

Commands come with QoS 1 on a session the broker keeps (clean=False):
what was sent while the board was away comes once it is back, and a
request id seen already (the last _SEEN) is not run again. A result the
broker could not take waits (_OUTBOX of them) for the next connection.
When the broker goes, fleetd connects again after 1, 2, 4 … seconds, at
most "backoff_max" (30). When the board's Wi-Fi station is on but not
connected, fleetd lets the broker's connection go (its socket on a board
may take minutes to fail) and waits for the station, trying no broker
meanwhile. With the "ha" setting, each connection publishes
Home Assistant's discovery messages (fleetha.py), or clears them when it
is false; Home Assistant's ON and OFF for the LED and pins come on
munix/NAME/ha/OBJECT/set and run as commands do. It answers `munix fleet ls` on the local network too, with the
broker or without (fleetstatus.answer).

Refused, with a line in the log (/tmp/fleet.log), and never run: a
message on another topic than the board's own, one larger than
MAX_PACKET, not JSON, without a valid id or command; and, with "sign",
one whose signature by the release key does not check, made too long
before or after the board's clock, or any while the clock is unset
(fleetsign.py). A request refused that has a valid id gets a result
saying why, with status 126.

With the "espnow" setting, fleetd also runs the commands other boards
send over ESP-NOW, and sends this board's own for `on` (fleetnow.py);
with "espnow" and no "host", it runs without a broker.
"""
import asyncio
import json
import time
from micropython import const

import lending
import logfile
import process
import system

LOG = "/tmp/fleet.log"
MAX_PACKET = 2048       # bytes of a command message (a signed one takes about 1 KB)
_QUEUE = const(8)        # commands waiting to run
_SEEN = const(32)        # request ids remembered
_OUTBOX = const(8)       # results kept while the broker is away
_TICK_MS = const(50)     # between looks at the socket and the commands
BUSY_MS = 5             # the same while a command runs: its result goes out sooner
_LINK_MS = const(1000)   # between looks at the Wi-Fi station
_LET_GO_MS = const(2000) # how long an `on` waits for the agent to let the last one's topics go

state = None            # the running Agent, for fleetd status
_asking = system.allocate_lock()


def log(text):
    logfile.line(LOG, text)


def relay(ask):
    """Hand ask, an `on` request (bin/on.py's Relay), to the running
    agent when it is connected and relays no other: the agent it went to,
    else None. Where the caller's thread hosts the loop (an RP2040's
    console), the caller drives the agent's connection itself (ask.direct),
    the loop waiting meanwhile, as it did for `on`'s own connection: run
    from the caller's sleeps, the loop's tasks were nested on the caller's
    calls, and an `on` in a `$( )` two deep ran the 8 KiB main stack out.
    Not for a command to this very board, which the loop must run. The
    `on` before, ended, is let go at the agent's next look (its topics
    unsubscribed there): meanwhile this one waits for it, _LET_GO_MS at
    most. Refused at once, an `on` typed right after another opened a
    connection of its own, a second login (a loaded machine's agent looked
    late)."""
    import asyncloop
    began = time.ticks_ms()
    waited = 0
    while True:
        with _asking:
            agent = state
            if agent is None or agent.client is None:
                return None
            last = agent.ask
            if last is None:
                ask.direct = (ask.name != agent.name and asyncloop.hosted()
                              and system.thread_ident() == process.init.thread)
                agent.ask = ask
                return agent
        if not last.over or waited >= _LET_GO_MS or asyncloop.in_loop():
            return None
        system.idle(_TICK_MS)
        waited = time.ticks_diff(time.ticks_ms(), began)


class Agent:
    def __init__(self, conf, name, root):
        self.conf = conf
        self.name = name
        self.root = root        # munix/NAME/, the board's topics
        self.cmd_topic = root + "cmd"
        self.status_topic = root + "status"
        self.client = None
        self.now = None         # the ESP-NOW link (fleetnow.Link), with "espnow"
        self.secret = None
        self.key = None         # the signing key (n, e), once a signed command came
        self.seen = []          # the last _SEEN request ids
        self.queue = []         # (id, cmd) waiting to run
        self.running = []       # (id, process, Output, start ms)
        self.outbox = []        # (topic, JSON) of results not yet published
        self.next_status = 0
        self.runs = 0
        self.refused = 0
        self.limit = 0          # bytes of a command's output kept (fleetlink.output_max)
        self.radio = None       # what the ESP-NOW link is made of (start)
        # An `on` of this board asking through this connection (bin/on.py's
        # Relay): its step and its two topics' messages are handed to it.
        self.ask = None
        self.linked = True      # False while the Wi-Fi station is on but not connected

    def status(self, online=True):
        if not online:
            return json.dumps({"name": self.name, "online": False})
        return lending.lend(_LENT["fleetstatus"], "status", self, _rssi(), hold=True)

    def connect(self):
        will = (self.status_topic, self.status(False), 1, True)
        before = lending.loaded(_LINK)
        import fleetlink
        try:
            self.secret = fleetlink.password(self.conf)
            # A session the broker keeps: commands sent while the board was
            # away wait for it.
            self.client = fleetlink.connect(self.conf, "munix-fleet-" + self.name, will, False,
                                            MAX_PACKET, True)
        finally:
            # fleetlink is loaded again for the next connection or
            # command: 1.8 KiB an idle agent need not hold.
            _drop(("fleetlink",))
            with system.import_lock:
                lending.unload_new(_LINK, before)
        try:
            self.ready()
        except BaseException:
            # Connected but not subscribed: a connection that seemed ready.
            self.drop()
            raise

    def ready(self):
        """The fleet's subscriptions, discovery and what waited to go out."""
        topics = [self.cmd_topic]
        if self.conf.get("ha"):
            # Home Assistant's commands for the board's LED and pins (fleetha).
            topics.append(self.root + "ha/+/set")
        self.client.subscribe(topics, 1)
        log("connected to %s as %s" % (self.conf.get("host"), self.name))
        if self.conf.get("ha") is not None:
            # Home Assistant's discovery, published or cleared.
            lending.lend(_LENT["fleetha"], "publish", self, bool(self.conf.get("ha")),
                        _rssi() is not None, hold=True)
        self.next_status = 0
        while self.outbox:
            self.client.publish(self.outbox[0][0], self.outbox[0][1], 1)
            self.outbox.pop(0)

    def drop(self):
        self.ask = None
        if self.client is not None:
            self.client.close()
            self.client = None

    def step(self):
        """One look: the messages that came (from the broker when
        connected, over ESP-NOW), the commands that ended, the status when
        due. mqtt.MQTTError or OSError: the broker is gone."""
        client = self.client
        if self.now is not None:
            self.now.step(self)
        # A few messages a look: the loop's other tasks (telnet, HTTP)
        # get their turn during a burst.
        for _ in range(4 if client else 0):
            message = client.wait(0)
            if message is None:
                break
            try:
                self.receive(message[0], message[1])
            except Exception as e:
                # Whatever a message does to the parser, the agent goes on.
                self.refuse(None, "unreadable: %s" % (str(e) or type(e).__name__))
            _drop(("fleetlink",))
        if self.ask is not None and client and self.ask.step(client):
            self.ask = None
        if self.queue or self.running:
            import fleetjob
            fleetjob.step(self)
            if not (self.queue or self.running):
                _drop(("fleetjob",))
        now = system.uptime_ms()
        if client and now >= self.next_status:
            client.publish(self.status_topic, self.status(), 0, True)
            self.next_status = now + _interval(self.conf) * 1000

    def receive(self, topic, payload):
        if self.ask is not None and topic in self.ask.topics:
            return self.ask.take(self.client, topic, payload)
        if topic.startswith(self.root + "ha/") and topic.endswith("/set"):
            return lending.lend(_LENT["fleetha"], "command", self, topic, payload, hold=True)
        if topic != self.cmd_topic:
            if not topic.startswith(self.root):
                # An `on`'s subscription that outlived it (a reset while it
                # asked): the broker keeps the session's subscriptions.
                self.client.unsubscribe([topic])
            return self.refuse(None, "%s: not this board's command topic" % topic)
        if payload is None:
            return self.refuse(None, "a message of more than %d bytes" % MAX_PACKET)
        try:
            request = json.loads(payload)
        except (ValueError, UnicodeError):
            return self.refuse(None, "not JSON")
        if not isinstance(request, dict):
            return self.refuse(None, "not a JSON object")
        rid = request.get("id")
        import fleetlink
        if not isinstance(rid, str) or not fleetlink.good_name(rid):
            return self.refuse(None, "no valid id (1 to 64 letters, digits, - _ .)")
        if rid in self.seen:
            return log("%s: already received: not run again" % rid)
        self.seen.append(rid)
        if len(self.seen) > _SEEN:
            self.seen.pop(0)
        try:
            why = self.accept(rid, request)
        except Exception as e:
            # Out of memory checking a signature, say: the sender hears it.
            why = "cannot check it: %s" % (str(e) or type(e).__name__)
        if why:
            self.refuse(rid, why)

    def accept(self, rid, request):
        """Queue the request's command; why not, or None."""
        cmd = request.get("cmd")
        if not isinstance(cmd, str) or not cmd.strip():
            return "no command"
        if self.conf.get("sign"):
            why = lending.lend(_SIGNING, "check", self, rid, cmd, request)
            if why:
                return why
        return self.enqueue(rid, cmd)

    def enqueue(self, rid, cmd):
        """Queue a command (from the broker or ESP-NOW); why not, or None."""
        if len(self.queue) >= _QUEUE:
            return "busy: %d commands waiting" % _QUEUE
        self.queue.append((rid, cmd))
        return None

    def refuse(self, rid, why):
        self.refused += 1
        log("refused%s: %s" % (" " + rid if rid else "", why))
        if rid:
            import fleetlink
            self.result(rid, {"status": fleetlink.STATUS_REFUSED, "output": "", "ms": 0,
                              "error": "refused: " + why})

    def note(self, text):
        log(text)

    def hide(self, text):
        """text without the broker's password nor the ESP-NOW key: results
        and the log never show them."""
        for secret in (self.secret, self.now and self.now.text):
            if secret:
                text = text.replace(secret, "********")
        return text

    def result(self, rid, found):
        if rid.startswith("ha."):
            return lending.lend(_LENT["fleetha"], "done", self, rid, found, hold=True)
        if self.now is not None and self.now.owns(rid):
            try:
                return self.now.result(found)
            except (OSError, ValueError) as e:
                return log("%s: result lost: %s" % (rid, e))
        found["id"] = rid
        found["name"] = self.name
        item = (self.root + "result/" + rid, json.dumps(found))
        if self.client is not None:
            import mqtt
            try:
                self.client.publish(item[0], item[1], 1)
                return
            except mqtt.MQTTError:
                # The loop sees the broker gone at its next look.
                pass
        if len(self.outbox) >= _OUTBOX:
            log("%s: result lost: %d results already wait for the broker" % (self.outbox.pop(0)[0], _OUTBOX))
        self.outbox.append(item)

    def goodbye(self):
        """Offline, said by the board itself: a DISCONNECT sends no will."""
        if self.client is None:
            return
        import mqtt
        try:
            self.client.publish(self.status_topic, self.status(False), 1, True)
            self.client.disconnect()
        except mqtt.MQTTError:
            pass
        self.drop()


def _listen(agent, beacon):
    """A query on the local network answered, if one came."""
    try:
        message = beacon.recvfrom(64)
    except OSError:
        # Nothing came.
        return
    lending.lend(_LENT["fleetstatus"], "answer", agent, beacon, message, hold=True)


def _interval(conf):
    try:
        return max(1, int(conf.get("interval", 60)))
    except (TypeError, ValueError):
        return 60


# What a connection may load besides fleetlink: TLS takes httpclient (6
# KiB), which stayed loaded, and the wording of a failure cmdargs: attempts
# while the broker was away left the esp32 profile 14 KiB free.
_LINK = ("httpclient", "cmdargs")
# What a signed command's check loads, gone after it: most commands are
# not signed, and a board's heap is small.
_SIGNING = ("fleetsign", "signature")
# What a module lent for a call loads, gone with it after the call unless
# loaded before (pins holds the bookings): an idle agent holds none of it.
# The call too under the lock for imports (hold), whose imports are lazy:
# the shell drops its helpers under it (shell.drop), and inet, one of
# them, went from sys.modules as fleetd imported it ("no module named
# 'inet'" on the rp2040 profile, whose two cores have no GIL).
# fleetstatus took netd for the address (6 KiB, kept for good); a Home
# Assistant command left the board file's reader loaded (0.8 KiB). The
# status reads the "ha_adc" inputs and the "ha_i2c" sensors through
# analog, sensing and pins.
_SENSING = ("netsock", "sensing", "analog", "buses", "sht3x", "boardinfo", "munix", "pins")
_LENT = {"fleetstatus": ("fleetstatus",) + _SENSING,
         "fleetha": ("fleetha", "fleetstatus", "leds") + _SENSING}


def _drop(names):
    # system.unload: a module popped from sys.modules stays in the heap.
    with system.import_lock:
        for m in names:
            system.unload(m)


def _station():
    """The Wi-Fi station interface; None where the port has none."""
    try:
        import network
        return network.WLAN(network.STA_IF)
    except Exception:
        return None


def _rssi():
    """The station's signal in dBm, None off Wi-Fi or where the port does
    not tell."""
    sta = _station()
    try:
        return sta.status("rssi") if sta and sta.isconnected() else None
    except Exception:
        return None


def _linked(agent, sta):
    """Look at the Wi-Fi station: False while it is on but not connected,
    the broker's connection let go then. A station off is no verdict: the
    board may reach the broker otherwise (its access point, Ethernet)."""
    try:
        linked = not sta.active() or sta.isconnected()
    except OSError:
        linked = True
    if not linked and agent.linked:
        log("no Wi-Fi: waiting for it")
        agent.drop()
    agent.linked = linked
    return linked


def start(radio=None):
    """Start fleetd in a session of its own; returns its process. radio:
    (key text, key, {MAC: name}) of ESP-NOW (bin/fleetd.py), None for none."""
    import jobctl
    import logsession
    sess = logsession.new("fleet", LOG)
    import fleetlink
    conf = fleetlink.settings()
    name = fleetlink.board_name(conf)
    agent = Agent(conf, name, fleetlink.topic(name, ""))
    agent.limit = fleetlink.output_max(conf)
    agent.radio = radio
    # Its first step opens the radio, which spawn_task waits for: an `on`
    # right after `fleetd start` finds it.
    return jobctl.spawn_task(sess, "fleetd", [], _daemon(agent), log=LOG, quiet=True, kind="daemon")


async def _daemon(agent):
    global state
    state = agent
    log("fleetd started as %s" % agent.name)
    if agent.radio is not None:
        import fleetnow
        try:
            agent.now = fleetnow.Link(agent.radio, agent.limit)
        except Exception as e:
            log("no ESP-NOW: %s" % (str(e) or type(e).__name__))
        agent.radio = None
        # Loaded by fleetd's checks: a link without a broker never needs it.
        _drop(("fleetlink",))
    # The UDP port of the local network's queries (fleetstatus.answer).
    port = agent.conf.get("announce", 5456)
    beacon = None
    if port is not False:
        import socket
        beacon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            # Each board on one host (the simulator) binds the port: each
            # hears a broadcast.
            beacon.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            beacon.bind(socket.getaddrinfo("0.0.0.0", port)[0][-1])
            beacon.setblocking(False)
        except OSError as e:
            beacon.close()
            beacon = None
            log("no answer on the local network: %s" % e)
    wait = 1
    retry = 0       # when to connect to the broker again (uptime ms)
    sta = _station()
    look = 0        # when to look at the station again (uptime ms)
    try:
        limit = int(agent.conf.get("backoff_max", 30))
    except (TypeError, ValueError):
        limit = 30
    short = 0       # looks the heap cut short since the last one logged
    try:
        while True:
            try:
                now = system.uptime_ms()
                if sta is not None and now >= look:
                    look = now + _LINK_MS
                    if not _linked(agent, sta):
                        # Back, it connects at once.
                        retry = 0
                        wait = 1
                if (agent.client is None and agent.linked and agent.conf.get("host")
                        and now >= retry):
                    agent.connect()
                    wait = 1
                # Commands over ESP-NOW and answers on the local network
                # go on while the broker is away.
                agent.step()
                if beacon:
                    _listen(agent, beacon)
                if short:
                    log("memory allocation failed in %d looks; the broker and ESP-NOW kept" % short)
                    short = 0
            except MemoryError:
                # The heap full for a moment (a command's, a client's): not
                # the broker's fault. Said once there is room to say it.
                short += 1
                if agent.client is None:
                    retry = system.uptime_ms() + 1000
            except Exception as e:
                retry = _later(agent, wait)
                try:
                    _lost(e, wait)
                except MemoryError:
                    short += 1
                wait = min(wait * 2, limit)
            await asyncio.sleep_ms(BUSY_MS if agent.running else _TICK_MS)
    finally:
        if beacon is not None:
            beacon.close()
        agent.goodbye()
        if agent.now is not None:
            agent.now.close()
        state = None
        log("fleetd stopped")


def _lost(e, wait):
    """Log why the broker's connection went."""
    # mqtt, loaded by the first connection: fleetd with ESP-NOW only never
    # needs its 5 KiB.
    mqtt = system.import_lock.get("mqtt")
    if isinstance(e, OSError) or mqtt and isinstance(e, mqtt.MQTTError):
        log("%s; again in %d s" % (e, wait))
    else:
        log("error: %s; connecting again in %d s" % (str(e) or type(e).__name__, wait))


def _later(agent, seconds):
    """The broker dropped: the uptime at which to connect again."""
    agent.drop()
    return system.uptime_ms() + seconds * 1000
