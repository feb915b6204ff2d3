"""What the network daemons (telnet, FTP, HTTP) share: the address to
listen on, their settings, a table of running daemons, and the start, stop
and status commands.

    netd.address()                  the board's IP address to listen on
    netd.settings("ftp")            the daemon's section of /etc/system.conf
    netd.start(name, port, serve)   a TCP server, one thread per client
                                    (or, with no thread free and no other
                                    client, the listener's own):
                                    serve(daemon, sock, peer) runs per client
    netd.start_task(name, port, server)
                                    an asyncio daemon: the coroutine
                                    server(daemon) runs as a task on the
                                    OS's loop until daemon.stopping is set
    netd.stop(name), netd.get(name) stop a daemon; the running one or None

The `uXXXd start|stop|status` commands are daemonctl's.

A running daemon is a process (`ps` lists uftpd, `kill PID` stops it,
`test -p uftpd` finds it), of kind "daemon", done when its last thread
(or its task) has ended. A daemon never blocks longer than POLL_MS without looking at
daemon.stopping: a stop request (stop(), kill) is seen by the listener and
every client session, which end by themselves, closing their sockets,
within that time. (Closing a socket that another thread waits on does not
wake that thread on every port.)

The table is guarded by a lock: the RP2040 runs threads without a GIL.
"""
import select
import socket
import sys
import time

import process
import procctl
import system

POLL_MS = 250           # how long a daemon thread waits before checking its flag
STOP_MS = 3000          # how long stop() waits for the threads to end
LOG = "/tmp/net.log"
LOG_MAX = 8192          # the log is moved to net.log.old beyond this size

_lock = system.allocate_lock()
_daemons = {}           # name -> Daemon


class Stopped(Exception):
    """The daemon is stopping: the session ends."""


class Daemon:
    """A running daemon: its listening port, flag, sessions and counters."""

    def __init__(self, name, port):
        self.name = name
        self.port = port
        self.host = address()
        self.proc = None            # its process, once registered
        self.threads = 0            # threads of this daemon still running
        self.sessions = 0           # clients being served now
        self.counters = {}          # what status shows: "logins": 3 ...
        self.started = time.time()
        self.insecure = False       # started with -i: no login asked
        self.guests = None          # netguests.Guests: the clients not logged in yet

    def listen(self, backlog=2):
        """A socket listening on the daemon's address and port; OSError
        (EADDRINUSE, EACCES) when the port cannot be had."""
        return listen(self.host, self.port, backlog)

    @property
    def stopping(self):
        return self.proc.sts == process.STOPPING

    def count(self, key, n=1):
        with _lock:
            self.counters[key] = self.counters.get(key, 0) + n

    def thread(self, function, args):
        """Run function(*args) in a new thread counted as this daemon's;
        procctl.NoThread when none is free."""
        with _lock:
            self.threads += 1
        try:
            procctl.start_thread(self._run, (function, args))
        except procctl.NoThread:
            with _lock:
                self.threads -= 1
            raise

    def _run(self, function, args):
        try:
            function(*args)
        except Exception as e:
            log("%s: %s: %r" % (self.name, type(e).__name__, e))
        finally:
            with _lock:
                self.threads -= 1
                last = self.threads == 0
            if last:
                _finish(self, 0)

    def wait(self, sock, timeout_ms, events=select.POLLIN):
        """Wait until sock is ready (True) or timeout_ms passed (False; None
        waits for ever), POLL_MS at a time; Stopped when the daemon stops,
        netguests.Expired when a guest's time or slot is up."""
        poller = select.poll()
        poller.register(sock, events)
        deadline = None if timeout_ms is None else time.ticks_add(time.ticks_ms(), timeout_ms)
        while True:
            if self.stopping:
                raise Stopped()
            step = POLL_MS
            if self.guests is not None:
                step = self.guests.check(sock, step)
            if deadline is not None:
                step = min(step, max(time.ticks_diff(deadline, time.ticks_ms()), 0))
            if poller.poll(step):
                return True
            if deadline is not None and time.ticks_diff(deadline, time.ticks_ms()) <= 0:
                return False

    def status(self):
        """One line: where it listens, since when, sessions and counters."""
        with _lock:
            counters = sorted(self.counters.items())
            sessions = self.sessions
        text = "%s: listening on %s:%d, %d session%s" % (
            self.name, self.host, self.port, sessions, "" if sessions == 1 else "s")
        for key, n in counters:
            text += ", %s %d" % (key, n)
        if self.insecure:
            text += ", no login (-i)"
        return text


