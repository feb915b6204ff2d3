"""The daemons' `start|stop|status` commands: control() for the network
daemons (`uftpd`, `utelnetd`, `uhttpd`), job() for those that are an
asyncio task (`crond`, `fleetd`).

netd (the daemons' shared code) and the daemon's own module are imported
only once a daemon starts (its protocol's, once a client comes): while
none runs, `stop` and `status` (as /etc/end.sh runs them at every
shutdown) cost no more than this module.
"""
import sys
from micropython import const

import system

USAGE = """[-i] [-q] start|stop|status
  start   start the daemon (port, limits and timeouts: /etc/system.conf)
  stop    stop it: the listener and every session end
  status  whether it runs, where, and what it served
  -i      start although no password is set (setauth): no login asked
  -q      stop quietly: no error when it is not running (for /etc/end.sh)"""


def control(name, args, modules, port, busy, login_s=None, blocked=b""):
    """The `uXXXd [-i] [-q] start|stop|status` command of daemon name,
    whose clients the first of modules serves (netctl.start: loaded for the
    first client only, with the others), on port unless /etc/system.conf
    says; busy: what a client that cannot be served is told; login_s: the
    time a client has to log in (None: module keeps its own limits and
    logins); blocked: what a client from an address blocked by failed
    logins is told (with login_s). Returns the command's status."""
    netd = system.import_lock.get("netd")
    return serve(name, args, netd.get(name) if netd is not None else None, _status, _stop,
                 lambda insecure: _start(name, modules, (port, busy, login_s, blocked), insecure))


def _status(daemon):
    import netctl
    return netctl.status(daemon)


def _stop(daemon):
    import netctl
    return netctl.stop(daemon.name)


def serve(name, args, daemon, status, stop, start):
    """The `[-i] [-q] start|stop|status` of a network daemon's command:
    daemon, the running one or None; status(daemon), its line; stop(daemon),
    True once it stopped; start(insecure), the status of a start, insecure
    when -i asks for no login and no password was ever set (a start refused,
    it leaves none of what it loaded)."""
    # Not imported with this module, which stays loaded: cmdargs goes
    # after each program on a small heap (shell.HELPERS).
    import cmdargs
    opts, what = verb(args, "iq")
    if what == "status":
        if daemon is None:
            print("%s: not running" % name)
            return 1
        print(status(daemon))
        return 0
    if what == "stop":
        if daemon is None or not stop(daemon):
            return 0 if "q" in opts else cmdargs.error(None, "not running")
        print("%s: stopped" % name)
        return 0
    if daemon is not None:
        return cmdargs.error(None, "already running")
    status = 1
    before = list(sys.modules)
    try:
        unset = _password_unset()
        if unset and not opts.get("i"):
            return cmdargs.error(None, "no password set: run `setauth USER` first"
                                 " (or `setauth -d` for none, or start with -i)")
        status = start(unset)
    finally:
        if status:
            _unload(before)
    return status


def _password_unset():
    # A function of its own: the module is no longer held once it returns,
    # and a start that drops it (telnetconsole's) has its heap back.
    import auth
    return auth.required() is None


def port_error(port, e):
    """A listening socket that could not be had on port, said in one line."""
    import cmdargs
    import errno
    return cmdargs.error("port %d" % port, "in use" if e.args and e.args[0] == errno.EADDRINUSE else e)


# Heap that starting a daemon run as a task must leave free on a small
# heap, its modules loaded, for its task (crond's took 3.4 KiB of the
# esp8266 profile's), beside what the shell's next commands need
# (system.SHELL_ROOM). crond left an ESP8266 5.9 KiB, no block for the
# pool of names' next 640 (4.5 KiB), and every command not run before
# failed until a reset.
_TASK_ROOM = const(4096)
_NEED = system.SHELL_ROOM + _TASK_ROOM


def job(name, args, start, status, flags="", modules=()):
    """The `NAME [-FLAGS] start|stop|status` command of a daemon that runs
    as an asyncio task, a background process called name (crond, fleetd):
    start(opts) starts it and status(proc) tells how it does, each giving
    the command's status; modules: those of its code, which a small heap
    must have room for, with the task's and the shell's room beside them,
    before it starts. The rest is the same for every such daemon (one
    instance, stop as kill does, status 3 when it does not run)."""
    import cmdargs
    import process
    opts, what = verb(args, flags)
    running = [p for p in process.table() if p.name == name and p.job]
    if what == "start":
        if running:
            return cmdargs.error(None, "already running (pid %d)" % running[0].pid)
        before = list(sys.modules)
        free = system.heap_free(_NEED)
        why = _room(modules)
        if why:
            return cmdargs.error(None, why)
        try:
            status = start(opts)
        except MemoryError:
            # What the start loads beyond modules (fleetd's ESP-NOW link)
            # found no room: refused as the room check refuses, the same
            # line, what it loaded gone.
            if not system.SMALL_HEAP:
                raise
            return cmdargs.error(None, _too_little(before, free))
        # As after `CMD &`: jobctl started the task, and stayed beside the
        # daemon when a job cron started at once still ran as the line ended.
        system.let_go(["jobctl"])
        return status
    if what == "stop":
        if not running:
            return cmdargs.error(None, "not running")
        # Only here: jobcmd and the program API it brings (6.7 KiB of the
        # esp32 profile's heap) stayed loaded after `crond start`, beside
        # everything the daemon then served.
        import jobcmd
        return jobcmd.act(running, jobcmd.stop)
    if not running:
        print("%s: not running" % name)
        return 3
    return status(running[0])


