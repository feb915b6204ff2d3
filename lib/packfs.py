"""munix's compiled lib/ and bin/ kept in one file on the flash, its pack,
mounted read-only at /rom as a ROMFS partition would be.

For a board whose filesystem cannot hold the tree as files and whose
firmware has no ROMFS partition: a Pico W's 848 KiB of littlefs, whose
4 KiB blocks the 210 small files fill to 930 KiB. `munix deploy --pack`
writes the image `munix build --romfs` makes (MicroPython's ROMFS format)
to /munix.romfs and this module to /lib; boot.py mounts it, and /rom/lib
goes on sys.path as on a ROMFS board. The OS then finds its commands in
/rom/bin, as there.

Unlike a partition, the file is not mapped into memory: an import reads
the code into the heap, as from the flash; what the pack saves is flash.
Of the image the heap keeps an index of its folders, made as it mounts:
5 bytes an entry, a hash of its name and where its record is (walking a
folder's records for each lookup took ten times as long as an import
from files). The record a hash finds is read to tell its name. The image
is read through the one open file, under a lock (an RP2040's two cores
may import at once).
"""
import gc
import io
import os
import sys
from micropython import const

IMAGE = "/munix.romfs"
_MAGIC = b"\xd2\xcd\x31"
_VERBATIM = const(2)    # ROMFS's record kinds (extmod/vfs_rom.c)
_POINTER = const(3)
_DIR = const(4)
_FILE = const(5)
# Bytes read of a file's record: its kind, size, name (romfs.NAME_MAX
# characters at most) and its data record's kind and size.
_HEAD = const(48)
_EROFS = const(30)
_ENOENT = const(2)
_ENOTDIR = const(20)
_EISDIR = const(21)
_EIO = const(5)

try:
    from _thread import allocate_lock
except ImportError:     # no threads (an ESP8266): nothing to wait for
    class allocate_lock:
        def __enter__(self):
            pass

        def __exit__(self, *args):
            pass


def mount(image=IMAGE, where="/rom"):
    """Mount the pack image at where and put its lib on sys.path before
    /lib (not where itself, as a ROMFS partition has it: it holds no
    module, and each import looked there first, under two names, for
    nothing), unless something is mounted there already (a ROMFS
    partition comes first); True when mounted. OSError for an image that
    is not one."""
    try:
        os.stat(where)
        return False
    except OSError:
        pass
    os.mount(Pack(image), where)
    at = sys.path.index("/lib") if "/lib" in sys.path else len(sys.path)
    sys.path.insert(at, where + "/lib")
    return True


def _uint(buf, i):
    """The unsigned number encoded at buf[i] (7 bits a byte, high bit: more
    follow), and the index after it."""
    n = 0
    while True:
        b = buf[i]
        i += 1
        n = (n << 7) | (b & 0x7F)
        if not b & 0x80:
            return n, i


