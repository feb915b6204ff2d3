"""Stand-in for the board's network module: a board on a network with one
access point, SSID "munix-sim", password "munix-sim-pass".

As on a board, an interface must be made active before it scans or
connects; connecting takes a moment (the status is STAT_CONNECTING for
CONNECT_MS), then succeeds with the right SSID and password, or fails with
STAT_NO_AP_FOUND or STAT_WRONG_PASSWORD. The board's address on either
interface is then 127.0.0.1, so the daemons bind to the loopback.
"""
import time

STA_IF = 0
AP_IF = 1
# The port's status codes: ESP32's unless the board profile names others
# (MUNIX_SIM_WIFI, NAME=CODE pairs).
_codes = dict(pair.split("=") for pair in (
    __import__("uos").getenv("MUNIX_SIM_WIFI")
    or "IDLE=1000,CONNECTING=1001,GOT_IP=1010,NO_AP_FOUND=201,WRONG_PASSWORD=202,"
       "CONNECT_FAIL=203").split(","))
STAT_IDLE = int(_codes["IDLE"])
STAT_CONNECTING = int(_codes["CONNECTING"])
STAT_GOT_IP = int(_codes["GOT_IP"])
STAT_NO_AP_FOUND = int(_codes["NO_AP_FOUND"])
STAT_WRONG_PASSWORD = int(_codes["WRONG_PASSWORD"])
STAT_CONNECT_FAIL = int(_codes["CONNECT_FAIL"])
del _codes
AUTH_OPEN = 0
AUTH_WPA2_PSK = 3

SSID = "munix-sim"
PASSWORD = "munix-sim-pass"
CONNECT_MS = 100
ADDRESS = ("127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1")
_NO_ADDRESS = ("0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0")
_hostname = ["munix"]


def hostname(name=None):
    if name is None:
        return _hostname[0]
    _hostname[0] = name


class _Interface:
    def __init__(self, mac, essid):
        self.active = False
        self.status = STAT_IDLE
        self.outcome = STAT_IDLE    # what connecting ends in
        self.since = 0
        self.address = None         # a static ifconfig(), if one was set
        self.config = {"mac": mac, "essid": essid, "ssid": essid, "password": "",
                       "channel": 6, "security": AUTH_WPA2_PSK, "hidden": False}


_interfaces = {STA_IF: _Interface(b"\x02munix", ""),
               AP_IF: _Interface(b"\x02munia", "munix-ap")}


class WLAN:
    def __init__(self, interface=STA_IF):
        self._i = _interfaces[interface]
        self._ap = interface == AP_IF

    def active(self, on=None):
        if on is None:
            return self._i.active
        self._i.active = bool(on)
        if not on:
            self._i.status = STAT_IDLE

    def _need_active(self):
        if not self._i.active:
            raise OSError("Wifi Not Started")

    def scan(self):
        self._need_active()
        time.sleep_ms(50)
        return [(SSID.encode(), b"\x02\x00\x00\x00\x00\x01", 6, -42, AUTH_WPA2_PSK, False)]

    def connect(self, ssid=None, key=None):
        self._need_active()
        if ssid != SSID:
            outcome = STAT_NO_AP_FOUND
        elif key != PASSWORD:
            outcome = STAT_WRONG_PASSWORD
        else:
            outcome = STAT_GOT_IP
            self._i.config["essid"] = self._i.config["ssid"] = ssid
        self._i.outcome = outcome
        self._i.status = STAT_CONNECTING
        self._i.since = time.ticks_ms()

    def disconnect(self):
        self._i.status = STAT_IDLE

    def status(self, param=None):
        if param == "rssi":
            return -42
        i = self._i
        if i.status == STAT_CONNECTING and time.ticks_diff(time.ticks_ms(), i.since) >= CONNECT_MS:
            i.status = i.outcome
        return i.status

    def isconnected(self):
        if self._ap:
            return False    # no station ever joins the simulated access point
        return self._i.active and self.status() == STAT_GOT_IP

    def ifconfig(self, settings=None):
        if settings == "dhcp":
            self._i.address = None
            return
        if settings is not None:
            if len(settings) != 4:
                raise ValueError("ifconfig needs (ip, netmask, gateway, dns)")
            self._i.address = tuple(settings)
            return
        if self._i.active and (self._ap or self.isconnected()):
            return self._i.address or ADDRESS
        return _NO_ADDRESS

    def config(self, *names, **settings):
        for key, value in settings.items():
            if key not in self._i.config and key not in ("key", "txpower", "pm"):
                raise ValueError("unknown config param")
            self._i.config[key] = value
            if key in ("essid", "ssid"):
                self._i.config["essid"] = self._i.config["ssid"] = value
        if names:
            if names[0] not in self._i.config:
                raise ValueError("unknown config param")
            return self._i.config[names[0]]
