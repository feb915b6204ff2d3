import cmdargs
import munix

USAGE = """[-t SECONDS] NAME COMMAND...
  Run COMMAND on board NAME of the fleet, through the broker of
  /etc/system.conf's "fleet" section (fleetd runs there), print its
  output and end with its status: 124 when no answer came within SECONDS
  (default 30), 126 when NAME refused the command (the reason on the
  error output), 1 when NAME is offline or the broker cannot be
  reached. In scripts and crontab lines too: on pump1 gpio write 4 1"""
ABOUT = "run a command on another board of the fleet"

SLICE_MS = 100


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
    import mqtt
    import random
    conf = fleetlink.settings()
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
        client.publish(fleetlink.topic(name, "cmd"), _request(rid, rest[1:], me), 1)
        return _answer(client, name, result, status, seconds)
    except mqtt.MQTTError as e:
        return cmdargs.error(None, str(e))
    finally:
        client.disconnect()
        client.close()


def _request(rid, words, me):
    import json
    return json.dumps({"id": rid, "cmd": " ".join(words), "from": me})


def _answer(client, name, result, status, seconds):
    """Wait for the result; print it, return its status."""
    import json
    import time
    start = time.ticks_ms()
    while time.ticks_diff(time.ticks_ms(), start) < seconds * 1000:
        if munix.stopping():
            return 143
        message = client.wait(SLICE_MS)
        if message is None or message[1] is None:
            continue
        topic, payload, _ = message
        try:
            found = json.loads(payload)
        except ValueError:
            continue
        if not isinstance(found, dict):
            continue
        if topic == status:
            if found.get("online") is False:
                return cmdargs.error(name, "offline")
            continue
        munix.proc().stdout.write(str(found.get("output", "")))
        if found.get("error"):
            cmdargs.error(name, str(found["error"]))
        code = found.get("status")
        return code if isinstance(code, int) else 1
    cmdargs.error(name, "no answer within %d s" % seconds)
    return 124
