"""File commands that read files: cat, head, tail, wc, grep."""
import re


NUMBERS = "".join("%d\n" % i for i in range(1, 16))        # 1 .. 15
# Lines of every length around the 512-byte chunks, UTF-8 letters among them.
LONG = "".join("%d %s\n" % (i, "é" * (i * 37 % 700)) for i in range(40))


# cat

def test_cat_prints_files_one_after_another(sim):
    sim.write("/t/a", "one\ntwo\n")
    sim.write("/t/b", "three")
    sim.write("/t/long", LONG)
    r = sim.run("cat /t/a /t/b /t/a", "echo", "cd /t", "cat long")
    assert r.out == "one\ntwo\nthreeone\ntwo\n\n" + LONG
    assert r.status == 0


def test_cat_missing_file_fails_but_goes_on(sim):
    sim.write("/t/a", "one\n")
    r = sim.run("cat /t/nope /t/a /t")
    assert r.out == "one\n"
    assert "cat: /t/nope: No such file or directory\n" in r.err
    assert "cat: /t: Is a directory\n" in r.err
    assert r.status == 1


def test_cat_reads_standard_input_from_dash(sim):
    sim.write("/t/a", "file\n")
    # Standard input is the console's: the lines after cat, to end of input.
    assert sim.out(["cat /t/a - /t/a", "typed 1", "typed 2"]) == "file\ntyped 1\ntyped 2\nfile\n"


def test_cat_without_a_file_reads_standard_input(sim):
    assert sim.out(["cat", "typed 1", "typed 2"]) == "typed 1\ntyped 2\n"


def test_cat_of_a_binary_file_says_so(sim):
    sim.write("/t/bin", b"\xff\xfe\x00\x01")
    r = sim.run("cat /t/bin")
    assert r.err == "cat: /t/bin: not a text file\n"
    assert r.status == 1


# head

def test_head_prints_the_first_lines(sim):
    sim.write("/t/n", NUMBERS)
    sim.write("/t/short", "a\nb")
    r = sim.run("head /t/n", "head -n 3 /t/n", "head -n3 /t/short", "echo", "head -n 0 /t/n")
    assert r.out == "".join(NUMBERS.splitlines(True)[:10]) + "1\n2\n3\n" + "a\nb\n"


def test_head_of_several_files_has_headings(sim):
    sim.write("/t/n", NUMBERS)
    sim.write("/t/short", "a\n")
    r = sim.run("head -n 2 /t/nope /t/n /t/short")
    assert r.out == "==> /t/n <==\n1\n2\n\n==> /t/short <==\na\n"
    assert r.err == "head: /t/nope: No such file or directory\n"
    assert r.status == 1


def test_head_reads_standard_input_from_dash(sim):
    r = sim.run("head -n 2 -", "one", "two", "echo after")
    assert r.out == "one\ntwo\nafter\n"


def test_head_bad_count_is_a_usage_error(sim):
    r = sim.run("head -n x /etc/init.sh; echo status=$?", "head -n -1 /etc/init.sh",
            "head -n")
    assert r.out == "status=2\n"
    assert r.status == 2
    assert "head: x: not a number of lines\nusage: head [-n N | -c N] [FILE...]\n" in r.err
    assert "head: -1: not a number of lines\n" in r.err
    assert "head: option -n needs a value\n" in r.err


def test_head_c_prints_the_first_characters(sim):
    sim.write("/t/n", NUMBERS)
    r = sim.run("head -c 5 /t/n", "echo '|'", "head -c 0 /t/n", "head -c 9999 /t/n | wc -l",
                "printf 'hello world\\n' | head -c 5", "echo '|'",
                "head -c 2 -n 3 /t/n; echo st=$?", "head -c x /t/n; echo st=$?")
    assert r.out == "1\n2\n3|\n15\nhello|\nst=2\nst=2\n", r.out
    assert r.err.splitlines()[::2] == ["head: give one of -n N and -c N",
                                       "head: x: not a number of characters"], r.err


# tail

def _tail(text, n):
    lines = text.splitlines(True)
    return "".join(lines[max(0, len(lines) - n):]) if n else ""


def test_tail_prints_the_last_lines(sim):
    sim.write("/t/n", NUMBERS)
    r = sim.run("tail /t/n", "tail -n 3 /t/n", "tail -n 0 /t/n", "tail -n 99 /t/n")
    assert r.out == _tail(NUMBERS, 10) + "13\n14\n15\n" + NUMBERS


