"""A line read a key at a time, as the line editor (lineedit.py) reads it,
for a remote session: keys typed at the end of the line and Enter cost
this module only. The first key that edits (backspace, an arrow, Tab,
Ctrl-C, Ctrl-D ...) loads the line editor, which goes on with the line
and with the lines entered so far as its history: a client that sends
whole lines (a script's, a fleet's, every telnet client of issue 27's
scenario) never loads it, 3.6 KiB of an ESP32's heap while it runs.

    reader = PlainEditor(read, write, sess)    # sess: history and Tab (None: neither)
    reader.begin(prompt); line = reader.key(c) ...   # pushed a key at a time
    line = reader.input(prompt)                      # pulled: the line editor's
"""
from micropython import const

_KEPT = const(30)   # lines entered kept for the history, as lineedit.History keeps


class PlainEditor:
    def __init__(self, read, write, sess=None):
        self.read = read
        self.write = write
        self.sess = sess
        self.full = None        # the line editor, once a key needed it
        self.prompt = ""
        self.remember = False
        self.line = ""
        self.cr = False         # the last line ended with CR: an LF or NUL after it is skipped
        self.lines = []         # the lines entered, for the editor's history (with sess)

    def begin(self, prompt, remember=True):
        """Start a line: the prompt shown, nothing typed yet."""
        if self.full is not None:
            return self.full.begin(prompt, remember)
        self.prompt = prompt
        self.remember = remember
        self.line = ""
        self.write(prompt)

    def key(self, c):
        """Take one character typed; the line once it is complete, else
        None (lineedit.LineEditor.key's)."""
        if self.full is not None:
            return self.full.key(c)
        if self.cr:
            self.cr = False
            if c == "\n" or c == "\x00":
                return None
        # What can fail for want of heap comes before the state changes: a
        # key the heap had no room for is taken again (telnetd.Terminal.line).
        if c == "\r" or c == "\n":
            self.write("\n")
            line = self.line
            if self.remember and self.sess is not None:
                self.lines.append(line)
                if len(self.lines) > _KEPT:
                    self.lines.pop(0)
            self.cr = c == "\r"
            self.line = ""
            return line
        if c >= " " and c != "\x7f":
            line = self.line + c
            self.write(c)
            self.line = line
            return None
        return self.editor().key(c)

    def input(self, prompt="", remember=True):
        """A line pulled with read() (a command's, in a worker thread): the
        line editor's, which keeps the line when the heap runs out."""
        return self.editor().input(prompt, remember)

    def editor(self):
        """The line editor, loaded for a key that edits."""
        if self.full is None:
            import lineedit
            self.full = lineedit.taking_over(self)
        return self.full


def plain_line(read, write, prompt, echo, limit):
    """A line read without the editor (before a login, or a password with
    echo False): Enter ends it, backspace takes back, Ctrl-C raises
    KeyboardInterrupt, Ctrl-D on an empty line or the end of input
    EOFError; characters past limit are dropped."""
    write(prompt)
    line = ""
    while True:
        c = read()
        if c == "\r" or c == "\n":
            write("\n")
            return line
        if c == "" or c == "\x04" and not line:
            write("\n")
            raise EOFError
        if c == "\x03":
            write("^C\n")
            raise KeyboardInterrupt
        if c == "\x7f" or c == "\x08":
            if line:
                line = line[:-1]
                if echo:
                    write("\b \b")
        elif c >= " " and len(line) < limit:
            line += c
            if echo:
                write(c)
