"""A network daemon's start, stop and status (netd): what the `uXXXd
start|stop|status` commands do (daemonctl), loaded for them and dropped
after, so that running daemons hold only the code that serves clients
(1.2 KiB less of the esp32 profile's heap for as long as they run).

    netctl.start(name, port, modules, ...)  a running netd.Daemon
    netctl.stop(name)                       False when it was not running
    netctl.status(daemon)                   one line
"""
import time

import netd
import process
import procctl
import system
from netsock import listen


def start(name, port, modules, limit=4, busy=b"", insecure=False, guests=None):
    """Start a TCP server: each client is served by the coroutine
    module.client(daemon, stream) as a task of the loop, module being the
    first of modules (the others: the helpers that go with it, once the
    last client has gone); past limit clients or the slots of guests (a
    netguests.Guests: the clients not logged in yet), busy is sent and the
    client closed. With no guests, module.client keeps its own limits, and
    busy is sent to a client only when its code finds no room. Raises
    OSError when the port cannot be had,
    RuntimeError when a daemon of that name runs, threadctl.NoThread when
    the loop cannot run. Returns the Daemon."""
    daemon = _register(name, port, insecure)
    daemon.guests = guests
    daemon.busy = busy
    daemon.modules = modules
    # The socket listens from here, so that a port in use is said at once
    # (a refused daemon lets it go: it stayed bound until reboot once) and
    # clients that come before the loop's first turn wait in its backlog:
    # where the console hosts the loop, that turn may come only once the
    # console is back up from deep calls (asynchost), and they were refused.
    sock = None
    try:
        sock = listen(daemon.host, daemon.port, limit if guests is not None else max(limit, 8))
        import asyncloop
        # Nothing of this module's goes to the loop or the daemon (a
        # lambda, a class): it would keep the module, dropped after the
        # command, loaded for as long as the daemon runs, a copy a daemon.
        asyncloop.submit(daemon.proc, netd.listener(daemon, sock, limit), daemon.release)
    except Exception:
        if sock is not None:
            sock.close()
        netd.unregister(daemon)
        daemon.proc.discard()
        raise
    return daemon


def _register(name, port, insecure):
    """A new Daemon in the table, with its process; RuntimeError when one
    of that name runs."""
    daemon = netd.Daemon(name, port)
    daemon.insecure = insecure
    with netd.lock:
        if name in netd.running:
            raise RuntimeError("already running")
        netd.running[name] = daemon
    import session
    sess = session.Session(name, None, netd.NULL, netd.NULL)
    daemon.proc = process.Process("u%sd" % name, ["start"], sess)
    daemon.proc.kind = "daemon"
    return daemon


def stop(name):
    """Stop the daemon: its listener and sessions end, their sockets closed.
    Returns False when it was not running."""
    daemon = netd.get(name)
    if daemon is None:
        return False
    procctl.stop(daemon.proc)
    deadline = time.ticks_add(time.ticks_ms(), netd.STOP_MS)
    while daemon.proc.alive() and time.ticks_diff(deadline, time.ticks_ms()) > 0:
        system.idle(20)
    if daemon.proc.alive():
        _let_go(daemon)
    netd.unregister(daemon)
    return True


def _let_go(daemon):
    """The daemon ends without the sessions whose line ignores its stop:
    Python that looks at nothing munix gives (`> while True: pass`), which
    no thread can interrupt in another. Their clients are cut off; each
    line ends when its code does, its processes listed by ps meanwhile."""
    with netd.lock:
        clients = daemon.clients[:]
        # The protocol's code stays loaded while a session still runs it:
        # loaded again for the next start, it would be there twice.
        daemon.loaded = []
    for client in clients:
        client.close()
    netd.finish(daemon, 143)


def status(daemon):
    """One line: where it listens, sessions and counters."""
    with netd.lock:
        counters = sorted(daemon.counters.items())
        sessions = daemon.sessions
    text = "%s: listening on %s:%d, %d session%s" % (
        daemon.name, daemon.host, daemon.port, sessions, "" if sessions == 1 else "s")
    for key, n in counters:
        text += ", %s %d" % (key, n)
    if daemon.insecure:
        text += ", no login (-i)"
    return text
