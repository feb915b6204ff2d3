import cmdargs
import munix

USAGE = """[-t SECONDS] NAME COMMAND...
  Run COMMAND on board NAME of the fleet, through the broker of
  /etc/system.conf's "fleet" section (fleetd runs there), print its
  output and end with its status: 124 when no answer came within SECONDS
  (default 30), 126 when NAME refused the command (the reason on the
  error output), 1 when NAME is offline or unknown (then nothing is
  sent) or the broker cannot be reached. In scripts and crontab lines too: on pump1 gpio write 4 1"""
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
