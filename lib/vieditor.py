"""vi's full-screen editor, loaded only while vi runs.

    ed = Editor(keys, path, name)      path absolute (None: no file yet)
    ed.load()                          None, or why the file cannot be edited
    ed.run()                           until :q; True if anything was saved

keys is the session's terminal (console() or telnet(term)): key() gives the
next key, "" at end of input; write(text) draws. The screen is drawn with
VT100/ANSI escapes only, positioned rows and erased ends of lines, never
newlines: the console and telnet treat those differently. Each row drawn
is remembered and only rows that changed are sent again.

The file is a list of lines (str), nothing else: a line costs its text and
a few words of heap. Undo keeps, for each change, the lines it replaced
(the strings are shared, not copied), the last _UNDO_MAX changes.
"""
import gc
import time
from micropython import const

import fspath
import lineedit
import strsplit

RESERVE = 8 * 1024      # heap left free for drawing, saving and undo
_UNDO_MAX = const(20)    # changes u can take back
_ESC_MS = const(60)      # an Esc followed by more within this is a key's sequence
_SIZE_MS = const(400)    # the wait for the terminal to tell its size

_CONTROL = {"\x7f": "backspace", "\x08": "backspace", "\x06": "pgdn", "\x02": "pgup",
            "\r": "enter", "\n": "enter"}


class _Keys:
    """Keys from a terminal that gives characters (read) and tells whether
    one comes within ms (ready)."""

    def __init__(self):
        self.back = []      # characters read ahead, not used yet
        self.cr = False

    def char(self, ms=None):
        """The next character, None if none came within ms."""
        if self.back:
            return self.back.pop(0)
        if ms is not None and not self.ready(ms):
            return None
        return self.read()

    def key(self, ms=None):
        """The next key: a character, a name (up, pgdn, enter, esc ...),
        ESC and the sequence for one with no name, "" at end of input, None
        when nothing came within ms."""
        c = self.char(ms)
        if c is None:
            return None
        if self.cr:
            self.cr = False
            if c == "\n" or c == "\x00":
                return self.key(ms)
        self.cr = c == "\r"
        if c != "\x1b":
            return _CONTROL.get(c, c)
        # A lone Esc is a key of its own; a sequence comes all at once.
        c = self.char(_ESC_MS)
        if c != "[" and c != "O":
            if c is not None:
                self.back.insert(0, c)
            return "esc"
        seq = c
        while len(seq) < 12:
            c = self.char(_ESC_MS)
            if c is None or c == "":
                break
            seq += c
            if not ("0" <= c <= "9" or c == ";"):
                break
        name = lineedit.escaped(seq)
        if name is None and seq[0] == "O":
            # Esc, then O (open a line above) and what followed it.
            self.back[:0] = list(seq)
            return "esc"
        return name or "\x1b" + seq


class console(_Keys):
    """The board's console: its characters one at a time, Ctrl-C among them
    (the line editor's keyboard mode, session.py)."""

    def __init__(self):
        import select
        import sys
        import session
        _Keys.__init__(self)
        self.stdin = sys.stdin
        self.write = sys.stdout.write
        self.poller = select.poll()
        self.poller.register(sys.stdin, select.POLLIN)
        self.mode = session.console_keys

    def ready(self, ms):
        return bool(self.poller.poll(ms))

    def read(self):
        return self.stdin.read(1)

    def start(self):
        self.mode(True)

    def stop(self):
        self.mode(False)


class telnet(_Keys):
    """A telnet session's terminal (telnetd.Terminal): characters it took
    in (keys(), poll()), waited for on its socket. While the editor runs
    the terminal counts as reading a line: Ctrl-C comes as a key, not as an
    interrupt of the command."""

    def __init__(self, term):
        _Keys.__init__(self)
        self.term = term
        self.write = term.write

    def ready(self, ms):
        term = self.term
        deadline = time.ticks_add(time.ticks_ms(), ms)
        while True:
            term.poll()
            if term.keys() or term.ended:
                return True
            left = time.ticks_diff(deadline, time.ticks_ms())
            if left <= 0 or not term.daemon.wait(term.sock, left):
                return False

    def read(self):
        return self.term.read()

    def start(self):
        self.term.reading = True

    def stop(self):
        self.term.reading = False