def address():
    """The board's address to listen on: the station's when connected, else
    the access point's when active, else every interface (0.0.0.0). On the
    unix port (the simulator) 127.0.0.1, so that a simulated board is never
    reachable from the PC's network unless asked (the simulated Wi-Fi also
    gives 127.0.0.1 once connected)."""
    try:
        import network
        for interface in (network.STA_IF, network.AP_IF):
            wlan = network.WLAN(interface)
            up = wlan.isconnected() if interface == network.STA_IF else wlan.active()
            if up:
                ip = wlan.ifconfig()[0]
                if ip != "0.0.0.0":
                    return ip
    except (ImportError, AttributeError, OSError):
        pass
    return "127.0.0.1" if sys.platform == "linux" else "0.0.0.0"


def settings(name):
    """The daemon's section of /etc/system.conf, a dict ({} when missing)."""
    section = system.conf.get(name)
    return section if isinstance(section, dict) else {}


def setting(section, key, default):
    """An int setting of a section, default when missing or not a number."""
    try:
        return int(section.get(key, default))
    except (TypeError, ValueError):
        return default


def listen(host, port, backlog=2):
    """A TCP socket listening on host:port."""
    sock = socket.socket()
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(socket.getaddrinfo(host, port)[0][-1])
        sock.listen(backlog)
    except Exception:
        sock.close()
        raise
    return sock


# Ports whose setsockopt() passes IPPROTO_TCP options to the stack: the
# unix port and the ESP32 family (lwIP's socket API). The raw lwIP binding
# of the RP2040 and ESP8266 knows none and prints a warning for each.
_NODELAY_PORTS = ("linux", "esp32")


def nodelay(sock):
    """Send small writes at once (TCP_NODELAY: IPPROTO_TCP 6, option 1 on
    Linux and lwIP alike; MicroPython names neither), where the port can.
    Without it a reply written after another waits for the peer's delayed
    ACK, 40 ms or more."""
    if sys.platform in _NODELAY_PORTS:
        try:
            sock.setsockopt(6, 1, 1)
        except (OSError, TypeError):
            pass


def peer_ip(addr):
    """The IP of an address from accept(): a tuple on boards, a raw
    sockaddr on the unix port."""
    if isinstance(addr, tuple):
        return addr[0]
    family, ip, _ = socket.sockaddr(addr)
    return socket.inet_ntop(family, ip)


def send(sock, data, daemon=None, timeout_ms=30000):
    """Write all of data to sock, blocking or not: a non-blocking socket
    takes part of it, or nothing (None), while the peer is not reading. A
    peer that reads nothing for timeout_ms is an OSError (ETIMEDOUT); with
    daemon, its stopping ends the wait (Stopped)."""
    view = memoryview(data)
    while view:
        n = sock.write(view)
        if n:
            view = view[n:]
            continue
        if daemon is None:
            ready = select.poll()
            ready.register(sock, select.POLLOUT)
            ready = ready.poll(timeout_ms)
        else:
            ready = daemon.wait(sock, timeout_ms, select.POLLOUT)
        if not ready:
            import errno
            raise OSError(errno.ETIMEDOUT)


def start(name, port, serve, limit=4, busy=b"", insecure=False, guests=None):
    """Start a TCP server: each client is served by serve(daemon, sock, ip)
    in a thread of its own; past limit clients (or the guests' slots, when
    guests, a netguests.Guests, keeps them), busy is sent and the client
    closed. Raises OSError when the port cannot be had, RuntimeError when a
    daemon of that name runs. Returns the Daemon."""
    daemon = _register(name, port, insecure)
    daemon.guests = guests
    sock = None
    try:
        sock = daemon.listen(limit)
        daemon.thread(_accept, (daemon, sock, serve, limit, busy))
    except Exception:
        # A daemon refused (no thread free) lets its port go: it stayed
        # bound until reboot, and every later start said "in use".
        if sock is not None:
            sock.close()
        _abandon(daemon)
        raise
    return daemon


