import cmdargs

USAGE = """[sta|ap [IP NETMASK GATEWAY DNS | dhcp]]
  Show the Wi-Fi interfaces (address, netmask, gateway, DNS server, MAC,
  state), or one of them. With four addresses, give that interface a
  static configuration; dhcp asks the network for one again (sta)."""
ABOUT = "show or set the network interfaces' addresses"

NAMES = ("sta", "ap")


def __main__(args):
    opts, rest = cmdargs.parse(args)
    if rest and rest[0] not in NAMES:
        raise cmdargs.UsageError("%s: not sta or ap" % rest[0])
    if len(rest) not in (0, 1, 2, 5):
        raise cmdargs.UsageError("needs IP NETMASK GATEWAY DNS")
    try:
        import network
    except ImportError:
        return cmdargs.error(None, "this board has no network interfaces")
    if len(rest) > 1:
        return _configure(network, rest[0], rest[1:])
    for name in rest or NAMES:
        _show(name, _wlan(network, name))
    return 0


def _wlan(network, name):
    return network.WLAN(network.AP_IF if name == "ap" else network.STA_IF)


def _show(name, wlan):
    ip, mask, gateway, dns = wlan.ifconfig()
    mac = ":".join(["%02x" % b for b in wlan.config("mac")])
    if not wlan.active():
        state = "off"
    elif name == "ap":
        state = "on, ESSID %s" % wlan.config("essid")
    elif wlan.isconnected():
        state = "on, connected to %s" % wlan.config("essid")
    else:
        state = "on, not connected"
    print("%-4s inet %s  netmask %s  gateway %s  dns %s" % (name + ":", ip, mask, gateway, dns))
    print("     ether %s  %s" % (mac, state))


def _configure(network, name, params):
    wlan = _wlan(network, name)
    if params == ["dhcp"]:
        if name != "sta":
            raise cmdargs.UsageError("dhcp is for sta")
        params = "dhcp"
    elif len(params) != 4:
        raise cmdargs.UsageError("needs IP NETMASK GATEWAY DNS")
    else:
        for p in params:
            if not _dotted(p):
                return cmdargs.error(p, "not an IPv4 address")
        params = tuple(params)
    try:
        wlan.ifconfig(params)
    except (OSError, ValueError, TypeError) as e:
        return cmdargs.error(name, e)
    return 0


def _dotted(text):
    parts = text.split(".")
    if len(parts) != 4:
        return False
    for p in parts:
        if not p.isdigit() or len(p) > 3 or int(p) > 255:
            return False
    return True