class Pack:
    """The image's file as a read-only filesystem (MicroPython's protocol
    for filesystems written in Python: os.mount).

    An import, and the shell looking for a program, look a file up from
    deep in the C stack (in a script's $(...) nested three deep), and each
    Python call takes some of it: a lookup is one (stat), as the flash's
    is on the simulator, and so is a read (File.readinto); one more ran
    the rp2040's 8 KiB out."""

    def __init__(self, image):
        self.file = open(image, "rb")
        self.lock = allocate_lock()
        self.cwd = "/"
        self.index = {}     # a folder's path -> its index (_index)
        head = bytearray(_HEAD)
        got = self._read(0, head)
        if got < 4 or head[:3] != _MAGIC:
            self.file.close()
            raise OSError(_EIO)
        size, start = _uint(head, 3)
        self.top = (start, start + size)
        self._index("", start, start + size)
        # The index made anew once the walk's garbage is gone: made amid
        # it, it stayed in the middle of the heap, and its largest free
        # block after boot was 50 KiB smaller (the rp2040 profile).
        gc.collect()
        self.index = {folder: (a, b, bytes(h), bytes(o))
                      for folder, (a, b, h, o) in self.index.items()}
        self.head = bytearray(_HEAD)    # stat's, read under the lock

    def _read(self, at, into):
        # The file's position is shared: seek and read go together. Each
        # reader its own buffer: another thread may read meanwhile.
        with self.lock:
            self.file.seek(at)
            return self.file.readinto(into)

    def _record(self, at, end):
        """(kind, name or None, body's start, end) of the record at at (ending
        by end); a name for a folder or a file. Read and decoded here, in
        one call (see the class's notes)."""
        head = bytearray(_HEAD)
        with self.lock:
            self.file.seek(at)
            got = self.file.readinto(head)
        kind = head[0]
        size = 0
        i = 1
        while True:
            if i >= got:
                raise OSError(_EIO)
            b = head[i]
            i += 1
            size = size << 7 | b & 0x7F
            if b < 0x80:
                break
        nxt = at + i + size
        if kind >= 0x80 or nxt > end:
            raise OSError(_EIO)
        if kind != _DIR and kind != _FILE:
            return kind, None, at + i, nxt
        length = head[i] if i < got else 0x80
        i += 1
        if length >= 0x80:
            raise OSError(_EIO)
        if i + length <= got:
            name = head[i:i + length]
        else:
            name = bytearray(length)
            if self._read(at + i, name) != length:
                raise OSError(_EIO)
        return kind, str(name, "utf-8"), at + i + length, nxt

    def _entries(self, start, end):
        """(kind, name, body's start, end, the record's start) of each
        folder or file recorded between start and end."""
        at = start
        while at < end:
            kind, name, body, nxt = self._record(at, end)
            if name is not None:
                yield kind, name, body, nxt, at
            at = nxt

    def _index(self, folder, start, end):
        """Index the folder recorded from start to end, and those in it: its
        path -> (start, end, its entries' name hashes, two bytes each, and
        their records' offsets, three). Done once, as it is mounted: no
        thread changes the index after."""
        hashes = bytearray()
        offsets = bytearray()
        for kind, name, body, nxt, at in self._entries(start, end):
            hashes.extend((hash(name) & 0xFFFF).to_bytes(2, "big"))
            offsets.extend(at.to_bytes(3, "big"))
            if kind == _DIR:
                self._index(folder + "/" + name, body, nxt)
        self.index[folder] = (start, end, hashes, offsets)

    def stat(self, path):
        """os.stat's tuple of what path names, its place in the image as its
        inode number: a folder's records from there, st_size bytes of them,
        or a file's content. Found through the index (a folder by its path,
        a file by its folder's hashes), its record read and decoded here
        (the class's notes): its kind, its size (7 bits a byte, the high
        bit set on all but the last), its name's length and name, and a
        file's first data record, its content when verbatim (_data
        otherwise). A lookup makes little garbage: made amid the code an
        import loads, it left the heap's largest free block 20 KiB smaller
        after boot."""
        if not path.startswith("/") or "/." in path or "//" in path:
            path = self._normal(path)
        if path == "/":
            path = ""
        found = self.index.get(path)
        if found is not None:
            return (0x4000, found[0], 0, 0, 0, 0, found[1] - found[0], 0, 0, 0)
        cut = path.rfind("/")
        found = self.index.get(path[:cut])
        if found is None:
            raise OSError(_ENOENT)
        name = path[cut + 1:]
        key = (hash(name) & 0xFFFF).to_bytes(2, "big")
        hashes, offsets, head = found[2], found[3], self.head
        i = hashes.find(key)
        while i >= 0:
            if not i & 1:
                j = i // 2 * 3
                at = offsets[j] << 16 | offsets[j + 1] << 8 | offsets[j + 2]
                with self.lock:
                    self.file.seek(at)
                    self.file.readinto(head)
                    n = 1
                    size = 0
                    while head[n] & 0x80:
                        size = size << 7 | head[n] & 0x7F
                        n += 1
                    end = at + n + 1 + (size << 7 | head[n])
                    n += 1
                    if head[n] == len(name) and head[n + 1:n + 1 + len(name)] == name.encode():
                        n += 1 + len(name)
                        if head[n] == _VERBATIM and n + 4 < _HEAD:
                            n += 1
                            size = 0
                            while head[n] & 0x80 and n + 1 < _HEAD:
                                size = size << 7 | head[n] & 0x7F
                                n += 1
                            return (0x8000, at + n + 1, 0, 0, 0, 0, size << 7 | head[n],
                                    0, 0, 0)
                        start = at + n
                        break
            i = hashes.find(key, i + 1)
        else:
            raise OSError(_ENOENT)
        start, end = self._data(start, end)
        return (0x8000, start, 0, 0, 0, 0, end - start, 0, 0, 0)

    def _normal(self, path):
        # A path from the working folder, or with . or .. or // in it. fspath
        # is in the pack: loaded once it is mounted (resident once munix runs).
        import fspath
        return fspath.abspath(path, self.cwd)

    def _data(self, start, end):
        """(start, end) of a file's content, given its data records: the
        first of data is it."""
        while start < end:
            kind, _, body, nxt = self._record(start, end)
            if kind == _VERBATIM:
                return body, nxt
            if kind == _POINTER:
                head = bytearray(_HEAD)
                self._read(body, head)
                length, i = _uint(head, 0)
                offset, i = _uint(head, i)
                return self.top[0] + offset, self.top[0] + offset + length
            start = nxt
        raise OSError(_EIO)

    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        self.file.close()

    def ilistdir(self, path):
        found = self.stat(path)
        if found[0] != 0x4000:
            raise OSError(_ENOTDIR)
        for kind, name, body, nxt, _ in self._entries(found[1], found[1] + found[6]):
            if kind == _DIR:
                yield name, 0x4000, 0, 0
            else:
                data = self._data(body, nxt)
                yield name, 0x8000, 0, data[1] - data[0]

    def statvfs(self, path):
        size = self.top[1]
        return (1, 1, size, 0, 0, 0, 0, 0, 1, 255)

    def open(self, path, mode):
        if "w" in mode or "a" in mode or "+" in mode or "x" in mode:
            raise OSError(_EROFS)
        found = self.stat(path)
        if found[0] == 0x4000:
            raise OSError(_EISDIR)
        return File(self, found[1], found[1] + found[6], "b" not in mode)

    def chdir(self, path):
        if self.stat(path)[0] != 0x4000:
            raise OSError(_ENOTDIR)
        self.cwd = self._normal(path)

    def getcwd(self):
        return self.cwd

    def _refuse(self, *args):
        raise OSError(_EROFS)

    mkdir = rmdir = remove = rename = _refuse


