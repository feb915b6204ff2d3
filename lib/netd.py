"""What the network daemons (telnet, FTP, HTTP) share: their settings, the
table of running daemons, and the loop's side of them, which takes their
clients in and serves them (they listen on netsock.address()).

    netd.get(name)              the running daemon of that name, or None
    netd.running                name -> Daemon, under netd.lock

Starting, stopping and describing one is netctl's (the `uXXXd
start|stop|status` commands are daemonctl's), loaded for those commands
only.

Every daemon listens in the OS's one asyncio loop (asyncloop), which needs
one thread for all of them: a board with one thread to spare (an RP2040)
runs them all, and as many clients as they allow. Every client is a task
of the loop; a telnet or HTTP client's long work goes to a worker
(offload), an FTP client's transfers give the others their turn every
few chunks. The protocol's module is imported for a daemon's first client
and dropped after its last (on a heap of 512 KiB or more, a second later),
so a daemon that waits for clients holds no protocol code; what the
protocol keeps from one client to the next lives in daemon.state. On a
heap under 512 KiB a client is taken in when the heap has room for it:
its protocol's code (if not loaded) and _ROOM more, for the session and
for the console and the others beside it; until then it waits, ROOM_MS at
most, then its code is loaded as soon as it fits, for as long again.
Clients coming together on a small board are served in turn rather than
all at once into a full heap (issue 27's scenario on the esp32 profile
had 4 to 9 KiB left, and clients reset). The loop also watches the
sockets of sessions whose command runs (Daemon.watch), so that a Ctrl-C
reaches a command that prints nothing.

A running daemon is a process (`ps` lists uftpd, `kill PID` stops it,
`test -p uftpd` finds it), of kind "daemon", done when its listener and
the tasks of its clients have ended. A stop request (netctl.stop, kill)
cancels the listener, which cancels those tasks; a telnet line running
in a worker sees daemon.stopping at its next write or read (within
POLL_MS while it waits on its client), and ends by itself. (Closing a
socket that another thread waits on does not wake that thread on every
port.)

The table is guarded by a lock: the RP2040 runs threads without a GIL.
"""
import select
import sys
import time
from micropython import const

import lending
import process
import system
from netsock import address, peer_ip, refuse

POLL_MS = 250           # how long a wait outside the loop goes before checking the flag
_WATCH_MS = const(100)  # how often the loop looks at the watched sessions' sockets
STOP_MS = 3000          # how long a stop waits for the sessions to end (netctl)
FULL_MS = 100           # how long a session whose heap ran out waits before it goes on
# How long a session waits for heap before it ends: sessions that wait for
# room that they hold between them (telnet's and FTP's code and sessions
# beside each other's) waited for good, and the board could run nothing
# more (the esp32 soak: four sessions, 35 KiB, the console's commands
# failing). The first to give up lets the others go on.
STALL_MS = 20000
ROOM_MS = 5000          # how long a client, a request or a command waits for room in the heap
_NO_SOCKET = (23, 24)   # ENFILE, EMFILE: no socket free (lwIP's, and MicroPython's errno has neither)
_ROOM = const(16384)    # heap a client needs beside its protocol's code (_room): its
                        # session with a command running (some 10 KiB on the esp32
                        # profile) and the 6 KiB a new thread leaves the console
                        # (procctl); a quarter of a smaller heap (an ESP8266's)

lock = system.allocate_lock()
running = {}           # name -> Daemon


class Stopped(Exception):
    """The daemon is stopping: the session ends."""


