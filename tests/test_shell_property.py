"""Property: whatever line it is given, the shell never crashes, never
hangs, and goes on to the next line. Random lines are built from the
shell's own vocabulary (words, quotes, operators, keywords, expansions);
commands that would wait for input are left out."""
import itertools

from conftest import Sim, seed_flash
from hypothesis import given, settings, strategies as st

TOKENS = [
    "echo", "true", "false", "ls", "pwd", "x=1", "y=$x", "$x", "${x}", "$?", "$#",
    "$1", '"$x y"', "'a b'", "\\;", "*", "/tmp/*", "?", "[a-z]", "$(echo a)",
    "$(", "`", "$((1+2))", "$((x/0))", "$((", "))", "|", "||", "&&", ";", ";;",
    ">", ">>", "<", "2>", "2>&1", ">&2", "/tmp/h", "/nope/f", "if", "then", "elif",
    "else", "fi", "for", "in", "do", "done", "break", "continue", "{", "}", "(",
    ")", "!", "#", "goto", "skip", "return", "shift", ":lbl", "==", "!=", "<=",
    "'", '"', "\\", "${", "}", "a", "-n", "--help", "\t", "é", "\x01",
]

line = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12).map(" ".join)


_boots = itertools.count()


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(line, min_size=1, max_size=4))
def test_the_shell_survives_any_line(tmp_path_factory, lines):
    """The lines run as a script, so that an unfinished quote or if at the
    end of the input ends with the script, not with the console."""
    flash = seed_flash(tmp_path_factory.mktemp("property%d" % next(_boots)) / "flash")
    (flash / "r.sh").write_text("\n".join(lines) + "\n")
    done = Sim(flash)(["sh /r.sh", "echo END"], timeout=20)
    assert done.returncode == 0, done
    assert "Traceback" not in done.stderr, done.stderr
    assert "END" in done.stdout
