"""The install side of `upgrade`: the journal, installing by renames,
probation of a new version, rollback.

On flash, /.upgrade holds one upgrade:
  journal   `from VERSION`, `to VERSION`, then one operation per line:
            `R path` replace, `A path` add, `D path` delete (paths from /)
  new/      the new files, downloaded and verified
  old/      the previous version of each replaced or deleted file
  state     what the next boot must do, while there is something to do:
            install   move the new files in (the commit point of an upgrade)
            probation the new version's first boot is next
            trial     that first boot is under way: reaching the end of
                      init.sh ends the probation; a boot that finds this
                      state rolls back
            rollback  a rollback is under way

Every step that changes an installed file is one rename, and what is done
already is told by which of the three places (/path, new/path, old/path)
hold a file, so an install or rollback cut by a power loss is taken up again
by the next boot. Nothing is lost before the new version has booted: the
previous files stay in old/ until the next upgrade, for `upgrade --rollback`.

Only the os module is used: at boot, the rest of /lib may be half old and
half new.
"""
import os

ROOT = "/.upgrade"
JOURNAL = ROOT + "/journal"
STATE = ROOT + "/state"
NEW = ROOT + "/new/"
OLD = ROOT + "/old/"
BOOTING = "/etc/.booting"     # startup.BOOTING: a boot that has not finished init.sh


def exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def state():
    """The pending boot action, or None."""
    try:
        with open(STATE) as f:
            return f.read().strip() or None
    except OSError:
        return None


def set_state(value):
    tmp = STATE + ".tmp"
    with open(tmp, "w") as f:
        f.write(value + "\n")
    try:
        os.rename(tmp, STATE)
    except OSError:
        # FAT does not rename over a file.
        os.remove(STATE)
        os.rename(tmp, STATE)


def versions():
    """(from, to) versions of the journal."""
    found = {}
    with open(JOURNAL) as f:
        for line in f:
            # split, not partition (not on every board): only os here.
            words = line.rstrip("\n").split(" ", 1)
            key, value = words[0], words[-1] if len(words) > 1 else ""
            if key in ("from", "to"):
                found[key] = value
            elif len(key) == 1:
                break
    return found.get("from", "?"), found.get("to", "?")


def operations():
    """(op, path) of each line of the journal, path relative to /."""
    with open(JOURNAL) as f:
        for line in f:
            line = line.rstrip("\n")
            if len(line) > 2 and line[1] == " " and line[0] in "RAD":
                yield line[0], line[2:]


def make_parents(path):
    """Create the folders above the file path."""
    at = 0
    while True:
        at = path.find("/", at + 1)
        if at < 0:
            return
        folder = path[:at]
        if not exists(folder):
            os.mkdir(folder)


def _copy(source, target):
    """Copy a file, through a temporary file: a copy cut short is never
    taken for a complete one."""
    make_parents(target)
    tmp = target + ".tmp"
    buf = bytearray(512)
    with open(source, "rb") as f, open(tmp, "wb") as out:
        while True:
            n = f.readinto(buf)
            if not n:
                break
            out.write(buf if n == len(buf) else memoryview(buf)[:n])
    os.rename(tmp, target)


def _replace(source, target):
    """Rename source over target, in one step where the filesystem can
    (LittleFS, POSIX); FAT needs the target removed first."""
    make_parents(target)
    try:
        os.rename(source, target)
    except OSError:
        if not exists(target):
            raise
        os.remove(target)
        os.rename(source, target)


def install():
    """Carry out the journal (again). A replaced file is first copied to
    old/, then the new one is renamed over it: no file the boot needs is
    ever missing, even for an instant."""
    for op, path in operations():
        here, new, old = "/" + path, NEW + path, OLD + path
        if op == "R" and exists(new) and not exists(old) and exists(here):
            _copy(here, old)
        if op in "RA" and exists(new):
            _replace(new, here)
        if op == "D" and exists(here) and not exists(old):
            _replace(here, old)


def rollback():
    """Undo the journal (again): previous files renamed back over the new
    ones, added files removed."""
    for op, path in operations():
        here, new, old = "/" + path, NEW + path, OLD + path
        if op in "RD" and exists(old):
            _replace(old, here)
        # An added file still in new/ was never moved in.
        if op == "A" and not exists(new) and exists(here):
            os.remove(here)


def remove_tree(top):
    """Remove top and everything under it; missing is fine. A stack, not
    recursion: a deep tree must not go past the C stack."""
    stack = [(top, False)]
    while stack:
        path, listed = stack.pop()
        if listed:
            os.rmdir(path)
            continue
        try:
            entries = list(os.ilistdir(path))
        except OSError:
            try:
                os.remove(path)
            except OSError:
                pass
            continue
        stack.append((path, True))
        for entry in entries:
            stack.append((path + "/" + entry[0], False))


def undo(booting=None):
    """Roll the installed upgrade back (also the rest of an interrupted
    rollback) and forget it; (from, to) versions."""
    set_state("rollback")
    rollback()
    if booting:
        # The failed boot was the new version's: the old one needs no recovery.
        try:
            os.remove(booting)
        except OSError:
            pass
    previous = versions()
    os.remove(STATE)
    remove_tree(ROOT)
    return previous


def at_boot():
    """main.py's first step while an upgrade is pending: do what the state
    file says, and reset the board when what is installed changed. The
    module leaves sys.modules: the OS loads it again only to end a probation."""
    import sys
    sys.modules.pop(__name__, None)
    if boot(BOOTING):
        import machine
        machine.reset()


def boot(booting):
    """At boot, when the state file exists: do what it says. True when the
    board must reset to run what is now installed. booting: the marker of
    an unfinished boot, removed when that boot is rolled back."""
    what = state()
    if what == "install":
        install()
        set_state("probation")
        print("upgrade: installed munix %s; restarting" % versions()[1])
        return True
    if what == "probation":
        set_state("trial")
        print("upgrade: first boot of munix %s, on probation" % versions()[1])
        return False
    if what in ("trial", "rollback"):
        old, new = undo(booting)
        print("upgrade: munix %s did not finish booting: rolled back to %s; restarting" % (new, old))
        return True
    # An unknown state: drop it rather than act on it at every boot.
    os.remove(STATE)
    return False


def booted():
    """At the end of a boot's init.sh and rc.local: a new version on
    probation has proved itself; its previous files stay in old/, for
    `upgrade --rollback`."""
    if state() == "trial":
        os.remove(STATE)
        remove_tree(NEW[:-1])
        print("upgrade: munix %s booted; upgrade complete" % versions()[1])
