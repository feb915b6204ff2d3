"""System configuration: /etc/system.conf, a JSON object, and the board
file it names; loadconfig and loadboard (re)load them into system.conf and
system.board. Loaded for the occasion and dropped afterwards.

A missing file is written with the defaults. A corrupt one is kept aside as
system.conf.bad and the defaults are used, with a warning. Settings the file
lacks (a newer release's) come from the defaults, also inside sections. Saving goes through a
temporary file, so a failure midway never wipes the configuration.
"""
import json
import sys

import fspath
import process
import system

PATH = "/etc/system.conf"
ROM_BIN = "/rom/bin"

# The simulator (the unix port) runs without root: ports above 1024.
_SIM = sys.platform == "linux"

_DEFAULTS = {
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
        _save_quietly(_DEFAULTS, path)
    for key, default in _DEFAULTS.items():
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


def loadconfig():
    """(Re)load /etc/system.conf; its env section is exported."""
    fresh = load()
    system.conf.clear()
    system.conf.update(fresh)
    for name, value in fresh.get("env", {}).items():
        system.console.setenv(name, value, export=True)
    # munix in a ROMFS partition (mpremote romfs deploy) has its commands
    # there, after the folders of the configured PATH.
    path = system.console.getenv("PATH", "")
    if fspath.isdir(ROM_BIN) and ROM_BIN not in path.split(":"):
        system.console.setenv("PATH", path + ":" + ROM_BIN if path else ROM_BIN, export=True)
    return 0


def loadboard(args):
    """(Re)load the board file: the configured one, or the one named. The
    configured file is written with what the board says of itself when
    it is missing. Returns 0; OSError naming the file when it cannot be
    read (the caller reports it: this layer has no error words)."""
    configured = system.conf.get("board")
    path = fspath.abspath(args[0], process.current().session.cwd) if args else configured
    try:
        if not fspath.exists(path) and path == configured:
            _describe_board(path)
        with open(path) as f:
            data = json.load(f)
    except ValueError as e:
        raise OSError("%s: %s" % (path, e))
    system.board.clear()
    system.board.update(data)
    return 0


# Threads the OS may start on ports that cannot run many: the RP2040 runs
# one besides the main one (on its second core), the ESP8266 none.
_THREADS = {"rp2": 1, "esp8266": 0}


def _describe_board(path):
    import os
    try:
        machine = os.uname().machine
    except AttributeError:
        machine = sys.platform
    board = {"name": machine, "mcu": sys.platform, "pins": {}}
    if sys.platform in _THREADS:
        board["threads"] = _THREADS[sys.platform]
    fspath.write_file(path, json.dumps(board))