def terminal(stdin):
    """The keys of stdin if it is a terminal the editor can run on, else None."""
    import session
    if isinstance(stdin, session.ConsoleInput):
        import builtins
        # A console fed from a pipe (the simulator's) reads lines, not keys.
        return console() if stdin.read_line is builtins.input else None
    if all(hasattr(stdin, a) for a in ("read", "poll", "keys", "sock", "daemon")):
        return telnet(stdin)
    return None


def expand(line):
    """line as shown: tabs to the next multiple of 8, control characters as ?."""
    if "\t" not in line and "\x7f" not in line and (not line or min(line) >= " "):
        return line
    out = []
    col = 0
    for c in line:
        if c == "\t":
            n = 8 - col % 8
            out.append(" " * n)
            col += n
        else:
            out.append("?" if c < " " or c == "\x7f" else c)
            col += 1
    return "".join(out)


def _kind(c):
    """vi's word classes: 0 blank, 1 letters digits and _, 2 the rest."""
    if c == " " or c == "\t":
        return 0
    return 1 if c.isalpha() or c.isdigit() or c == "_" else 2


def _lines(n):
    return "%d line%s" % (n, "" if n == 1 else "s")


def _errtext(e):
    import cmdargs
    return cmdargs.strerror(e)


class Editor:
    def __init__(self, keys, path, name):
        self.keys = keys
        self.path = path
        self.name = name
        self.lines = [""]
        self.crlf = False
        self.readonly = path is not None and fspath.is_protected(path)
        self.row = self.col = 0
        self.want = 0           # the column vertical moves aim for
        self.top = self.left = 0
        self.height, self.width = 24, 80
        self.number = False
        self.shown = []         # the text of each screen row as drawn
        self.msg = ""
        self.insert = False
        self.undo = []          # [id, [[first line, lines now, lines replaced]...]]
        self.redo = []
        self.group = None       # the change being recorded
        self.serial = 0
        self.saved = 0          # the undo id of the text as on the flash
        self.reg = None         # yanked: a list of lines, or text
        self.search = ""
        self.saved_any = False
        self.pending = []       # keys typed while the terminal's size was asked

    # The file

    def load(self):
        """Read the file; None, or why it cannot be edited."""
        if self.path is None:
            return None
        st = fspath.stat(self.path)
        if st is None:
            self.msg = '"%s" [New]' % self.name
            return None
        if st[0] & fspath.DIR:
            return "Is a directory"
        gc.collect()
        if st[6] * 2 + RESERVE > gc.mem_free():
            return "too large to edit: %d bytes, %d bytes of memory free" % (st[6], gc.mem_free())
        lines = []
        full = False
        try:
            with open(self.path) as f:
                for line in f:
                    if line[-1:] == "\n":
                        line = line[:-1]
                    lines.append(line)
                    if not len(lines) % 64 and gc.mem_free() < RESERVE:
                        gc.collect()
                        if gc.mem_free() < RESERVE:
                            full = True
                            break
        except MemoryError:
            full = True
        except UnicodeError:
            return "not a text file"
        except OSError as e:
            return _errtext(e)
        if full:
            lines = None
            gc.collect()
            return "too large to edit: %d bytes, %d bytes of memory free" % (st[6], gc.mem_free())
        if lines and lines[0][-1:] == "\r":
            self.crlf = True
            lines = [l[:-1] if l[-1:] == "\r" else l for l in lines]
        self.lines = lines or [""]
        self.msg = '"%s" %s, %d bytes%s' % (self.name, _lines(len(lines)), st[6],
                                           " [%s: read only]" % fspath.SYSTEM if self.readonly else "")
        return None

    def write(self, name=None, force=False):
        """Save to name (default the file's): through a temporary file
        renamed over it, so a failure leaves the old file as it was. True
        once written; else the message says why."""
        if name:
            import munix
            path = munix.path(name)
        else:
            path, name = self.path, self.name
            if path is None:
                self.msg = "No file name"
                return False
        if fspath.is_protected(path):
            self.msg = '"%s" %s' % (name, fspath.SYSTEM)
            return False
        if fspath.isdir(path):
            # Never renamed over: a folder in the way would be moved aside.
            self.msg = '"%s" Is a directory' % name
            return False
        if path != self.path and not force and fspath.stat(path) is not None:
            self.msg = '"%s" File exists (add ! to override)' % name
            return False
        tmp = path + ".tmp"
        end = "\r\n" if self.crlf else "\n"
        try:
            with open(tmp, "w") as f:
                if self.lines != [""]:
                    for line in self.lines:
                        f.write(line)
                        f.write(end)
            size = fspath.stat(tmp)[6]
            fspath.replace(tmp, path)
        except OSError as e:
            fspath.discard(tmp)
            self.msg = '"%s" not written: %s' % (name, _errtext(e))
            return False
        except BaseException:
            fspath.discard(tmp)
            raise
        if self.path is None:
            self.path, self.name = path, name
        if path == self.path:
            self.saved = self._state()
        self.saved_any = True
        self.msg = '"%s" %s, %d bytes written' % (name, _lines(len(self.lines)), size)
        return True

    # Changes and undo

    def _state(self):
        return self.undo[-1][0] if self.undo else 0

    def modified(self):
        return self._state() != self.saved

    def replace(self, a, b, new):
        """Put the lines new in place of lines a to b, recorded for undo."""
        g = self.group
        if g is None:
            self.serial += 1
            g = self.group = [self.serial, []]
            self.undo.append(g)
            if len(self.undo) > _UNDO_MAX:
                self.undo.pop(0)
            self.redo = []
        recs = g[1]
        last = recs[-1] if recs else None
        if last is not None and last[0] <= a and b <= last[0] + last[1]:
            # Inside what this change already replaced: its old lines stand.
            last[1] += len(new) - (b - a)
        else:
            recs.append([a, len(new), self.lines[a:b]])
        self.lines[a:b] = new
        if not self.lines:
            self.lines.append("")
            recs[-1][1] += 1

    def set_line(self, text):
        self.replace(self.row, self.row + 1, [text])

    def _apply(self, group):
        """Take back the changes of group; the group that redoes them."""
        back = []
        first = len(self.lines)
        for a, n, old in reversed(group[1]):
            back.append([a, len(old), self.lines[a:a + n]])
            self.lines[a:a + n] = old
            first = min(first, a)
        back.reverse()
        self.row = min(first, len(self.lines) - 1)
        self.col = 0
        return [group[0], back]

    def take_back(self, count, undo):
        src, dst = (self.undo, self.redo) if undo else (self.redo, self.undo)
        done = 0
        while done < count and src:
            dst.append(self._apply(src.pop()))
            done += 1
        if not done:
            self.msg = "Already at oldest change" if undo else "Already at newest change"
        else:
            self.msg = "%d change%s %s" % (done, "" if done == 1 else "s", "undone" if undo else "redone")

    # Drawing

    def ask_size(self):
        """The terminal's rows and columns: the cursor sent far down right
        and its position asked (ESC [ 6 n); keys typed meanwhile are kept.
        Without an answer, $LINES and $COLUMNS, else 24x80."""
        self.keys.write("\x1b7\x1b[999;999H\x1b[6n\x1b8")
        typed = []
        deadline = time.ticks_add(time.ticks_ms(), _SIZE_MS)
        size = None
        while size is None:
            left = time.ticks_diff(deadline, time.ticks_ms())
            k = self.keys.key(left) if left > 0 else None
            if not k:
                if k == "":
                    typed.append(k)
                break
            if k[:2] == "\x1b[" and k[-1:] == "R" and ";" in k:
                try:
                    rows, cols = k[2:-1].split(";")
                    size = int(rows), int(cols)
                except ValueError:
                    pass
            else:
                typed.append(k)
        self.pending = typed
        if size is None:
            import munix
            try:
                size = int(munix.getenv("LINES", "24")), int(munix.getenv("COLUMNS", "80"))
            except ValueError:
                size = 24, 80
        self.height = max(3, min(size[0], 200))
        self.width = max(20, min(size[1], 400))
        self.shown = [None] * self.height

    def gutter(self):
        if not self.number:
            return 0
        return max(3, len(str(len(self.lines)))) + 1

    def scroll(self):
        rows = self.height - 1
        if self.row < self.top:
            self.top = self.row
        elif self.row >= self.top + rows:
            self.top = self.row - rows + 1
        width = self.width - self.gutter()
        vcol = len(expand(self.lines[self.row][:self.col]))
        if vcol < self.left or vcol >= self.left + width:
            self.left = max(0, vcol - width // 2)
        return vcol

    def draw(self):
        vcol = self.scroll()
        out = []
        rows = self.height - 1
        g = self.gutter()
        width = self.width - g
        for r in range(rows):
            i = self.top + r
            if i < len(self.lines):
                text = expand(self.lines[i])[self.left:self.left + width]
                if g:
                    num = str(i + 1)
                    text = " " * (g - 1 - len(num)) + num + " " + text
            else:
                text = "~"
            self._row(out, r, text)
        self._row(out, rows, self.status())
        out.append("\x1b[%d;%dH" % (self.row - self.top + 1, g + vcol - self.left + 1))
        self.keys.write("".join(out))

    def _row(self, out, r, text):
        """Draw text on screen row r, from where it differs from what is there."""
        old = self.shown[r]
        if old == text:
            return
        self.shown[r] = text
        if old is None:
            # Erased first: an erase after a full row could take its last character.
            out.append("\x1b[%d;1H\x1b[K%s" % (r + 1, text))
            return
        p = 0
        n = min(len(old), len(text))
        while p < n and old[p] == text[p]:
            p += 1
        out.append("\x1b[%d;%dH%s" % (r + 1, p + 1, text[p:]))
        if len(text) < len(old):
            out.append("\x1b[K")

    def status(self):
        w = self.width - 1
        where = "%d,%d" % (self.row + 1, self.col + 1)
        if self.msg:
            left = self.msg
        else:
            left = '"%s"%s%s' % (self.name or "[No Name]", " [+]" if self.modified() else "",
                                 " [RO]" if self.readonly else "")
            if self.insert:
                left = "-- INSERT -- " + left
        left = left[:max(0, w - len(where) - 1)]
        return left + " " * (w - len(left) - len(where)) + where

    def redraw_all(self):
        self.shown = [None] * self.height
        self.keys.write("\x1b[H\x1b[2J")

    # Moving

    def clamp(self):
        self.row = max(0, min(self.row, len(self.lines) - 1))
        end = len(self.lines[self.row])
        if not self.insert and end:
            end -= 1
        self.col = max(0, min(self.col, end))

    def goto(self, row):
        self.row = row
        self.col = self.want = 0
        self.clamp()
        line = self.lines[self.row]
        while self.col < len(line) - 1 and line[self.col] in " \t":
            self.col += 1

    def vertical(self, n):
        self.row += n
        self.col = self.want
        self.clamp()

    def word(self, forward):
        lines = self.lines
        r, c = self.row, self.col
        if forward:
            line = lines[r]
            if c < len(line):
                k = _kind(line[c])
                while c < len(line) and k and _kind(line[c]) == k:
                    c += 1
            while True:
                line = lines[r]
                while c < len(line) and line[c] in " \t":
                    c += 1
                if c < len(line) or r + 1 >= len(lines):
                    break
                r += 1
                c = 0
                if not lines[r]:
                    break
        else:
            while True:
                c -= 1
                while c >= 0 and lines[r][c] in " \t":
                    c -= 1
                if c >= 0 or r == 0:
                    break
                r -= 1
                c = len(lines[r])
                if not lines[r]:
                    break
            c = max(c, 0)
            line = lines[r]
            if line:
                k = _kind(line[c])
                while c > 0 and _kind(line[c - 1]) == k:
                    c -= 1
        self.row, self.col = r, c
        self.clamp()
        self.want = self.col

    def find(self, text, forward=True):
        if not text:
            self.msg = "No previous search"
            return
        n = len(self.lines)
        r, c = self.row, self.col
        line = self.lines[r]
        at = line.find(text, c + 1) if forward else line.rfind(text, 0, max(c, 0))
        steps = 0
        while at < 0 and steps < n:
            steps += 1
            r = (r + (1 if forward else -1)) % n
            line = self.lines[r]
            at = line.find(text) if forward else line.rfind(text)
        if at < 0:
            self.msg = "Pattern not found: " + text
            return
        wrapped = r < self.row or r == self.row and at <= self.col if forward else\
            r > self.row or r == self.row and at >= self.col
        self.msg = ("search hit BOTTOM, continuing at TOP" if forward else
                    "search hit TOP, continuing at BOTTOM") if wrapped else "/" + text
        self.row, self.col = r, at
        self.want = at

    # Input

    def next_key(self):
        if self.pending:
            return self.pending.pop(0)
        return self.keys.key()

    def prompt(self, lead):
        """A line typed on the status row after lead; None when abandoned."""
        text = ""
        r = self.height
        while True:
            self.keys.write("\x1b[%d;1H\x1b[K%s%s" % (r, lead, text[-(self.width - 2):]))
            self.shown[r - 1] = None
            k = self.next_key()
            if k == "":
                raise EOFError
            if k == "enter":
                return text
            if k == "esc" or k == "\x03":
                return None
            if k == "backspace":
                if not text:
                    return None
                text = text[:-1]
            elif len(k) == 1 and k >= " " and len(text) < 200:
                text += k

    def run(self):
        """Edit until quit; True if the file was saved."""
        self.keys.start()
        try:
            self.keys.write("\x1b[?1049h")
            self.ask_size()
            self.redraw_all()
            self._loop()
        finally:
            try:
                self.keys.write("\x1b[%d;1H\x1b[K\x1b[?1049l" % self.height)
            finally:
                self.keys.stop()
        return self.saved_any

    def _loop(self):
        count = ""
        while True:
            self.clamp()
            self.draw()
            k = self.next_key()
            if k == "":
                raise EOFError
            self.msg = ""
            if len(k) == 1 and "0" <= k <= "9" and (count or k != "0"):
                count += k
                continue
            n = int(count) if count else 1
            given = bool(count)
            count = ""
            self.group = None
            try:
                if self.command(k, n, given):
                    return
            except MemoryError:
                self.group = None
                self.undo = []
                self.redo = []
                self.reg = None
                self.saved = -1
                gc.collect()
                self.msg = "Out of memory: undo history dropped"

    def command(self, k, n, given):
        """Run the normal-mode command k (count n); True to quit."""
        lines = self.lines
        line = lines[self.row]
        if k in ("h", "left", "backspace"):
            self.col = max(0, self.col - n)
            self.want = self.col
        elif k in ("l", "right", " "):
            self.col = min(self.col + n, max(0, len(line) - 1))
            self.want = self.col
        elif k in ("j", "down", "\x0e"):
            self.vertical(n)
        elif k in ("k", "up", "\x10"):
            self.vertical(-n)
        elif k in ("enter", "+"):
            self.goto(self.row + n)
        elif k == "-":
            self.goto(self.row - n)
        elif k in ("0", "home"):
            self.col = self.want = 0
        elif k in ("$", "end"):
            self.col = len(line)
            self.want = 10 ** 6
        elif k == "^":
            self.goto(self.row)
        elif k == "w":
            for _ in range(n):
                self.word(True)
        elif k == "b":
            for _ in range(n):
                self.word(False)
        elif k == "G":
            self.goto(n - 1 if given else len(lines) - 1)
        elif k in ("pgdn", "pgup"):
            step = max(1, self.height - 3) * n
            if k == "pgdn":
                self.top = min(self.top + step, max(0, len(lines) - 1))
                self.row = max(self.row, self.top)
            else:
                self.top = max(0, self.top - step)
                self.row = min(self.row, self.top + self.height - 2)
            self.vertical(0)
        elif k in ("i", "a", "I", "A", "o", "O"):
            self.start_insert(k)
        elif k in ("x", "delete"):
            if line and not self.readonly_msg():
                self.reg = line[self.col:self.col + n]
                self.set_line(line[:self.col] + line[self.col + n:])
        elif k == "D":
            if not self.readonly_msg():
                self.set_line(line[:self.col])
        elif k == "p" or k == "P":
            self.put(k == "p", n)
        elif k == "u":
            self.take_back(n, True)
        elif k == "\x12":
            self.take_back(n, False)
        elif k == "/":
            text = self.prompt("/")
            if text is not None:
                self.search = text or self.search
                self.find(self.search)
        elif k == "n" or k == "N":
            self.find(self.search, k == "n")
        elif k == ":":
            text = self.prompt(":")
            return text is not None and self.ex(text.strip())
        elif k == "\x0c":
            self.redraw_all()
        elif k == "\x07":
            self.msg = '"%s"%s %s' % (self.name or "[No Name]",
                                      " [Modified]" if self.modified() else "", _lines(len(lines)))
        elif k == "\x03":
            self.msg = "Type  :q!  and Enter to quit without saving"
        elif k in ("d", "y", "g", "Z"):
            return self.double(k, n)
        return False

    def double(self, k, n):
        """The commands of two keys: dd, yy, gg, ZZ."""
        second = self.next_key()
        if second != k:
            return False
        if k == "g":
            self.goto(n - 1)
        elif k == "Z":
            return self.ex("x")
        else:
            end = min(self.row + n, len(self.lines))
            self.reg = self.lines[self.row:end]
            if k == "y":
                self.msg = _lines(end - self.row) + " yanked"
            elif not self.readonly_msg():
                self.replace(self.row, end, [])
                self.goto(self.row)
        return False

    def readonly_msg(self):
        """True (and said) when the file is protected: no change is made."""
        if self.readonly:
            self.msg = '"%s" %s' % (self.name, fspath.SYSTEM)
        return self.readonly

    def put(self, after, n):
        reg = self.reg
        if reg is None:
            self.msg = "Nothing to put"
            return
        if self.readonly_msg():
            return
        if isinstance(reg, list):
            at = self.row + 1 if after else self.row
            self.replace(at, at, reg * n)
            self.goto(at)
        else:
            line = self.lines[self.row]
            c = min(self.col + 1, len(line)) if after else self.col
            self.set_line(line[:c] + reg * n + line[c:])
            self.col = c + len(reg) * n - 1

    # Insert mode

    def start_insert(self, k):
        if self.readonly_msg():
            return
        line = self.lines[self.row]
        if k == "a" and line:
            self.col += 1
        elif k == "A":
            self.col = len(line)
        elif k == "I":
            self.goto(self.row)
        elif k == "o" or k == "O":
            at = self.row + 1 if k == "o" else self.row
            self.replace(at, at, [""])
            self.row, self.col = at, 0
        self.insert = True
        try:
            self._insert()
        finally:
            self.insert = False
            self.col = max(0, self.col - 1)
            self.want = self.col

    def _insert(self):
        while True:
            self.draw()
            k = self.next_key()
            if k == "":
                raise EOFError
            if k == "esc" or k == "\x03":
                return
            self.msg = ""
            line = self.lines[self.row]
            c = self.col
            if k == "enter":
                self.replace(self.row, self.row + 1, [line[:c], line[c:]])
                self.row += 1
                self.col = 0
            elif k == "backspace":
                if c:
                    self.set_line(line[:c - 1] + line[c:])
                    self.col -= 1
                elif self.row:
                    self.row -= 1
                    self.col = len(self.lines[self.row])
                    self.replace(self.row, self.row + 2, [self.lines[self.row] + line])
            elif k == "delete":
                if c < len(line):
                    self.set_line(line[:c] + line[c + 1:])
                elif self.row + 1 < len(self.lines):
                    self.replace(self.row, self.row + 2, [line + self.lines[self.row + 1]])
            elif k in ("left", "right", "up", "down", "home", "end", "pgup", "pgdn"):
                self.move_in_insert(k)
            elif len(k) == 1 and (k >= " " or k == "\t"):
                self.set_line(line[:c] + k + line[c:])
                self.col += 1
            self.clamp()

    def move_in_insert(self, k):
        if k == "left":
            self.col = max(0, self.col - 1)
        elif k == "right":
            self.col += 1
        elif k == "home":
            self.col = 0
        elif k == "end":
            self.col = len(self.lines[self.row])
        else:
            step = {"up": -1, "down": 1, "pgup": 2 - self.height, "pgdn": self.height - 2}[k]
            self.row += step
            self.col = self.want
            self.clamp()
            return
        self.want = self.col

    # Ex commands

    def ex(self, cmd):
        """Run :cmd; True to quit."""
        if not cmd:
            return False
        if cmd.isdigit() or cmd == "$":
            self.goto(len(self.lines) - 1 if cmd == "$" else int(cmd) - 1)
            return False
        if cmd.startswith("set "):
            return self.setting(cmd[4:].strip())
        verb, _, arg = strsplit.partition(cmd, " ")
        arg = arg.strip()
        force = verb.endswith("!")
        verb = verb.rstrip("!")
        if verb in ("q", "quit") and not arg:
            if force or not self.modified():
                return True
            self.msg = "No write since last change (add ! to override)"
            return False
        if verb in ("w", "write", "wq", "x", "xit"):
            if verb in ("x", "xit") and not self.modified() and not arg:
                return True
            if not self.write(arg, force):
                return False
            return verb != "w" and verb != "write"
        self.msg = "Not an editor command: " + cmd
        return False

    def setting(self, what):
        if what in ("nu", "number"):
            self.number = True
        elif what in ("nonu", "nonumber"):
            self.number = False
        else:
            self.msg = "Unknown option: " + what
            return False
        self.shown = [None] * self.height
        return False
