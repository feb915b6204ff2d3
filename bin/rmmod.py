import gc
import sys

import cmdargs
import munix
import munixsh

USAGE = """NAME...
  The kernel's own modules stay: kernel, shell, session, process, shellparse,
  fspath, cmdargs, munix (and __main__)."""
ABOUT = "unload Python modules, to free memory"

_RESIDENT = ("kernel", "shell", "session", "process", "shellparse", "fspath",
            "cmdargs", "munix", "__main__")


def __main__(args):
    opts, names = cmdargs.parse(args)
    if not names:
        raise cmdargs.UsageError("missing NAME")
    status = 0
    for name in names:
        if name in _RESIDENT:
            status = cmdargs.error(name, "part of the kernel: not removed")
            continue
        with munixsh.import_lock:
            loaded = sys.modules.get(name) is not None
            if loaded:
                munix.unload(name)
        if not loaded:
            status = cmdargs.error(name, "not loaded")
    gc.collect()
    return status
