"""The FTP daemon (RFC 959 with the RFC 3659 extensions SIZE, MDTM, REST
and MLSD/MLST): the board's files to any FTP client, curl and FUSE mounts.

Each client is served by a task of the OS's loop (netctl.start), from its
greeting to its end: its commands, data connections and transfers are
coroutines, and an FTP client holds no thread, so a board with one to
spare (an RP2040's is the loop's) serves `sessions` of them at once. Its
sockets are non-blocking and waited on through the loop, so a slow or
silent client holds up no other; a transfer gives the loop's other
clients their turn every _TURN_MS (a chunk's file read or write blocks:
the flash is quick), and most commands, needing no wait, are plain
calls. A reply goes out at once as far as the socket takes it, the rest
before the next command is read. `uftpd stop` cancels every session at
once. What a client may do:

- nothing but USER, PASS, FEAT, SYST and QUIT before logging in, when
  logins are asked (netguests.asked()), and that within `login_s` seconds of
  connecting, in one of `login_slots` (netguests);
- any path, normalised and confined to /: `..` never climbs above it;
- read and list everything but the password file; change, remove or move
  nothing fsguard.guarded() names: the files the shell protects (/main.py,
  /boot.py, /lib), the password file, and the folders holding them;
- passive transfers (PASV, EPSV) from the port range pasv_ports; active ones
  (PORT, EPRT) only when the "active" setting is on, and only to the
  client's own address. There is no SITE command.

STOR and APPE receive into a temporary file beside the target
(TARGET.N.part; APPE's begins with a copy of the old file) and rename it
over the target only once the upload is complete, so an interrupted upload,
a power cut too, leaves the old file as it was and no new file (boot removes
what a power cut left). Meanwhile listings show a new file with its
temporary's size, as FUSE mounts (curlftpfs) expect of a file they are
writing. Transfers go through one buffer of `buffer` bytes.

The code is in four modules, so that a session holds only what it runs:
this one has what every session needs (the control connection, passive
data connections, RETR, STOR, SIZE, CWD, PWD); ftplogin logging in (USER,
PASS); ftplist the listings (LIST, NLST, MLSD, MLST, STAT, MDTM); ftpmore
the commands few clients send (folders, DELE, RNFR/RNTO, REST, APPE, ABOR,
OPTS, MODE, STRU, active mode). Each of those three is loaded by the first
command that needs it and, on a board short of heap (less than _KEEP_FREE
free), dropped once no session runs one of its commands: on an ESP32
without PSRAM, a session uploading holds 9 KiB of FTP code, not 15. netd
drops them all with the last session.
"""
import asyncio
import errno
import gc
import os
import sys
import time
from micropython import const

import asyncloop
import fsguard
import fspath
import netd
import netguests
import netsock
import system

NAME = "ftp"
_BUFFER = const(1024)
_SMALL_BUFFER = const(256)
_MAX_LINE = const(1024)         # longer command lines are refused
_LINE_MS = const(30000)         # a started command line must end within this
_DATA_MS = const(10000)         # a client has this long to open a passive data connection
_ABOR_EVERY = const(64)         # chunks between looks for ABOR on the control connection
_TURN_MS = const(20)            # work between two turns of the loop's other clients
_KEEP_FREE = const(48 * 1024)   # the heap free below which ftplogin, ftplist and ftpmore go once unused

_OPEN = ("USER", "PASS", "FEAT", "SYST", "QUIT")
_FEATURES = ("UTF8", "SIZE", "MDTM", "REST STREAM", "EPSV", "TVFS",
            "MLST type*;size*;modify*;perm*;")
# The commands whose code is in a module of its own (Session.command).
_LOGIN = ("USER", "PASS")
_LISTS = ("LIST", "NLST", "MLSD", "MLST", "STAT", "MDTM")
# Those made again when the heap had no room for them before they replied
# (a check of a password cut short counts no failure: auth.check).
_AGAIN = ("RETR", "STOR", "APPE", "LIST", "NLST", "MLSD", "SIZE", "USER", "PASS")
_MORE = ("OPTS", "MODE", "STRU", "ABOR", "CDUP", "XCUP", "MKD", "XMKD", "RMD", "XRMD",
        "DELE", "RNFR", "RNTO", "REST", "APPE", "PORT", "EPRT")

_serial = [0]           # numbers the sessions, for their temporary files
_uploads = {}           # a new file being uploaded -> its temporary file
_turned = [0]           # ticks_ms of the last turn given (_turn())
_users = {}             # ftplogin, ftplist, ftpmore -> the commands (and logins) using them now


