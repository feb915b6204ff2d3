"""The FTP daemon (RFC 959 with the RFC 3659 extensions SIZE, MDTM, REST
and MLSD/MLST): the board's files to any FTP client, curl and FUSE mounts.

Each client is served by a task of the OS's loop (netd.start), from its
greeting to its end: its commands, data connections and transfers are
coroutines, and an FTP client holds no thread, so a board with one to
spare (an RP2040's is the loop's) serves `sessions` of them at once. Its
sockets are non-blocking and waited on through the loop, so a slow or
silent client holds up no other; a transfer gives the loop's other
clients their turn every TURN_MS (a chunk's file read or write blocks:
the flash is quick), and most commands, needing no wait, are plain
calls. A reply goes out at once as far as the socket takes it, the rest
before the next command is read. `uftpd stop` cancels every session at
once. What a client may do:

- nothing but USER, PASS, FEAT, SYST and QUIT before logging in, when
  logins are asked (auth.asked()), and that within `login_s` seconds of
  connecting, in one of `login_slots` (netguests);
- any path, normalised and confined to /: `..` never climbs above it;
- read and list everything but the password file; change, remove or move
  nothing fsguard.guarded() names: the files the shell protects (/main.py,
  /boot.py, /lib), the password file, and the folders holding them;
- passive transfers (PASV, EPSV) from the port range pasv_ports; active ones
  (PORT, EPRT) only when the "active" setting is on, and only to the
  client's own address. There is no SITE command.

STOR receives into a temporary file beside the target (TARGET.N.part) and
renames it over the target only once the upload is complete, so an
interrupted upload never destroys the old file, and a new file is on flash
only once whole (boot removes what a power cut left). Meanwhile listings show
it, as FUSE mounts (curlftpfs) expect of a file they are writing.
Transfers go through one buffer of `buffer` bytes.
"""
import asyncio
import errno
import os
import select
import socket
import time

import auth
import clock
import fsguard
import fspath
import netd
import netguests

NAME = "ftp"
BUFFER = 1024
MAX_LINE = 1024         # longer command lines are refused
LINE_MS = 30000         # a started command line must end within this
DATA_MS = 10000         # a client has this long to open a passive data connection
ABOR_EVERY = 64         # chunks between looks for ABOR on the control connection
TURN_MS = 20            # work between two turns of the loop's other clients
TRIES = 3               # wrong passwords before the connection is closed

OPEN = ("USER", "PASS", "FEAT", "SYST", "QUIT")
FEATURES = ("UTF8", "SIZE", "MDTM", "REST STREAM", "EPSV", "TVFS",
            "MLST type*;size*;modify*;perm*;")
MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec"

_serial = [0]           # numbers the sessions, for their temporary files
_uploads = {}           # a new file being uploaded -> its temporary file
_turned = [0]           # ticks_ms of the last turn given (_turn())


async def client(daemon, stream):
    """An FTP client, served by a task of the OS's loop from its greeting to
    its end (netd._client closes its socket)."""
    s = Session(daemon, stream.s, netd.peer_ip(stream.get_extra_info("peername")))
    try:
        if auth.blocked(s.ip):
            s.reply(421, "Too many failed logins, try again later")
            return
        s.reply(220, "munix FTP ready")
        while not s.quit:
            line = await s.line()
            if line is None:
                return
            if line:
                await s.command(line)
        await s.flush()
    except netguests.Expired as e:
        s.say(421, "Not logged in: %s, closing" % e)
    except asyncio.CancelledError:
        # uftpd stop: said without waiting, the session ending at once.
        s.say(421, "Service shutting down")
        raise
    finally:
        s.close_passive()


class Abort(Exception):
    """The transfer stops: the reply has been sent."""


