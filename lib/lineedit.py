"""The interactive line editor of the console and of every interactive
session: a line read one character at a time, echoed and edited as typed.

    editor = LineEditor(read, write, History("/etc/history"), completer(sess))
    line = editor.input(prompt)

read() returns one character ("" at end of input); write(text) outputs text
as it is. Keys: left/right, home/end (also Ctrl-E), backspace, delete, up and
down through the history (also Ctrl-P, Ctrl-N), Ctrl-K and Ctrl-U cut to the
end or the start, Tab completes a command or a path. Ctrl-C clears a line
that has text, and raises KeyboardInterrupt at an empty one; Ctrl-D deletes
the character under the cursor, and raises EOFError at an empty line.
Ctrl-A at an empty shell prompt raises EOFError("raw REPL"): MicroPython's
key for its raw REPL, which mpremote sends to take the board over.

Arrows and the other keys arrive as VT100/xterm escape sequences (ESC [ A,
ESC O A, ESC [ 3 ~ ...). The cursor is moved back with backspaces and lines
are rewritten with spaces, so even a dumb terminal shows the right text.
"""

_CONTROL = {
    "\x7f": "backspace", "\x08": "backspace", "\x05": "end", "\x0b": "cut-end",
    "\x15": "cut-start", "\x10": "up", "\x0e": "down", "\t": "complete",
}


def escaped(seq):
    """The key of an escape sequence, after ESC, in its common forms (the
    VT100's and xterm's): ESC [ or ESC O and a letter, ESC [ and a number
    and ~; None for another. The line editor's and vi's (vieditor). Worked
    out, not looked up: a table's sequences were 17 names interned for
    good."""
    if len(seq) == 2:
        i = "ABCDHF".find(seq[1])
        return ("up", "down", "right", "left", "home", "end")[i] if i >= 0 else None
    if len(seq) == 3 and seq[0] == "[" and seq[2] == "~":
        i = "1748356".find(seq[1])
        return ("home", "home", "end", "end", "delete", "pgup", "pgdn")[i] if i >= 0 else None
    return None


class History:
    """The lines entered, the last `size` of them, kept in the file path
    (None: in memory only). Each line is appended to the file as it is
    entered; the file is rewritten with only the last lines once it holds
    twice as many, so keeping it costs one small append per line. A file's
    lines are read when browsed and let go once a line is entered: between
    lines they take no heap, only the last one (not remembered twice in a
    row) is kept."""

    def __init__(self, path=None, size=30):
        self.path = path
        self.size = size
        self._lines = None
        self._last = None
        self._stored = None   # lines in the file, known once it was read

    def lines(self):
        if self._lines is None:
            self._lines = []
            if self.path:
                self._load()
        return self._lines

    def _load(self):
        lines = self._lines
        self._stored = 0
        try:
            with open(self.path) as f:
                for line in f:
                    lines.append(line.rstrip("\n"))
                    self._stored += 1
                    if len(lines) > self.size:
                        lines.pop(0)
        except (OSError, UnicodeError):
            pass
        if lines:
            self._last = lines[-1]

    def add(self, line):
        if self.path is None or self._stored is None:
            self.lines()
        if line.strip() and "\n" not in line and line != self._last:
            self._last = line
            # Kept here when there is no file, or from now on when the
            # flash refused the line (full or read-only).
            if not (self.path and self._save(line)):
                lines = self.lines()
                lines.append(line)
                if len(lines) > self.size:
                    lines.pop(0)
                self.path = None
        if self.path:
            # The file has them, read again when next browsed.
            self._lines = None

    def _save(self, line):
        """Put line in the file; False when the flash refused it."""
        try:
            if self._stored >= 2 * self.size:
                lines = (self.lines() + [line])[-self.size:]
                import fspath
                fspath.write_file(self.path, "".join([l + "\n" for l in lines]))
                self._stored = len(lines)
            else:
                with open(self.path, "a") as f:
                    f.write(line + "\n")
                self._stored += 1
            return True
        except OSError:
            return False


