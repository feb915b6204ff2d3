"""``munix mount HOST DIR`` and ``munix umount DIR``: a board's files as a
local folder, over FTP (the board's uftpd) and FUSE (fusepy, libfuse2).

- Listings come from MLSD (LIST when the server lacks it) and are cached for
  CACHE_S seconds; our own changes drop the cache of the folders they touch.
- A file is downloaded once per open, on its first read or partial write
  (never once per read call); a transfer cut short resumes with REST.
- Writes, truncations and new files are kept locally and uploaded (STOR) on
  flush and release; a failed upload is an I/O error for the editor, and the
  data stays for the next flush.
- Editors that save to a temporary name and rename it over the file work:
  rename replaces its target.
- chmod, chown and utimens are accepted without effect: the board has no
  owners or modes.
- A file's time does not move when it is closed: the board stamps it when
  the upload ends, so the mount keeps showing the time it showed while the
  file was open for as long as the board's stamp and size are its upload's.
- One control connection, used under a lock; a lost one is opened again and
  the operation tried once more.
"""

import calendar
import errno
import ftplib
import getpass
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from munixtool import MunixError, sim_port_hint

CACHE_S = 2.0
TIMEOUT = 15
LOST = (OSError, EOFError, ftplib.error_temp)


def _error(exc: Exception) -> int:
    """The errno for an FTP failure."""
    text = str(exc)
    if text.startswith("550"):
        return errno.ENOENT if "not found" in text.lower() or "no such" in text.lower() else errno.EACCES
    if text.startswith("553") or text.startswith("532") or text.startswith("530"):
        return errno.EACCES
    return errno.EIO


class Handle:
    """An open file: its contents once fetched (a spooled temporary file), and
    whether they differ from the board's."""

    def __init__(self, path: str, data=None, dirty: bool = False):
        self.path = path
        self.data = data
        self.dirty = dirty
        self.opens = 1
        self.mtime = None   # the board's, as last listed: editors compare it between saves


class Pin:
    """The time shown for a file while it was open, kept once its upload has
    ended for as long as the board's listing shows that upload (its stamp,
    learnt at the first listing after it, and its size)."""

    def __init__(self, shown: float, size: int):
        self.shown = shown
        self.size = size
        self.stamp = None

    def applies(self, attrs: dict) -> bool:
        if attrs["st_size"] != self.size:
            return False
        if self.stamp is None:
            self.stamp = attrs["st_mtime"]
        return attrs["st_mtime"] == self.stamp


class FtpConnection:
    """One FTP control connection, opened again when lost."""

    def __init__(self, host: str, port: int, user: str, password_source):
        self.host, self.port, self.user = host, port, user
        self.password_source = password_source
        self.password = None
        self.ftp = None
        self.lock = threading.RLock()
        self.mlsd = True

    def open(self) -> ftplib.FTP:
        ftp = ftplib.FTP()
        try:
            ftp.connect(self.host, self.port, timeout=TIMEOUT)
            reply = ftp.sendcmd("USER " + self.user)
            if reply.startswith("331"):
                if self.password is None:
                    self.password = self.password_source()
                ftp.sendcmd("PASS " + self.password)
            ftp.voidcmd("TYPE I")
        except ftplib.error_perm as error:
            ftp.close()
            raise MunixError(f"{self.host}:{self.port}: login refused for user {self.user}: {error}"
                             " (the user setauth made on the board: --user NAME)") from None
        except (OSError, EOFError) as error:
            ftp.close()
            hint = sim_port_hint(self.host, self.port, "FTP")
            raise MunixError(f"{self.host}:{self.port}: {error}{hint}") from None
        self.ftp = ftp
        return ftp

    def call(self, action):
        """action(ftp) under the lock; once more on a fresh connection if the
        connection was lost."""
        with self.lock:
            for attempt in (1, 2):
                try:
                    return action(self.ftp or self.open())
                except LOST as error:
                    if isinstance(error, ftplib.error_temp) and not str(error).startswith("421"):
                        raise
                    self.close()
                    if attempt == 2:
                        raise
                except MunixError:
                    raise OSError(errno.EIO, "cannot reach the board") from None

    def close(self) -> None:
        if self.ftp is not None:
            try:
                self.ftp.close()
            finally:
                self.ftp = None


