"""Property: whatever line it is given, the shell never crashes, never
hangs, and goes on to the next line. Random lines are built from the
shell's own vocabulary (words, quotes, operators, keywords, expansions);
commands that would wait for input are left out."""
import itertools
import shutil
import subprocess

import pytest

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


# ${x op word} with quotes of every kind in its word, quoted and not: munix
# prints what dash prints (POSIX 2.6.2, dash deciding where it leaves a
# choice). Globbing is off, so that the two file systems do not differ.
PARAMS = ["s", "e", "n"]        # set to "a*b c", empty, unset
OPS = ["-", ":-", "+", ":+", "=", ":=", "#", "##", "%", "%%"]
PIECES = ["x", "a", "c", "*", "?", "[ab]", " ", '"a b"', "'c d'", '"*"', "\\}", "\\'", "\\\\", '\\"',
          "$s", '"$s"', "${e:-'q'}", '"${n:-"w v"}"', "$(echo '}')", "'}'"]
dash = shutil.which("dash")


def _expression(draw):
    word = "".join(draw(st.lists(st.sampled_from(PIECES), max_size=4)))
    op = draw(st.sampled_from(OPS))
    if op[-1] in "=":
        return "${%s%s%s}" % (draw(st.sampled_from(["n", "e"])), op, word)
    text = "${%s%s%s}" % (draw(st.sampled_from(PARAMS)), op, word)
    return '"%s"' % text if draw(st.booleans()) else text


@pytest.mark.skipif(not dash, reason="needs dash")
@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.lists(st.composite(lambda draw: _expression(draw))(), min_size=6, max_size=6))
def test_parameter_words_expand_as_in_dash(tmp_path_factory, expressions):
    lines = ["set -f; s='a*b c'; e=; unset n; printf '<%%s>' %s; echo" % e for e in expressions]
    script = "\n".join(lines) + "\n"
    expected = subprocess.run([dash], input=script, capture_output=True, text=True, timeout=10)
    flash = seed_flash(tmp_path_factory.mktemp("words%d" % next(_boots)) / "flash")
    (flash / "w.sh").write_text(script)
    done = Sim(flash)(["sh /w.sh"], timeout=20)
    got = done.stdout.split("\n", 1)[1]
    assert got.splitlines() == expected.stdout.splitlines(), (lines, done.stderr)
