"""The small text tools scripts lean on: printf, seq, tr, basename,
dirname, tac, od. Each: normal use as POSIX (or GNU, where POSIX says
nothing) prints it, and bad input with its one-line error and status."""


def test_printf_conversions_flags_and_reuse_of_the_format(sim):
    r = sim.run("printf '%s-%d|%5s|%-5s|%05d|%x|%o|%c|%%\\n' abc 42 r l 7 255 8 xyz",
                "printf '%s\\n' a b", "printf '%d %d\\n' 1 2 3", "printf 'no newline'",
                "printf '\\n%b\\n' 'esc\\tx\\101\\0101'", "printf '%.2f %e %#o %#x\\n' 3.14159 1000 8 255",
                "printf '%d %d|%*d|\\n' \"'A\" 0x10 4 7")
    assert r.out == ("abc-42|    r|l    |00007|ff|10|x|%\n" "a\nb\n" "1 2\n3 0\n"
                     "no newline\nesc\txAA\n" "3.14 1.000000e+03 010 0xff\n" "65 16|   7|\n")
    assert r.status == 0


def test_printf_bad_input(sim):
    r = sim.run("printf '%d|\\n' abc 5")
    assert (r.out, r.err, r.status) == ("0|\n5|\n", "printf: abc: expected a number\n", 1)
    r = sim.run("printf")
    assert r.err.startswith("printf: missing FORMAT") and r.status == 2
    r = sim.run("printf '%k' x")
    assert (r.err, r.status) == ("printf: %k: invalid conversion\n", 1)


def test_printf_stops_at_backslash_c_in_b(sim):
    assert sim.run("printf '%b|%s\\n' 'one\\ctwo' three").out == "one"


def test_seq_counts_up_down_by_steps_with_separator_and_width(sim):
    r = sim.run("seq 3", "seq 2 4", "seq 5 -2 1", "seq -s , 1 4", "seq -w 8 10", "seq 0.5 0.5 2",
                "seq 1 0", "seq -3 -1")
    assert r.out == ("1\n2\n3\n" "2\n3\n4\n" "5\n3\n1\n" "1,2,3,4\n" "08\n09\n10\n"
                     "0.5\n1.0\n1.5\n2.0\n" "-3\n-2\n-1\n")


def test_seq_streams_long_sequences(sim):
    r = sim.run("seq 1000 | wc -l", "seq 130 | tail -n 1")
    assert r.out == "1000\n130\n"


def test_seq_bad_input(sim):
    r = sim.run("seq x")
    assert (r.err, r.status) == ("seq: x: not a number\n", 1)
    r = sim.run("seq 1 0 3")
    assert (r.err, r.status) == ("seq: 0: the step must not be 0\n", 1)
    r = sim.run("seq")
    assert r.err.startswith("seq: give LAST") and r.status == 2


def test_tr_translates_deletes_squeezes_and_complements(sim):
    r = sim.run("echo hello world | tr a-z A-Z", "echo hello | tr -d l", "echo aaabbbccc | tr -s a-c",
                "echo 'a b   c' | tr -s ' '", "echo hello | tr '[:lower:]' '[:upper:]'",
                "echo abc123 | tr -cd '[:digit:]\\n'", "echo abc | tr abc x", "echo a.b | tr . '\\n'")
    assert r.out == ("HELLO WORLD\n" "heo\n" "abc\n" "a b c\n" "HELLO\n" "123\n" "xxx\n" "a\nb\n")


def test_tr_bad_input(sim):
    r = sim.run("echo x | tr a")
    assert r.err.startswith("tr: SET2 is needed") and r.status == 2
    r = sim.run("echo x | tr z-a x")
    assert (r.err, r.status) == ("tr: z-a: range in reverse order\n", 1)
    r = sim.run("echo x | tr '[:nope:]' x")
    assert (r.err, r.status) == ("tr: [:nope:]: unknown class\n", 1)


def test_basename_and_dirname(sim):
    r = sim.run("basename /usr/local/bin/", "basename hello.c .c", "basename .c .c", "basename /",
                "dirname /usr/local/bin", "dirname file", "dirname /", "dirname /usr/", "dirname a//b")
    assert r.out == "bin\nhello\n.c\n/\n/usr/local\n.\n/\n/\na\n"


def test_basename_and_dirname_bad_input(sim):
    r = sim.run("basename", "basename a b c", "dirname")
    assert r.err.splitlines()[0].startswith("basename: missing NAME")
    assert "dirname: missing NAME" in r.err
    assert r.status == 2


