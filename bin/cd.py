import errno
from micropython import const

import cmdargs
import fspath
import munix

_ENOTDIR = const(20)     # errno's, which the esp32's errno module does not name

USAGE = """[-L|-P] [DIR]
  DIR  the new working folder (default $HOME, or /); - is the previous one
  -L, -P  taken for POSIX's sake: a board's filesystems have no links"""
ABOUT = "change the working folder"


def __main__(args):
    opts, rest = cmdargs.parse(args, "LP")
    if len(rest) > 1:
        raise cmdargs.UsageError("too many arguments")
    sess = munix.session()
    target = rest[0] if rest else munix.getenv("HOME") or "/"
    if target == "-":
        target = munix.getenv("OLDPWD")
        if not target:
            return cmdargs.error("", "OLDPWD not set")
    path = munix.path(target)
    st = fspath.stat(path)
    if st is None:
        return cmdargs.error(target, OSError(errno.ENOENT))
    if st[0] & fspath.DIR == 0:
        return cmdargs.error(target, OSError(_ENOTDIR))
    munix.setenv("OLDPWD", sess.cwd)
    sess.cwd = path
    munix.setenv("PWD", path)
    if rest and rest[0] == "-":
        print(path)
