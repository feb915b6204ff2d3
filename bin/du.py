import os

import cmdargs
import fileops
import fspath
import munix

USAGE = """[-h] [-s] [PATH...]
  Print the size in bytes of each folder below PATH (. unless given) and
  of PATH itself: the sum of the sizes of the files inside.
  -h  sizes in K, M, G
  -s  only the total of each PATH"""
ABOUT = "show disk usage of folders"


def __main__(args):
    opts, paths = cmdargs.parse(args, "hs")
    found, status = cmdargs.existing(paths)
    for name, top, st in found:
        try:
            if st[0] & fspath.DIR:
                size = _folder(top, name, opts)
            else:
                size = st[6]
        except OSError as e:
            status = cmdargs.error(name, e)
            continue
        _show(size, name, opts)
    return status


def _folder(top, name, opts):
    """The size of the files below top; the folders below it printed as
    they are done (unless -s). name is how top is shown."""
    sums = []       # the size so far of each folder the walk is in
    for path, kind, size in fileops.walk(top, True):
        if kind == fileops.FOLDER:
            sums.append(0)
        elif kind == fileops.FILE:
            sums[-1] += size if size >= 0 else os.stat(path)[6]
        else:
            size = sums.pop()
            if not sums:
                return size
            sums[-1] += size
            if "s" not in opts:
                _show(size, fspath.join(name, path[len(top):].lstrip("/")), opts)


def _show(size, name, opts):
    # Written, not printed: print copies the line once more, and a line of
    # a tree 400 folders deep is 800 characters, much of an ESP8266's heap.
    munix.proc().stdout.write("%s\t%s\n" % (cmdargs.human(size) if "h" in opts else size, name))
