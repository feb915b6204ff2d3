"""System configuration: /etc/system.conf, a JSON object.

A missing file is written with the defaults. A corrupt one is kept aside as
system.conf.bad and the defaults are used, with a warning. Settings the file
lacks (a newer release's) come from the defaults, also inside sections. Saving goes through a
temporary file, so a failure midway never wipes the configuration.
"""
import json
import sys

import fspath

PATH = "/etc/system.conf"

# The simulator (the unix port) runs without root: ports above 1024.
_SIM = sys.platform == "linux"

DEFAULTS = {
    "hostname": "munix",
    "board": "/etc/default.board",
    "location": None,  # {"lat": 47.5, "lon": 19.04}: for cron's sunrise and sunset
    "env": {"PATH": "/bin", "HOME": "/"},
    "alias": {},
    "upgrade": {"url": "", "ref": "release", "ca": "/etc/ca.pem"},
    "auth": {"delay_ms": 1000, "failures": 5, "block_s": 60},
    "telnet": {"port": 2323 if _SIM else 23, "sessions": 4, "idle_s": 600},
    "http": {"port": 8080 if _SIM else 80, "sessions": 4, "idle_s": 30},
    "ftp": {"port": 2121 if _SIM else 21, "sessions": 4, "idle_s": 300,
            "pasv_ports": [50000, 50099] if _SIM else [49152, 49407], "active": False},
}


def load(path=PATH):
    """The configuration in path, completed with the defaults."""
    if not fspath.exists(path) and fspath.exists(path + ".old"):
        fspath.replace(path + ".old", path)
    conf = None
    try:
        with open(path) as f:
            conf = json.load(f)
        if not isinstance(conf, dict):
            raise ValueError("not an object")
    except OSError:
        conf = None
    except ValueError:
        fspath.replace(path, path + ".bad")
        print("warning: %s is corrupt: kept as %s.bad, using defaults" % (path, path))
        conf = None
    if conf is None:
        conf = {}
        _save_quietly(DEFAULTS, path)
    for key, default in DEFAULTS.items():
        value = conf.setdefault(key, default)
        if isinstance(default, dict) and isinstance(value, dict):
            for name in default:
                value.setdefault(name, default[name])
    return conf


def save(conf, path=PATH):
    fspath.write_file(path, json.dumps(conf))


def _save_quietly(conf, path):
    try:
        save(conf, path)
    except OSError as e:
        print("warning: cannot write %s: %s" % (path, e))
