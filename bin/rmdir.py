import os

import cmdargs
import fileops
import fspath
import munix

USAGE = """DIR...
  Remove empty folders (rm -r removes full ones)."""
ABOUT = "remove empty folders"


def __main__(args):
    opts, dirs = cmdargs.parse(args)
    if not dirs:
        raise cmdargs.UsageError("no DIR given")
    status = 0
    for name in dirs:
        path = munix.path(name)
        if fileops.refused(name, path, False):
            status = 1
            continue
        try:
            if not fspath.isdir(path):
                raise OSError(20 if fspath.exists(path) else 2)
            for _ in fspath.entries(path):
                raise OSError(39)       # FAT would only say "permission denied"
            os.rmdir(path)
        except OSError as e:
            status = cmdargs.error(name, e)
    return status
