import errno
import os

import cmdargs
import fileops
import fspath
import munix

USAGE = """[-h] [PATH]
  Show the size, used and available space, use% and mount point of the
  filesystem holding PATH, or of every mounted filesystem.
  -h  sizes in K, M, G (bytes otherwise)"""
ABOUT = "show free space of filesystems"


def __main__(args):
    opts, paths = cmdargs.parse(args, "h")
    if len(paths) > 1:
        raise cmdargs.UsageError("extra operand %s" % paths[1])
    mounts = _mounts()
    if paths:
        path = munix.path(paths[0])
        if not fspath.exists(path):
            return cmdargs.error(paths[0], OSError(errno.ENOENT))
        mounts = [max([m for m in mounts if fileops.inside(path, m)], key=len)]
    print("%10s %10s %10s %4s %s" % ("Size", "Used", "Avail", "Use%", "Mounted on"))
    status = 0
    for mount in mounts:
        try:
            st = os.statvfs(mount)
        except OSError as e:
            status = cmdargs.error(mount, e)
            continue
        unit = st[1] or st[0]
        size = st[2] * unit
        free = st[4] * unit
        used = size - st[3] * unit
        # Use% rounded up, of the space a user can have, as df does.
        pct = (used * 100 + used + free - 1) // (used + free) if used + free else 0
        size, used, free = [cmdargs.human(n) if "h" in opts else n for n in (size, used, free)]
        print("%10s %10s %10s %3d%% %s" % (size, used, free, pct, mount))
    return status


def _mounts():
    """The mount points, sorted: vfs.mount() lists them on MicroPython 1.23
    and later; before, / and the folders of / that are filesystems of their
    own (their statvfs differs from /'s)."""
    try:
        import vfs
        return sorted(set([m[1] for m in vfs.mount()]))
    except (ImportError, TypeError, AttributeError):
        pass
    root = os.statvfs("/")
    found = ["/"]
    for name, folder in fspath.entries("/"):
        try:
            if folder and os.statvfs("/" + name) != root:
                found.append("/" + name)
        except OSError:
            pass
    return sorted(found)