def _stat_from_facts(facts: dict) -> dict:
    kind = facts.get("type", "file")
    mtime = time.time()
    modify = facts.get("modify", "")
    if len(modify) >= 14:
        try:
            mtime = calendar.timegm(time.strptime(modify[:14], "%Y%m%d%H%M%S"))
        except ValueError:
            pass
    # MLSD's perm fact: what the board lets a client do (the files the
    # shell protects: read and list only).
    perm = facts.get("perm")
    if kind in ("dir", "cdir", "pdir"):
        mode = stat.S_IFDIR | (0o755 if perm is None or "c" in perm else 0o555)
    else:
        mode = stat.S_IFREG | (0o644 if perm is None or "w" in perm else 0o444)
    return {"st_mode": mode, "st_nlink": 2 if stat.S_ISDIR(mode) else 1,
            "st_size": int(facts.get("size", 0) or 0), "st_mtime": mtime, "st_ctime": mtime,
            "st_atime": mtime, "st_uid": os.getuid(), "st_gid": os.getgid()}


def _parse_list_line(line: str) -> tuple[str, dict] | None:
    """A name and MLSD-like facts from a Unix-style LIST line."""
    parts = line.split(None, 8)
    if len(parts) < 9:
        return None
    folder = line.startswith("d")
    writable = parts[0][2:3] == "w"
    perm = ("cdeflmp" if writable else "el") if folder else ("adfrw" if writable else "r")
    return parts[8], {"type": "dir" if folder else "file", "size": parts[4], "perm": perm}


def _within(path: str, top: str) -> bool:
    """Whether path is top or lies under it."""
    return path == top or path.startswith(top.rstrip("/") + "/")


