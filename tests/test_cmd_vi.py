"""vi, typed at as a person would: on the console's pseudo-terminal and over
telnet with the Debian client, what is drawn read through a small VT100
screen (below) and what is saved read back from the flash."""
import re
import time

import pexpect
import pytest

from conftest import RUN_TIMEOUT

ESC = "\x1b"
CTRL_C, CTRL_F, CTRL_B, CTRL_R = "\x03", "\x06", "\x02", "\x12"


class Screen:
    """What a VT100 terminal of rows x cols shows of the escapes vi sends
    (cursor moves, erases, the cursor saved and restored), and whether the
    terminal was asked for the cursor's position."""

    TOKEN = re.compile(r"\x1b\[\??[0-9;]*[A-Za-z]|\x1b[78]|[\r\n]|[^\x1b\r\n]+|\x1b")

    def __init__(self, rows=24, cols=80):
        self.rows, self.cols = rows, cols
        self.grid = [[" "] * cols for _ in range(rows)]
        self.r = self.c = 0
        self.saved = (0, 0)
        self.asked = 0

    def feed(self, text):
        for tok in self.TOKEN.findall(text):
            if tok == "\r":
                self.c = 0
            elif tok == "\n":
                self.r = min(self.r + 1, self.rows - 1)
            elif tok == ESC + "7":
                self.saved = (self.r, self.c)
            elif tok == ESC + "8":
                self.r, self.c = self.saved
            elif tok.startswith(ESC + "["):
                self.csi(tok[2:-1], tok[-1])
            elif tok != ESC:
                for ch in tok:
                    if self.c < self.cols:
                        self.grid[self.r][self.c] = ch
                    self.c += 1

    def csi(self, args, op):
        if args.startswith("?"):
            return
        nums = [int(n) if n else 1 for n in args.split(";")] if args else []
        if op == "H":
            r, c = (nums + [1, 1])[:2]
            self.r, self.c = min(r, self.rows) - 1, min(c, self.cols) - 1
        elif op == "K":
            for c in range(min(self.c, self.cols), self.cols):
                self.grid[self.r][c] = " "
        elif op == "J":
            self.grid = [[" "] * self.cols for _ in range(self.rows)]
        elif op == "n":
            self.asked += 1

    def line(self, r):
        """Screen row r (1 is the top), trailing blanks left out."""
        return "".join(self.grid[r - 1]).rstrip()

    def text(self):
        return "\n".join(self.line(r) for r in range(1, self.rows + 1))


class Vi:
    """vi run on a terminal (pexpect child): keys typed, the screen kept."""

    def __init__(self, child, rows=24, cols=80):
        self.child = child
        self.screen = Screen(rows, cols)

    def keys(self, text):
        self.child.send(text)

    def read(self, timeout):
        try:
            self.screen.feed(self.child.read_nonblocking(65536, timeout=timeout))
        except pexpect.TIMEOUT:
            pass

    def until(self, check, timeout=RUN_TIMEOUT):
        """Read what is drawn until check(screen) holds; the screen."""
        deadline = time.monotonic() + timeout
        while not check(self.screen):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("the screen never showed it:\n" + self.screen.text())
            self.read(min(left, 0.2))
        return self.screen

    def shows(self, text, row=None):
        """Wait until text is on the screen (on row, when given)."""
        if row is None:
            return self.until(lambda s: text in s.text())
        return self.until(lambda s: text in s.line(row))

    def status(self):
        return self.screen.line(self.screen.rows)

    def at(self, where):
        """Wait until the status line gives the cursor at where ("3,1")."""
        return self.until(lambda s: s.line(s.rows).endswith(" " + where))


def start(board, args, rows=24, cols=80):
    board.send("vi %s\r" % args)
    vi = Vi(board.child, rows, cols)
    vi.until(lambda s: s.asked)
    return vi


def quit_to_prompt(board, keys=":q\r"):
    board.send(keys)
    return board.read_to_prompt()


