import cmdargs
import fileops
import munix

USAGE = """[-n N] [FILE...]
  Print the first N lines (10 unless told; -N is -n N) of each FILE; - (or
  no FILE) is the standard input. With several FILEs, each comes under a ==> FILE <== heading."""
ABOUT = "print the first lines of files"


def __main__(args):
    count, files = cmdargs.lines_and_files(args)
    out = munix.proc().stdout
    cwd = munix.session().cwd
    status = 0
    sep = "" if len(files) > 1 else None    # before the next heading
    for name in files:
        try:
            with fileops.open_input(name, cwd) as f:
                if sep is not None:
                    print("%s==> %s <==" % (sep, name))
                    sep = "\n"
                left = count
                while left > 0:
                    line = f.readline()
                    if not line:
                        break
                    out.write(line)
                    left -= 1
        except OSError as e:
            status = cmdargs.error(name, e)
        except UnicodeError:
            status = cmdargs.error(name, "not a text file")
    return status