class Session:
    def __init__(self, daemon, sock, ip):
        conf = netd.settings(NAME)
        self.daemon = daemon
        self.sock = sock
        self.ip = ip
        self.idle_ms = netd.setting(conf, "idle_s", 300) * 1000
        self.buffer = netd.setting(conf, "buffer", BUFFER)
        ports = conf.get("pasv_ports") or [0, -1]
        try:
            self.ports = (int(ports[0]), int(ports[1]))
        except (TypeError, ValueError, IndexError):
            self.ports = (0, -1)
        self.active = conf.get("active") is True
        self.pending = b""      # received, not yet handled
        self.out = b""          # replies the socket did not take yet (flush())
        self.rang = [False]     # the alarm of ready() has cancelled its wait
        self.user = None
        self.logged = False
        self.tries = 0
        self.cwd = "/"
        self.rest = 0
        self.rename = None
        self.passive = None     # listening socket of PASV/EPSV
        self.port = None        # (ip, port) of PORT/EPRT
        self.quit = False
        _serial[0] += 1
        self.serial = _serial[0]

    # The control connection

    def reply(self, code, text):
        self.send(("%d %s\r\n" % (code, text)).encode())

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
        # without a pause took longer than LINE_MS in waits.
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
                raw = self.pending[:end]
                self.pending = self.pending[end + 1:]
                if skipping:
                    return ""
                return self.decode(raw)
            if len(self.pending) > MAX_LINE:
                self.pending = b""
                if not skipping:
                    skipping = True
                    self.reply(500, "Line too long")
            if self.out:
                await self.flush()
            waited = time.ticks_diff(time.ticks_ms(), started)
            limit = self.idle_ms
            if self.pending or skipping:
                limit = min(limit, LINE_MS)
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
        handler = getattr(self, "ftp_" + verb, None)
        if handler is None:
            self.reply(502, "%s not implemented" % verb)
            return
        if verb not in OPEN and not self.logged:
            self.reply(530, "Log in with USER and PASS first")
            return
        # REST holds for the next RETR or STOR only, RNFR for the next RNTO.
        if verb not in ("RETR", "STOR"):
            self.rest = 0
        if verb != "RNTO":
            self.rename = None
        try:
            # Only the commands that transfer, or wait, are coroutines: the
            # others, called as functions, cost the heap no frame.
            waits = handler(arg)
            if waits is not None:
                await waits
        except Abort:
            pass
        except OSError as e:
            self.fail(e)
        finally:
            if verb != "REST":
                self.rest = 0
            if verb != "RNFR":
                self.rename = None

    def fail(self, exc):
        # Loaded when needed, as fileops is: a session that lists and
        # transfers leaves their heap to the board's other work.
        import cmdargs
        code = exc.args[0] if exc.args else 0
        self.reply(452 if code == 28 else 550, cmdargs.strerror(exc))

    # Logging in

    def ftp_USER(self, arg):
        self.user = arg.strip()
        self.logged = False
        if auth.asked(self.daemon.insecure):
            self.reply(331, "Password required for %s" % self.user[:32])
        else:
            self.logged = True
            self.daemon.guests.remove(self.sock)
            self.daemon.count("logins")
            self.reply(230, "Logged in, no password needed")

    async def ftp_PASS(self, arg):
        if self.logged:
            self.reply(230, "Already logged in")
            return
        if self.user is None:
            self.reply(503, "USER first")
            return
        if auth.check(self.user, arg, self.ip, NAME, delay=False):
            self.logged = True
            self.daemon.guests.remove(self.sock)
            self.daemon.count("logins")
            self.reply(230, "Logged in")
            return
        # The loop's other clients are served meanwhile.
        await asyncio.sleep_ms(auth.limit("delay_ms", auth.DELAY_MS))
        self.tries += 1
        if self.tries >= TRIES or auth.blocked(self.ip):
            self.reply(421, "Login incorrect, closing")
            self.quit = True
        else:
            self.reply(530, "Login incorrect")

    def ftp_QUIT(self, arg):
        self.reply(221, "Goodbye")
        self.quit = True

    # Information

    def ftp_SYST(self, arg):
        self.reply(215, "UNIX Type: L8")

    def ftp_FEAT(self, arg):
        self.lines(211, "Features:", FEATURES)

    def ftp_OPTS(self, arg):
        option = arg.upper().split(" ")[0]
        if option in ("UTF8", "MLST"):
            self.reply(200, "OK")
        else:
            self.reply(501, "Unknown option")

    def ftp_NOOP(self, arg):
        self.reply(200, "OK")

    def ftp_TYPE(self, arg):
        kind = arg.upper().split(" ")[0]
        if kind in ("A", "I", "L"):
            # Files go as they are in both: text files on the board have LF ends.
            self.reply(200, "Type set to %s" % kind)
        else:
            self.reply(504, "Type not supported")

    def ftp_MODE(self, arg):
        self.reply(200 if arg.upper() == "S" else 504, "Mode S only")

    def ftp_STRU(self, arg):
        self.reply(200 if arg.upper() == "F" else 504, "Structure F only")

    def ftp_STAT(self, arg):
        if not arg:
            self.lines(211, "munix FTP status", [
                "Connected from %s" % self.ip,
                "Logged in as %s" % self.user if self.logged else "Not logged in",
                "TYPE: BINARY, STRU: File, MODE: Stream"])
            return
        path = self.readable(arg)
        st = fspath.stat(path)
        if st is None:
            raise OSError(2)
        self.lines(213, "Status of %s:" % path, self.listing(path, st, long_form), "End of status")

    def ftp_ABOR(self, arg):
        self.close_passive()
        self.reply(226, "No transfer to abort")

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

    def ftp_CDUP(self, arg):
        self.ftp_CWD("..")

    ftp_XCUP = ftp_CDUP

    def ftp_MKD(self, arg):
        path = self.writable(arg)
        os.mkdir(path)
        self.reply(257, '"%s" created' % path.replace('"', '""'))

    ftp_XMKD = ftp_MKD

    def ftp_RMD(self, arg):
        path = self.writable(arg)
        if path == "/" or path == self.cwd:
            self.reply(550, "Cannot remove the current folder")
            return
        os.rmdir(path)
        self.reply(250, "Folder removed")

    ftp_XRMD = ftp_RMD

    # Files

    def ftp_SIZE(self, arg):
        path = self.readable(arg)
        st = os.stat(path)
        if st[0] & fspath.DIR:
            self.reply(550, "Not a file")
        else:
            self.reply(213, str(st[6]))

    def ftp_MDTM(self, arg):
        path = self.readable(arg)
        self.reply(213, stamp(os.stat(path)[8]))

    def ftp_DELE(self, arg):
        path = self.writable(arg)
        if fspath.isdir(path):
            self.reply(550, "Is a folder: use RMD")
            return
        os.remove(path)
        self.reply(250, "Deleted")

    def ftp_RNFR(self, arg):
        path = self.writable(arg)
        if not fspath.exists(path):
            raise OSError(2)
        self.reply(350, "Ready for RNTO")
        self.rename = path

    def ftp_RNTO(self, arg):
        if self.rename is None:
            self.reply(503, "RNFR first")
            return
        import fileops
        source, target = self.rename, self.writable(arg)
        if target == source or fileops.inside(target, source):
            self.reply(553, "Cannot move a folder into itself")
            return
        if fspath.isdir(target):
            self.reply(553, "A folder is in the way")
            return
        if fspath.exists(target):
            fspath.replace(source, target)
        else:
            os.rename(source, target)
        self.reply(250, "Renamed")

    def ftp_REST(self, arg):
        try:
            offset = int(arg)
        except ValueError:
            offset = -1
        if offset < 0:
            self.reply(501, "REST needs a byte offset")
            return
        self.reply(350, "Restarting at %d" % offset)
        self.rest = offset

    async def ftp_RETR(self, arg):
        path = self.readable(arg)
        if fspath.isdir(path):
            self.reply(550, "Is a folder")
            return
        with open(path, "rb") as f:
            if self.rest:
                f.seek(self.rest)
            data = await self.open_data()
            try:
                buf = bytearray(self.buffer)
                view = memoryview(buf)
                chunks = 0
                while True:
                    n = f.readinto(buf)
                    if not n:
                        break
                    await self.push(data, view[:n])
                    chunks += 1
                    if chunks % ABOR_EVERY == 0:
                        self.check_abort()
            finally:
                data.close()
        self.daemon.count("downloads")
        self.reply(226, "Transfer complete")

    def ftp_STOR(self, arg):
        return self.store(arg, False)

    def ftp_APPE(self, arg):
        return self.store(arg, True)

    async def store(self, arg, append):
        """Receive a file. STOR goes through a temporary file renamed over
        the target once complete (after REST N, the old file's first N bytes
        come first); APPE appends to the file."""
        path = self.writable(arg)
        if fspath.isdir(path):
            self.reply(550, "Is a folder")
            return
        folder = fspath.split(path)[0]
        if not fspath.isdir(folder):
            self.reply(550, "%s: No such folder" % folder)
            return
        temp = None if append else "%s.%d.part" % (path, self.serial)
        data = await self.open_data()
        done = False
        new = temp if temp is not None and not fspath.exists(path) else None
        try:
            if new:
                _uploads[path] = new
            with open(path if append else temp, "ab" if append else "wb") as f:
                if self.rest and not append:
                    await copy_head(path, f, self.rest, self.buffer)
                done = await self.receive_file(data, f)
            if temp is not None:
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
            self.reply(226, "Transfer complete")
        else:
            self.reply(426, "Transfer interrupted; the file is unchanged" if not append
                       else "Transfer interrupted")

    async def receive_file(self, data, f):
        """Copy the data connection into f; True when it ended normally
        (and the client is still there), False when it broke."""
        buf = bytearray(self.buffer)
        view = memoryview(buf)
        chunks = 0
        while True:
            # Read first, wait only when nothing has come: a wait per chunk
            # would cost more than the copy.
            try:
                n = data.readinto(buf)
            except OSError:
                return False
            if n is None:
                if not await self.ready(data, self.idle_ms):
                    return False
                continue
            if n == 0:
                return self.client_there()
            f.write(view[:n])
            chunks += 1
            if chunks % ABOR_EVERY == 0:
                self.check_abort()
            if _turn():
                await asyncio.sleep_ms(0)

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

    # Listings

    def ftp_LIST(self, arg):
        return self.send_listing(arg, long_form)

    def ftp_NLST(self, arg):
        return self.send_listing(arg, None)

    def ftp_MLSD(self, arg):
        path = self.readable(arg or ".")
        if not fspath.isdir(path):
            self.reply(501, "Not a folder")
            return None
        return self.send_lines(self.listing(path, os.stat(path), facts))

    def ftp_MLST(self, arg):
        path = self.readable(arg or ".")
        self.lines(250, "Listing " + path, [facts(path, os.stat(path), path)])

    def send_listing(self, arg, form):
        # Clients send ls options (LIST -a, LIST -la): there are none to honour.
        words = [w for w in arg.split(" ") if w and not w.startswith("-")]
        path = self.readable(" ".join(words) or ".")
        st = fspath.stat(path)
        if st is None:
            raise OSError(2)
        return self.send_lines(self.listing(path, st, form))

    def listing(self, path, st, form):
        """The lines listing path (a folder's entries, or the file itself),
        each made by form(path, stat, name); NLST's form (None) gives the
        names."""
        if not st[0] & fspath.DIR:
            name = fspath.basename(path)
            yield form(path, st, name) if form else name
            return
        names = [name for name, _ in fspath.entries(path)]
        uploading = {}      # new files of this folder on their way: their temporaries
        for target, temp in _uploads.items():
            folder, name = fspath.split(target)
            if folder == path and name not in names:
                uploading[name] = temp
        for name in sorted(names + list(uploading)):
            full = fspath.join(path, name)
            if fsguard.is_secret(full):
                continue
            if form is None:
                yield name
                continue
            entry = fspath.stat(uploading.get(name, full))
            if entry is not None:
                yield form(full, entry, name)

    async def send_lines(self, lines):
        data = await self.open_data()
        try:
            text = ""
            for line in lines:
                text += line + "\r\n"
                if len(text) >= self.buffer:
                    await self.push(data, text.encode())
                    text = ""
            if text:
                await self.push(data, text.encode())
        finally:
            data.close()
        self.reply(226, "Listing sent")

    # Data connections

    def ftp_PASV(self, arg):
        sock = self.open_passive()
        if sock is not None:
            self.reply(227, "Entering Passive Mode (%s,%d,%d)" % (
                self.daemon.host.replace(".", ","), self.passive_port >> 8, self.passive_port & 255))

    def ftp_EPSV(self, arg):
        if arg.upper() == "ALL":
            self.reply(200, "EPSV ALL: only EPSV from now on")
            return
        if self.open_passive() is not None:
            self.reply(229, "Entering Extended Passive Mode (|||%d|)" % self.passive_port)

    def open_passive(self):
        """Listen on a free port of the range for the next transfer."""
        self.close_passive()
        low, high = self.ports
        count = high - low + 1
        if count <= 0:
            self.reply(425, "No passive ports configured")
            return None
        first = (self.serial * 7 + time.ticks_ms()) % count
        for i in range(count):
            port = low + (first + i) % count
            try:
                self.passive = netd.listen(self.daemon.host, port, 1)
            except OSError:
                continue
            self.passive_port = port
            self.passive.setblocking(False)
            return self.passive
        self.reply(425, "No free passive port")
        return None

    def close_passive(self):
        if self.passive is not None:
            self.passive.close()
            self.passive = None

    def ftp_PORT(self, arg):
        parts = arg.split(",")
        try:
            if len(parts) != 6:
                raise ValueError
            numbers = [int(p) for p in parts]
            if not all(0 <= n <= 255 for n in numbers):
                raise ValueError
        except ValueError:
            self.reply(501, "PORT needs h1,h2,h3,h4,p1,p2")
            return
        self.active_to(".".join(parts[:4]), numbers[4] * 256 + numbers[5])

    def ftp_EPRT(self, arg):
        parts = arg.split(arg[:1]) if arg else []
        try:
            if len(parts) != 5 or parts[1] != "1":
                raise ValueError
            port = int(parts[3])
        except ValueError:
            self.reply(522, "EPRT: only |1|IPv4|port|, use (1)")
            return
        self.active_to(parts[2], port)

    def active_to(self, ip, port):
        if not self.active:
            self.reply(502, "Active mode is off: use PASV or EPSV")
        elif ip != self.ip:
            self.reply(501, "Data connections go to your own address only")
        elif not 1024 <= port <= 65535:
            self.reply(501, "Port out of range")
        else:
            self.close_passive()
            self.port = (ip, port)
            self.reply(200, "PORT command successful")

    async def open_data(self):
        """The data connection for a transfer, after the 150 reply; Abort
        (replied) when there is none."""
        if self.passive is not None:
            listener, self.passive = self.passive, None
            try:
                while True:
                    if not await self.ready(listener, DATA_MS):
                        self.reply(425, "No data connection")
                        raise Abort()
                    try:
                        sock, addr = listener.accept()
                    except OSError:
                        continue
                    if netd.peer_ip(addr) == self.ip:
                        break
                    sock.close()
            finally:
                listener.close()
        elif self.port is not None:
            ip, port = self.port
            self.port = None
            sock = socket.socket()
            sock.setblocking(False)
            try:
                sock.connect(socket.getaddrinfo(ip, port)[0][-1])
                connected = True
            except OSError as e:
                connected = e.args[0] == errno.EINPROGRESS and await self.ready(sock, DATA_MS, True)
            if not connected or _failed(sock):
                sock.close()
                self.reply(425, "Cannot open data connection")
                raise Abort()
        else:
            self.reply(425, "Use PASV or EPSV first")
            raise Abort()
        sock.setblocking(False)
        self.reply(150, "Data connection open")
        return sock

    async def push(self, data, chunk):
        """Send chunk on the data connection, then the loop's other clients
        their turn when due."""
        view = memoryview(chunk)
        try:
            while view:
                n = data.write(view)
                if n:
                    view = view[n:]
                elif not await self.ready(data, self.idle_ms, True):
                    raise OSError(errno.ETIMEDOUT)
        except OSError:
            self.reply(426, "Data connection broken")
            raise Abort()
        if _turn():
            await asyncio.sleep_ms(0)

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


