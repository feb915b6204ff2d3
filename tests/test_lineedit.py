"""The console's line editor, typed at as on a serial terminal: cursor keys
in their VT100 and xterm forms, the history kept across a reboot, Tab
completion, Ctrl-C and Ctrl-D, and Ctrl-A left to the MicroPython REPL."""
from conftest import BOOT_TIMEOUT

LEFT, RIGHT, UP, DOWN = "\x1b[D", "\x1b[C", "\x1b[A", "\x1b[B"
HOME, END, DELETE = "\x1b[H", "\x1b[F", "\x1b[3~"
BACKSPACE = "\x7f"


def test_typing_a_line_echoes_it_and_runs_it(board):
    board.send("echo typed\r")
    assert board.read_to_prompt() == "echo typed\ntyped\n/ $: "


def test_left_and_right_move_the_cursor_to_insert(board):
    assert board.run("echo wrld" + LEFT * 3 + "o") == "world\n"
    assert board.run("echo ac" + LEFT + "b" + RIGHT + "d") == "abcd\n"
    # The application-mode forms of the arrows (ESC O D).
    assert board.run("echo 13\x1bOD2") == "123\n"
    # Left at the start and right at the end do nothing.
    assert board.run("cho x" + LEFT * 9 + "e" + RIGHT * 9 + "y") == "xy\n"


def test_home_end_backspace_and_delete(board):
    assert board.run("cho hi" + HOME + "e" + END + "!") == "hi!\n"
    assert board.run("echo hxi" + LEFT + BACKSPACE + "a" + BACKSPACE) == "hi\n"
    assert board.run("echo hxi" + LEFT * 2 + DELETE) == "hi\n"
    # The other common forms of home, end and delete, and Ctrl-E for end.
    assert board.run("cho 1" + "\x1b[1~" + "e" + "\x1b[4~" + "2") == "12\n"
    assert board.run("cho 1" + "\x1bOH" + "e" + "\x1bOF" + "3") == "13\n"
    assert board.run("cho 1" + "\x1b[7~" + "e" + "\x05" + "4" + HOME + "x" + LEFT + DELETE) == "14\n"
    # Ctrl-K cuts to the end, Ctrl-U to the start.
    assert board.run("echo keep cut" + LEFT * 4 + "\x0b") == "keep\n"
    assert board.run("cut echo kept" + LEFT * 9 + "\x15" + END) == "kept\n"


def test_up_and_down_walk_the_history(board):
    board.run("echo one")
    board.run("echo two")
    assert board.run(UP + UP) == "one\n"
    # The line just run is the newest; down past it gives back what was typed.
    assert board.run(UP + UP + DOWN) == "one\n"
    assert board.run("echo half" + UP + DOWN) == "half\n"
    # A line recalled can be edited.
    assert board.run(UP + BACKSPACE + "X") == "halX\n"


def test_the_history_is_kept_across_a_reboot(board):
    board.run("echo before reboot")
    board.run("reboot", timeout=BOOT_TIMEOUT)
    assert board.run(UP + UP) == "before reboot\n"
    lines = board.path("/etc/history").read_text().splitlines()
    assert lines[-3:] == ["echo before reboot", "reboot", "echo before reboot"]


def test_the_history_file_stays_small(make_board, flash):
    flash.joinpath("etc/history").write_text("".join("echo %d\n" % i for i in range(60)))
    board = make_board(flash)
    assert board.run(UP) == "59\n"
    board.run("echo new")
    lines = board.path("/etc/history").read_text().splitlines()
    # At twice its size the file was rewritten with the last 30 lines.
    assert len(lines) == 30
    assert lines[-1] == "echo new" and lines[0] == "echo 31"


def test_blank_and_repeated_lines_are_not_remembered(board):
    board.run("echo a")
    board.run("echo a")
    board.run("   ")
    board.run("echo b")
    assert board.run(UP + UP) == "a\n"
    assert board.run(UP * 5) == "a\n"


def test_lines_read_by_commands_are_not_in_the_history(board):
    board.run("echo shell line")
    board.send("> print('got', input('name? '))\r")
    board.expect("\nname\\? ")
    board.send("answer\r")
    assert board.read_to_prompt().endswith("got answer\n/ $: ")
    assert board.run(UP + UP) == "shell line\n"


def test_tab_completes_commands_and_paths(board):
    board.path("/data").mkdir()
    board.path("/data/notes.txt").write_text("my notes\n")
    board.path("/data/nothing").mkdir()
    assert board.run("ec\thi") == "hi\n"
    assert board.run("cat /data/no\te\t") == "my notes\n"
    board.run("cd /data")
    assert board.run("cat note\t") == "my notes\n"
    # A folder completes with its slash.
    board.run("cd noth\t")
    assert board.run("pwd") == "/data/nothing\n"
    # Programs in the other $PATH folders too, without their extension.
    board.path("/opt").mkdir(exist_ok=True)
    board.path("/opt/greetme.py").write_text("def __main__(args):\n    print('hello')\n")
    board.run("export PATH=/bin:/opt")
    assert board.run("greet\t") == "hello\n"


def test_tab_lists_the_names_when_several_fit(board):
    board.send("c\t")
    listing = board.expect("\\$: c")     # listed, then the prompt and line again
    for name in ("cat", "cd", "cp", "clear"):
        assert name in listing.split()
    board.send("\x15")
    assert board.run("echo still fine") == "still fine\n"


def test_ctrl_c_clears_a_line_with_text(board):
    board.send("echo never" + LEFT * 2 + "\x03")
    assert board.read_to_prompt().endswith("^C\n/ $: ")
    assert board.run("echo ok") == "ok\n"


def test_ctrl_d_deletes_under_the_cursor_and_ends_the_session_at_an_empty_line(board):
    board.path("/etc/end.sh").write_text("echo end ran\n")
    assert board.run("echo abXc" + LEFT * 2 + "\x04") == "abc\n"
    board.send("\x04")
    before = board.expect(">>> ")
    assert "end ran" in before


def test_ctrl_a_and_ctrl_b_in_a_line_are_not_bound(board):
    # MicroPython's keys for its raw and friendly REPL: in a line with text
    # they neither change it nor leave the shell (Ctrl-A at an empty
    # prompt leaves for the raw REPL: test_console.py).
    assert board.run("echo a\x01b\x02c") == "abc\n"
    assert board.run("echo still here") == "still here\n"


def test_a_long_line_typed_fast_arrives_whole(board):
    words = " ".join("w%d" % i for i in range(150))
    assert board.run("echo " + words) == words + "\n"
