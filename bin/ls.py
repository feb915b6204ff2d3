import os

import cmdargs
import fspath
import munix

USAGE = """[-l] [-a] [-h] [PATH...]
  -l  long listing: type (d folder, - file), size, date modified, name
  -a  show hidden entries (names starting with .)
  -h  sizes in K, M, G (with -l)
Folders are listed by their entries, sorted by name; with several PATHs,
each folder's listing comes under a PATH: heading."""
ABOUT = "list folders and files"



def __main__(args):
    opts, paths = cmdargs.parse(args, "lah")
    found, status = cmdargs.existing(paths)
    folders = []
    shown = False
    for name, _, st in found:
        if st[0] & fspath.DIR:
            folders.append(name)
        else:
            _show(name, st, opts)
            shown = True
    for name in folders:
        if len(paths) > 1:
            print("%s%s:" % ("\n" if shown else "", name))
        shown = True
        try:
            _list(munix.path(name), opts)
        except OSError as e:
            status = cmdargs.error(name, e)
    return status


def _list(folder, opts):
    # Sorted in place: sorted() would copy it (half a KiB more of a board's
    # heap for a hundred entries).
    names = [n for n, _ in fspath.entries(folder) if "a" in opts or n[:1] != "."]
    names.sort()
    for name in names:
        if "l" in opts:
            _show(name, os.stat(fspath.join(folder, name)), opts)
        else:
            print(name)


def _show(name, st, opts):
    if "l" not in opts:
        print(name)
        return
    size = st[6]
    print("%s %8s %s %s" % ("d" if st[0] & fspath.DIR else "-",
                            cmdargs.human(size) if "h" in opts else size,
                            _date(st[8]), name))


def _date(mtime):
    """The time as `date` shows it: the configured tz offset applied."""
    return "%d-%02d-%02d %02d:%02d" % munix.localtime(mtime)[:5]