def test_tail_reads_back_from_the_end_across_chunks(sim):
    """Files of every shape, lines longer than the chunks read: tail gives
    what Python does."""
    files = {
        "/t/long": LONG,
        "/t/nonl": "a\nb\nc",
        "/t/empty": "",
        "/t/blank": "\n\n\n",
        "/t/one": "x" * 1500,
        "/t/onenl": "x" * 1500 + "\n",
    }
    lines = []
    expected = ""
    for path, text in files.items():
        sim.write(path, text)
        for n in (1, 2, 3, 7, 39, 40, 41):
            lines.append("tail -n %d %s" % (n, path))
            lines.append("echo '|'")
            expected += _tail(text, n) + "|\n"
    assert sim.run(*lines).out == expected


def test_tail_n_plus_prints_from_a_line_on(sim):
    """POSIX's tail -n +N: "tail -n +3" printed the last 3 lines."""
    sim.write("/t/n", NUMBERS)
    r = sim.run("tail -n +14 /t/n", "tail -n +0 /t/n | wc -l", "printf 'a\\nb\\nc\\n' | tail -n +2",
                "tail -n +99 /t/n")
    assert r.out == "14\n15\n15\nb\nc\n", r.out


def test_tail_f_prints_what_is_added_until_killed(sim):
    """What is appended comes once, each file under its heading; a file
    that shrank (rewritten) is followed from its start again."""
    sim.write("/t/log", "one\n")
    sim.write("/t/other", "")
    r = sim.run("tail -f -n 1 /t/log /t/other &", "sleep 1", "echo two >> /t/log", "sleep 1",
                "echo three >> /t/log; echo four >> /t/log", "sleep 1", "echo new >> /t/other", "sleep 1",
                "echo x > /t/log", "sleep 1", "kill %1", "wait; echo w=$?", timeout=30)
    out = re.sub(r"^\[1\] \d+\n", "", r.out)
    assert out == ("==> /t/log <==\none\n\n==> /t/other <==\n\n==> /t/log <==\ntwo\nthree\nfour\n"
                   "\n==> /t/other <==\nnew\n\n==> /t/log <==\nx\nw=143\n"), r.out


def test_tail_of_several_files_has_headings(sim):
    sim.write("/t/n", NUMBERS)
    sim.write("/t/short", "a\n")
    r = sim.run("tail -n 1 /t/n /t/nope /t/short")
    assert r.out == "==> /t/n <==\n15\n\n==> /t/short <==\na\n"
    assert r.err == "tail: /t/nope: No such file or directory\n"
    assert r.status == 1


def test_tail_reads_standard_input_from_dash(sim):
    assert sim.out(["tail -n 2 -", "one", "two", "three"]) == "two\nthree\n"


def test_tail_bad_count_is_a_usage_error(sim):
    r = sim.run("tail -n many /etc/init.sh")
    assert r.status == 2
    assert r.err == "tail: many: not a number of lines\nusage: tail [-f] [-n N] [FILE...]\n"


def test_head_and_tail_without_a_file_read_standard_input(sim):
    assert sim.out(["tail -n 2", "one", "two", "three"]) == "two\nthree\n"
    assert sim.out(["head -n 1", "one", "two"]) == "one\n"


# wc

def _wc(data):
    return [data.count(b"\n"), len(data.split()), len(data)]


def test_wc_counts_lines_words_and_bytes(sim):
    # Words cut by the chunks wc reads, UTF-8 letters, no final newline.
    text = ("word " * 30 + "longword" * 40 + " \t end\nnext line") * 5 + "é x\n\nlast"
    sim.write("/t/w", text)
    sim.write("/t/long", LONG)
    r = sim.run("wc /t/w", "wc /t/long")
    got = [line.split() for line in r.out.splitlines()]
    assert got[0] == [str(n) for n in _wc(text.encode())] + ["/t/w"]
    assert got[1] == [str(n) for n in _wc(LONG.encode())] + ["/t/long"]


def test_wc_options_pick_the_counts_and_several_files_have_a_total(sim):
    sim.write("/t/a", "one two\nthree\n")
    sim.write("/t/b", "four")
    r = sim.run("wc -l /t/a", "wc -w -c /t/a /t/b", "cd /t", "wc -cl a")
    assert r.out == ("2 /t/a\n"
                     "      3      14 /t/a\n      1       4 /t/b\n      4      18 total\n"
                     "      2      14 a\n")


def test_wc_missing_file_fails_but_counts_the_others(sim):
    sim.write("/t/a", "x\n")
    r = sim.run("wc -l /t/nope /t/a")
    assert r.out == "      1 /t/a\n      1 total\n"
    assert r.err == "wc: /t/nope: No such file or directory\n"
    assert r.status == 1


def test_wc_reads_standard_input_from_dash(sim):
    assert sim.out(["wc -", "hello world", "  a b  c"]).split() == ["2", "5", "21", "-"]


def test_wc_without_a_file_reads_standard_input_and_shows_no_name(sim):
    assert sim.out(["wc -l", "a", "b"]) == "2\n"


# grep

TEXT = "Hello\nworld\nhello again\nHELLO there\n"


