import cmdargs
import daemonctl

USAGE = """[-i] start|stop|status
  The fleet agent: keeps the board connected to the fleet's MQTT broker
  (section "fleet" of /etc/system.conf), publishes its status on
  munix/NAME/status and runs the commands sent to munix/NAME/cmd. An
  asyncio task: no thread of its own; each command runs as a background
  process. It answers munix fleet ls on the local network too (UDP port
  fleet.announce, 5456). Its notes go to /tmp/fleet.log.
  -i  start although neither a broker login (fleet.user) nor signed
      commands (fleet.sign) are configured: whoever can publish to the
      broker runs commands"""
ABOUT = "the fleet agent: status and commands over MQTT"


def __main__(args):
    return daemonctl.job("fleetd", args, _start, _status, "i")


def _start(opts):
    import fleetlink
    why = _check(fleetlink.settings(), "i" in opts)
    if why:
        return cmdargs.error(None, why)
    import fleet
    try:
        p = fleet.start()
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
    print("fleetd: running (pid %d) as %s, %s %s, %d command%s run, %d refused, log %s" % (
        proc.pid, a.name, "connected to" if a.client else "waiting for",
        a.conf.get("host"), a.runs, "" if a.runs == 1 else "s", a.refused, fleet.LOG))


def _check(conf, insecure):
    """Why fleetd cannot start with conf, or None."""
    import fleetlink
    if not conf.get("host"):
        return "no broker: set fleet.host in /etc/system.conf"
    name = fleetlink.board_name(conf)
    if not fleetlink.good_name(name):
        return "%s: not a board name (1 to 64 letters, digits, - _ .)" % name
    if not (conf.get("user") or conf.get("sign") or insecure):
        return ("no broker login (fleet.user) nor signatures (fleet.sign): anyone who can"
                " publish to the broker would run commands (start with -i to allow it)")
    if not isinstance(conf.get("ha", False), bool):
        return "fleet.ha is true or false (Home Assistant's discovery)"
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