class Daemon:
    """A running daemon: its listening port, flag, sessions and counters."""

    def __init__(self, name, port):
        self.name = name
        self.port = port
        self.host = address()
        self.proc = None            # its process, once registered
        self.modules = ()           # the protocol's module and its helpers (netctl.start)
        self.loaded = []            # those of them loaded for a client, and httpd.load's
        self.state = {}             # what the protocol keeps between its loads
        self.tasks = []             # the tasks serving its clients
        self.watched = []           # sessions whose socket the loop watches (watch())
        self.sessions = 0           # clients being served now
        self.counters = {}          # what status shows: "logins": 3 ...
        self.insecure = False       # started with -i: no login asked
        self.guests = None          # netguests.Guests: the clients not logged in yet
        self.busy = b""             # what a client that cannot be served is told (netctl.start)
        self.clients = []           # the sockets of the sessions (_client)
        self.quiet = None           # ticks_ms of the last client's end, while its code is kept
        self.spare = None           # the protocol's spare(): ends an idle client for a socket (_free_socket)

    @property
    def stopping(self):
        return self.proc.sts == process.STOPPING

    def count(self, key, n=1):
        with lock:
            self.counters[key] = self.counters.get(key, 0) + n

    def release(self, proc, status):
        """Its listener has ended, and with it the tasks of its clients (the
        loop's call when its process's task ends: asyncloop.submit)."""
        with lock:
            # Done already when netctl.stop let go of sessions that ignored it.
            last = self.proc.alive()
        if last:
            finish(self, status)

    def watch(self, session, on=True):
        """While on, the loop looks at session.sock every _WATCH_MS and calls
        session.on_input() when its client sent something; when the daemon
        stops, session.on_stop()."""
        with lock:
            if session in self.watched:
                if not on:
                    self.watched.remove(session)
            elif on:
                self.watched.append(session)

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


class _Null:
    """Where a daemon's own output goes: its clients have streams of their own."""

    def write(self, text):
        pass


NULL = _Null()


def finish(daemon, status):
    """The daemon's listener and its sessions have ended."""
    unregister(daemon)
    daemon.proc.exit(status)


def unregister(daemon):
    with lock:
        if running.get(daemon.name) is daemon:
            del running[daemon.name]


def get(name):
    """The running daemon of that name, or None."""
    with lock:
        return running.get(name)


async def listener(daemon, sock, limit):
    import asyncio
    serve = _client if daemon.guests is not None else _task
    taker = None
    try:
        sock.setblocking(False)
        while not daemon.stopping:
            # The heap running out (a job, the other sessions) fails a
            # pass, not the listener.
            try:
                if taker is None or taker.done():
                    # Ended by the heap running out where _take could not
                    # catch it: taken up again, on the same socket.
                    taker = None
                    taker = asyncio.create_task(_take(daemon, sock, serve, limit))
                await asyncio.sleep_ms(_WATCH_MS if daemon.watched else POLL_MS)
                if daemon.watched:
                    _look(daemon)
                # The protocol's code kept since the last client goes once
                # none has come for a second. The loop looks, not a task
                # that waits for it: the loop's queue would keep that task
                # after its end (see _client), and its code with it (a
                # soak's heap drifted 4.6 to 15.4 KiB when it was httpd's).
                if (daemon.quiet is not None and not daemon.sessions
                        and time.ticks_diff(time.ticks_ms(), daemon.quiet) >= 1000):
                    daemon.quiet = None
                    _drop(daemon)
            except MemoryError:
                # Not a pass at once again: the loop's other tasks, and the
                # thread that holds the heap, run meanwhile.
                time.sleep_ms(_WATCH_MS)
    finally:
        if taker is not None:
            taker.cancel()
        sock.close()
        with lock:
            watched = daemon.watched[:]
            del daemon.watched[:]
        for session in watched:
            session.on_stop()
        for task in daemon.tasks[:]:
            task.cancel()
        while daemon.tasks:
            await asyncio.sleep_ms(10)
        # What a roomy heap kept since the last client.
        _drop(daemon)
        if not daemon.stopping:
            unregister(daemon)
    return 0


async def _take(daemon, sock, serve, limit):
    """Take clients in, each served by serve() as a task of the loop: what
    asyncio.start_server does, but a full heap fails one client, not the
    server. start_server's task ended at the first MemoryError with its
    socket still listening (the unix port never closes a collected socket,
    a board only at a later collection), so that no new one could take the
    port: uhttpd stayed deaf for good. It waits on the socket as asyncio's
    own streams do, through the loop's I/O queue."""
    import asyncio
    io = asyncio.core._io_queue
    while True:
        client = None
        try:
            yield io.queue_read(sock)
            client, addr = sock.accept()
            client.setblocking(False)
            asyncio.create_task(serve(daemon, asyncio.StreamReader(client, {"peername": addr}),
                                      limit))
            continue
        except OSError as e:
            # The client gone before it was taken, or no socket free for it
            # (the board's stack reset it): one is made free for the next.
            if e.errno in _NO_SOCKET:
                _free_socket()
            continue
        except MemoryError:
            # Told so, as when the daemon is full (closed without a word,
            # its user saw the connection reset).
            if client is not None:
                refuse(client, daemon.busy)
        await asyncio.sleep_ms(_WATCH_MS)


