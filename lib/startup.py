"""Bringing the system up: what boot needs, loaded for the occasion and
dropped afterwards (see kernel.boot)."""
import gc
import sys
import time

import fspath
import process
import session
import shell
import sysconf
import system

INIT = "/etc/init.sh"
RC_LOCAL = "/etc/rc.local"
BOOTING = "/etc/.booting"
UPGRADE_STATE = "/.upgrade/state"
_WHOLE_POOL = 65536    # a heap below which _grow_names runs at boot


def start(recovery):
    """Everything before the console prompt; returns the console session."""
    if gc.mem_free() + gc.mem_alloc() < _WHOLE_POOL:
        _grow_names()
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
    console = session.install()
    system.console = console
    process.start_init(console)
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
        print("The last boot did not finish %s: starting in recovery mode." % INIT)
        fspath.discard(BOOTING)
        recovery = True
    if recovery:
        print("Recovery mode: %s skipped." % INIT)
    else:
        _run_init(console)
    return console


def _grow_names():
    """The pool of interned names grows by doubling: past 620 names, which
    the first commands of any session reach, by one block of 4.5 KiB. On a
    heap under _WHOLE_POOL (ESP8266) a session had often split the heap by
    then, no block was that large, and every command not run before failed
    after. It grows now, while the heap is whole: the names of what lines
    and programs load are interned, a module at a time, each dropped after."""
    drop = shell.PARSER + shell.HELPERS + ("strsplit",)
    for name in shell.PARSER + shell.HELPERS[:3]:
        __import__(name)
        shell._drop(drop)


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