def test_a_new_file_is_typed_saved_and_opened_again(board):
    vi = start(board, "notes.txt")
    vi.shows('"notes.txt" [New]')
    vi.keys("ihello world\rsecond line" + ESC)
    vi.shows("-- INSERT --")
    vi.at("2,11")
    assert vi.screen.line(1) == "hello world"
    assert vi.screen.line(3) == "~"
    assert '"notes.txt" [+]' in vi.status()
    vi.keys(":wq\r")
    board.read_to_prompt()
    assert board.path("/notes.txt").read_text() == "hello world\nsecond line\n"
    assert not board.path("/notes.txt.tmp").exists()

    vi = start(board, "/notes.txt")
    vi.shows('"/notes.txt" 2 lines, 24 bytes')
    # a appends after the cursor, A at the end, o opens a line below, O above, I inserts at the start.
    vi.keys("A!" + ESC + "0ato" + ESC + "otwo" + ESC + "ggOzero" + ESC + "jI>" + ESC)
    vi.shows(">htoello world!", 2)
    vi.keys(":x\r")
    board.read_to_prompt()
    assert board.path("/notes.txt").read_text() == "zero\n>htoello world!\ntwo\nsecond line\n"
    assert board.run("echo $?") == "0\n"


def test_dd_x_yank_put_and_undo(board):
    board.path("/f.txt").write_text("one\ntwo\nthree\n")
    vi = start(board, "f.txt")
    vi.keys("jdd")
    vi.until(lambda s: s.line(2) == "three" and s.line(3) == "~")
    vi.keys("x")
    vi.shows("hree", 2)
    vi.keys("u")
    vi.until(lambda s: s.line(2) == "three")
    vi.keys("u")
    vi.until(lambda s: s.line(2) == "two" and s.line(3) == "three")
    vi.keys("u")
    vi.shows("Already at oldest change")
    assert "[+]" not in vi.status()
    # Ctrl-R redoes what u took back.
    vi.keys(CTRL_R)
    vi.until(lambda s: s.line(2) == "three")
    vi.keys("u")
    vi.until(lambda s: s.line(2) == "two")
    # yy and p copy a line below, P above; 2dd deletes two; x with a count.
    vi.keys("ggyyp")
    vi.until(lambda s: [s.line(r) for r in range(1, 5)] == ["one", "one", "two", "three"])
    vi.keys("Gk2dd")
    vi.until(lambda s: [s.line(r) for r in range(1, 4)] == ["one", "one", "~"])
    vi.keys("ggP")
    vi.until(lambda s: [s.line(r) for r in range(1, 6)] == ["two", "three", "one", "one", "~"])
    vi.keys("j3x")
    vi.until(lambda s: s.line(2) == "ee")
    vi.keys(":wq\r")
    board.read_to_prompt()
    assert board.path("/f.txt").read_text() == "two\nee\none\none\n"


def test_moving_around(board):
    board.path("/f.txt").write_text("".join("line %d word-two three\n" % i for i in range(1, 61)))
    vi = start(board, "f.txt")
    vi.keys("G")
    vi.at("60,1")
    assert vi.screen.line(23) == "line 60 word-two three"
    vi.keys("gg")
    vi.at("1,1")
    vi.keys("$")
    vi.at("1,21")
    vi.keys("0ww")
    vi.at("1,8")
    vi.keys("w")
    vi.at("1,12")
    vi.keys("b")
    vi.at("1,8")
    vi.keys("jjlh\x1b[B\x1b[C")
    vi.at("4,9")
    vi.keys(":42\r")
    vi.at("42,1")
    vi.keys("12G")
    vi.at("12,1")
    vi.keys("gg" + CTRL_F)
    vi.until(lambda s: s.line(1) == "line 22 word-two three")
    vi.keys(CTRL_B)
    vi.until(lambda s: s.line(1) == "line 1 word-two three")
    vi.keys("\x1b[6~")
    vi.until(lambda s: s.line(1) == "line 22 word-two three")
    vi.keys(":set nu\r")
    vi.shows(" 22 line 22 word-two three", 1)
    vi.keys(":set nonu\r")
    vi.shows("line 22 word-two three", 1)
    vi.keys(":set bogus\r")
    vi.shows("Unknown option: bogus")
    vi.keys(":frob\r")
    vi.shows("Not an editor command: frob")
    quit_to_prompt(board)


