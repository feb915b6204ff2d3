"""The input of the text filters (sort, uniq, cut ...): the lines of their
FILE operands one after another, the standard input when there are none
(or for -). A FILE that cannot be read is reported and the next one read."""
import cmdargs
import fileops
import munix


class Lines:
    """Iterate to get the lines, each ending in a newline (one is added to
    a last line without). status: 1 once an input failed, else 0."""

    def __init__(self, files):
        self.files = files or ["-"]
        self.status = 0

    def __iter__(self):
        cwd = munix.session().cwd
        for name in self.files:
            try:
                with fileops.open_input(name, cwd) as f:
                    for line in f:
                        yield line if line[-1:] == "\n" else line + "\n"
            except OSError as e:
                self.status = cmdargs.error(name, e)
            except UnicodeError:
                self.status = cmdargs.error(name, "not a text file")
