import cmdargs
import munix

USAGE = """pub|sub [OPTION...]
  mqttc pub -t TOPIC -m MESSAGE [-q 0|1] [-r]
      publish MESSAGE on TOPIC (-r: retained); QoS 1 waits for the
      broker's acknowledgement
  mqttc sub -t FILTER [-t FILTER...] [-q 0|1] [-v] [-C COUNT] [-W SECONDS]
      print each message received on the filters (+ one level, # the
      rest), its topic first with -v, until COUNT messages came, SECONDS
      passed, Ctrl-C or kill (status 143); works as a job (&)
  Both: -h HOST (default localhost), -p PORT (1883, 8883 with --tls),
  -u USER -P PASS, -i CLIENTID (default munix-NNNNNNNN), -k SECONDS
  (keepalive, default 60; 0: none), --will-topic T --will-message M
  [--will-retain] [--will-qos 0|1] (what the broker publishes if the
  connection is lost without a goodbye), --tls (certificate checked
  against upgrade.ca of /etc/system.conf, default /etc/ca.pem, or
  --cafile FILE; set the clock first) and --insecure (TLS unchecked)"""
ABOUT = "MQTT client: publish a message, or print those of topics"

VALUED = "tmqhpuPiCWk"
FLAGS = "rv"
LONG = {"--will-topic": "will-topic=", "--will-message": "will-message=",
        "--will-qos": "will-qos=", "--cafile": "cafile=", "--tls": "tls",
        "--insecure": "insecure", "--will-retain": "will-retain"}
SLICE_MS = 100       # how often a waiting sub looks at its stop requests
MAX_PACKET = 8192    # the largest packet taken from the broker


def __main__(args):
    if not args:
        raise cmdargs.UsageError("missing pub or sub")
    if args[0] == "--help":
        raise cmdargs.Help()
    verb = args[0]
    if verb not in ("pub", "sub"):
        raise cmdargs.UsageError("%s: not pub or sub" % verb)
    opts, topics = _parse(args[1:])
    import mqtt
    if not topics:
        raise cmdargs.UsageError("no topic given (-t)")
    if verb == "pub" and len(topics) > 1:
        raise cmdargs.UsageError("pub takes one topic")
    if verb == "pub" and "m" not in opts:
        raise cmdargs.UsageError("no message given (-m)")
    if verb == "sub" and ("m" in opts or "r" in opts):
        raise cmdargs.UsageError("-m and -r are for pub")
    if verb == "pub" and ("C" in opts or "W" in opts or "v" in opts):
        raise cmdargs.UsageError("-C, -W and -v are for sub")
    qos = _qos(opts.get("q", "0"), "-q")
    tls = "tls" in opts
    if ("insecure" in opts or "cafile" in opts) and not tls:
        raise cmdargs.UsageError("--insecure and --cafile go with --tls")
    port = _count(opts.get("p", "8883" if tls else "1883"), "port", 1)
    if port > 65535:
        raise cmdargs.UsageError("%d: not a port" % port)
    keepalive = _count(opts.get("k", "60"), "number of seconds", 0)
    if keepalive > 65535:
        raise cmdargs.UsageError("-k takes 0 to 65535 seconds")
    count = _count(opts["C"], "count", 1) if "C" in opts else None
    seconds = _count(opts["W"], "number of seconds", 1) if "W" in opts else None
    if ("u" in opts) != ("P" in opts):
        raise cmdargs.UsageError("-u and -P go together")
    will = _will(opts)
    for t in topics:
        _check_topic(t, wildcards=verb == "sub")
    if will:
        _check_topic(will[0])
    client_id = opts.get("i") or _client_id()
    if len(client_id.encode()) > 65535:
        raise cmdargs.UsageError("-i: a client id has up to 65535 bytes")
    host = opts.get("h", "localhost")
    ca = opts.get("cafile") or (munix.conf().get("upgrade") or {}).get("ca", "/etc/ca.pem")
    try:
        sock = mqtt.open_socket(host, port, tls, munix.path(ca), 10, "insecure" not in opts)
    except mqtt.MQTTError as e:
        return cmdargs.error(None, str(e))
    client = mqtt.Client(sock, keepalive, MAX_PACKET)
    try:
        client.connect(client_id, opts.get("u"), opts.get("P"), will)
        if verb == "pub":
            client.publish(topics[0], opts["m"], qos, "r" in opts)
            status = 0
        else:
            client.subscribe(topics, qos)
            status = _receive(client, "v" in opts, count, seconds)
        client.disconnect()
        return status
    except mqtt.MQTTError as e:
        return cmdargs.error("%s:%d" % (host, port), str(e))
    except KeyboardInterrupt:
        # Ctrl-C is a deliberate end: a goodbye, so no last will.
        client.disconnect()
        raise
    finally:
        client.close()