def _free_socket():
    """No socket was free for a client: the address whose clients not
    logged in hold the most sockets of all the daemons', when it holds more
    than one, gives one (netguests); else a connection kept idle between
    requests ends (the protocol's spare(): HTTP's, which may close one at
    any time), so that the next client finds a socket free. Idle
    connections took the esp32's 10 sockets, and the board's stack reset
    every other client for as long as they lasted."""
    every = list(running.values())
    daemons = [d for d in every if d.guests is not None]
    most, where = 1, None
    for daemon in daemons:
        for guest in daemon.guests.table[:]:
            ip = guest[4]
            n = 0
            for other in daemons:
                n += other.guests.holds(ip)
            if n > most:
                most, where = n, (daemon.guests, ip)
    if where is not None:
        where[0].give_socket(where[1])
        return
    for daemon in every:
        if daemon.spare is not None and daemon.spare():
            return


def room_again():
    """What work the heap had no room for (an FTP command, an HTTP request)
    awaits before it is made again, ROOM_MS at most: FULL_MS, what an
    import it made left half entered gone first (or the module would never
    load again: ftpd's ftplogin for USER). A function, not a coroutine: a
    coroutine's frame takes heap, and a full heap is why it waits (the
    wait itself failed, "451 Out of memory")."""
    import asyncio
    with system.import_lock:
        system.forget_failed_imports()
    return asyncio.sleep_ms(FULL_MS)


async def alarm(task, ms, rang):
    """Cancel task after ms, rang[0] set first: the end of a wait with a
    timeout (ftpd). Here, not in the protocol's module, which a task that
    outlived its end would keep."""
    import asyncio
    await asyncio.sleep_ms(ms)
    rang[0] = True
    task.cancel()


async def _task(daemon, stream, limit):
    """A client served by a task of the loop: the protocol's client()."""
    task = protocol = None
    counted = False
    # All of it inside the try: a full heap fails even the import of
    # asyncio (through the import lock, while a thread runs, on a 32-bit
    # board), and a client not handed over must be closed.
    try:
        import asyncio
        task = asyncio.current_task()
        daemon.tasks.append(task)
        with lock:
            daemon.sessions += 1
        counted = True
        protocol = await _protocol(daemon)
        await protocol.client(daemon, stream)
    except Exception as e:
        failed(daemon.name, e)
    finally:
        if protocol is None:
            # Its protocol could not load (the heap full): the client, not
            # handed over, was neither answered nor closed, and waited for
            # ever (asyncio's stream.close() closes nothing); closed
            # without a word, its user saw the connection dropped.
            refuse(stream.s, daemon.busy)
        protocol = None
        if task in daemon.tasks:
            daemon.tasks.remove(task)
        if counted:
            _end_session(daemon, None)


def _look(daemon):
    """Hand what the watched sessions' clients sent to them."""
    with lock:
        watched = daemon.watched[:]
    poller = select.poll()
    for session in watched:
        poller.register(session.sock, select.POLLIN)
    for sock, _ in poller.poll(0):
        for session in watched:
            if session.sock is sock:
                # A session ending meanwhile (its socket closed) must not
                # end the listener of every other.
                try:
                    session.on_input()
                except Exception as e:
                    failed(daemon.name, e)
    # Its frame stays on the loop's stack as stale words, which the
    # collector scans conservatively: they kept the last sessions watched,
    # ended, until others were (25 KiB after a session that built a 16 KiB
    # variable).
    watched = poller = session = sock = None


