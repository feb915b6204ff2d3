"""The kernel: boots munix and runs the console session.

boot() loads the configuration and the board file, runs /etc/init.sh, then
serves the console. recovery() boots without init.sh, for a board whose
init.sh hangs or crashes: `import kernel; kernel.recovery()` at the
MicroPython REPL. A boot that never finished init.sh (a crash or a reset
during it) leaves a marker file behind; the next boot finds it and starts
in recovery by itself.
"""
import json
import sys
import time

import fspath
import process
import session
import shell
import sysconf

NAME = "munix"
VERSION = "0.1.0"
INIT = "/etc/init.sh"
RC_LOCAL = "/etc/rc.local"
END = "/etc/end.sh"
BOOTING = "/etc/.booting"

conf = {}
board = {}
console = None
booted = time.ticks_ms()


def boot(recovery=False):
    """Boot the OS on the console; returns when the console shell ends."""
    global console
    for folder in ("/lib", "/libx"):
        if folder not in sys.path:
            sys.path.append(folder)
    console = session.install(input)
    process.start_init(console)
    loadconfig()
    internal("loadboard", [])
    print("%s %s on %s" % (NAME, VERSION, sys.platform))
    if fspath.exists(BOOTING):
        print("The last boot did not finish %s: starting in recovery mode." % INIT)
        _remove(BOOTING)
        recovery = True
    if recovery:
        print("Recovery mode: %s skipped." % INIT)
    else:
        _run_init()
    if console.interact(shell) == "exit":
        shutdown()


def recovery():
    """Boot without running /etc/init.sh."""
    boot(recovery=True)


def _run_init():
    """Run init.sh, then the user's own rc.local, marked as booting."""
    with open(BOOTING, "w") as f:
        f.write("%d\n" % time.time())
    try:
        for script in (INIT, RC_LOCAL):
            if fspath.exists(script):
                shell.run_script(script, [script], console)
    finally:
        _remove(BOOTING)


def shutdown():
    """Run /etc/end.sh, as before any exit or reboot."""
    if fspath.exists(END):
        shell.run_script(END, [END], console)


def _remove(path):
    try:
        import os
        os.remove(path)
    except OSError:
        pass


def loadconfig():
    """(Re)load /etc/system.conf; its env section is exported."""
    fresh = sysconf.load()
    conf.clear()
    conf.update(fresh)
    for name, value in conf.get("env", {}).items():
        console.setenv(name, value, export=True)


def loadboard(path=None):
    """(Re)load the board file: the configured one, or path. The configured
    file is written with what the board says of itself when missing."""
    path = path or conf.get("board")
    if not path:
        return
    if not fspath.exists(path) and path == conf.get("board"):
        _describe_board(path)
    with open(path) as f:
        data = json.load(f)
    board.clear()
    board.update(data)


def _describe_board(path):
    import os
    try:
        machine = os.uname().machine
    except AttributeError:
        machine = sys.platform
    fspath.write_file(path, json.dumps({"name": machine, "mcu": sys.platform, "pins": {}}))


def internal(name, args):
    """The internal commands loadconfig and loadboard; returns a status."""
    try:
        if name == "loadconfig":
            loadconfig()
        elif args:
            loadboard(fspath.abspath(args[0], process.current().session.cwd))
        else:
            loadboard()
        return 0
    except (OSError, ValueError) as e:
        shell.complain(name, shell.cmdargs.strerror(e))
        return 1


def uptime_ms():
    return time.ticks_diff(time.ticks_ms(), booted)