def test_grep_prints_matching_lines(sim):
    sim.write("/t/a", TEXT)
    r = sim.run("grep hello /t/a", "grep 'l+o' /t/a", "grep '^w.r' /t/a", "grep '' /t/a")
    assert r.out == "hello again\n" + "Hello\nhello again\n" + "world\n" + TEXT
    assert r.status == 0


def test_grep_options(sim):
    sim.write("/t/a", TEXT)
    r = sim.run("grep -i hello /t/a", "grep -v hello /t/a", "grep -n -i 'HEL+O' /t/a",
            "grep -c -i hello /t/a", "grep -vc hello /t/a", "grep -in '\\S+ AGAIN' /t/a")
    assert r.out == ("Hello\nhello again\nHELLO there\n"
                     "Hello\nworld\nHELLO there\n"
                     "1:Hello\n3:hello again\n4:HELLO there\n"
                     "3\n" "3\n"
                     "3:hello again\n")


def test_grep_o_prints_each_matching_part(sim):
    """As GNU grep -o: every part of a line that matches, on a line of its
    own (empty matches none); a ^ anchors at the line's start only."""
    sim.write("/t/a", "abc abd\nxyz\nab\n")
    r = sim.run("grep -o 'ab.' /t/a", "grep -on 'ab.' /t/a", "printf 'aaa\\n' | grep -o '^a'",
                "printf 'a1b22c333\\n' | grep -o '[0-9]*'", "printf 'Hi HI\\n' | grep -oi hi",
                "grep -oc b /t/a", "grep -ov b /t/a; echo st=$?", "grep -o zz /t/a; echo st=$?",
                "printf 'x^y\\n' | grep -o '[x^]'")
    assert r.out == ("abc\nabd\n" "1:abc\n1:abd\n" "a\n" "1\n22\n333\n" "Hi\nHI\n"
                     "2\n" "st=0\n" "st=1\n" "x\n^\n"), r.out


def test_grep_several_files_are_named(sim):
    sim.write("/t/a", TEXT)
    sim.write("/t/b", "one hello\n")
    r = sim.run("cd /t", "grep -n hello a b", "grep -c hello a b")
    assert r.out == "a:3:hello again\nb:1:one hello\na:1\nb:1\n"


def test_grep_r_searches_folders(sim):
    sim.write("/t/a", TEXT)
    sim.write("/t/sub/b", "one hello\n")
    sim.write("/t/sub/bin", b"\xffhello\n")
    r = sim.run("grep -r hello /t", "cd /t", "grep -r hello sub", "grep -r hello",
            "grep -r hello a")
    assert r.out == ("/t/a:hello again\n/t/sub/b:one hello\n"
                     "sub/b:one hello\n"
                     "./a:hello again\n./sub/b:one hello\n"
                     "hello again\n")
    assert r.err == ""


def test_grep_status_is_0_on_a_match_1_on_none_2_on_an_error(sim):
    sim.write("/t/a", TEXT)
    r = sim.run("grep world /t/a; echo status=$?", "grep nothing /t/a; echo status=$?",
            "grep hello /t/nope /t/a; echo status=$?", "grep hello /t; echo status=$?",
            "grep 'a(' /t/a")
    assert r.out == ("world\nstatus=0\n" "status=1\n"
                     "/t/a:hello again\nstatus=2\n" "status=2\n")
    assert r.status == 2
    assert r.err == ("grep: /t/nope: No such file or directory\n"
                     "grep: /t: Is a directory\n"
                     "grep: a(: invalid regular expression\n")


def test_grep_q_prints_nothing_and_says_by_its_status(sim):
    """POSIX's -q (a script's `grep -q x FILE && ...`): "unknown option -q"
    before."""
    sim.write("/t/a", TEXT)
    sim.write("/t/sub/b", "one hello\n")
    r = sim.run("grep -q hello /t/a; echo status=$?", "grep -q nothing /t/a; echo status=$?",
                "grep -qi HELLO /t/nope /t/a; echo status=$?", "grep -q hello /t/a /t/nope; echo status=$?",
                "grep -qr one /t; echo status=$?", "grep -q nothing /t/nope; echo status=$?")
    assert r.out == "status=0\nstatus=1\nstatus=0\nstatus=0\nstatus=0\nstatus=2\n"
    assert r.err == ("grep: /t/nope: No such file or directory\n"
                     "grep: /t/nope: No such file or directory\n")


def test_grep_reads_standard_input_from_dash(sim):
    assert sim.out(["grep -n o -", "foo", "bar", "boo"]) == "1:foo\n3:boo\n"


def test_grep_usage_errors(sim):
    r = sim.run("grep")
    assert r.status == 2
    assert "grep: no PATTERN given\nusage: grep " in r.err


def test_grep_without_a_file_reads_standard_input(sim):
    assert sim.out(["grep o", "foo", "bar", "boo"]) == "foo\nboo\n"