async def _client(daemon, stream, limit):
    """A client the loop accepted, within the daemon's limits: served by
    this task, through its protocol's client(daemon, stream), which never
    holds the loop long (telnet runs its lines through offload(), FTP gives
    the others their turn every few chunks). Out of memory, the client is
    closed unserved and counted out: the daemon goes on."""
    client = stream.s
    counted = False
    try:
        # In the try: on a full heap the import fails too (_task).
        import asyncio
        guests = daemon.guests
        ip = peer_ip(stream.get_extra_info("peername"))
        # Told at once, before it takes a slot or a wait, or its protocol's
        # code and auth's are loaded for it: a blocked guesser's clients
        # did all that, and took the heap a busy esp32's users needed.
        if guests.shut_out(ip):
            refuse(client, guests.blocked_words)
            return
        full = not guests.room(daemon.sessions, limit, ip)
        if full and guests.may_wait(ip):
            # As many wait as there are slots, so that a flood of clients
            # waiting does not fill the heap; the loop's other clients are
            # served meanwhile.
            guests.waiting.append(ip)
            try:
                # By the clock, not a sum of the sleeps: a busy loop's sleep
                # of 50 ms takes longer, and the wait with it.
                began = time.ticks_ms()
                waited = 0
                while full and (waited < guests.WAIT_MS
                                or guests.ending() and waited < 2 * guests.WAIT_MS):
                    await asyncio.sleep_ms(50)
                    waited = time.ticks_diff(time.ticks_ms(), began)
                    full = not guests.room(daemon.sessions, limit, ip)
            finally:
                guests.waiting.remove(ip)
        if daemon.stopping or full:
            refuse(client, daemon.busy)
            return
        nodelay(client)
        with lock:
            daemon.sessions += 1
        counted = True
        guests.add(client, ip)
        # Counted out below, however the session ends.
        counted = False
        task = asyncio.current_task()
        protocol = None
        # Listed inside the try: on a full heap a list's growth fails, and
        # the session must still be counted out (it was left counted, and
        # the daemon's status said "2 sessions" with none).
        try:
            daemon.tasks.append(task)
            with lock:
                daemon.clients.append(client)
            protocol = await _protocol(daemon, client)
            guests.served(client)
            await protocol.client(daemon, stream)
        except (Stopped, OSError, EOFError):
            if protocol is None:
                # Its slot went to a client from another address while it
                # waited for room, or the daemon stops: told to try again
                # later.
                refuse(client, daemon.busy)
        except Exception as e:
            if protocol is None:
                # Its code found no room in its wait: told to try again
                # later, in words that take no heap (closed unanswered,
                # its user saw the connection dropped).
                refuse(client, daemon.busy)
            failed(daemon.name, e)
        finally:
            # Code here, in this frame: it overwrites the stack slot that
            # kept the session's coroutine, and through it the protocol's
            # module, once the task had ended. The task can outlive its end
            # in the loop's queue (MicroPython's pairing heap keeps a stale
            # child_last): the module stayed after the last client.
            protocol = None
            try:
                with lock:
                    if client in daemon.clients:
                        daemon.clients.remove(client)
                if task in daemon.tasks:
                    daemon.tasks.remove(task)
                _end_session(daemon, client)
            finally:
                # Closed last, so that the session is over for the OS
                # once it is for its user: closed first, the protocol's
                # code was still in the heap after the client saw the end
                # when the loop's thread had not had its turn since (CI's
                # esp32 lane; the console's thread held the GIL).
                client.close()
        return
    except Exception as e:
        # Closed unanswered, whatever failed before the protocol had the
        # client: left open, it waited for ever. On a full heap there is
        # no heap for the words either (nor for a tuple of two classes);
        # a client gone is no failure.
        if not isinstance(e, MemoryError) and not isinstance(e, OSError):
            failed(daemon.name, e)
    if counted:
        _end_session(daemon, client)
    refuse(client, b"")


async def _protocol(daemon, client=None):
    """The daemon's protocol module, loaded for its first client with its
    helpers; those that were not loaded already go with the last client
    (a helper the console uses too stays: dropped, it would be loaded
    twice). The client waits for room first (_room), ROOM_MS at most,
    then the code is loaded whenever it fits, for as long again (then
    MemoryError): clients of every daemon at once on a small heap, the
    protocol that came last was refused, its client closed unanswered,
    while the others' were about to end. A guest client gives up its wait
    once its slot went to another (netguests.Guests.room)."""
    import asyncio
    began = time.ticks_ms()  # by the clock: a busy loop's sleeps take longer
    waited = 0
    while True:
        if client is not None and daemon.guests is not None:
            given = daemon.guests.given_up(client)
            if given is not None:
                raise given
        late = waited >= ROOM_MS or daemon.stopping
        if late or _room(daemon):
            # Under the lock for imports: a thread importing meanwhile (a
            # job's, a worker's) would see sys.modules change under it (a
            # board without a GIL crashed), or this module half run, as
            # MicroPython lists a module before it has run.
            with system.import_lock:
                try:
                    for name in daemon.modules:
                        if name not in sys.modules and name not in daemon.loaded:
                            daemon.loaded.append(name)
                    protocol = system.import_module(daemon.modules[0])
                    if daemon.guests is not None:
                        daemon.guests.preload()
                    return protocol
                except MemoryError:
                    # What the import left half made goes, so that the
                    # next try makes it anew.
                    system.forget_failed_imports()
                    if waited >= 2 * ROOM_MS or daemon.stopping:
                        raise
        await asyncio.sleep_ms(_WATCH_MS)
        waited = time.ticks_diff(time.ticks_ms(), began)


