import time
from micropython import const

import cmdargs
import munix

USAGE = """sta on|off|status [-n]|scan|connect SSID PASS [TIMEOUT]|disconnect
       wifi ap on|off|status [-n]|config ESSID PASS
       wifi sta|ap ifconfig [IP NETMASK GATEWAY DNS | dhcp]
       wifi hostname [NAME]
  sta is the board as a client of a Wi-Fi network, ap its own access point.
  connect waits up to TIMEOUT seconds (default 10) for an address.
  status sets $wa (active) and $wc (connected) to True or False, as upyOS
  does; with -n it prints nothing else. hostname NAME is kept in
  /etc/system.conf and given to the network when sta comes on.
  ifconfig is upyOS's way to `ifconfig sta|ap ...`: show or set the
  interface's addresses."""
ABOUT = "Wi-Fi: switch on, scan, connect, access point, hostname"

_WAIT = const(10)
# Status names, as the ports' network modules spell them, and what they mean.
_STATES = (("STAT_IDLE", "idle"), ("STAT_CONNECTING", "connecting"),
           ("STAT_GOT_IP", "connected"), ("STAT_WRONG_PASSWORD", "wrong password"),
           ("STAT_NO_AP_FOUND", "no access point with that name"),
           ("STAT_CONNECT_FAIL", "connection failed"),
           ("STAT_ASSOC_FAIL", "association failed"),
           ("STAT_BEACON_TIMEOUT", "access point lost"),
           ("STAT_HANDSHAKE_TIMEOUT", "handshake timed out"))
FAILED = ("STAT_WRONG_PASSWORD", "STAT_NO_AP_FOUND", "STAT_CONNECT_FAIL",
          "STAT_ASSOC_FAIL", "STAT_HANDSHAKE_TIMEOUT")
SECURITY = ("open", "WEP", "WPA-PSK", "WPA2-PSK", "WPA/WPA2-PSK", "WPA2-Enterprise",
            "WPA3-PSK", "WPA2/WPA3-PSK", "WAPI-PSK")

proc = None


def __main__(args):
    opts, rest = cmdargs.parse(args, "n")
    if not rest:
        raise cmdargs.UsageError("missing sta, ap or hostname")
    try:
        import network
    except ImportError:
        return cmdargs.error(None, "this board has no Wi-Fi")
    what = rest[0]
    if what == "hostname":
        if len(rest) > 2:
            raise cmdargs.UsageError("extra operand %s" % rest[2])
        return _hostname(network, rest[1] if len(rest) > 1 else None)
    if what not in ("sta", "ap"):
        raise cmdargs.UsageError("%s: not sta, ap or hostname" % what)
    if len(rest) < 2:
        raise cmdargs.UsageError("missing what to do with %s" % what)
    verb, params = rest[1], rest[2:]
    if verb == "ifconfig":
        return munix.run(" ".join(["ifconfig", what] + params))
    quiet = "n" in opts
    if verb == "status" and params == ["-n"]:
        quiet, params = True, []     # upyOS puts -n last
    wlan = network.WLAN(network.AP_IF if what == "ap" else network.STA_IF)
    if verb in ("connect", "config") and len(params) > 1:
        _hide_password(params[1])
    counts = {"on": (0, 0), "off": (0, 0), "status": (0, 0)}
    if what == "sta":
        counts.update({"scan": (0, 0), "connect": (2, 3), "disconnect": (0, 0)})
    else:
        counts["config"] = (2, 2)
    if verb not in counts:
        raise cmdargs.UsageError("%s: not something %s does" % (verb, what))
    low, high = counts[verb]
    if not low <= len(params) <= high:
        raise cmdargs.UsageError("%s %s needs %s" % (what, verb, _needs(verb)))
    wait = _WAIT
    if verb == "connect" and len(params) > 2:
        wait = cmdargs.number(params[2], "number of seconds")
        if wait <= 0:
            raise cmdargs.UsageError("%d: not a number of seconds" % wait)
    if verb == "on":
        wlan.active(True)
        if what == "sta":
            _apply_hostname(network)
        return 0
    if verb == "off":
        wlan.active(False)
        _set_flags(wlan)
        return 0
    if verb == "status":
        return _status(network, what, wlan, quiet)
    if not wlan.active():
        return cmdargs.error(what, "not active (wifi %s on)" % what)
    if verb == "scan":
        return _scan(wlan)
    if verb == "connect":
        return _connect(network, wlan, params[0], params[1], wait)
    if verb == "disconnect":
        wlan.disconnect()
        _set_flags(wlan)
        return 0
    return _ap_config(wlan, params[0], params[1])