def _room(modules):
    """None when a small heap has room for a daemon whose code is modules
    and, beside it, what its task and the shell need; else why not, what
    they loaded gone again. (Code that does not load at all fails as the
    shell says of any program.)"""
    if not system.SMALL_HEAP:
        return None
    before = list(sys.modules)
    free = system.heap_free(_NEED)
    # The shell's room is taken before the code loads, where the heap has
    # a block for it, so that the code lies above it (the collector gives
    # the lowest block that fits) and a start refused leaves it whole:
    # names stay for good, and loaded to see, then dropped, the code left
    # its names strewn through the heap, no block for the esp8266's pool of
    # names' next 640, and every command after failed until a reset.
    try:
        room = bytearray(system.SHELL_ROOM)
    except MemoryError:
        room = None
    try:
        for name in modules:
            __import__(name)
        room = None
        if system.heap_free(_NEED) >= _NEED:
            return None
    except MemoryError:
        room = None
    return _too_little(before, free)


def _too_little(before, free):
    """Why a daemon is refused on a small heap where free bytes were free,
    once the modules loaded since before (a list of names) are gone."""
    try:
        _unload(before)
    except MemoryError:
        pass
    return "too little heap: %d KiB free, its code and %d KiB needed" % (free // 1024, _NEED // 1024)


def shared_console():
    """True where a telnet session of its own does not fit, so utelnetd
    shares the console (telnetconsole): no thread to spare and a heap
    under 64 KiB (an ESP8266's 38; with no thread but more heap, the loop
    the console hosts serves sessions)."""
    return system.board.get("threads") == 0 and system.HEAP < 65536


def console_unshared(args):
    """The status of `utelnetd ARGS` where telnet would share the console
    but does not (telnetconsole, which stays once loaded, is not): stop
    and status say so without its code, which `utelnetd status`, and
    end.sh's stop at each exit, left in the esp8266's heap for good (2 KiB
    of its 38). None for a start, or once telnetconsole is loaded."""
    if "start" in args or system.import_lock.get("telnetconsole") is not None:
        return None
    return serve("telnet", args, None, None, None, None)


def verb(args, flags):
    """(options, start, stop or status) of a daemon's command line."""
    import cmdargs
    opts, rest = cmdargs.parse(args, flags, operands=1)
    what = rest[0] if rest else ""
    if what not in ("start", "stop", "status"):
        raise cmdargs.UsageError("start, stop or status?")
    return opts, what


def _unload(before):
    """A start refused (or failed) while no daemon runs: what it loaded
    (the modules not in before) goes. On the esp8266 netd stayed, splitting
    the heap, and every command not run before failed after it; on the
    esp32 profile, beside two jobs (whose threads keep a line's modules
    loaded, shell.drop), 38 KiB stayed, and the next start found no room.
    No job had any of it loaded; one that imports it meanwhile keeps it."""
    import process
    for p in process.table():
        if p.kind == "daemon":
            return
    with system.import_lock:
        system.forget_failed_imports()
        system.unload_unused([m for m in sys.modules if m not in before])


def _start(name, modules, clients, insecure):
    import cmdargs
    # Room for the code of netd and its loop first, as a daemon run as a
    # task is asked (job): started, utelnetd left the esp8266 profile 5.7
    # KiB at a layout of its pool of names, and every command after it
    # failed ("memory allocation failed, allocating 640 bytes": the pool
    # could not grow). Not for netctl's, which goes once the command ends.
    why = _room(("netd", "threadctl", "asyncloop"))
    if why:
        return cmdargs.error(None, why)
    import netctl
    import netd
    import threadctl
    port = system.setting(system.settings(name), "port", clients[0])
    try:
        daemon = _start_clients(name, modules, port, clients, insecure)
    except (RuntimeError, threadctl.NoThread) as e:
        return cmdargs.error(None, e)
    except OSError as e:
        return port_error(port, e)
    print(netctl.status(daemon))
    netd.drop_auth()
    return 0


def _start_clients(name, modules, port, clients, insecure):
    """netctl.start on port with the daemon's settings of /etc/system.conf
    ("sessions", "login_s", "login_slots"; clients gives the defaults), the
    clients not logged in yet kept apart (netguests) where they log in
    once, as a session (login_s)."""
    import netctl
    _, busy, login_s, blocked = clients
    conf = system.settings(name)
    limit = system.setting(conf, "sessions", 4)
    guests = None
    if login_s is not None:
        import netguests
        guests = netguests.Guests(system.setting(conf, "login_s", login_s) * 1000,
                                  system.setting(conf, "login_slots", netguests.SLOTS), limit,
                                  blocked)
    return netctl.start(name, port, modules, limit, busy, insecure, guests)