def start_task(name, port, server, insecure=False):
    """Start an asyncio daemon: server(daemon) is a coroutine, run as a task
    on the OS's loop (asyncloop) with the daemon's process, that listens on
    daemon.host, daemon.port itself and returns once daemon.stopping is set.
    No thread of its own: its clients cost a task each."""
    import asyncloop
    daemon = _register(name, port, insecure)
    try:
        asyncloop.submit(daemon.proc, server(daemon), lambda proc, status: _finish(daemon, status))
    except Exception:
        _abandon(daemon)
        raise
    return daemon


def _register(name, port, insecure):
    """A new Daemon in the table, with its process; RuntimeError when one
    of that name runs."""
    daemon = Daemon(name, port)
    daemon.insecure = insecure
    with _lock:
        if name in _daemons:
            raise RuntimeError("already running")
        _daemons[name] = daemon
    import session
    sess = session.Session(name, None, _NULL, _NULL)
    daemon.proc = process.Process("u%sd" % name, ["start"], sess)
    daemon.proc.kind = "daemon"
    return daemon


def _finish(daemon, status):
    """The daemon's last thread or its task has ended."""
    _unregister(daemon)
    daemon.proc.exit(status)


def _abandon(daemon):
    """Forget a daemon that could not start."""
    _unregister(daemon)
    daemon.proc.discard()


class _Null:
    """Where a daemon's own output goes: its clients have streams of their own."""

    def write(self, text):
        pass


_NULL = _Null()


def _unregister(daemon):
    with _lock:
        if _daemons.get(daemon.name) is daemon:
            del _daemons[daemon.name]


def get(name):
    """The running daemon of that name, or None."""
    with _lock:
        return _daemons.get(name)


def stop(name):
    """Stop the daemon: its listener and sessions end, their sockets closed.
    Returns False when it was not running."""
    daemon = get(name)
    if daemon is None:
        return False
    procctl.stop(daemon.proc)
    deadline = time.ticks_add(time.ticks_ms(), STOP_MS)
    while daemon.proc.alive() and time.ticks_diff(deadline, time.ticks_ms()) > 0:
        time.sleep_ms(20)
    _unregister(daemon)
    return True


def _accept(daemon, sock, serve, limit, busy):
    try:
        while True:
            if not daemon.wait(sock, None):
                continue
            try:
                client, addr = sock.accept()
            except OSError:
                continue
            guests = daemon.guests
            if daemon.sessions >= limit if guests is None else not guests.room(daemon.sessions, limit):
                try:
                    client.write(busy)
                except OSError:
                    pass
                client.close()
                continue
            nodelay(client)
            with _lock:
                daemon.sessions += 1
            if guests is not None:
                guests.add(client)
            try:
                _session_thread(daemon, client, peer_ip(addr), serve)
            except Exception:
                if daemon.sessions == 1:
                    # No thread free, and no other client (an RP2040's one
                    # extra thread is this listener): served here, the next
                    # ones waiting to be accepted until it is done.
                    try:
                        _session(daemon, client, peer_ip(addr), serve)
                    except Stopped:
                        raise
                    except Exception as e:
                        log("%s: %s: %r" % (daemon.name, type(e).__name__, e))
                    continue
                with _lock:
                    daemon.sessions -= 1
                if guests is not None:
                    guests.remove(client)
                # No thread free for it (a board with few): as when full.
                try:
                    client.write(busy)
                except OSError:
                    pass
                client.close()
    except Stopped:
        pass
    finally:
        sock.close()
        _unregister_when_idle(daemon)


def _session_thread(daemon, client, ip, serve):
    """Serve the client in a thread of its own, tried again for POLL_MS:
    the thread of a session just ended may not be free yet."""
    for _ in range(POLL_MS // 50):
        try:
            return daemon.thread(_session, (daemon, client, ip, serve))
        except procctl.NoThread:
            time.sleep_ms(50)
    daemon.thread(_session, (daemon, client, ip, serve))


def _unregister_when_idle(daemon):
    """The listener ends: the daemon leaves the table once stop() is done
    waiting, or at once when it ended by itself."""
    if not daemon.stopping:
        _unregister(daemon)


def _session(daemon, client, ip, serve):
    try:
        serve(daemon, client, ip)
    except (Stopped, OSError):
        pass
    finally:
        client.close()
        with _lock:
            daemon.sessions -= 1
        if daemon.guests is not None:
            daemon.guests.remove(client)


def log(text):
    """Append a time-stamped line to the network log (/tmp/net.log)."""
    import logfile
    logfile.line(LOG, text, LOG_MAX)