def _needs(verb):
    if verb == "connect":
        return "SSID PASS [TIMEOUT]"
    if verb == "config":
        return "ESSID PASS"
    return "no operand"


def _hide_password(password):
    """Keep the password out of the process table (ps shows arguments)."""
    if proc is not None:
        proc.args = ["********" if a == password else a for a in proc.args]


def _state(network, code):
    for name, text in _STATES:
        if getattr(network, name, None) == code:
            return name, text
    return None, "status %s" % code


def _address(wlan):
    return wlan.ifconfig()[0]


def _set_flags(wlan):
    munix.setenv("wa", str(bool(wlan.active())), export=True)
    munix.setenv("wc", str(bool(wlan.isconnected())), export=True)


def _status(network, what, wlan, quiet):
    _set_flags(wlan)
    if quiet:
        return 0
    if not wlan.active():
        print("%s: off" % what)
    elif what == "ap":
        print("%s: on, ESSID %s, address %s" % (what, wlan.config("essid"), _address(wlan)))
    elif wlan.isconnected():
        print("%s: on, connected to %s, address %s" % (what, wlan.config("essid"),
                                                       _address(wlan)))
    else:
        print("%s: on, not connected (%s)" % (what, _state(network, wlan.status())[1]))
    return 0


def _scan(wlan):
    try:
        found = wlan.scan()
    except OSError as e:
        return cmdargs.error("scan", e)
    print("%-24s %-17s %3s %5s  %s" % ("SSID", "BSSID", "CH", "RSSI", "SECURITY"))
    for ssid, bssid, channel, rssi, security, hidden in sorted(found, key=lambda n: -n[3]):
        name = ssid.decode("utf-8", "replace") or "(hidden)"
        mac = ":".join(["%02x" % b for b in bssid])
        sec = SECURITY[security] if 0 <= security < len(SECURITY) else str(security)
        print("%-24s %-17s %3d %5d  %s" % (name, mac, channel, rssi, sec))
    return 0


def _connect(network, wlan, ssid, password, wait):
    if wlan.isconnected():
        if wlan.config("essid") == ssid:
            print("sta: already connected to %s, address %s" % (ssid, _address(wlan)))
            return 0
        wlan.disconnect()
    try:
        wlan.connect(ssid, password)
    except OSError as e:
        return cmdargs.error(ssid, e)
    start = time.ticks_ms()
    while not wlan.isconnected():
        name, text = _state(network, wlan.status())
        if name in FAILED or time.ticks_diff(time.ticks_ms(), start) > wait * 1000:
            # Boards retry on their own until told to stop.
            wlan.disconnect()
            _set_flags(wlan)
            return cmdargs.error(ssid, text if name in FAILED else "no connection after %d s" % wait)
        time.sleep_ms(100)
    _set_flags(wlan)
    print("sta: connected to %s, address %s" % (ssid, _address(wlan)))
    return 0


def _ap_config(wlan, essid, password):
    if len(password) < 8:
        return cmdargs.error(essid, "the password needs 8 characters or more")
    try:
        wlan.config(essid=essid, password=password)
    except (OSError, ValueError) as e:
        return cmdargs.error(essid, e)
    return 0


def _valid_hostname(name):
    if not 0 < len(name) <= 32 or name[0] == "-" or name[-1] == "-":
        return False
    for c in name:
        if not (c.isalpha() or c.isdigit() or c == "-") or ord(c) > 127:
            return False
    return True


def _hostname(network, name):
    if name is None:
        print(munix.conf().get("hostname") or _network_hostname(network) or "-")
        return 0
    if not _valid_hostname(name):
        return cmdargs.error(name, "not a host name (letters, digits and -, 32 at most)")
    try:
        munix.save_conf({"hostname": name})
    except OSError as e:
        return cmdargs.error("/etc/system.conf", e)
    _apply_hostname(network)
    return 0


def _network_hostname(network):
    try:
        return network.hostname()
    except (AttributeError, OSError):
        return None


def _apply_hostname(network):
    """Give the configured name to the network, for DHCP; ports without
    network.hostname() (before MicroPython 1.20) keep theirs."""
    name = munix.conf().get("hostname")
    if name:
        try:
            network.hostname(name)
        except (AttributeError, OSError, ValueError):
            pass
