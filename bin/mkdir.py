import os

import cmdargs
import fileops
import munix

USAGE = """[-p] DIR...
  Make folders.
  -p  make missing parent folders too; no error if DIR already exists"""
ABOUT = "make folders"


def __main__(args):
    opts, dirs = cmdargs.parse(args, "p")
    if not dirs:
        raise cmdargs.UsageError("no DIR given")
    status = 0
    for name in dirs:
        try:
            if "p" in opts:
                fileops.makedirs(munix.path(name))
            else:
                os.mkdir(munix.path(name))
        except OSError as e:
            status = cmdargs.error(name, e)
    return status
