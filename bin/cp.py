import cmdargs
import fileops
import fspath
import munix

USAGE = """[-r] [-F] SRC... DEST
  Copy SRC to DEST, or each SRC into the folder DEST. A copy is written to
  a temporary file renamed over DEST at the end: a failure never leaves a
  half-written DEST.
  -r  copy folders and everything below them
  -F  force: overwrite protected system files (/main.py, /boot.py, /lib)"""
ABOUT = "copy files and folders"

PROTECTED = "protected system file (use -F to force)"


def __main__(args):
    opts, rest = cmdargs.parse(args, "rF")
    operands = fileops.sources_and_dest(rest)
    if operands is None:
        return 1
    sources, dest, into = operands
    status = 0
    for name in sources:
        src = munix.path(name)
        st = fspath.stat(src)
        target = fspath.join(dest, fspath.basename(src)) if into else dest
        if st is None:
            status = cmdargs.error(name, cmdargs.ERRORS[2])
        elif st[0] & fspath.DIR and "r" not in opts:
            status = cmdargs.error(name, "Is a directory (use -r)")
        elif target == src:
            status = cmdargs.error(name, "source and destination are the same")
        elif fileops.inside(target, src):
            status = cmdargs.error(name, "cannot copy a folder into itself")
        elif fspath.is_protected(target) and "F" not in opts:
            status = cmdargs.error(target, PROTECTED)
        else:
            try:
                fileops.copy_tree(src, target)
            except OSError as e:            # most likely writing: no space
                status = cmdargs.error(target, e)
    return status
