import cmdargs
import fileops
import fspath
import munix

USAGE = """[-r] [-F] SRC... DEST
  Copy SRC to DEST, or each SRC into the folder DEST. A copy is written to
  a temporary file renamed over DEST at the end: a failure never leaves a
  half-written DEST.
  -r  copy folders and everything below them
  -F  force: overwrite protected system files (/main.py, /boot.py, /lib)
      and the password file (/etc/shadow)"""
ABOUT = "copy files and folders"


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
        problem = fileops.transfer_problem(src, target, st, "copy")
        if st is not None and st[0] & fspath.DIR and "r" not in opts:
            problem = "Is a directory (use -r)"
        if problem:
            status = cmdargs.error(name, problem)
        elif "F" not in opts and fileops.refused(target, target):
            status = 1
        else:
            try:
                fileops.copy_tree(src, target)
            except OSError as e:            # most likely writing: no space
                status = cmdargs.error(target, e)
    return status