def _turn():
    """True when the loop's other clients are due their turn: after TURN_MS
    of work, not after every chunk, as a pass of the loop costs the
    simulator's poll a millisecond (transfers ran at 1 MB/s)."""
    now = time.ticks_ms()
    if time.ticks_diff(now, _turned[0]) < TURN_MS:
        return False
    _turned[0] = now
    return True


def _failed(sock):
    """True when an active data connection's connect was refused."""
    poller = select.poll()
    poller.register(sock, select.POLLOUT)
    for _, events in poller.poll(0):
        if events & (select.POLLERR | select.POLLHUP):
            return True
    return False


async def copy_head(path, f, size, buffer):
    """Copy the first size bytes of the file path into f."""
    buf = bytearray(buffer)
    with open(path, "rb") as old:
        while size > 0:
            n = old.readinto(buf)
            if not n:
                break
            n = min(n, size)
            f.write(memoryview(buf)[:n])
            size -= n
            if _turn():
                await asyncio.sleep_ms(0)


def stamp(seconds):
    """YYYYMMDDHHMMSS, in UTC: MDTM and MLSD's modify fact."""
    return "%04d%02d%02d%02d%02d%02d" % clock.gmtime(seconds)[:6]


def long_form(path, st, name):
    """An `ls -l` line, as curlftpfs and ftplib parse it."""
    folder = st[0] & fspath.DIR
    locked = fspath.is_protected(path)
    mode = ("dr-xr-xr-x" if locked else "drwxr-xr-x") if folder else (
        "-r--r--r--" if locked else "-rw-r--r--")
    t = clock.gmtime(st[8])
    when = "%02d:%02d" % t[3:5]
    if abs(time.time() - st[8]) > 180 * 86400:
        when = " %d" % t[0]
    return "%s 1 munix munix %10d %s %2d %5s %s" % (
        mode, st[6], MONTHS[t[1] * 3 - 3:t[1] * 3], t[2], when, name)


def facts(path, st, name):
    """An MLSD/MLST line: type, size, modify, perm facts, then the name."""
    locked = fspath.is_protected(path) or fsguard.is_secret(path)
    if st[0] & fspath.DIR:
        kind = "dir"
        perm = "el" if locked else "cdeflmp"
    else:
        kind = "file"
        perm = "r" if locked else "adfrw"
    return "type=%s;size=%d;modify=%s;perm=%s; %s" % (kind, st[6], stamp(st[8]), perm, name)