async def client(daemon, stream):
    """An FTP client, served by a task of the OS's loop from its greeting to
    its end (netd._client closes its socket)."""
    s = Session(daemon, stream.s, netsock.peer_ip(stream.get_extra_info("peername")))
    try:
        if netguests.blocked(s.ip):
            s.reply(421, "Too many failed logins, try again later")
            return
        s.reply(220, "munix FTP ready")
        stalled = None      # ticks_ms since the heap has been full for this session
        line = None         # a line read whose command has not begun
        while not s.quit:
            try:
                if line is None:
                    line = await s.line()
                    if line is None:
                        return
                    # Not for a line kept to be run again: each try of it
                    # began the count again, and a session the heap stayed
                    # full for never ended (CI, under load).
                    stalled = None
                if line:
                    replied = s.replied
                    s.began = False
                    await asyncloop.turn()
                    try:
                        await s.command(line)
                    finally:
                        asyncloop.end_turn()
                line = None
            except MemoryError:
                # Another's work holds the heap (a job's): a line whose
                # command had not begun is run once there is room (it was
                # lost, unanswered: a client sending SIZE then waited for
                # ever); one that had begun or been answered is not run
                # twice. The session goes on (it ended, its client cut off),
                # or ends after netd.STALL_MS.
                if line is not None and (s.began or s.replied != replied):
                    line = None
                if stalled is None:
                    stalled = time.ticks_ms()
                if daemon.stopping or time.ticks_diff(time.ticks_ms(), stalled) > netd.STALL_MS:
                    raise
                await asyncio.sleep_ms(netd.FULL_MS)
        await s.flush()
    except netguests.Expired as e:
        s.say(421, "Not logged in: %s, closing" % e)
    except asyncio.CancelledError:
        # uftpd stop: said without waiting, the session ending at once.
        s.say(421, "Service shutting down")
        raise
    finally:
        s.close_passive()
        if s.held:
            _release("ftplogin")


class Abort(Exception):
    """The transfer stops: the reply has been sent."""


