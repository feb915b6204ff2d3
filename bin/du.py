import os

import cmdargs
import fspath

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


def _folder(path, name, opts):
    """The size of the files below path; the folders below it printed as
    they are done (unless -s). name is how path is shown."""
    total = 0
    for entry in os.ilistdir(path):
        sub = fspath.join(path, entry[0])
        if entry[1] & fspath.DIR:
            size = _folder(sub, fspath.join(name, entry[0]), opts)
            if "s" not in opts:
                _show(size, fspath.join(name, entry[0]), opts)
        elif len(entry) > 3 and entry[3] >= 0:
            size = entry[3]         # FAT and littlefs list sizes: no stat
        else:
            size = os.stat(sub)[6]
        total += size
    return total


def _show(size, name, opts):
    print("%s\t%s" % (cmdargs.human(size) if "h" in opts else size, name))