def _parse(args):
    """({option: value}, [topic...]): -t may be repeated."""
    opts, rest = cmdargs.parse(args, FLAGS, VALUED, None, False, LONG, "t")
    if rest:
        raise cmdargs.UsageError("%s: unexpected (options only, see --help)" % rest[0])
    return opts, opts.pop("t", [])


# Here, not in lib/mqtt.py: only what a user types needs checking, and
# fleetd and on, which share the client, carry no more of it.
def _check_topic(topic, wildcards=False):
    """Raise UsageError unless topic is a valid topic name (a filter, with
    + for one level and # for the rest, when wildcards)."""
    size = len(topic.encode())
    if not size or size > 65535:
        raise cmdargs.UsageError("%s: a topic has 1 to 65535 bytes" % (topic or '""'))
    if "\0" in topic:
        raise cmdargs.UsageError("%s: a topic has no NUL character" % topic)
    levels = topic.split("/")
    for i, level in enumerate(levels):
        if "+" in level or "#" in level:
            if not wildcards:
                raise cmdargs.UsageError("%s: + and # are for subscribing, not in a topic name" % topic)
            if level not in ("+", "#") or (level == "#" and i < len(levels) - 1):
                raise cmdargs.UsageError("%s: + and # stand alone in a level, # only at the end"
                                         % topic)


def _count(text, what, low):
    n = cmdargs.number(text, what)
    if n < low:
        raise cmdargs.UsageError("%s: not a %s" % (text, what))
    return n


def _qos(text, option):
    if text not in ("0", "1"):
        raise cmdargs.UsageError("%s takes QoS 0 or 1, not %s" % (option, text))
    return int(text)


def _will(opts):
    """(topic, message, qos, retain) of the last will, None without one."""
    parts = [k for k in ("will-topic", "will-message", "will-qos", "will-retain") if k in opts]
    if not parts:
        return None
    if "will-topic" not in opts or "will-message" not in opts:
        raise cmdargs.UsageError("a will needs --will-topic and --will-message")
    return (opts["will-topic"], opts["will-message"],
            _qos(opts.get("will-qos", "0"), "--will-qos"), "will-retain" in opts)


def _client_id():
    import random
    return "munix-%08x" % random.getrandbits(32)


def _receive(client, verbose, count, seconds):
    """Print messages until count came or seconds passed (status 0), or a
    stop is requested (143)."""
    import time
    start = time.ticks_ms()
    got = 0
    out = munix.proc().stdout
    while count is None or got < count:
        if seconds is not None and time.ticks_diff(time.ticks_ms(), start) >= seconds * 1000:
            break
        if munix.stopping():
            return 143
        if munix.held():
            # Messages wait at the broker and in the socket; the
            # connection is kept alive meanwhile.
            client.ping_if_due()
            time.sleep_ms(SLICE_MS)
            continue
        message = client.wait(SLICE_MS)
        if message is None:
            continue
        topic, payload, _ = message
        text = _text(payload)
        out.write("%s %s\n" % (topic, text) if verbose else text + "\n")
        got += 1
    return 0


def _text(payload):
    """The payload as text: UTF-8, other bytes shown as \\xNN."""
    try:
        return payload.decode()
    except UnicodeError:
        return "".join(chr(b) if b < 128 else "\\x%02x" % b for b in payload)