def test_tac_reverses_files_block_by_block_and_the_standard_input(sim):
    sim.write("/t/f", "".join("line %d\n" % i for i in range(200)))
    r = sim.run("tac /t/f | head -n 2", "tac /t/f | tail -n 1", "printf 'x\\ny' | tac",
                "printf 'a\\nb\\n' | tac - ")
    assert r.out == "line 199\nline 198\nline 0\ny\nx\nb\na\n"


def test_tac_bad_input(sim):
    r = sim.run("tac /nope")
    assert (r.err, r.status) == ("tac: /nope: No such file or directory\n", 1)


def test_od_types_bases_skip_count_and_repeats(sim):
    sim.write("/t/od", "ABCDEFGHIJKLMNOPQRS\n")
    sim.write("/t/zeros", b"\0" * 48)
    r = sim.run("od -c /t/od", "od -A x -t x1 -N 4 /t/od", "od -b -j 16 /t/od", "od -t d2 -N 4 /t/od",
                "od -A n -t u1 -N 3 /t/od", "od /t/zeros", "echo hi | od -t a")
    assert r.out == (
        "0000000   A   B   C   D   E   F   G   H   I   J   K   L   M   N   O   P\n"
        "0000020   Q   R   S  \\n\n0000024\n"
        "000000 41 42 43 44\n000004\n"
        "0000020 121 122 123 012\n0000024\n"
        "0000000  16961  17475\n0000004\n"
        "  65  66  67\n"
        "0000000 000000 000000 000000 000000 000000 000000 000000 000000\n*\n0000060\n"
        "0000000   h   i  nl\n0000003\n")


def test_od_bad_input(sim):
    r = sim.run("od -t q /etc/init.sh")
    assert r.err.startswith("od: q: unknown type") and r.status == 2
    r = sim.run("od -A z /etc/init.sh")
    assert r.status == 2
    r = sim.run("od /nope")
    assert (r.err, r.status) == ("od: /nope: No such file or directory\n", 1)


def test_help_lists_the_new_tools(sim):
    out = sim.run("help").out
    for name in ("printf", "seq", "tr", "basename", "dirname", "tac", "od"):
        assert "\n%s " % name in "\n" + out or name in out.split(), name


def test_xargs_runs_a_command_with_the_words_read(sim):
    """As GNU xargs runs them: quotes and \\ keep a word whole, -n and -s
    bound a run, -I runs once per line, -r not at all without words."""
    r = sim.run("printf 'a b\\nc\\n' | xargs", "printf 'a b\\nc d e\\n' | xargs -n 2 echo X",
                "printf 'one\\ntwo\\n' | xargs -I{} echo 'item {} done'",
                "printf '\"a b\" c\\n' | xargs -n 1", "printf 'a\\\\ b c\\n' | xargs -n 1",
                "printf '' | xargs echo empty", "printf '' | xargs -r echo empty",
                "printf '1 2 3 4 5 6\\n' | xargs -s 12 echo", "printf 'a b c\\n' | xargs -t -n 2 echo 2>&1",
                "printf \"it's\\n\" | xargs -I% echo [%]")
    assert r.out == ("a b c\n" "X a b\nX c d\nX e\n" "item one done\nitem two done\n" "a b\nc\n"
                     "a b\nc\n" "empty\n" "1 2 3\n4 5 6\n" "echo a b\na b\necho c\nc\n" "[it's]\n"), r.out
    assert r.status == 0


def test_xargs_statuses_and_bad_input(sim):
    r = sim.run("printf 'x\\n' | xargs false; echo st=$?", "printf 'x\\n' | xargs nosuch; echo st=$?",
                "printf \"a 'b\\n\" | xargs echo; echo st=$?", "xargs -n 0 echo; echo st=$?",
                "printf 'x\\n' | xargs sh -c 'exit 255'; echo st=$?")
    assert r.out == "st=123\nst=127\nst=1\nst=2\nst=124\n", r.out
    assert r.err.splitlines()[:3] == ["nosuch: command not found", "xargs: unmatched ' in the input",
                                      "xargs: 0: not a positive number"], r.err


def test_sha256sum_prints_and_checks_digests_as_gnus_does(sim):
    sim.write("/h1.txt", "hello\n")
    sim.write("/h2.txt", "")
    r = sim.run("sha256sum /h1.txt /h2.txt", "printf abc | sha256sum",
                "sha256sum /h1.txt /h2.txt > /tmp/sums; sha256sum -c /tmp/sums; echo st=$?",
                "echo changed > /h2.txt; sha256sum -c /tmp/sums; echo st=$?")
    assert r.out == ("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  /h1.txt\n"
                     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  /h2.txt\n"
                     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -\n"
                     "/h1.txt: OK\n/h2.txt: OK\nst=0\n" "/h1.txt: OK\n/h2.txt: FAILED\nst=1\n"), r.out


