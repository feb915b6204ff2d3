"""Stand-in for the board's network module: a board on a network with one
access point, SSID "munix-sim", password "munix-sim-pass". Connecting with
them succeeds; the board's address is then 127.0.0.1, so daemons bind to
the loopback."""
import time

STA_IF = 0
AP_IF = 1
STAT_IDLE = 0
STAT_CONNECTING = 1
STAT_WRONG_PASSWORD = -3
STAT_NO_AP_FOUND = -2
STAT_GOT_IP = 3
AUTH_OPEN = 0
AUTH_WPA2_PSK = 3

SSID = "munix-sim"
PASSWORD = "munix-sim-pass"
_NO_ADDRESS = ("0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0")
_hostname = ["munix"]


def hostname(name=None):
    if name is None:
        return _hostname[0]
    _hostname[0] = name


class _Interface:
    def __init__(self, mac):
        self.active = False
        self.status = STAT_IDLE
        self.config = {"mac": mac, "essid": "", "password": "", "channel": 6,
                       "security": AUTH_WPA2_PSK}


_interfaces = {STA_IF: _Interface(b"\x02munix"), AP_IF: _Interface(b"\x02munia")}


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
            self._i.status = STAT_NO_AP_FOUND
        elif key != PASSWORD:
            self._i.status = STAT_WRONG_PASSWORD
        else:
            self._i.status = STAT_GOT_IP
            self._i.config["essid"] = ssid

    def disconnect(self):
        self._i.status = STAT_IDLE

    def status(self, param=None):
        if param == "rssi":
            return -42
        return self._i.status

    def isconnected(self):
        if self._ap:
            return self._i.active
        return self._i.active and self._i.status == STAT_GOT_IP

    def ifconfig(self, settings=None):
        if settings is not None:
            return
        if self.isconnected():
            return ("127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1")
        return _NO_ADDRESS

    def config(self, *names, **settings):
        for key, value in settings.items():
            self._i.config[key] = value
        if names:
            return self._i.config[names[0]]
