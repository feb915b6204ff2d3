"""The fetching side of `upgrade`: a release's manifest checked against
its signature and against this board, the plan of what changes, and the
changed files downloaded into a staging folder.

A release (made by `munix release` on a computer) mirrors the device tree
under a base URL, with its manifest at etc/release (lines `munix-release 1`,
`version V`, `mpy N` or `mpy -`, `replace PATH` for each file of etc/ it
replaces even when changed on the board, then `file SHA256 SIZE PATH`) and
the manifest's signature at etc/release.sig. Everything is staged in /.staging;
nothing installed changes until commit() turns the staging folder into
/.upgrade with the state `install`, which the next boot carries out
(upgradeboot.py). The staging folder is removed whenever an upgrade stops.
"""
import hashlib
import os
import sys

import fspath
import httpclient
import strsplit
import upgradeboot

# The user's files: never part of a release, never replaced or removed.
KEEP = ("/etc/system.conf", "/etc/rc.local", "/etc/crontab", "/etc/passwd",
        "/etc/shadow", "/etc/default.board")
MANIFEST = "etc/release"
SIGNATURE = "etc/release.sig"
KEY = "/etc/upgrade.pub"
# The configuration a release ships (init.sh, the CA bundle, board files):
# a copy changed on this board is kept, as `munix deploy` keeps it, unless
# the release has a `replace` line for it.
CONFIG = "etc/"
# What `munix deploy` put on the board: json.dumps of {path: SHA-256}.
_DEPLOYED = "/etc/.deployed"
_STAGING = "/.staging"
NEW = _STAGING + "/new/"
_PLAN = _STAGING + "/plan"
FORMAT = "munix-release 1"
CHUNK = 512
TRIES = 2


class Failed(Exception):
    """The upgrade cannot go on; the message says why, in one line."""


def version_key(text):
    """A version string as a tuple that compares as versions do."""
    key = []
    for part in text.split("."):
        digits = ""
        for c in part:
            if not c.isdigit():
                break
            digits += c
        key.append(int(digits or "0"))
    return tuple(key)


def file_sha256(path):
    """(size, hex SHA-256) of a file, read in small pieces."""
    h = hashlib.sha256()
    buf = bytearray(CHUNK)
    size = 0
    with open(path, "rb") as f:
        while True:
            n = f.readinto(buf)
            if not n:
                break
            h.update(buf if n == CHUNK else buf[:n])
            size += n
    return size, _hex(h.digest())


def _hex(data):
    import binascii
    return binascii.hexlify(data).decode()


def _check_path(path):
    # One spelling per file: a path in another form (etc//shadow,
    # ./etc/rc.local, or etc/shadow. on FAT, which ignores a name's trailing
    # dots and spaces) would slip past KEEP and reach the same file.
    parts = path.split("/")
    for part in parts:
        if not part or part[-1] in ". " or "\\" in part:
            raise Failed("the manifest names a path not in normal form: %r" % path)
    # The journal, the plan and the manifest steer the install: a file of
    # the release written over them would steer it instead.
    if "/" + parts[0].lower() in (_STAGING, upgradeboot.ROOT) or\
            path.lower() in (MANIFEST, SIGNATURE):
        raise Failed("the manifest names %r, which only the upgrade itself writes" % path)


def _deployed(path):
    """The SHA-256 `munix deploy` recorded for path, or None. The record
    is searched a piece at a time: as a dict it would not fit an ESP8266."""
    key = '"%s": "' % path
    span = len(key) + 64
    try:
        f = open(_DEPLOYED)
    except OSError:
        return None
    text = ""
    with f:
        while True:
            piece = f.read(CHUNK)
            if not piece:
                return None
            # The last span characters may hold the start of the entry.
            text = text[-span:] + piece
            at = text.find(key)
            if at >= 0 and at + span <= len(text):
                return text[at + len(key):at + span]


def _kept(path):
    # FAT (an ESP8266's default) ignores case: ETC/SHADOW is /etc/shadow.
    return "/" + path.lower() in KEEP


