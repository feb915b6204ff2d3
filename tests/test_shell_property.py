"""Property: whatever line it is given, the shell never crashes, never
hangs, and goes on to the next line. Random lines are built from the
shell's own vocabulary (words, quotes, operators, keywords, expansions);
commands that would wait for input are left out."""
import itertools

from conftest import ROOT, Sim, seed_flash
from hypothesis import given, settings, strategies as st

TOKENS = [
    "echo", "true", "false", "ls", "pwd", "x=1", "y=$x", "$x", "${x}", "$?", "$#",
    "$1", '"$x y"', "'a b'", "\\;", "*", "/tmp/*", "?", "[a-z]", "$(echo a)",
    "$(", "`", "$((1+2))", "$((x/0))", "$((", "))", "|", "||", "&&", ";", ";;",
    ">", ">>", "<", "2>", "2>&1", ">&2", "/tmp/h", "/nope/f", "if", "then", "elif",
    "else", "fi", "for", "in", "do", "done", "break", "continue", "{", "}", "(",
    ")", "!", "#", "goto", "skip", "return", "shift", ":lbl", "==", "!=", "<=",
    "'", '"', "\\", "${", "}", "a", "-n", "--help", "\t", "é", "\x01",
    "case", "esac", "*)", "a|b)", "f()", "f", "local", "set", "-e", "-u", "-x", "-f", "--",
    "eval", "${x:-w}", "${x:=w}", "${x:?}", "${x:+w}", "${#x}", "${x#*/}", "${x%%.*}", "${x%",
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


# Every command, given random arguments: a one-line error or a result, never
# a traceback or a hang. Left out: what waits by design (sleep, watch), what
# resets the board (reboot, reset) and what reaches for a network or a
# server (ping, wget, ntpupdate, upgrade, wifi); the daemons' commands are in
# (a stray `start` has its own tests). Standard input is /dev/null.
WAITING = {"sleep", "watch", "reboot", "reset", "ping", "wget", "ntpupdate", "upgrade", "wifi"}
COMMANDS = sorted(p.stem for p in (ROOT / "bin").glob("*.py") if p.stem not in WAITING)
ARGS = ["-", "--", "-a", "-l", "-n", "-t", "-x", "-s", "-i", "-d", "-c", "--help", "--nope",
        "0", "1", "-1", "2.5", "99999999999999999999", "%1", "%", "$$", "$!", "x", "x=1",
        "/", "/etc", "/etc/init.sh", "/nope", "/tmp/f", "*", "", "''", "é", "a:b", "STOP",
        "status", "stop", "+%Y", "-T", "1e9", "@0"]


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(COMMANDS),
                          st.lists(st.sampled_from(ARGS), max_size=4)), min_size=3, max_size=8))
def test_every_command_survives_any_arguments(tmp_path_factory, calls):
    flash = seed_flash(tmp_path_factory.mktemp("arguments%d" % next(_boots)) / "flash")
    lines = ["%s %s < /dev/null" % (name, " ".join(args)) for name, args in calls]
    done = Sim(flash)(lines + ["echo END"], timeout=30)
    assert done.returncode == 0, done
    assert "Traceback" not in done.stderr, (lines, done.stderr)
    assert "END" in done.stdout, (lines, done.stdout[-500:])
