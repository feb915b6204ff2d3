import cmdargs
import fileops
import munix

USAGE = """[-a] [FILE...]
  Copy the standard input to the standard output and to each FILE, a line
  at a time. A FILE that cannot be opened is reported; the others still
  get the copy.
  -a  append to the FILEs instead of overwriting them"""
ABOUT = "copy standard input to files and standard output"


def __main__(args):
    opts, names = cmdargs.parse(args, "a")
    mode = "a" if "a" in opts else "w"
    status = 0
    outs = [munix.proc().stdout]
    try:
        for name in names:
            try:
                outs.append(open(munix.path(name), mode))
            except OSError as e:
                status = cmdargs.error(name, e)
        with fileops.open_input("-") as f:
            for line in f:
                for out in outs:
                    out.write(line)
    finally:
        for out in outs[1:]:
            out.close()
    return status
