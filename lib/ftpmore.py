"""The FTP commands few sessions send, for ftpd: OPTS, MODE, STRU, ABOR,
CDUP, MKD, RMD, DELE, RNFR, RNTO, REST, APPE and active mode (PORT, EPRT,
and its data connections), and the head of an upload that keeps some of the
old file (REST then STOR, APPE). Loaded by the first that needs it, and on
a board short of heap dropped once no session runs one (ftpd._load,
ftpd._release).

Each command is a function of the session (an ftpd.Session) and its
argument, as the session's own ftp_ methods are.
"""
import asyncio
import errno
import os
import select
import socket
import time
from micropython import const

import fspath
import system

_DATA_MS = const(10000)     # an active data connection must be open within this
_TURN_MS = const(20)        # work between two turns of the loop's other clients


def OPTS(s, arg):
    option = arg.upper().split(" ")[0]
    if option in ("UTF8", "MLST"):
        s.reply(200, "OK")
    else:
        s.reply(501, "Unknown option")


def MODE(s, arg):
    s.reply(200 if arg.upper() == "S" else 504, "Mode S only")


def STRU(s, arg):
    s.reply(200 if arg.upper() == "F" else 504, "Structure F only")


def ABOR(s, arg):
    s.close_passive()
    s.reply(226, "No transfer to abort")


def CDUP(s, arg):
    s.ftp_CWD("..")


XCUP = CDUP


def MKD(s, arg):
    path = s.writable(arg)
    os.mkdir(path)
    s.reply(257, '"%s" created' % path.replace('"', '""'))


XMKD = MKD


def RMD(s, arg):
    path = s.writable(arg)
    if path == "/" or path == s.cwd:
        s.reply(550, "Cannot remove the current folder")
        return
    os.rmdir(path)
    s.reply(250, "Folder removed")


XRMD = RMD


def DELE(s, arg):
    path = s.writable(arg)
    if fspath.isdir(path):
        s.reply(550, "Is a folder: use RMD")
        return
    os.remove(path)
    s.reply(250, "Deleted")


def RNFR(s, arg):
    path = s.writable(arg)
    if not fspath.exists(path):
        raise OSError(2)
    s.reply(350, "Ready for RNTO")
    s.rename = path


def RNTO(s, arg):
    if s.rename is None:
        s.reply(503, "RNFR first")
        return
    import fileops
    source, target = s.rename, s.writable(arg)
    if target == source or fileops.inside(target, source):
        s.reply(553, "Cannot move a folder into itself")
        return
    if fspath.isdir(target):
        s.reply(553, "A folder is in the way")
        return
    if fspath.exists(target):
        fspath.replace(source, target)
    else:
        os.rename(source, target)
    s.reply(250, "Renamed")


def REST(s, arg):
    try:
        offset = int(arg)
    except ValueError:
        offset = -1
    if offset < 0:
        s.reply(501, "REST needs a byte offset")
        return
    s.reply(350, "Restarting at %d" % offset)
    s.rest = offset


def APPE(s, arg):
    return s.store(arg, True)


async def copy_head(s, path, f, size):
    """Copy the first size bytes of the file path into f: the old file's
    part of STOR after REST, and of APPE."""
    buf = s.transfer_buffer()
    turned = time.ticks_ms()
    with open(path, "rb") as old:
        while size > 0:
            n = old.readinto(buf)
            if not n:
                break
            n = min(n, size)
            f.write(memoryview(buf)[:n])
            size -= n
            # The loop's other clients get their turn meanwhile.
            if time.ticks_diff(time.ticks_ms(), turned) >= _TURN_MS:
                await asyncio.sleep_ms(0)
                turned = time.ticks_ms()


# Active mode

def PORT(s, arg):
    parts = arg.split(",")
    try:
        if len(parts) != 6:
            raise ValueError
        numbers = [int(p) for p in parts]
        if not all(0 <= n <= 255 for n in numbers):
            raise ValueError
    except ValueError:
        s.reply(501, "PORT needs h1,h2,h3,h4,p1,p2")
        return
    _active_to(s, ".".join(parts[:4]), numbers[4] * 256 + numbers[5])


def EPRT(s, arg):
    parts = arg.split(arg[:1]) if arg else []
    try:
        if len(parts) != 5 or parts[1] != "1":
            raise ValueError
        port = int(parts[3])
    except ValueError:
        s.reply(522, "EPRT: only |1|IPv4|port|, use (1)")
        return
    _active_to(s, parts[2], port)


def _active_to(s, ip, port):
    if system.settings("ftp").get("active") is not True:
        s.reply(502, "Active mode is off: use PASV or EPSV")
    elif ip != s.ip:
        s.reply(501, "Data connections go to your own address only")
    elif not 1024 <= port <= 65535:
        s.reply(501, "Port out of range")
    else:
        s.close_passive()
        s.port = (ip, port)
        s.reply(200, "PORT command successful")


async def connect(s):
    """The data connection to the address of PORT or EPRT, or None when it
    cannot be opened (replied)."""
    ip, port = s.port
    s.port = None
    sock = socket.socket()
    sock.setblocking(False)
    try:
        sock.connect(socket.getaddrinfo(ip, port)[0][-1])
        connected = True
    except OSError as e:
        connected = e.args[0] == errno.EINPROGRESS and await s.ready(sock, _DATA_MS, True)
    if not connected or _failed(sock):
        sock.close()
        s.reply(425, "Cannot open data connection")
        return None
    return sock


def _failed(sock):
    """True when an active data connection's connect was refused."""
    poller = select.poll()
    poller.register(sock, select.POLLOUT)
    for _, events in poller.poll(0):
        if events & (select.POLLERR | select.POLLHUP):
            return True
    return False
