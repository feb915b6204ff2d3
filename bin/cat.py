import cmdargs
import fileops
import munix

USAGE = """[FILE...]
  Print the FILEs one after another; - (or no FILE) is the standard input,
  read up to its end (Ctrl-D at the console)."""
ABOUT = "print files"


def __main__(args):
    opts, files = cmdargs.parse(args)
    out = munix.proc().stdout
    cwd = munix.session().cwd
    status = 0
    for name in files or ["-"]:
        try:
            with fileops.open_input(name, cwd) as f:
                for chunk in fileops.chunks(f):
                    out.write(chunk)
        except OSError as e:
            status = cmdargs.error(name, e)
        except UnicodeError:
            status = cmdargs.error(name, "not a text file")
    return status
