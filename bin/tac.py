import cmdargs
import fileops
import fspath
import munix

USAGE = """[FILE...]
  Print the lines of each FILE (the standard input when none, or -) last
  line first. A file is read backwards a block at a time, never whole."""
ABOUT = "print lines in reverse order"

BLOCK = 256


def __main__(args):
    _, files = cmdargs.parse(args)
    cwd = munix.session().cwd
    out = munix.proc().stdout
    status = 0
    for name in files or ["-"]:
        try:
            if name == "-":
                with fileops.open_input(name, cwd) as f:
                    lines = list(f)
                if lines and lines[-1][-1:] != "\n":
                    lines[-1] += "\n"
                while lines:
                    out.write(lines.pop())
            else:
                _backwards(fspath.abspath(name, cwd), out)
        except OSError as e:
            status = cmdargs.error(name, e)
        except UnicodeError:
            status = cmdargs.error(name, "not a text file")
    return status


def _backwards(path, out):
    with open(path, "rb") as f:
        end = f.seek(0, 2)
        tail = b""             # the start of a line whose beginning is not read yet
        first = True
        while end > 0:
            start = max(0, end - BLOCK)
            f.seek(start)
            block = f.read(end - start) + tail
            end = start
            lines = block.split(b"\n")
            tail = lines.pop(0) if end > 0 else b""
            if first:
                first = False
                if lines and lines[-1] == b"":
                    lines.pop()
            while lines:
                out.write(str(lines.pop(), "utf-8") + "\n")
        if tail:
            out.write(str(tail, "utf-8") + "\n")
