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
    they are done (unless -s). name is how path is shown. A stack of
    [path, name, size so far, entries left], not recursion: 400 nested
    folders went past the C stack."""
    stack = [[path, name, 0, _listing(path)]]
    while True:
        here = stack[-1]
        if not here[3]:
            stack.pop()
            if not stack:
                return here[2]
            if "s" not in opts:
                _show(here[2], here[1], opts)
            stack[-1][2] += here[2]
            continue
        entry = here[3].pop()
        sub = fspath.join(here[0], entry[0])
        if entry[1] & fspath.DIR:
            stack.append([sub, fspath.join(here[1], entry[0]), 0, _listing(sub)])
        elif len(entry) > 3 and entry[3] >= 0:
            here[2] += entry[3]         # FAT and littlefs list sizes: no stat
        else:
            here[2] += os.stat(sub)[6]


def _listing(path):
    """path's entries, the first listed last (taken from the end)."""
    found = list(os.ilistdir(path))
    found.reverse()
    return found


def _show(size, name, opts):
    print("%s\t%s" % (cmdargs.human(size) if "h" in opts else size, name))