def test_search_with_slash_and_n(board):
    board.path("/f.txt").write_text("alpha\nbeta needle\ngamma\nneedle delta\n")
    vi = start(board, "f.txt")
    vi.keys("/needle\r")
    vi.at("2,6")
    vi.keys("n")
    vi.at("4,1")
    vi.keys("n")
    vi.shows("search hit BOTTOM, continuing at TOP")
    vi.at("2,6")
    vi.keys("N")
    vi.at("4,1")
    vi.keys("/nowhere\r")
    vi.shows("Pattern not found: nowhere")
    vi.at("4,1")
    quit_to_prompt(board)


def test_quit_is_refused_with_unsaved_changes(board):
    board.path("/f.txt").write_text("keep me\n")
    vi = start(board, "f.txt")
    vi.keys("x:q\r")
    vi.shows("No write since last change (add ! to override)")
    vi.keys(":q!\r")
    board.read_to_prompt()
    assert board.path("/f.txt").read_text() == "keep me\n"
    assert board.run("echo $?") == "0\n"


def test_ctrl_c_leaves_insert_mode_and_never_the_session(board):
    vi = start(board, "f.txt")
    vi.keys("iabc")
    vi.shows("abc", 1)
    vi.keys(CTRL_C)
    vi.until(lambda s: "INSERT" not in s.line(24))
    vi.keys(CTRL_C)
    vi.shows("Type  :q!  and Enter to quit without saving")
    vi.keys(":q!\r")
    board.read_to_prompt()
    assert board.run("echo still here") == "still here\n"
    assert not board.path("/f.txt").exists()


def test_write_to_another_name_and_over_an_existing_file(board):
    board.path("/f.txt").write_text("text\n")
    board.path("/other.txt").write_text("other\n")
    vi = start(board, "f.txt")
    vi.keys(":w copy.txt\r")
    vi.shows('"copy.txt" 1 line, 5 bytes written')
    vi.keys(":w other.txt\r")
    vi.shows('"other.txt" File exists (add ! to override)')
    vi.keys(":w! other.txt\r")
    vi.shows('"other.txt" 1 line, 5 bytes written')
    vi.keys(":w! /bin\r")
    vi.shows('"/bin" Is a directory')
    quit_to_prompt(board)
    assert board.path("/copy.txt").read_text() == "text\n"
    assert board.path("/other.txt").read_text() == "text\n"
    assert board.path("/bin").is_dir() and not board.path("/bin.tmp").exists()
    # Without a FILE, the first name written to is the file's.
    vi = start(board, "")
    vi.shows('"[No Name]"')
    vi.keys("inameless" + ESC + ":wq\r")
    vi.shows("No file name")
    vi.keys(":w named.txt\r")
    vi.shows('"named.txt" 1 line, 9 bytes written')
    vi.until(lambda s: "[+]" not in s.line(24))
    quit_to_prompt(board)
    assert board.path("/named.txt").read_text() == "nameless\n"


def test_a_failed_save_leaves_the_file_as_it_was(board):
    board.path("/f.txt").write_text("old\n")
    # The temporary's name taken by a folder: the write fails.
    board.path("/f.txt.tmp").mkdir()
    vi = start(board, "f.txt")
    vi.keys("ddinew" + ESC + ":w\r")
    vi.shows('"f.txt" not written:')
    vi.keys(":q\r")
    vi.shows("No write since last change")
    vi.keys(":q!\r")
    board.read_to_prompt()
    assert board.path("/f.txt").read_text() == "old\n"
    # A file in a folder that does not exist can be typed but not saved.
    vi = start(board, "/nofolder/f.txt")
    vi.keys("ix" + ESC + ":wq\r")
    vi.shows('"/nofolder/f.txt" not written: No such file or directory')
    quit_to_prompt(board, ":q!\r")
    assert not board.path("/nofolder").exists()


