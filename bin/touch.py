import cmdargs
import fspath
import munix

USAGE = """FILE...
  Make each FILE that does not exist, empty. MicroPython cannot change a
  file's modification time: an existing FILE is left as it is."""
ABOUT = "make empty files"


def __main__(args):
    opts, files = cmdargs.parse(args)
    if not files:
        raise cmdargs.UsageError("no FILE given")
    status = 0
    for name in files:
        path = munix.path(name)
        if fspath.exists(path):
            continue
        try:
            open(path, "w").close()
        except OSError as e:
            status = cmdargs.error(name, e)
    return status
