import errno
import os

import cmdargs
import fileops
import fspath
import munix

USAGE = """[-r] [-f] [-F] PATH...
  Remove files.
  -r  remove folders and everything below them
  -f  no error for a PATH that does not exist
  -F  force: remove protected system files (/main.py, /boot.py, /lib), the
      password file (/etc/shadow) and the folders holding them"""
ABOUT = "remove files and folders"


def __main__(args):
    opts, paths = cmdargs.parse(args, "rfF")
    if not paths and "f" not in opts:
        raise cmdargs.UsageError("no PATH given")
    status = 0
    for name in paths:
        path = munix.path(name)
        st = fspath.stat(path)
        folder = st is not None and st[0] & fspath.DIR != 0
        if fspath.basename(name.rstrip("/")) in (".", ".."):
            status = cmdargs.error(name, "refusing to remove . or ..")
        elif st is None:
            if "f" not in opts:
                status = cmdargs.error(name, OSError(errno.ENOENT))
        elif folder and "r" not in opts:
            status = cmdargs.error(name, OSError(errno.EISDIR))
        elif "F" not in opts and fileops.refused(name, path):
            status = 1
        else:
            try:
                if folder:
                    fileops.remove_tree(path)
                else:
                    os.remove(path)
            except OSError as e:
                status = cmdargs.error(name, e)
    return status