class Session:
    # What a session starts with, kept by the class until the session
    # changes it: each session's own attributes cost it heap.
    pending = b""       # received, not yet handled
    out = b""           # replies the socket did not take yet (flush())
    user = None
    logged = False
    tries = 0
    cwd = "/"
    rest = 0            # REST's offset, for the next RETR or STOR
    rename = None       # RNFR's path, for the next RNTO
    passive = None      # listening socket of PASV/EPSV
    port = None         # (ip, port) of PORT/EPRT
    quit = False
    held = False        # holds ftplogin until logged in (command())
    began = False       # the command of the line being run has begun (client())
    replied = 0         # replies sent, or on their way
    uploads = _uploads  # for ftplist

    def __init__(self, daemon, sock, ip):
        conf = system.settings(NAME)
        self.daemon = daemon
        self.sock = sock
        self.ip = ip
        self.idle_ms = system.setting(conf, "idle_s", 300) * 1000
        self.buffer = system.setting(conf, "buffer", _BUFFER)
        self.rang = [False]     # the alarm of ready() has cancelled its wait
        _serial[0] += 1
        self.serial = _serial[0]

    # The control connection

    def reply(self, code, text):
        self.replied += 1
        self.send(("%d %s\r\n" % (code, text)).encode())

    def transferred(self):
        """226 after a transfer, in words made in advance: the heap may have
        no room for new ones then, and a download sent whole was told
        "451 Out of memory" (a job held the heap)."""
        self.replied += 1
        self.send(b"226 Transfer complete\r\n")

    def say(self, code, text):
        """A last reply, as far as the socket takes it now."""
        try:
            self.reply(code, text)
        except OSError:
            pass

    def lines(self, code, title, body, end="End"):
        """A multi-line reply: body's lines indented by one space."""
        text = "%d-%s\r\n" % (code, title)
        for line in body:
            text += " %s\r\n" % line
        self.send((text + "%d %s\r\n" % (code, end)).encode())

    def send(self, data):
        """What the control socket takes now goes; the rest waits for
        flush(), after the replies before it."""
        if not self.out:
            n = self.sock.write(data) or 0
            if n == len(data):
                return
            data = data[n:]
        self.out += data

    async def flush(self):
        """Send the replies not sent yet: a client that reads none of them
        for idle_ms is gone."""
        while self.out:
            if not await self.ready(self.sock, self.idle_ms, True):
                raise OSError(errno.ETIMEDOUT)
            n = self.sock.write(self.out)
            if n:
                self.out = self.out[n:]

    async def ready(self, sock, timeout_ms, out=False):
        """Wait in the loop until sock can be read (out: written), True, or
        for timeout_ms, False. A client not logged in yet whose time or
        slot is up gets netguests.Expired, within netd.POLL_MS."""
        guests = None if self.logged else self.daemon.guests
        deadline = time.ticks_add(time.ticks_ms(), timeout_ms)
        io = asyncio.core._io_queue
        rang = self.rang
        while True:
            step = time.ticks_diff(deadline, time.ticks_ms())
            if step <= 0:
                return False
            if guests is not None:
                step = guests.check(self.sock, min(step, netd.POLL_MS))
            # The task itself waits on the socket, and an alarm ends the
            # wait: asyncio.wait_for's two tasks and three coroutines took
            # the heap of a waiting session half a KiB more.
            rang[0] = False
            alarm = asyncio.create_task(netd.alarm(asyncio.current_task(), step, rang))
            try:
                yield io.queue_write(sock) if out else io.queue_read(sock)
                return True
            except asyncio.CancelledError:
                if not rang[0] or self.daemon.stopping:
                    raise
            finally:
                alarm.cancel()

    async def receive(self, timeout_ms):
        """More bytes of the control connection into pending: True when
        some came, False at its end, None after timeout_ms of silence."""
        # Read first, wait only when nothing has come: a megabyte sent
        # without a pause took longer than _LINE_MS in waits.
        data = self.sock.read(256)
        if data is None:
            if not await self.ready(self.sock, timeout_ms):
                return None
            data = self.sock.read(256)
            if data is None:
                return True
        else:
            if not self.logged and self.daemon.guests is not None:
                # A guest's deadline holds however much it sends.
                self.daemon.guests.check(self.sock, 0)
            # A client sending without a pause holds up no other.
            if _turn():
                await asyncio.sleep_ms(0)
        if not data:
            return False
        self.pending += data
        return True

    async def line(self):
        """The next command line (str), "" for a line refused, None when the
        client left or stayed silent too long. The replies not sent yet go
        first."""
        started = time.ticks_ms()
        skipping = False
        while True:
            end = self.pending.find(b"\n")
            if end >= 0:
                # Taken once decoded: a full heap there keeps the line.
                rest = self.pending[end + 1:]
                text = "" if skipping else self.decode(self.pending[:end])
                self.pending = rest
                return text
            if len(self.pending) > _MAX_LINE:
                self.pending = b""
                if not skipping:
                    skipping = True
                    self.reply(500, "Line too long")
            if self.out:
                await self.flush()
            waited = time.ticks_diff(time.ticks_ms(), started)
            limit = self.idle_ms
            if self.pending or skipping:
                limit = min(limit, _LINE_MS)
            got = await self.receive(limit - waited) if limit > waited else None
            if not got:
                if got is None:
                    self.say(421, "Timeout, closing")
                return None

    def decode(self, raw):
        """A command line as text, Telnet commands (the IAC IP, IAC DM
        before ABOR) left out; "" once refused."""
        while b"\xff" in raw:
            i = raw.find(b"\xff")
            raw = raw[:i] + (b"\xff" if raw[i + 1:i + 2] == b"\xff" else b"") + raw[i + 2:]
        try:
            text = raw.decode().rstrip("\r")
        except UnicodeError:
            self.reply(501, "Not UTF-8")
            return ""
        if "\0" in text:
            self.reply(501, "NUL in command")
            return ""
        return text

    async def command(self, line):
        parts = line.split(" ", 1)
        verb = parts[0].upper()
        arg = parts[1] if len(parts) > 1 else ""
        if not verb.isalpha() or len(verb) > 4:
            self.reply(500, "Syntax error")
            return
        # The module of its code, when not this one: loaded only once the
        # client may run it.
        where = ("ftplogin" if verb in _LOGIN else "ftplist" if verb in _LISTS
                 else "ftpmore" if verb in _MORE else None)
        handler = getattr(self, "ftp_" + verb) if where is None and verb in _HERE else None
        if handler is None and where is None:
            self.reply(502, "%s not implemented" % verb)
            return
        if verb not in _OPEN and not self.logged:
            self.reply(530, "Log in with USER and PASS first")
            return
        # REST holds for the next RETR or STOR only, RNFR for the next RNTO.
        if verb not in ("RETR", "STOR"):
            self.rest = 0
        if verb != "RNTO":
            self.rename = None
        loaded = False
        began = time.ticks_ms()
        waited = 0
        self.began = True
        try:
            while True:
                replied, passive = self.replied, self.passive
                try:
                    # Only the commands that transfer, or wait, are
                    # coroutines: the others, called as functions, cost the
                    # heap no frame.
                    if where is None:
                        waits = handler(arg)
                    else:
                        if not loaded:
                            module = _load(self.daemon, where)
                            loaded = True
                        waits = getattr(module, verb)(self, arg)
                    if waits is not None:
                        await waits
                    break
                except MemoryError:
                    # A command whose module could not load, and a transfer
                    # or a listing that has not begun (no reply, its data
                    # connection not taken), are made again once there is
                    # room, as HTTP's GET is: beside two telnet sessions,
                    # logins and uploads failed with 451 on the esp32 profile.
                    if waited >= netd.ROOM_MS or not (
                            where is not None and not loaded
                            or verb in _AGAIN and self.replied == replied
                            and self.passive is passive):
                        raise
                await netd.room_again()
                waited = time.ticks_diff(time.ticks_ms(), began)
        except Abort:
            pass
        except OSError as e:
            self.fail(e)
        except MemoryError:
            # The heap full (the module of the command could not load, say):
            # the command fails, not the session.
            self.say(451, "Out of memory")
        finally:
            if verb != "REST":
                self.rest = 0
            if verb != "RNFR":
                self.rename = None
            if loaded:
                # A session logging in keeps ftplogin until it has (or has
                # gone): USER then PASS load it once, and a guest repeating
                # them does not load it each time.
                if where == "ftplogin" and not self.logged and not self.held:
                    self.held = True
                else:
                    _release(where)
            if self.held and self.logged:
                self.held = False
                _release("ftplogin")

    async def more(self, name, *args):
        """await ftpmore.name(self, *args): active mode's data connection,
        the head of an upload after REST."""
        module = _load(self.daemon, "ftpmore")
        try:
            return await getattr(module, name)(self, *args)
        finally:
            _release("ftpmore")

    def fail(self, exc):
        code = exc.args[0] if exc.args else 0
        try:
            # Loaded when needed, as fileops is: a session that lists and
            # transfers leaves their heap to the board's other work.
            words = system.import_module("cmdargs").strerror(exc)
        except MemoryError:
            # Raised here, in the handler of the command's error, it went
            # past the command's own handler: the command was not answered
            # (or, as ImportError, the session ended).
            self.say(451, "Out of memory")
            return
        self.reply(452 if code == 28 else 550, words)

    # Logging in: USER and PASS are ftplogin's.

    def ftp_QUIT(self, arg):
        self.reply(221, "Goodbye")
        self.quit = True

    # Information

    def ftp_SYST(self, arg):
        self.reply(215, "UNIX Type: L8")

    def ftp_FEAT(self, arg):
        self.lines(211, "Features:", _FEATURES)

    def ftp_NOOP(self, arg):
        self.reply(200, "OK")

    def ftp_TYPE(self, arg):
        kind = arg.upper().split(" ")[0]
        if kind in ("A", "I", "L"):
            # Files go as they are in both: text files on the board have LF ends.
            self.reply(200, "Type set to %s" % kind)
        else:
            self.reply(504, "Type not supported")

    # Folders

    def ftp_PWD(self, arg):
        self.reply(257, '"%s" is the current folder' % self.cwd.replace('"', '""'))

    ftp_XPWD = ftp_PWD

    def ftp_CWD(self, arg):
        path = self.path(arg or "/")
        if not fspath.isdir(path):
            self.reply(550, "%s: No such folder" % path)
            return
        self.cwd = path
        self.reply(250, 'Folder is now "%s"' % path)

    # Files

    def ftp_SIZE(self, arg):
        path = self.readable(arg)
        st = os.stat(path)
        if st[0] & fspath.DIR:
            self.reply(550, "Not a file")
        else:
            self.reply(213, str(st[6]))

    async def ftp_RETR(self, arg):
        path = self.readable(arg)
        if fspath.isdir(path):
            self.reply(550, "Is a folder")
            return
        # Before the data connection: out of heap, the command is made again.
        buf = self.transfer_buffer()
        with open(path, "rb") as f:
            if self.rest:
                f.seek(self.rest)
            data = await self.open_data()
            try:
                chunks = 0
                while True:
                    n = f.readinto(buf)
                    if not n:
                        break
                    # What the socket takes at once goes from here: a
                    # coroutine and a view per chunk took heap, and a
                    # download begun beside a nearly full heap failed
                    # ("451 Out of memory").
                    sent = self.put(data, buf, 0, n)
                    if sent < n or _turn():
                        await self.push(data, buf, n, sent)
                    chunks += 1
                    if chunks % _ABOR_EVERY == 0:
                        self.check_abort()
            finally:
                data.close()
        self.daemon.count("downloads")
        self.transferred()

    def ftp_STOR(self, arg):
        return self.store(arg, False)

    async def store(self, arg, append):
        """Receive a file through a temporary file renamed over the target
        once complete. What the old file gives comes first: its first N
        bytes after REST N, all of it for APPE (append)."""
        path = self.writable(arg)
        st = fspath.stat(path)
        if st is not None and st[0] & fspath.DIR:
            self.reply(550, "Is a folder")
            return
        folder = fspath.split(path)[0]
        if not fspath.isdir(folder):
            self.reply(550, "%s: No such folder" % folder)
            return
        head = (st[6] if st is not None else 0) if append else self.rest
        temp = "%s.%d.part" % (path, self.serial)
        # Before the data connection: out of heap, the command is made again.
        buf = self.transfer_buffer()
        data = await self.open_data()
        # True once the data connection has ended normally, the client
        # still there; False when it broke.
        done = False
        new = temp if st is None else None
        try:
            if new:
                _uploads[path] = new
            with open(temp, "wb") as f:
                if head:
                    await self.more("copy_head", path, f, head)
                chunks = 0
                while True:
                    # Read first, wait only when nothing has come: a wait
                    # per chunk would cost more than the copy.
                    try:
                        n = data.readinto(buf)
                    except OSError:
                        break
                    if n is None:
                        if not await self.ready(data, self.idle_ms):
                            break
                        continue
                    if not n:
                        done = self.client_there()
                        break
                    f.write(buf, 0, n)
                    chunks += 1
                    if chunks % _ABOR_EVERY == 0:
                        self.check_abort()
                    if _turn():
                        await asyncio.sleep_ms(0)
            if done:
                fspath.replace(temp, path)
                temp = None
        finally:
            data.close()
            if new and _uploads.get(path) == new:
                del _uploads[path]
            if temp is not None:
                fspath.discard(temp)
        if done:
            self.daemon.count("uploads")
            self.transferred()
        else:
            self.reply(426, "Transfer interrupted; the file is unchanged")

    def transfer_buffer(self):
        """A transfer's buffer: a smaller one when the heap has no block of
        the size set (beside other daemons' sessions it may have the room
        but not in one piece); MemoryError when it has none."""
        try:
            return bytearray(self.buffer)
        except MemoryError:
            return bytearray(_SMALL_BUFFER)

    def client_there(self):
        """False when the control connection has ended: a client that died
        while uploading closed both connections."""
        try:
            more = self.sock.read(256)
        except OSError:
            return False
        if more is None:
            return True
        self.pending += more
        return bool(more)

    # Data connections

    def ftp_PASV(self, arg):
        if self.open_passive():
            self.reply(227, "Entering Passive Mode (%s,%d,%d)" % (
                self.daemon.host.replace(".", ","), self.passive_port >> 8, self.passive_port & 255))

    def ftp_EPSV(self, arg):
        if arg.upper() == "ALL":
            self.reply(200, "EPSV ALL: only EPSV from now on")
        elif self.open_passive():
            self.reply(229, "Entering Extended Passive Mode (|||%d|)" % self.passive_port)

    def open_passive(self):
        """Listen on a free port of the range pasv_ports for the next
        transfer: True, or False when there is none (replied)."""
        self.close_passive()
        ports = system.settings(NAME).get("pasv_ports") or (0, -1)
        try:
            low, high = int(ports[0]), int(ports[1])
        except (TypeError, ValueError, IndexError):
            low, high = 0, -1
        count = high - low + 1
        if count <= 0:
            self.reply(425, "No passive ports configured")
            return False
        first = (self.serial * 7 + time.ticks_ms()) % count
        for i in range(count):
            port = low + (first + i) % count
            try:
                self.passive = netsock.listen(self.daemon.host, port, 1)
            except OSError:
                continue
            self.passive_port = port
            self.passive.setblocking(False)
            return True
        self.reply(425, "No free passive port")
        return False

    def close_passive(self):
        if self.passive is not None:
            self.passive.close()
            self.passive = None

    async def open_data(self):
        """The data connection for a transfer, after the 150 reply; Abort
        (replied) when there is none."""
        listener = self.passive
        if listener is not None:
            # Kept until a connection is taken: a heap with no room before
            # then leaves the command to be made again (command()).
            while True:
                if not await self.ready(listener, _DATA_MS):
                    self.close_passive()
                    self.reply(425, "No data connection")
                    raise Abort()
                try:
                    sock, addr = listener.accept()
                except OSError:
                    continue
                if netsock.peer_ip(addr) == self.ip:
                    break
                sock.close()
            self.close_passive()
        elif self.port is not None:
            # Active mode (PORT, EPRT): ftpmore connects, or replies 425.
            sock = await self.more("connect")
            if sock is None:
                raise Abort()
        else:
            self.reply(425, "Use PASV or EPSV first")
            raise Abort()
        sock.setblocking(False)
        self.reply(150, "Data connection open")
        return sock

    def put(self, data, chunk, sent, n):
        """Write chunk's bytes from sent to n to the data connection, as many
        as it takes now, and with no heap taken: sent, plus those."""
        try:
            return sent + (data.write(chunk, sent, n - sent) or 0)
        except OSError:
            raise self.broken()

    async def push(self, data, chunk, n=None, sent=0):
        """Send chunk (its first n bytes, those before sent gone: put()) on
        the data connection, waiting while it takes no more; then the loop's
        other clients have their turn."""
        if n is None:
            n = len(chunk)
        while sent < n:
            sent = self.put(data, chunk, sent, n)
            if sent < n and not await self.ready(data, self.idle_ms, True):
                raise self.broken()
        await asyncio.sleep_ms(0)

    def broken(self):
        """The data connection is broken (or silent for idle_s): 426, and
        the Abort to raise."""
        self.reply(426, "Data connection broken")
        return Abort()

    def check_abort(self):
        """Look for ABOR on the control connection during a transfer."""
        if not self.client_there():
            raise netd.Stopped()
        if b"ABOR" in self.pending.upper():
            end = self.pending.find(b"\n")
            self.pending = self.pending[end + 1:] if end >= 0 else b""
            self.reply(426, "Transfer aborted")
            self.reply(226, "ABOR successful")
            raise Abort()

    # Paths

    def path(self, arg):
        if not arg:
            self.reply(501, "A path is needed")
            raise Abort()
        return fspath.abspath(arg, self.cwd)

    def readable(self, arg):
        path = self.path(arg)
        if fsguard.is_secret(path):
            raise OSError(13)
        return path

    def writable(self, arg):
        """The path of arg, when FTP may change, remove or move it: what
        fsguard.guarded() names is refused, with the reason."""
        path = self.path(arg)
        why = fsguard.guarded(path)
        if why:
            self.reply(550, fsguard.refusal(path, why))
            raise Abort()
        return path