class LineEditor:
    """Pull (input(), for a thread that may wait on read()) or push (begin()
    then key() for each character, for the OS's loop, which must never
    wait on one client)."""

    def __init__(self, read, write, history=None, complete=None):
        self.read = read
        self.write = write
        self.history = history
        self.complete = complete
        self._cr = False     # the last line ended with CR: skip an LF or NUL after it
        self._esc = None     # the escape sequence being read: "" after ESC, then "[..."
        # The heap ran out as a line was read: it goes on with the key then
        # being taken (None: none). Set without taking heap (a tuple did).
        self._cut = False
        self._cut_key = None
        self.begin("", False)

    def input(self, prompt="", remember=True):
        """Read a line, prompt first; remember: add it to the history. When
        the heap runs out (MemoryError), the line typed so far stays, and
        the key being taken with it: the next call shows them again and
        goes on (it began anew, and what was typed after the keys lost ran
        as a line of its own: `wait`, typed at the console as a job held
        the heap, ran `it`)."""
        c = None
        if not self._cut:
            self.begin(prompt, remember)
        else:
            c = self._cut_key
            self.write(self.prompt + self.line + "\b" * (len(self.line) - self.pos))
            self._cut = False
        while True:
            try:
                if c is None:
                    try:
                        c = self.read()
                    except KeyboardInterrupt:
                        c = "\x03"
                line = self.key(c)
            except MemoryError:
                self._cut = True
                self._cut_key = c
                raise
            c = None
            if line is not None:
                return line

    def begin(self, prompt, remember=True):
        """Start a line: the prompt shown, nothing typed yet."""
        self.prompt = prompt
        self.remember = remember
        self.line = ""
        self.pos = 0
        self.browsing = None     # index in the history of the line shown
        self.typed = ""          # the line as typed, before browsing the history
        self.write(prompt)

    def _decode(self, c):
        """The key that c completes: a character, the name of an editing
        key, "" at end of input, or None (a key with no use here, or one
        not complete yet)."""
        esc = self._esc
        if esc is not None:
            if not esc and c != "[" and c != "O":
                self._esc = None
                return None
            self._esc = esc + c
            if not esc or "0" <= c <= "9" or c == ";":
                return None
            self._esc = None
            return escaped(esc + c)
        if self._cr:
            self._cr = False
            if c == "\n" or c == "\x00":
                return None
        if c == "\x1b":
            self._esc = ""
            return None
        return _CONTROL.get(c, c)

    def key(self, c):
        """Take one character typed; the line once it is complete, else
        None. EOFError and KeyboardInterrupt as input() raises them."""
        key = self._decode(c)
        if key is None:
            return None
        write = self.write
        line = self.line
        pos = self.pos
        if len(key) == 1 and key >= " ":
            if pos == len(line):
                line += key
                write(key)
            else:
                line = line[:pos] + key + line[pos:]
                write(line[pos:] + "\b" * (len(line) - pos - 1))
            pos += 1
        elif key == "\r" or key == "\n" or key == "" and line:
            self._cr = key == "\r"
            write(line[pos:] + "\n")
            if self.remember and self.history is not None:
                self.history.add(line)
            self.line = ""
            return line
        elif key == "" or key == "\x04" and not line:
            write("\n")
            raise EOFError
        elif key == "\x01" and not line and self.remember:
            write("\n")
            raise EOFError("raw REPL")
        elif key == "\x03":
            if not line:
                write("\n")
                raise KeyboardInterrupt
            write(line[pos:] + "^C\n" + self.prompt)
            line = ""
            pos = 0
            self.browsing = None
        elif key == "left":
            if pos:
                pos -= 1
                write("\b")
        elif key == "right":
            if pos < len(line):
                # A slice: a character indexed out of a str is a name
                # MicroPython keeps for good (a telnet client's too).
                write(line[pos:pos + 1])
                pos += 1
        elif key == "home":
            write("\b" * pos)
            pos = 0
        elif key == "end":
            write(line[pos:])
            pos = len(line)
        elif key == "backspace" or key == "delete" or key == "\x04":
            if key == "backspace" and pos:
                pos -= 1
                write("\b")
            elif key == "backspace":
                return None
            if pos < len(line):
                line = line[:pos] + line[pos + 1:]
                write(line[pos:] + " " + "\b" * (len(line) - pos + 1))
        elif key == "cut-end":
            self._show(line, pos, line[:pos], pos)
            line = line[:pos]
        elif key == "cut-start":
            new = line[pos:]
            pos = self._show(line, pos, new, 0)
            line = new
        elif key == "up" or key == "down":
            lines = self.history.lines() if self.history is not None else ()
            browsing = self.browsing
            if browsing is None:
                if key == "down" or not lines:
                    return None
                self.typed = line
                browsing = len(lines)
            browsing += -1 if key == "up" else 1
            if browsing < 0:
                self.browsing = 0
                return None
            new = self.typed if browsing >= len(lines) else lines[browsing]
            self.browsing = None if browsing >= len(lines) else browsing
            pos = self._show(line, pos, new, len(new))
            line = new
        elif key == "complete" and self.complete is not None:
            start = line.rfind(" ", 0, pos) + 1
            word = line[start:pos]
            head = line[:start].rstrip()
            # Tab's code is loaded for it and dropped after it: a Tab is rare.
            import linecomplete
            import system
            try:
                add = linecomplete.text(self.complete, word, not head or head[-1:] in ";|&(", write,
                                        self.prompt + line, len(line) - pos)
            finally:
                with system.import_lock:
                    system.unload("linecomplete")
            if add:
                line = line[:pos] + add + line[pos:]
                write(line[pos:] + "\b" * (len(line) - pos - len(add)))
                pos += len(add)
        self.line = line
        self.pos = pos
        return None

    def _show(self, old, pos, new, newpos):
        """Replace the shown line old (cursor at pos) by new, the cursor put
        at newpos; returns newpos."""
        pad = max(0, len(old) - len(new))
        self.write("\b" * pos + new + " " * pad + "\b" * (pad + len(new) - newpos))
        return newpos

def taking_over(plain):
    """A line editor that goes on with the line plain (a
    lineplain.PlainEditor) has begun, shown as typed, and with the lines
    it took as its history."""
    sess = plain.sess
    history = None
    if sess is not None:
        history = History(None)
        for line in plain.lines:
            history.add(line)
    editor = LineEditor(plain.read, plain.write, history, completer(sess) if sess is not None else None)
    editor.prompt = plain.prompt
    editor.remember = plain.remember
    editor.line = plain.line
    editor.pos = len(plain.line)
    editor._cr = plain.cr
    return editor


def completer(sess):
    """The completion of session sess: complete(word, command) -> the
    names that start with word: commands (the programs in the $PATH
    folders, without their extension) when command, and any word with a /
    also paths; else paths, folders ending in /."""

    def complete(word, command):
        import linecomplete
        return linecomplete.names(sess, word, command)

    return complete