def _room(daemon):
    """Has the heap room for a new client of the daemon: _ROOM free beside
    the code of its modules not loaded? A heap of 512 KiB or more has room."""
    if system.ROOMY_HEAP:
        return True
    need = min(_ROOM, system.HEAP // 4) + code_size(daemon.modules)
    return system.heap_free(need) >= need


def code_size(names):
    """The heap the modules names not loaded would take: about one and a
    half times a .mpy file, and a third of a source file once compiled
    (the esp32 profile; half is asked, for the compiler's work), none in a
    ROMFS partition (a pack's is read into the heap)."""
    import fspath
    need = 0
    for name in names:
        found = None if name in sys.modules else fspath.module_file(name)
        if found is not None:
            path, st = found
            if path.endswith(".py"):
                need += st[6] // 2
            elif path.endswith(".mpy") and (not path.startswith("/rom/") or "packfs" in sys.modules):
                need += st[6] * 3 // 2
    return need


def _end_session(daemon, client):
    with lock:
        daemon.sessions -= 1
        if not daemon.sessions:
            # The protocol's code goes with the last client (on a roomy
            # heap, a second later: listener).
            if system.ROOMY_HEAP:
                daemon.quiet = time.ticks_ms()
            else:
                _drop(daemon)
    if daemon.guests is not None:
        daemon.guests.remove(client)


def _drop(daemon):
    daemon.spare = None
    with system.import_lock:
        for name in daemon.loaded:
            # Not sys.modules.pop(): the table keeps a removed entry's value.
            if name in sys.modules:
                system.unload(name)
    daemon.loaded = []
    drop_auth()


def drop_auth():
    """auth's code (4 KiB of the esp32 profile's heap, with hmacsha and
    loginblock) goes once no client of a session daemon may be logging in
    (netguests): loaded at every daemon's start and by each login, it
    stayed for as long as a daemon ran, and then for clients that only
    waited for room (on the esp32, at the busiest moment of issue 27's
    scenario). What it keeps is system.logins. An HTTP request's check,
    and a login that begins meanwhile, hold the module they imported; read
    without lock, which the caller may hold."""
    for daemon in list(running.values()):
        if daemon.guests is not None and daemon.guests.logging_in():
            return
    with system.import_lock:
        # auth's holders (ftplogin, telnetlogin) go with their login.
        for name in ("auth", "loginblock"):
            if name in sys.modules:
                system.unload(name)
        system.unload_unused(("hmacsha",))


def interrupt(term):
    """Ask the foreground command of remote terminal term's session (and
    what it started) to stop: a Ctrl-C, its client gone, the daemon
    stopping. The one way telnet's and the web's terminals do it."""
    sh = term.session.owner if term.session is not None else None
    if sh is not None:
        import procctl
        for p in procctl.family(sh)[1:]:
            if p.parent is sh and not p.job:
                procctl.set_state(p, process.STOPPING)


def remote(term, name, user):
    """A session for a remote terminal term (telnet's, the web desktop's),
    read through a line editor (lineplain's, the editor loaded for the
    first key that edits): USER who logged in (user, None without a
    login), $COLUMNS and $LINES term's (term.resized()), the banner said.
    Sets term.session and term.editor; returns the session."""
    import lineplain
    import session
    sess = session.Session(name, term, term, term)
    if user:
        sess.vars["USER"] = user
    term.session = sess
    term.resized()
    term.editor = lineplain.PlainEditor(term.read, term.send_text, sess)
    term.write("%s %s on %s\n" % (system.NAME, system.VERSION,
                                  system.conf.get("hostname") or sys.platform))
    return sess


def failed(name, e):
    """Log what ended a client's or a line's work: "NAME: TYPE: REPR". Its
    handler's last words: a full heap ends the work, and the line that said
    so failed too, its MemoryError raised from the handler (a client's task
    then said "Task exception wasn't retrieved" on the console)."""
    try:
        lending.lend("logfile", "net", "%s: %s: %r" % (name, type(e).__name__, e))
    except MemoryError:
        pass