# The commands whose code is here, looked up by name only once known:
# getattr interns the name it is given, for good, and a client's made-up
# verbs took heap that no collection gave back.
_HERE = tuple(name[4:] for name in dir(Session) if name.startswith("ftp_"))


def _turn():
    """True when the loop's other clients are due their turn: after _TURN_MS
    of work, not after every chunk, as a pass of the loop costs the
    simulator's poll a millisecond (transfers ran at 1 MB/s)."""
    now = time.ticks_ms()
    if time.ticks_diff(now, _turned[0]) < _TURN_MS:
        return False
    _turned[0] = now
    return True


def _load(daemon, name):
    """The module name (ftplogin, ftplist, ftpmore), loaded by the first
    command that needs it, and in use until _release(name)."""
    module = sys.modules.get(name)
    if module is None:
        # Its code needs blocks of some size: the garbage goes first.
        gc.collect()
        # Under the lock for imports: another thread may be loading a
        # program (netd._protocol).
        with system.import_lock:
            module = system.import_module(name)
            # It goes with this module, after the last session (netd).
            if name not in daemon.loaded:
                daemon.loaded.append(name)
    _users[name] = _users.get(name, 0) + 1
    return module


def _release(name):
    """A command has done with the module name: once no session runs one of
    its commands, it goes when the heap left is below _KEEP_FREE (a board
    without PSRAM keeps its heap for the transfers and the other daemons,
    and loads it again for the next command); a roomy board keeps it."""
    n = _users[name] - 1
    _users[name] = n
    if not n and gc.mem_free() < _KEEP_FREE:
        with system.import_lock:
            if name in sys.modules:
                system.unload(name)
