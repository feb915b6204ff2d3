import cmdargs
import daemonctl

USAGE = """[-i] start|stop|status
  The fleet agent: keeps the board connected to the fleet's MQTT broker
  (section "fleet" of /etc/system.conf), publishes its status on
  munix/NAME/status and runs the commands sent to munix/NAME/cmd. An
  asyncio task: no thread of its own; each command runs as a background
  process. It answers munix fleet ls on the local network too (UDP port
  fleet.announce, 5456). With fleet.espnow (the boards it knows, by name
  and MAC) it also runs commands those boards send over ESP-NOW, signed
  with the key in /etc/fleet.key, with or without a broker. Its notes go
  to /tmp/fleet.log.
  -i  start although neither a broker login (fleet.user) nor signed
      commands (fleet.sign) are configured: whoever can publish to the
      broker runs commands"""
ABOUT = "the fleet agent: status and commands over MQTT"


def __main__(args):
    return daemonctl.job("fleetd", args, _start, _status, "i", ("fleet", "asyncloop"))


def _start(opts):
    import fleetlink
    conf = fleetlink.settings()
    why = _check(conf, "i" in opts)
    if why:
        return cmdargs.error(None, why)
    radio = None
    if conf.get("espnow") is not None:
        try:
            radio = _espnow(conf)
        except (ImportError, ValueError) as e:
            return cmdargs.error(None, e)
    import fleet
    try:
        p = fleet.start(radio)
    except OSError as e:
        # No thread for the OS's asyncio loop (an ESP8266, a busy RP2040).
        return cmdargs.error(None, e)
    print("fleetd: started (pid %d) as %s, log %s"
          % (p.pid, fleetlink.board_name(fleetlink.settings()), fleet.LOG))


def _status(proc):
    import fleet
    a = fleet.state
    if a is None:
        print("fleetd: running (pid %d), starting" % proc.pid)
        return 0
    if a.conf.get("host"):
        broker = ("connected to " if a.client else "waiting for " if a.linked
                  else "waiting for Wi-Fi, then ") + a.conf["host"]
    else:
        broker = "no broker"
    if a.now is not None:
        import fleetnow
        broker += ", ESP-NOW as %s with %d boards" % (fleetnow.mac_text(a.now.mac), len(a.now.peers))
    print("fleetd: running (pid %d) as %s, %s, %d command%s run, %d refused, log %s" % (
        proc.pid, a.name, broker, a.runs, "" if a.runs == 1 else "s", a.refused, fleet.LOG))


def _check(conf, insecure):
    """Why fleetd cannot start with conf, or None."""
    import fleetlink
    espnow = conf.get("espnow") is not None
    if not (conf.get("host") or espnow):
        return "no broker: set fleet.host in /etc/system.conf"
    name = fleetlink.board_name(conf)
    if not fleetlink.good_name(name):
        return "%s: not a board name (1 to 64 letters, digits, - _ .)" % name
    if conf.get("host") and not (conf.get("user") or conf.get("sign") or insecure):
        return ("no broker login (fleet.user) nor signatures (fleet.sign): anyone who can"
                " publish to the broker would run commands (start with -i to allow it)")
    try:
        fleetlink.output_max(conf)
    except ValueError as e:
        return str(e)
    if not isinstance(conf.get("ha", False), bool):
        return "fleet.ha is true or false (Home Assistant's discovery)"
    found = conf.get("ha_pins", {})
    if not isinstance(found, dict):
        return "fleet.ha_pins: {\"NAME\": PIN} (Home Assistant's switches)"
    for obj, pin in found.items():
        # The pin goes into a command line: a number or a label, no more.
        if (obj == "led" or "." in obj or not fleetlink.good_name(obj)
                or not (type(pin) is int or isinstance(pin, str) and fleetlink.good_name(pin))):
            return "fleet.ha_pins: %s: not a NAME (letters, digits, - _; not led) and a PIN" % obj
    found = conf.get("ha_adc", {})
    if not isinstance(found, dict):
        return "fleet.ha_adc: {\"NAME\": PIN or [PIN, DB]} (Home Assistant's voltage sensors)"
    for obj, value in found.items():
        import analog
        try:
            pin = analog.spec(value)[0]
        except ValueError:
            pin = None
        if (obj == "led" or "." in obj or not fleetlink.good_name(obj)
                or obj in conf.get("ha_pins", {})
                or not (type(pin) is int or isinstance(pin, str) and fleetlink.good_name(pin))):
            return ("fleet.ha_adc: %s: not a NAME (letters, digits, - _; not led nor a pin's) "
                    "and a PIN or [PIN, DB] (DB 0, 2.5, 6 or 11)" % obj)
    bus = conf.get("ha_i2c", False)
    if not (type(bus) is bool or isinstance(bus, str) and fleetlink.good_name(bus)):
        return "fleet.ha_i2c is true, false or a bus (Home Assistant's I2C sensors)"
    announce = conf.get("announce")
    if not (announce is None or announce is False
            or type(announce) is int and 0 < announce < 65536):
        return "fleet.announce is a UDP port or false (no answer on the local network)"
    prefix = conf.get("ha_prefix", "homeassistant")
    if not isinstance(prefix, str) or not prefix or "+" in prefix or "#" in prefix:
        return "fleet.ha_prefix: not a topic prefix"
    try:
        fleetlink.password(conf)
    except fleetlink.FleetError as e:
        return str(e)
    if conf.get("sign"):
        import os
        key = conf.get("key") or "/etc/upgrade.pub"
        try:
            os.stat(key)
        except OSError:
            return "%s: no such key: signed commands (fleet.sign) are checked with it" % key
    return None


def _espnow(conf):
    """(key text, key, {MAC: name}) of fleet.espnow and the fleet key
    (fleetnow.KEY); ValueError or ImportError saying why they cannot serve."""
    try:
        import espnow  # noqa: F401  what the board's firmware has
    except ImportError:
        raise ImportError("fleet.espnow: this board has no ESP-NOW")
    import binascii
    import fleetlink
    import fleetnow
    section = conf.get("espnow")
    if not isinstance(section, dict) or len(section) > 20:
        raise ValueError("fleet.espnow: up to 20 boards, {\"NAME\": \"MAC\"}")
    peers = {}
    for name, mac in section.items():
        try:
            raw = binascii.unhexlify(mac.replace(":", ""))
        except (AttributeError, ValueError):
            raw = b""
        if not fleetlink.good_name(name) or len(raw) != 6:
            raise ValueError("fleet.espnow: %s: not a board name and a MAC (aa:bb:cc:dd:ee:ff)" % name)
        peers[raw] = name
    try:
        with open(fleetnow.KEY) as f:
            text = f.readline().strip()
        key = binascii.unhexlify(text)
    except (OSError, ValueError):
        key = b""
    if len(key) != 32:
        raise ValueError("%s: not 64 hexadecimal digits (the fleet's ESP-NOW key)" % fleetnow.KEY)
    return text, key, peers