class File(io.IOBase):
    """A file of the pack, read through its image's file (its stream
    protocol, io.IOBase's, is what MicroPython's import reads through)."""

    def __init__(self, pack, start, end, text):
        self.pack = pack
        self.start = start
        self.end = end
        self.at = start
        self.text = text

    def readinto(self, buf):
        n = min(len(buf), self.end - self.at)
        if n <= 0:
            return 0
        pack = self.pack
        # Not through pack._read: the import's reader calls this from deep in
        # the C stack (Pack's notes).
        with pack.lock:
            pack.file.seek(self.at)
            got = pack.file.readinto(buf if n == len(buf) else memoryview(buf)[:n])
        self.at += got
        return got

    def read(self, n=-1):
        return self._decoded(self._bytes(n))

    def readline(self, size=-1):
        # A block at a time: a line may be the whole file.
        line = b""
        while size < 0 or len(line) < size:
            piece = self._bytes(64 if size < 0 else min(64, size - len(line)))
            cut = piece.find(b"\n") + 1
            if cut:
                self.at -= len(piece) - cut
                piece = piece[:cut]
            line += piece
            if cut or not piece:
                break
        return self._decoded(line)

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def _bytes(self, n):
        left = self.end - self.at
        data = bytearray(left if n is None or n < 0 or n > left else n)
        return bytes(memoryview(data)[:self.readinto(data)])

    def _decoded(self, data):
        return str(data, "utf-8") if self.text else data

    def write(self, data):
        raise OSError(_EROFS)

    def ioctl(self, request, arg):
        if request == 4:        # MP_STREAM_CLOSE
            return 0
        if request == 11:       # MP_STREAM_GET_BUFFER_SIZE: the reader's largest
            return 255
        return -22

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *args):
        pass
