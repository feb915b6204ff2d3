"""FTP's listings, for ftpd: LIST, NLST, MLSD, MLST, STAT and MDTM. Loaded
by the first of them a session sends, and on a board short of heap dropped
once no session runs one (ftpd._load, ftpd._release): an upload leaves
this code's heap to the transfer and the board's other work.

Each command is a function of the session (an ftpd.Session) and its
argument, as the session's own ftp_ methods are; LIST, NLST and MLSD
return the coroutine that sends the listing, which the session awaits.
"""
import os
import time

import clock
import fsguard
import fspath

MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec"


def LIST(s, arg):
    return _send_listing(s, arg, long_form)


def NLST(s, arg):
    return _send_listing(s, arg, None)


def MLSD(s, arg):
    path = s.readable(arg or ".")
    if not fspath.isdir(path):
        s.reply(501, "Not a folder")
        return None
    return _send_lines(s, listing(s, path, os.stat(path), facts))


def MLST(s, arg):
    path = s.readable(arg or ".")
    s.lines(250, "Listing " + path, [facts(path, os.stat(path), path)])


def STAT(s, arg):
    if not arg:
        s.lines(211, "munix FTP status", [
            "Connected from %s" % s.ip,
            "Logged in as %s" % s.user if s.logged else "Not logged in",
            "TYPE: BINARY, STRU: File, MODE: Stream"])
        return
    path = s.readable(arg)
    st = fspath.stat(path)
    if st is None:
        raise OSError(2)
    s.lines(213, "Status of %s:" % path, listing(s, path, st, long_form), "End of status")


def MDTM(s, arg):
    path = s.readable(arg)
    s.reply(213, stamp(os.stat(path)[8]))


def _send_listing(s, arg, form):
    # Clients send ls options (LIST -a, LIST -la): there are none to honour.
    words = [w for w in arg.split(" ") if w and not w.startswith("-")]
    path = s.readable(" ".join(words) or ".")
    st = fspath.stat(path)
    if st is None:
        raise OSError(2)
    return _send_lines(s, listing(s, path, st, form))


def listing(s, path, st, form):
    """The lines listing path (a folder's entries, or the file itself),
    each made by form(path, stat, name); NLST's form (None) gives the
    names. New files on their way (s.uploads) are listed with their
    temporary file's size, as FUSE mounts expect of a file they write."""
    if not st[0] & fspath.DIR:
        name = fspath.basename(path)
        yield form(path, st, name) if form else name
        return
    names = [name for name, _ in fspath.entries(path)]
    uploading = {}      # new files of this folder on their way: their temporaries
    for target, temp in s.uploads.items():
        folder, name = fspath.split(target)
        if folder == path and name not in names:
            uploading[name] = temp
    names.extend(uploading)
    names.sort()
    for name in names:
        full = fspath.join(path, name)
        if fsguard.is_secret(full):
            continue
        if form is None:
            yield name
            continue
        entry = fspath.stat(uploading.get(name, full))
        if entry is not None:
            yield form(full, entry, name)


async def _send_lines(s, lines):
    data = await s.open_data()
    try:
        text = ""
        for line in lines:
            text += line + "\r\n"
            if len(text) >= s.buffer:
                await s.push(data, text.encode())
                text = ""
        if text:
            await s.push(data, text.encode())
    finally:
        data.close()
    s.reply(226, "Listing sent")


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
