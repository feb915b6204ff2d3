import gc
import sys

import cmdargs

USAGE = """NAME...
  The kernel's own modules stay: kernel, shell, session, process, shellparse,
  fspath, cmdargs, munix (and __main__)."""
ABOUT = "unload Python modules, to free memory"

RESIDENT = ("kernel", "shell", "session", "process", "shellparse", "fspath",
            "cmdargs", "munix", "__main__")


def __main__(args):
    opts, names = cmdargs.parse(args)
    if not names:
        raise cmdargs.UsageError("missing NAME")
    import shell
    status = 0
    for name in names:
        if name in RESIDENT:
            status = cmdargs.error(name, "part of the kernel: not removed")
            continue
        with shell.import_lock:
            module = sys.modules.pop(name, None)
        if module is None:
            status = cmdargs.error(name, "not loaded")
    module = None
    gc.collect()
    return status