def test_sha256sum_bad_input(sim):
    sim.write("/sums", "not a digest line\n")
    r = sim.run("sha256sum /nope; echo st=$?", "sha256sum -c /sums; echo st=$?", "sha256sum -x")
    assert r.out == "st=1\nst=1\n"
    assert r.err.splitlines()[:3] == ["sha256sum: /nope: No such file or directory",
                                      "sha256sum: /sums: line 1: not DIGEST  FILE",
                                      "sha256sum: unknown option -x"], r.err
    assert r.status == 2


def test_cmp_says_where_files_differ_as_gnus_does(sim):
    files = {"/a": "abc\n", "/b": "abc\nd", "/c": "abX\n", "/e": "", "/l1": "x\ny\nz\n", "/l2": "x\ny\nq\n",
             "/p": "a\nbc", "/q": "a\nbcd"}
    for name, text in files.items():
        sim.write(name, text)
    r = sim.run("cmp /a /a; echo st=$?", "cmp /a /c; echo st=$?", "cmp -s /a /c; echo st=$?",
                "cmp /l1 /l2", "cmp /a /b; echo st=$?", "cmp /e /a", "cmp /p /q",
                "printf 'abc\\n' | cmp - /a; echo st=$?")
    assert r.out == ("st=0\n" "/a /c differ: byte 3, line 1\nst=1\n" "st=1\n" "/l1 /l2 differ: byte 5, line 3\n"
                     "st=1\n" "st=0\n"), r.out
    assert r.err.splitlines() == ["cmp: EOF on /a after byte 4, line 1", "cmp: EOF on /e which is empty",
                                  "cmp: EOF on /p after byte 4, in line 2"], r.err


def test_cmp_bad_input(sim):
    r = sim.run("cmp /etc/init.sh /nope; echo st=$?", "cmp /etc/init.sh; echo st=$?")
    assert r.out == "st=2\nst=2\n"
    assert r.err.splitlines()[0] == "cmp: /nope: No such file or directory"
    assert r.err.splitlines()[1] == "cmp: give two FILEs", r.err


def test_diff_prints_the_changes_as_gnus_does(sim):
    """POSIX's form and the unified one, as GNU diff prints them; a file
    without a last new line says so; -u's output is what patch reads."""
    files = {"/x1": "a\nb\nc\n", "/x2": "a\nB\nc\nd\n", "/n1": "a", "/n2": "b", "/e": ""}
    for name, text in files.items():
        sim.write(name, text)
    r = sim.run("diff /x1 /x2; echo st=$?", "diff -u /x1 /x2 | tail -n +3", "diff /n1 /n2",
                "diff -u /e /x1 | tail -n +3", "diff -U 0 /x1 /x2 | tail -n +3", "diff /x1 /x1; echo st=$?",
                "diff -q /x1 /x2; echo st=$?", "printf 'a\\nb\\nc\\n' | diff - /x2 | head -n 1",
                "diff -u /x1 /x2 | head -n 2 | cut -c 1-7")
    assert r.out == ("2c2\n< b\n---\n> B\n3a4\n> d\nst=1\n"
                     "@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n"
                     "1c1\n< a\n\\ No newline at end of file\n---\n> b\n\\ No newline at end of file\n"
                     "@@ -0,0 +1,3 @@\n+a\n+b\n+c\n"
                     "@@ -2 +2 @@\n-b\n+B\n@@ -3,0 +4 @@\n+d\n"
                     "st=0\n" "Files /x1 and /x2 differ\nst=1\n" "2c2\n" "--- /x1\n+++ /x2\n"), r.out


def test_diff_finds_the_fewest_changes_in_a_longer_file(sim):
    """Lines moved, added and removed through a file of 200 lines: the
    changes are the fewest, and only as many lines as changed are said."""
    old = "".join("line %d\n" % i for i in range(200))
    new = old.replace("line 10\n", "").replace("line 150\n", "line 150\nnew\n").replace("line 77", "LINE 77")
    sim.write("/old", old)
    sim.write("/new", new)
    r = sim.run("diff /old /new")
    assert r.out == "11d10\n< line 10\n78c77\n< line 77\n---\n> LINE 77\n151a151\n> new\n", r.out


def test_diff_bad_input(sim):
    r = sim.run("diff /etc/init.sh /nope; echo st=$?", "diff /etc/init.sh; echo st=$?",
                "diff -U x /etc/init.sh /etc/init.sh; echo st=$?")
    assert r.out == "st=2\nst=2\nst=2\n"
    assert r.err.splitlines()[0] == "diff: /nope: No such file or directory", r.err
    assert "diff: give two FILEs" in r.err and "diff: x: not a number of lines" in r.err, r.err
