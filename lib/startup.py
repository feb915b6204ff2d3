"""Bringing the system up: what boot needs, loaded for the occasion and
dropped afterwards (see kernel.boot)."""
import builtins
import sys
import time

import fspath
import process
import session
import shell
import sysconf
import system

_INIT = "/etc/init.sh"
_RC_LOCAL = "/etc/rc.local"
BOOTING = "/etc/.booting"
_UPGRADE_STATE = "/.upgrade/state"


def start(recovery):
    """Everything before the console prompt; returns the console session."""
    for folder in ("/lib", "/libx"):
        if folder not in sys.path:
            sys.path.append(folder)
    if fspath.isdir(sysconf.ROM_BIN):
        import readonly
        readonly.remount()
    if fspath.exists(system.RUNNING):
        # The last run ended without a shutdown (power cut, reset): writes
        # it cut short may have left temporaries. Loaded only then: its
        # names would take room in the runtime's name table at every boot.
        import leftovers
        leftovers.sweep("/")
        system.unload("leftovers")
    else:
        with open(system.RUNNING, "w"):
            pass
    console = _console()
    system.console = console
    # The first process, which owns the console session.
    process.init = process.Process("init", [], console)
    process.init.enter()
    console.owner = process.init
    sysconf.loadconfig()
    board = system.conf.get("board")
    if board and not fspath.exists(board):
        # First boot: the board says what it is (boardinfo.py).
        import boardinfo
        boardinfo.install(board)
        system.unload("boardinfo")
    try:
        sysconf.loadboard([])
    except OSError as e:
        import errors
        errors.report("loadboard", e)
    print("%s %s on %s" % (system.NAME, system.VERSION, sys.platform))
    if fspath.exists(BOOTING):
        print("The last boot did not finish %s: starting in recovery mode." % _INIT)
        fspath.discard(BOOTING)
        recovery = True
    if recovery:
        print("Recovery mode: %s skipped." % _INIT)
    else:
        _run_init(console)
    return console


def _console():
    """Route print() and input() to the calling thread's process, and make
    the console session, reading through the line editor (see
    session.ConsoleInput)."""
    # The name, not builtins.input: reading the attribute gives the port's
    # original even after an override, where the name gives the override.
    if input is not session._input:
        session._console_input = input
    builtins.print = session._print
    builtins.input = session._input
    sess = session.Session("console", None, sys.stdout, sys.stderr, console=True)
    sess.stdin = session.ConsoleInput(session._console_input, sess)
    return sess


def _run_init(console):
    """Run init.sh, then the user's own rc.local, marked as booting."""
    with open(BOOTING, "w") as f:
        f.write("%d\n" % time.time())
    for script in (_INIT, _RC_LOCAL):
        if fspath.exists(script):
            try:
                shell.run_script(script, [script], console)
            except KeyboardInterrupt:
                print("%s interrupted" % script)
    fspath.discard(BOOTING)
    if fspath.exists(_UPGRADE_STATE):
        # A new version on probation has booted (main.py began the probation).
        import upgradeboot
        try:
            upgradeboot.booted()
        finally:
            sys.modules.pop("upgradeboot", None)

