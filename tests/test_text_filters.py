"""The text filters sort, uniq, tee and cut, alone and in pipelines with
cat, grep, head, tail and wc, which read standard input when given no FILE."""
import random

WORDS = "pear\napple\nfig\napple\nkiwi\nfig\napple\n"


# sort

def test_sort_orders_lines(sim):
    sim.write("/t/w", WORDS)
    sim.write("/t/x", "banana\nzz")
    r = sim.run("sort /t/w", "echo ==", "sort -r /t/w /t/x", "echo ==", "sort -u /t/w")
    assert r.out == ("apple\napple\napple\nfig\nfig\nkiwi\npear\n==\n"
                     "zz\npear\nkiwi\nfig\nfig\nbanana\napple\napple\napple\n==\n"
                     "apple\nfig\nkiwi\npear\n")
    assert r.status == 0


def test_sort_n_orders_by_the_leading_number(sim):
    sim.write("/t/n", "10 ten\n9 nine\n-2.5 minus\nnone\n 7 spaced\n9 again\n")
    r = sim.run("sort -n /t/n", "echo ==", "sort -rn /t/n", "echo ==", "sort -nu /t/n")
    assert r.out == ("-2.5 minus\nnone\n 7 spaced\n9 again\n9 nine\n10 ten\n==\n"
                     "10 ten\n9 nine\n9 again\n 7 spaced\nnone\n-2.5 minus\n==\n"
                     "-2.5 minus\nnone\n 7 spaced\n9 again\n10 ten\n")


def test_sort_reads_standard_input(sim):
    assert sim.out(["sort", "b", "c", "a"]) == "a\nb\nc\n"


def test_sort_of_more_than_fits_in_ram_merges_runs_from_tmp(sim):
    rng = random.Random(7)
    lines = ["%06d line of a large input %s\n" % (rng.randrange(10 ** 6), "x" * rng.randrange(30))
             for _ in range(4000)]
    sim.write("/t/big", "".join(lines))
    r = sim.run("sort /t/big > /t/sorted", "sort -r -n /t/big > /t/reversed",
                "sort -u /t/big /t/big > /t/unique", heap="256K", timeout=60)
    assert r.status == 0, r.err
    assert sim.path("/t/sorted").read_text() == "".join(sorted(lines))
    assert sim.path("/t/reversed").read_text() == "".join(
        sorted(lines, key=lambda l: (int(l[:6]), l), reverse=True))
    assert sim.path("/t/unique").read_text() == "".join(sorted(set(lines)))
    # The runs kept in /tmp are gone.
    assert not [p.name for p in sim.path("/tmp").iterdir() if p.name.startswith(".sort")]


def test_sort_missing_file_fails_but_sorts_the_others(sim):
    sim.write("/t/w", "b\na\n")
    r = sim.run("sort /t/nope /t/w")
    assert r.out == "a\nb\n"
    assert r.err == "sort: /t/nope: No such file or directory\n"
    assert r.status == 1


def test_sort_k_orders_by_fields_as_posix_says(sim):
    """Keys of fields (blanks before a field are part of it, unless b),
    n and r of their own (then -n and -r are not theirs), -t, ties to the
    next key and then the whole line; as GNU sort orders them (LC_ALL=C)."""
    sim.write("/s", "b 2 x\na 10 y\nc 1 z\na 2 w\nd  3 v\n")
    sim.write("/p", "root:x:0:0\nbob:x:1000:100\nal:x:33:33\nzed:x:5:5\n")
    r = sim.run("sort -k2 /s | tr '\\n' ,", "echo", "sort -k2,2n /s | tr '\\n' ,", "echo",
                "sort -k1,1 -k2,2n /s | tr '\\n' ,", "echo", "sort -t: -k3,3n /p | cut -d: -f1 | tr '\\n' ,",
                "echo", "sort -r -k2,2n /s | tr '\\n' ,", "echo", "sort -k1,1r -k2,2n /s | tr '\\n' ,", "echo",
                "sort -k2b /s | tr '\\n' ,", "echo", "sort -k9 /s | head -n 1")
    assert r.out == ("d  3 v,c 1 z,a 10 y,a 2 w,b 2 x,\n" "c 1 z,a 2 w,b 2 x,d  3 v,a 10 y,\n"
                     "a 2 w,a 10 y,b 2 x,c 1 z,d  3 v,\n" "root,zed,al,bob,\n"
                     "c 1 z,b 2 x,a 2 w,d  3 v,a 10 y,\n" "d  3 v,c 1 z,b 2 x,a 2 w,a 10 y,\n"
                     "c 1 z,a 10 y,a 2 w,b 2 x,d  3 v,\n" "a 10 y\n"), r.out
    r = sim.run("sort -k 0 /s; echo st=$?", "sort -k 2,1 /s; echo st=$?", "sort -t ab -k1 /s; echo st=$?",
                "sort -t: /p; echo st=$?")
    assert r.out == "st=2\nst=2\nst=2\nst=2\n"
    assert [line for line in r.err.splitlines() if not line.startswith("usage")] == [
        "sort: 0: not a key (F1[,F2][bnr], fields from 1)", "sort: 2,1: not a key (F1[,F2][bnr], fields from 1)",
        "sort: -t takes one character", "sort: -t goes with -k"], r.err


