import cmdargs
import fileops
import munix

USAGE = """[-n N | -c N] [FILE...]
  Print the first N lines (10 unless told; -N is -n N), or with -c the first
  N characters, of each FILE; - (or no FILE) is the standard input. With
  several FILEs, each comes under a ==> FILE <== heading."""
ABOUT = "print the first lines of files"


def __main__(args):
    count, files, opts = cmdargs.lines_and_files(args, "nc")
    chars = "c" in opts
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
                    # Cut: the standard input reads a line at a time.
                    text = f.read(min(left, fileops.CHUNK))[:left] if chars else f.readline()
                    if not text:
                        break
                    out.write(text)
                    left -= len(text) if chars else 1
        except OSError as e:
            status = cmdargs.error(name, e)
        except UnicodeError:
            status = cmdargs.error(name, "not a text file")
    return status