def test_protected_files_are_shown_read_only(board):
    boot = board.path("/boot.py").read_text()
    vi = start(board, "/boot.py")
    vi.shows("[part of the system: read only]")
    vi.keys("x")
    vi.shows('"/boot.py" part of the system')
    vi.keys("dd")
    vi.keys(":w\r")
    vi.shows('"/boot.py" part of the system')
    vi.keys(":w /lib/x.py\r")
    vi.shows('"/lib/x.py" part of the system')
    quit_to_prompt(board)
    assert board.path("/boot.py").read_text() == boot
    assert not board.path("/lib/x.py").exists()


def test_bad_operands_and_no_terminal(board, sim):
    assert board.run("vi /bin") == "vi: /bin: Is a directory\n"
    assert board.run("echo $?") == "1\n"
    assert board.run("vi a b").startswith("vi: extra operand b\nusage: vi [FILE]")
    assert board.run("echo | vi x") == "vi: not a terminal\n"
    assert board.run("vi ''") == "vi: '': No such file or directory\n"
    board.path("/bin.dat").write_bytes(b"\xff\xfe\x00binary")
    assert board.run("vi /bin.dat") == "vi: /bin.dat: not a text file\n"
    out = sim.run("vi /x")
    assert out.err == "vi: not a terminal\n" and out.status == 1


def test_a_file_too_large_for_the_memory_is_refused(board):
    free = int(board.run("free").split()[-1])
    line = "y" * 63 + "\n"
    board.path("/big.txt").write_text(line * (free // len(line) + 1))
    out = board.run("vi /big.txt")
    assert re.fullmatch(r"vi: /big.txt: too large to edit: \d+ bytes, \d+ bytes of memory free\n", out)
    assert board.run("echo $?") == "1\n"
    assert board.run("echo fine") == "fine\n"


def test_the_terminal_tells_its_size(board):
    board.path("/f.txt").write_text("".join("%d\n" % i for i in range(1, 40)))
    board.send("vi f.txt\r")
    vi = Vi(board.child, 10, 40)
    vi.until(lambda s: s.asked)
    board.send("\x1b[10;40R")
    vi.until(lambda s: s.line(10).endswith(" 1,1") and len(s.line(10)) == 39)
    assert [vi.screen.line(r) for r in range(1, 10)] == [str(i) for i in range(1, 10)]
    vi.keys("9j")
    vi.at("10,1")
    assert vi.screen.line(9) == "10"
    quit_to_prompt(board)


def test_vi_over_telnet(flash):
    from test_net_telnet import TelnetBoard
    t = TelnetBoard(flash)
    try:
        c = t.spawn("telnet %s %d")
        try:
            c.send("vi /t.txt\r")
            vi = Vi(c, 24, 120)
            vi.until(lambda s: s.asked)
            # No answer to the question: the window size the client told (NAWS).
            vi.at("1,1")
            assert len(vi.status()) == 119
            vi.keys("iover telnet" + ESC)
            vi.shows("over telnet", 1)
            vi.keys(CTRL_C)
            vi.shows("Type  :q!  and Enter")
            vi.keys(":wq\r")
            c.expect(r"\$: ")
            assert t.board.path("/t.txt").read_text() == "over telnet\n"
        finally:
            c.close(force=True)
    finally:
        t.close()


def test_the_editor_is_unloaded_after_use(board):
    start(board, "f.txt")
    quit_to_prompt(board)
    assert board.run("> import sys; print('vieditor' in sys.modules)") == "False\n"


@pytest.mark.parametrize("keys", [ESC + "[5~", "\x1b[H", "\x1b[F"])
def test_odd_keys_do_no_harm(board, keys):
    board.path("/f.txt").write_text("abc\n")
    vi = start(board, "f.txt")
    vi.keys(keys + "\x1b[99~" + "x")
    vi.shows("[+]")
    quit_to_prompt(board, ":q!\r")
    assert board.path("/f.txt").read_text() == "abc\n"


def test_tabs_are_shown_to_the_next_stop_and_crlf_files_stay_crlf(board):
    board.path("/f.txt").write_bytes(b"a\tb\r\nsecond\r\n")
    vi = start(board, "f.txt")
    vi.shows("a       b", 1)
    vi.keys("$")
    vi.at("1,3")
    vi.keys("jx:wq\r")
    board.read_to_prompt()
    assert board.path("/f.txt").read_bytes() == b"a\tb\r\nsecon\r\n"