def test_sort_bad_option_is_a_usage_error(sim):
    r = sim.run("sort -x /t/w")
    assert r.status == 2
    assert r.err.startswith("sort: unknown option -x\nusage: sort ")


# uniq

def test_uniq_drops_repeated_adjacent_lines(sim):
    sim.write("/t/u", "a\na\nb\na\nc\nc\nc")
    r = sim.run("uniq /t/u", "echo ==", "uniq -c /t/u", "echo ==", "uniq -d /t/u",
                "echo ==", "uniq -u /t/u")
    assert r.out == ("a\nb\na\nc\n==\n"
                     "      2 a\n      1 b\n      1 a\n      3 c\n==\n"
                     "a\nc\n==\n"
                     "b\na\n")


def test_uniq_reads_standard_input_and_takes_one_file(sim):
    assert sim.out(["uniq", "x", "x", "y"]) == "x\ny\n"
    r = sim.run("uniq /t/a /t/b")
    assert r.status == 2
    assert "uniq: extra operand /t/b\n" in r.err


# tee

def test_tee_copies_standard_input_to_files_and_output(sim):
    sim.write("/t/old", "old\n")
    # Standard input is the console's: the lines after tee, to end of input.
    assert sim.out(["tee /t/one /t/old", "first", "second"]) == "first\nsecond\n"
    assert sim.path("/t/one").read_text() == "first\nsecond\n"
    assert sim.path("/t/old").read_text() == "first\nsecond\n"


def test_tee_a_appends_and_a_bad_file_does_not_stop_the_others(sim):
    sim.write("/t/log", "old\n")
    r = sim.run("echo new | tee -a /t/log /nodir/x")
    assert r.out == "new\n"
    assert r.err == "tee: /nodir/x: No such file or directory\n"
    assert r.status == 1
    assert sim.path("/t/log").read_text() == "old\nnew\n"


# cut

def test_cut_fields(sim):
    sim.write("/t/p", "root:x:0:0:/root\nno delimiter here\nuser:x:1000:1000:/home/user\n")
    r = sim.run("cut -d : -f 1,3 /t/p", "cut -d: -f4- /t/p", "cut -d : -f -2 /t/p")
    assert r.out == ("root:0\nno delimiter here\nuser:1000\n"
                     "0:/root\nno delimiter here\n1000:/home/user\n"
                     "root:x\nno delimiter here\nuser:x\n")


def test_cut_tab_is_the_default_delimiter(sim):
    sim.write("/t/tsv", "a\tb\tc\n1\t2\t3\n")
    assert sim.run("cut -f 2 /t/tsv").out == "b\n2\n"


def test_cut_characters(sim):
    assert sim.out(["cut -c 1,3-4", "abcdef", "xy"]) == "acd\nx\n"
    assert sim.out(["cut -c 3-", "abcdef"]) == "cdef\n"


def test_cut_usage_errors(sim):
    r = sim.run("cut /t/p; echo status=$?", "cut -f 1 -c 2 /t/p; echo status=$?",
                "cut -f 0 /t/p; echo status=$?", "cut -f 3-2 /t/p; echo status=$?",
                "cut -f a /t/p; echo status=$?", "cut -d ab -f 1 /t/p")
    assert r.out == "status=2\n" * 5
    assert r.status == 2
    assert "cut: give one of -f LIST and -c LIST\nusage: cut " in r.err
    assert "cut: 0: invalid range\n" in r.err
    assert "cut: 3-2: invalid range\n" in r.err
    assert "cut: a: not a list of numbers and ranges\n" in r.err
    assert "cut: the delimiter must be one character\n" in r.err


# pipelines

def test_filters_in_pipelines(sim):
    sim.write("/t/w", WORDS)
    r = sim.run("cat /t/w | sort | uniq -c | sort -rn | head -n 1",
                "grep -v apple /t/w | wc -l",
                "sort -u /t/w | tail -n 2 | tee /t/last | cut -c 1-2",
                "cat /t/last")
    assert r.out == "      3 apple\n4\nki\npe\nkiwi\npear\n"
    assert r.status == 0


def test_a_large_pipeline_streams(sim):
    sim.write("/t/big", "".join("%05d some text\n" % (i * 7919 % 20000) for i in range(20000)))
    r = sim.run("cat /t/big | sort -n | uniq | grep 9 | cut -c 1-5 | tail -n 1",
                "sort -r /t/big | head -n 2", heap="256K", timeout=60)
    assert r.out == "19999\n19999 some text\n19998 some text\n", r.err
    assert r.status == 0