def make_operations(connection: FtpConnection):
    """The fusepy Operations of an FTP filesystem over connection."""
    import fuse

    class FtpFs(fuse.Operations):
        def __init__(self):
            self.listings: dict[str, tuple[float, dict]] = {}
            self.handles: dict[int, Handle] = {}
            self.open_paths: dict[str, Handle] = {}
            self.pins: dict[str, Pin] = {}
            self.next_fh = 1
            # Not "lock": fusepy would take it for the POSIX lock operation
            # and fail every fcntl lock on the mount.
            self.guard = threading.RLock()

        # --- listings ---------------------------------------------------

        def _list(self, folder: str) -> dict:
            with self.guard:
                cached = self.listings.get(folder)
                if cached and time.monotonic() - cached[0] < CACHE_S:
                    return cached[1]
            entries = self._fetch_listing(folder)
            with self.guard:
                self.listings[folder] = (time.monotonic(), entries)
            return entries

        def _fetch_listing(self, folder: str) -> dict:
            def fetch(ftp):
                if connection.mlsd:
                    try:
                        return {name: facts for name, facts in
                                ftp.mlsd(folder, ["type", "size", "modify"])
                                if facts.get("type") not in ("cdir", "pdir")
                                and name not in (".", "..")}
                    except ftplib.error_perm as error:
                        if not str(error).startswith("500") and not str(error).startswith("502"):
                            raise
                        connection.mlsd = False
                lines = []
                ftp.retrlines("LIST " + folder, lines.append)
                found = (_parse_list_line(line) for line in lines)
                return {name: facts for name, facts in filter(None, found)
                        if name not in (".", "..")}

            try:
                return connection.call(fetch)
            except ftplib.error_perm as error:
                raise fuse.FuseOSError(_error(error)) from None
            except LOST:
                raise fuse.FuseOSError(errno.EIO) from None

        def _forget(self, *paths: str) -> None:
            """Drop the cached listings that paths' changes make stale."""
            with self.guard:
                for path in paths:
                    self.listings.pop(os.path.dirname(path) or "/", None)
                    self.listings.pop(path, None)

        # --- attributes -------------------------------------------------

        def _board_attrs(self, path: str, facts: dict) -> dict:
            """facts' attributes, with the time of path's pin if it holds."""
            attrs = _stat_from_facts(facts)
            with self.guard:
                pin = self.pins.get(path)
                if pin is not None and not stat.S_ISDIR(attrs["st_mode"]):
                    if pin.applies(attrs):
                        attrs["st_mtime"] = attrs["st_ctime"] = attrs["st_atime"] = pin.shown
                    else:
                        del self.pins[path]
            return attrs

        def getattr(self, path, fh=None):
            if path == "/":
                return _stat_from_facts({"type": "dir"})
            with self.guard:
                handle = self.open_paths.get(path)
            facts = self._list(os.path.dirname(path)).get(os.path.basename(path))
            if handle is None:
                if facts is None:
                    raise fuse.FuseOSError(errno.ENOENT)
                return self._board_attrs(path, facts)
            # An open file keeps the time it was shown with until it is
            # closed, and after (its pin): a time of this machine's, or the
            # board's stamp of the upload at close, would change it.
            attrs = self._board_attrs(path, facts) if facts is not None else \
                _stat_from_facts({"type": "file"})
            if facts is not None and not handle.dirty:
                handle.mtime = attrs["st_mtime"]
            if handle.mtime is None:
                handle.mtime = float(int(time.time()))
            attrs["st_mtime"] = attrs["st_ctime"] = attrs["st_atime"] = handle.mtime
            if handle.data is not None:
                handle.data.seek(0, os.SEEK_END)
                attrs["st_size"] = handle.data.tell()
            return attrs

        def readdir(self, path, fh):
            return [".", "..", *self._list(path)]

        def statfs(self, path):
            return {"f_bsize": 4096, "f_frsize": 4096, "f_blocks": 1 << 20, "f_bfree": 1 << 19,
                    "f_bavail": 1 << 19, "f_files": 1 << 16, "f_ffree": 1 << 15, "f_namemax": 255}

        def chmod(self, path, mode):
            return 0

        def chown(self, path, uid, gid):
            return 0

        def utimens(self, path, times=None):
            return 0

        # --- files ------------------------------------------------------

        def _new_handle(self, path: str, data=None, dirty=False) -> int:
            with self.guard:
                handle = self.open_paths.get(path)
                if handle is None:
                    handle = Handle(path, data, dirty)
                    self.open_paths[path] = handle
                else:
                    handle.opens += 1
                    if data is not None:
                        handle.data, handle.dirty = data, dirty
                fh = self.next_fh
                self.next_fh += 1
                self.handles[fh] = handle
                return fh

        def _load(self, handle: Handle) -> None:
            """Fetch the file once, resuming a cut transfer with REST."""
            if handle.data is not None:
                return
            data = tempfile.SpooledTemporaryFile(max_size=1 << 20)

            def fetch(ftp):
                data.seek(0, os.SEEK_END)
                got = data.tell()
                ftp.retrbinary("RETR " + handle.path, data.write, rest=got or None)

            try:
                connection.call(fetch)
            except ftplib.error_perm as error:
                raise fuse.FuseOSError(_error(error)) from None
            except LOST:
                raise fuse.FuseOSError(errno.EIO) from None
            handle.data = data

        def open(self, path, flags):
            # Refused at once, where the board would refuse the upload only
            # at close, which a shell's `echo x > FILE` does not hear.
            if flags & (os.O_WRONLY | os.O_RDWR) and not self.getattr(path)["st_mode"] & 0o200:
                raise fuse.FuseOSError(errno.EACCES)
            if flags & os.O_TRUNC:
                return self._new_handle(path, tempfile.SpooledTemporaryFile(1 << 20), True)
            return self._new_handle(path)

        def create(self, path, mode, fi=None):
            fh = self._new_handle(path, tempfile.SpooledTemporaryFile(1 << 20), True)
            try:
                self._upload(self.handles[fh])
            except fuse.FuseOSError:
                # No file on the board: none in the mount either.
                handle, last = self._drop(fh)
                if last:
                    handle.data.close()
                raise
            return fh

        def read(self, path, size, offset, fh):
            handle = self.handles[fh]
            with connection.lock:
                self._load(handle)
                handle.data.seek(offset)
                return handle.data.read(size)

        def write(self, path, data, offset, fh):
            handle = self.handles[fh]
            with connection.lock:
                self._load(handle)
                handle.data.seek(offset)
                handle.data.write(data)
                handle.dirty = True
            return len(data)

        def truncate(self, path, length, fh=None):
            if fh is None:
                fh = self._new_handle(path)
                try:
                    self.truncate(path, length, fh)
                    self._upload(self.handles[fh])
                finally:
                    self.release(path, fh)
                return 0
            handle = self.handles[fh]
            with connection.lock:
                if length:
                    self._load(handle)
                else:
                    handle.data = handle.data or tempfile.SpooledTemporaryFile(1 << 20)
                handle.data.truncate(length)
                handle.dirty = True
            return 0

        def _upload(self, handle: Handle) -> None:
            def store(ftp):
                handle.data.seek(0)
                ftp.storbinary("STOR " + handle.path, handle.data)

            with connection.lock:
                if not handle.dirty:
                    return
                try:
                    connection.call(store)
                except (ftplib.Error, *LOST) as error:
                    print(f"munix mount: upload of {handle.path} failed: {error}", file=sys.stderr)
                    # A refusal (a protected file or folder) is the board's
                    # answer, not a failure to reach it.
                    code = _error(error) if isinstance(error, ftplib.error_perm) else errno.EIO
                    raise fuse.FuseOSError(code) from None
                handle.dirty = False
                handle.data.seek(0, os.SEEK_END)
                with self.guard:
                    if handle.mtime is None:
                        self.pins.pop(handle.path, None)
                    else:
                        self.pins[handle.path] = Pin(handle.mtime, handle.data.tell())
            self._forget(handle.path)
            handle.mtime = None

        def flush(self, path, fh):
            self._upload(self.handles[fh])
            return 0

        def fsync(self, path, datasync, fh):
            return self.flush(path, fh)

        def _drop(self, fh: int) -> tuple[Handle, bool]:
            """Forget fh; its handle, and whether that was its last open."""
            with self.guard:
                handle = self.handles.pop(fh)
                handle.opens -= 1
                last = handle.opens == 0
                if last:
                    self.open_paths.pop(handle.path, None)
            return handle, last

        def release(self, path, fh):
            handle, last = self._drop(fh)
            try:
                self._upload(handle)
            finally:
                if last and handle.data is not None:
                    handle.data.close()
            return 0

        # --- names ------------------------------------------------------

        def _simple(self, command: str, *paths: str) -> int:
            try:
                connection.call(lambda ftp: ftp.voidcmd(command))
            except ftplib.error_perm as error:
                raise fuse.FuseOSError(_error(error)) from None
            except LOST:
                raise fuse.FuseOSError(errno.EIO) from None
            finally:
                self._forget(*paths)
            return 0

        def unlink(self, path):
            with self.guard:
                self.pins.pop(path, None)
            return self._simple("DELE " + path, path)

        def mkdir(self, path, mode):
            return self._simple("MKD " + path, path)

        def rmdir(self, path):
            return self._simple("RMD " + path, path)

        def rename(self, old, new):
            def move(ftp):
                try:
                    ftp.rename(old, new)
                except ftplib.error_perm:
                    # A server that will not rename over a file: remove it first.
                    if os.path.basename(new) not in self._fetch_listing(os.path.dirname(new) or "/"):
                        raise
                    ftp.delete(new)
                    ftp.rename(old, new)

            try:
                connection.call(move)
            except ftplib.error_perm as error:
                raise fuse.FuseOSError(_error(error)) from None
            except LOST:
                raise fuse.FuseOSError(errno.EIO) from None
            finally:
                self._forget(old, new)
            with self.guard:
                handle = self.open_paths.pop(old, None)
                if handle is not None:
                    handle.path = new
                    self.open_paths[new] = handle
                # A folder's files keep their pins under its new name.
                for name in [name for name in self.pins if _within(name, new)]:
                    del self.pins[name]
                for name in [name for name in self.pins if _within(name, old)]:
                    self.pins[new + name[len(old):]] = self.pins.pop(name)
            return 0

    return FtpFs()


