import os

import cmdargs
import fileops
import fspath
import munix

USAGE = """[-F] SRC... DEST
  Rename SRC to DEST, or move each SRC into the folder DEST. Between two
  filesystems (/ and /sd) it copies, then removes SRC.
  -F  force: move or overwrite protected system files (/main.py, /boot.py,
      /lib), the password file (/etc/shadow) and the folders holding them"""
ABOUT = "move or rename files and folders"

# What rename says across filesystems: EPERM from MicroPython's VFS, EXDEV
# from an OS.
_ACROSS = (1, 18)


def __main__(args):
    opts, rest = cmdargs.parse(args, "F")
    operands = fileops.sources_and_dest(rest)
    if operands is None:
        return 1
    sources, dest, into = operands
    force = "F" in opts
    status = 0
    for name in sources:
        src = munix.path(name)
        st = fspath.stat(src)
        target = fspath.join(dest, fspath.basename(src)) if into else dest
        # Before the file is looked at: a name FAT takes for a guarded one
        # (/MAIN.PY.) is refused on any filesystem.
        if not force and (fileops.refused(name, src) or fileops.refused(target, target)):
            status = 1
            continue
        problem = fileops.transfer_problem(src, target, st, "move")
        if problem:
            status = cmdargs.error(name, problem)
        else:
            try:
                _move(src, target, st[0] & fspath.DIR != 0)
            except OSError as e:
                status = cmdargs.error(name, e)
    return status


def _move(src, target, folder):
    there = fspath.stat(target)
    if there is not None and (there[0] & fspath.DIR != 0) != folder:
        raise OSError(21 if not folder else 20)
    try:
        os.rename(src, target)
    except OSError as e:
        if e.args and e.args[0] in _ACROSS:
            fileops.copy_tree(src, target)
            fileops.remove_tree(src)
        elif there is not None and not folder:
            fspath.replace(src, target)     # FAT will not rename over a file
        else:
            raise
