"""Bringing the system up: what boot and the loadconfig and loadboard
commands need, loaded for the occasion and dropped afterwards (see
kernel._startup)."""
import json
import sys
import time

import fspath
import kernel
import process
import session
import shell
import sysconf

INIT = "/etc/init.sh"
RC_LOCAL = "/etc/rc.local"
BOOTING = "/etc/.booting"
UPGRADE_STATE = "/.upgrade/state"
ROM_BIN = "/rom/bin"


def start(recovery):
    """Everything before the console prompt; returns the console session."""
    for folder in ("/lib", "/libx"):
        if folder not in sys.path:
            sys.path.append(folder)
    if fspath.isdir(ROM_BIN):
        import readonly
        readonly.remount()
    console = session.install()
    kernel.console = console
    process.start_init(console)
    loadconfig(None)
    loadboard([])
    print("%s %s on %s" % (kernel.NAME, kernel.VERSION, sys.platform))
    if fspath.exists(BOOTING):
        print("The last boot did not finish %s: starting in recovery mode." % INIT)
        fspath.discard(BOOTING)
        recovery = True
    if recovery:
        print("Recovery mode: %s skipped." % INIT)
    else:
        _run_init(console)
    return console


def _run_init(console):
    """Run init.sh, then the user's own rc.local, marked as booting."""
    with open(BOOTING, "w") as f:
        f.write("%d\n" % time.time())
    for script in (INIT, RC_LOCAL):
        if fspath.exists(script):
            try:
                shell.run_script(script, [script], console)
            except KeyboardInterrupt:
                print("%s interrupted" % script)
    fspath.discard(BOOTING)
    if fspath.exists(UPGRADE_STATE):
        # A new version on probation has booted (main.py began the probation).
        import upgradeboot
        try:
            upgradeboot.booted()
        finally:
            sys.modules.pop("upgradeboot", None)


def loadconfig(_):
    """(Re)load /etc/system.conf; its env section is exported."""
    fresh = sysconf.load()
    kernel.conf.clear()
    kernel.conf.update(fresh)
    for name, value in fresh.get("env", {}).items():
        kernel.console.setenv(name, value, export=True)
    # munix in a ROMFS partition (munix deploy --romfs) has its commands
    # there, after the folders of the configured PATH.
    path = kernel.console.getenv("PATH", "")
    if fspath.isdir(ROM_BIN) and ROM_BIN not in path.split(":"):
        kernel.console.setenv("PATH", path + ":" + ROM_BIN if path else ROM_BIN, export=True)
    return 0


def loadboard(args):
    """(Re)load the board file: the configured one, or the one named. The
    configured file is written with what the board says of itself when
    it is missing. Returns a status."""
    configured = kernel.conf.get("board")
    path = fspath.abspath(args[0], process.current().session.cwd) if args else configured
    try:
        if not fspath.exists(path) and path == configured:
            _describe_board(path)
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        shell.report("loadboard", OSError("%s: %s" % (path, e)) if isinstance(e, ValueError) else e)
        return 1
    kernel.board.clear()
    kernel.board.update(data)
    return 0


def _describe_board(path):
    import os
    try:
        machine = os.uname().machine
    except AttributeError:
        machine = sys.platform
    fspath.write_file(path, json.dumps({"name": machine, "mcu": sys.platform, "pins": {}}))