class Release:
    """One release at base (a URL); check() it, then download() and commit().
    HTTPS checks the server against the CA bundle ca, unless verify is
    false (the release's signature is checked whatever the transport)."""

    def __init__(self, base, ca=None, progress=None, verify=True):
        self.base = base.rstrip("/")
        self.ca = ca
        self.verify = verify
        self.progress = progress
        self.version = None
        self.mpy = None
        self.counts = {"R": 0, "A": 0, "D": 0}
        self.size = 0  # bytes to download
        self.replaces = []   # configuration the release replaces even when changed here
        self.kept = []       # (path, True when the release has its own copy)
        self.replaced = []   # configuration changed here that the release replaces

    def fetch(self, path, target, size=None, digest=None, limit=None):
        """Download base/path into the file target while hashing it; its
        hex SHA-256. With size and digest given, a file that does not match
        is fetched once more, then the upgrade fails."""
        url = self.base + "/" + path
        for attempt in range(TRIES):
            try:
                got, sha = self._fetch_once(url, target, limit or size)
            except httpclient.HTTPError as e:
                problem = str(e)
            else:
                if size is None or (got == size and sha == digest):
                    return sha
                problem = "%s: expected %d bytes with SHA-256 %s..., got %d bytes with %s..." % (
                    path, size, digest[:12], got, sha[:12])
            fspath.discard(target)
        raise Failed(problem)

    def _fetch_once(self, url, target, limit):
        upgradeboot.make_parents(target)
        response = httpclient.get(url, ca=self.ca, verify=self.verify)
        h = hashlib.sha256()
        buf = bytearray(CHUNK)
        got = 0
        try:
            with open(target, "wb") as f:
                while True:
                    n = response.readinto(buf)
                    if not n:
                        break
                    got += n
                    if limit is not None and got > limit:
                        raise httpclient.HTTPError("%s: longer than %d bytes" % (url, limit))
                    part = buf if n == CHUNK else memoryview(buf)[:n]
                    h.update(part)
                    f.write(part)
                    if self.progress:
                        self.progress(n)
        finally:
            response.close()
        return got, _hex(h.digest())

    def check(self, installed, key=KEY):
        """Fetch the manifest and check it: signature, format, .mpy
        version; then plan the changes against this board. installed: the
        running version."""
        abandon()
        os.mkdir(_STAGING)
        manifest, sigfile = NEW + MANIFEST, NEW + SIGNATURE
        digest = self.fetch(MANIFEST, manifest, limit=65536)
        self.fetch(SIGNATURE, sigfile, limit=1024)
        self._verify(digest, sigfile, key)
        self._read_head(manifest)
        if self.mpy is not None:
            mine = getattr(sys.implementation, "_mpy", 0) & 0xFF
            if self.mpy != mine:
                raise Failed("munix %s needs .mpy version %d; this MicroPython loads version %d" % (
                    self.version, self.mpy, mine))
        self._plan(manifest, installed)

    def _verify(self, digest, sigfile, key):
        import binascii
        import signature
        try:
            public = signature.load_key(key)
        except (OSError, ValueError, KeyError):
            raise Failed("no usable public key in %s: cannot check releases" % key)
        with open(sigfile, "rb") as f:
            sig = f.read()
        try:
            signature.verify(binascii.unhexlify(digest), sig, public)
        except signature.BadSignature:
            raise Failed("the release's signature does not match %s: not installing it" % key)

    def _read_head(self, manifest):
        with open(manifest) as f:
            if f.readline().rstrip("\n") != FORMAT:
                raise Failed("not a munix release manifest (%s)" % FORMAT)
            for line in f:
                key, _, value = strsplit.partition(line.rstrip("\n"), " ")
                if key == "version":
                    self.version = value
                elif key == "mpy":
                    self.mpy = None if value == "-" else int(value)
                elif key == "replace":
                    _check_path(value)
                    self.replaces.append(value)
                elif key == "file":
                    break
        if not self.version:
            raise Failed("the manifest gives no version")

    def files(self, manifest=NEW + MANIFEST):
        """(sha256, size, path) of each file the manifest lists."""
        with open(manifest) as f:
            for line in f:
                if line.startswith("file "):
                    parts = line.rstrip("\n").split(" ", 3)
                    if len(parts) != 4:
                        raise Failed("bad manifest line: %r" % line)
                    _check_path(parts[3])
                    yield parts[1], int(parts[2]), parts[3]

    def _plan(self, manifest, installed):
        """Write the plan (`R|A|D SHA256 SIZE PATH` lines) to _PLAN."""
        names = set()
        with open(_PLAN, "w") as plan:
            for sha, size, path in self.files(manifest):
                names.add(path)
                if _kept(path):
                    continue
                here = "/" + path
                if fspath.isfile(here):
                    mine = file_sha256(here)
                    if mine == (size, sha) or self._keep(path, mine, True):
                        continue
                    op = "R"
                else:
                    op = "A"
                self._add(plan, op, sha, size, path)
            for path in self._dropped(names):
                self._add(plan, "D", "-", 0, path)
            if self.counts["R"] + self.counts["A"] + self.counts["D"] or\
                    version_key(self.version) != version_key(installed):
                for path in (MANIFEST, SIGNATURE):
                    self._add(plan, "R" if fspath.exists("/" + path) else "A", "-", 0, path)

    def _keep(self, path, mine, listed):
        """True when path is configuration changed on this board (its
        content here, mine, is not what an install put there) that the
        release does not replace: it stays. listed: the release has a copy."""
        if not path.startswith(CONFIG) or self._installed(path, mine):
            return False
        if path in self.replaces:
            self.replaced.append(path)
            return False
        self.kept.append((path, listed))
        return True

    def _installed(self, path, mine):
        """True when mine, (size, SHA-256), is what the installed release
        or the last deploy recorded for path. Neither recorded it: the
        user's (deploy keeps a file no deploy put there)."""
        recorded = None
        if fspath.isfile("/" + MANIFEST):
            # Read to the end: a generator left half-way keeps its file open.
            for sha, size, name in self.files("/" + MANIFEST):
                if name == path:
                    recorded = (size, sha)
        return recorded == mine or _deployed(path) == mine[1]

    def _add(self, plan, op, sha, size, path):
        plan.write("%s %s %d %s\n" % (op, sha, size, path))
        self.counts[op] += 1
        self.size += size

    def _dropped(self, names):
        """What the installed release owns and the new one does not, and
        stale sources or .mpy files that would shadow the new modules."""
        dropped = set()
        if fspath.isfile("/" + MANIFEST):
            for _, _, path in self.files("/" + MANIFEST):
                if path not in names:
                    dropped.add(path)
        for path in names:
            for new, old in ((".mpy", ".py"), (".py", ".mpy")):
                if path.endswith(new) and path[:4] in ("lib/", "bin/"):
                    twin = path[:-len(new)] + old
                    # Only the twins here: all of them (one per module)
                    # would fill an ESP32's heap.
                    if twin not in names and fspath.isfile("/" + twin):
                        dropped.add(twin)
        for path in sorted(dropped):
            here = "/" + path
            if _kept(path) or not fspath.isfile(here):
                continue
            if path.startswith(CONFIG) and self._keep(path, file_sha256(here), False):
                continue
            yield path

    def changes(self):
        """(op, path) of each planned change."""
        with open(_PLAN) as f:
            for line in f:
                op, _, _, path = line.rstrip("\n").split(" ", 3)
                yield op, path

    def download(self):
        """Fetch every new or changed file into the staging folder."""
        with open(_PLAN) as f:
            for line in f:
                op, sha, size, path = line.rstrip("\n").split(" ", 3)
                if op in "RA" and sha != "-":
                    self.fetch(path, NEW + path, int(size), sha)

    def commit(self, installed):
        """Make the staged release the pending install (the next boot
        carries it out); the previous upgrade's files go."""
        with open(_STAGING + "/journal", "w") as journal:
            journal.write("from %s\nto %s\n" % (installed, self.version))
            for op, path in self.changes():
                journal.write("%s %s\n" % (op, path))
        os.remove(_PLAN)
        upgradeboot.remove_tree(upgradeboot.ROOT)
        os.rename(_STAGING, upgradeboot.ROOT)
        upgradeboot.set_state("install")


def abandon():
    """Remove the staging folder, as after any stopped upgrade."""
    upgradeboot.remove_tree(_STAGING)