def _password_source(password_file: Path | None):
    def read():
        if password_file is not None:
            try:
                return password_file.read_text().splitlines()[0] if password_file.read_text() else ""
            except OSError as error:
                raise MunixError(f"{password_file}: {error.strerror}") from None
        if not sys.stdin.isatty():
            raise MunixError("the board asks for a password: give --password-file FILE")
        return getpass.getpass("password: ")

    return read


def mount(host: str, folder: Path, user: str = "root", port: int = 21,
          password_file: Path | None = None, foreground: bool = False) -> None:
    try:
        import fuse
    except (ImportError, OSError) as error:
        raise MunixError(f"FUSE is not usable: {error} (install libfuse2 and fusepy)") from None
    if not folder.is_dir():
        raise MunixError(f"{folder}: not a folder")
    connection = FtpConnection(host, port, user, _password_source(password_file))
    connection.open()  # wrong host or password: said here, before mounting
    try:
        # atomic_o_trunc: open(O_TRUNC) comes to open() with its file handle,
        # not as a truncate without one that would upload an empty file at
        # once (the board's copy lost if the real upload then fails).
        # attr_timeout=0: the kernel asks for a file's attributes each time,
        # so that a save's new time is seen at once; a cached older one made
        # vim warn that the file had changed since it was read.
        fuse.FUSE(make_operations(connection), os.fspath(folder), foreground=foreground,
                  nothreads=False, fsname=f"munix:{host}", big_writes=True, atomic_o_trunc=True,
                  attr_timeout=0)
    except RuntimeError as error:
        raise MunixError(f"cannot mount on {folder}: {error}") from None


def umount(folder: Path) -> None:
    tool = shutil.which("fusermount") or shutil.which("fusermount3")
    argv = [tool, "-u", os.fspath(folder)] if tool else ["umount", os.fspath(folder)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["failed"]
        raise MunixError(f"umount {folder}: {lines[-1]}")


def main(args) -> int:
    """Entry point of ``munix mount`` and ``munix umount``."""
    if getattr(args, "unmount", False):
        umount(args.dir)
        return 0
    try:
        socket.getaddrinfo(args.host, args.port)
    except OSError as error:
        raise MunixError(f"{args.host}: {error.strerror or error}") from None
    mount(args.host, args.dir, args.user, args.port, args.password_file, args.foreground)
    return 0
