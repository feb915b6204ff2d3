"""The script commands read, incr, decr, test and watch."""
import re


# read

def test_read_sets_a_variable_from_standard_input(sim):
    r = sim.run('read name "Your name: "', "Ada Lovelace", "echo [$name]")
    assert r.out == "[Ada Lovelace]\n"
    assert r.status == 0


def test_read_from_a_pipe_and_at_end_of_input(sim):
    r = sim.run("echo piped | read v; echo [$v]", "v=old",
                "read v < /etc/nothing-here; echo $?", "true | read v; echo $? [$v]")
    assert r.out == "[piped]\n1\n1 []\n"


def test_read_bad_usage(sim):
    r = sim.run("read; echo $?", "read 1x; echo $?", "read a b 3c")
    assert r.out == "2\n2\n"
    assert r.status == 2
    assert "read: no NAME given\nusage: read [-r] NAME... | NAME PROMPT\n" in r.err
    assert "read: 1x: not a variable name\n" in r.err
    assert "read: 3c: not a variable name\n" in r.err


def test_read_takes_a_second_argument_for_a_prompt_only_when_it_cannot_be_a_name(sim):
    r = sim.run('read v "Option: "', " a  b ", 'echo "[$v]"', "read v w", " a  b ", 'echo "[$v] [$w]"')
    assert r.out == "[ a  b ]\n[a] [b]\n"


def test_read_at_the_console_shows_its_prompt(board):
    board.send('read answer "Sure? "\r')
    board.expect("\nSure\\? ")
    board.send("yes\r")
    board.read_to_prompt()
    assert board.run("echo [$answer]") == "[yes]\n"


# incr, decr

def test_incr_and_decr(sim):
    r = sim.run("incr a", "incr a 5", 'echo "[$a]"', "decr a 10", 'echo "[$a]"',
                "n=007", "incr n", "echo $n", "export E=1", "decr E -1", "sh -c 'echo $E'")
    assert r.out == "[6]\n[-4]\n8\n2\n"
    assert r.status == 0


def test_incr_of_a_variable_that_holds_no_integer_fails(sim):
    r = sim.run("b=x", "incr b; echo $? $b", "incr a x; echo $?", "decr; echo $?", "incr 9z")
    assert r.out == "1 x\n2\n2\n"
    assert r.status == 2
    assert "incr: b: not an integer: x\n" in r.err
    assert "incr: x: not a number\nusage: incr VAR [N]\n" in r.err
    assert "decr: no VAR given\n" in r.err
    assert "incr: 9z: not a variable name\n" in r.err


def test_incr_and_decr_found_in_bin_run_in_the_shell(sim):
    """The shell adds itself when $PATH finds /bin's incr or decr: no
    process starts and no program loads (it was most of the time of a
    counting loop's turn). Another incr found first on $PATH runs as a
    program, and so does /bin's when it has something to say."""
    sim.write("/opt/incr.py", "def __main__(args):\n    print('opt incr', args)\n")
    bin = sim.own("bin")
    r = sim.run("> import process", "< process._next_pid[0]", "incr a; decr b 2; %s/incr a 3" % bin,
                "< process._next_pid[0]", "echo $a $b", "readonly a", "incr a; echo $?",
                "PATH=/opt:" + bin, "incr a", "echo $a")
    first, then, rest = r.out.split("\n", 2)
    assert int(then) == int(first) + 1      # the first < line's own process
    assert rest == "4 -2\n1\nopt incr ['a']\n4\n"
    assert r.err == "incr: a: is read only\n"


# test

def test_test_files_and_strings(sim):
    sim.write("/t/f", "x")
    checks = ["-f /t/f", "-f /t", "-d /t", "-d /t/f", "-e /t", "-e /t/nope", "-z ''",
              "-z x", "-n x", "-n ''", "abc", "''", "", "a = a", "a == b", "a != b",
              "! -f /t/f", "! a = b"]
    r = sim.run(*["test %s; echo $?" % c for c in checks])
    assert r.out.split() == ["0", "1", "0", "1", "0", "1", "0", "1", "0", "1", "0", "1",
                             "1", "0", "1", "0", "1", "0"]


def test_test_relative_paths_are_from_the_working_folder(sim):
    sim.write("/t/f", "x")
    assert sim.run("cd /t", "test -f f").status == 0


def test_test_numbers(sim):
    checks = ["1 -eq 1", "1 -ne 1", "2 -lt 10", "10 -lt 2", "3 -le 3", "-1 -gt -2",
              "4 -ge 5", "010 -eq 10"]
    r = sim.run(*["test %s; echo $?" % c for c in checks])
    assert r.out.split() == ["0", "1", "0", "1", "0", "0", "1", "0"]


def test_test_p_finds_a_running_process(sim):
    # A program asks, while it runs, whether a process of its name runs.
    sim.write("/opt/outer.py", "import munix, shell\n\ndef __main__(args):\n"
              "    return shell.run_line('test -p ' + args[0], munix.session())\n")
    r = sim.run("test -p outer; echo $?", "/opt/outer outer; echo $?",
                "/opt/outer init; echo $?", "/opt/outer nosuch")
    assert r.out == "1\n0\n0\n"
    assert r.status == 1


def test_test_stores_true_or_false_the_upyos_way(sim):
    r = sim.run("test -f /main.py > found", "echo $found", "test -p nosuch > running",
                "echo $running")
    assert r.out == "True\nFalse\n"


def test_test_bad_usage_is_status_2(sim):
    r = sim.run("test 1 -lt x; echo $?", "test -q /t; echo $?", "test x -a y -a; echo $?",
                "test '(' x -a y; echo $?", "test a b c d")
    assert r.out == "2\n2\n2\n2\n"
    assert r.status == 2
    assert "test: x: not an integer\nusage: test EXPRESSION\n" in r.err
    assert "test: -q: unknown condition\n" in r.err
    assert "test: -a: a condition expected after it\n" in r.err
    assert "test: ( without its )\n" in r.err
    assert "test: b c d: expected a condition of one to three words, -a, -o or )\n" in r.err


def test_test_and_or_not_and_parentheses(sim):
    """XSI's -a, -o and ( ), POSIX's rules by the number of words: `[ a =
    a -a b = b ]` was "expected a condition of one to three words"."""
    checks = ["1 = 1 -a 2 = 2", "1 = 1 -a 2 = 3", "1 = 2 -o 2 = 2", "! 1 = 2 -a x",
              "'(' 1 = 1 -o 1 = 2 ')' -a '(' a != b ')'", "x -a ''", "x -o ''", "'' -o ''",
              "-n", "!", "'!' '!'", "'(' x ')'", "'(' '' ')'", "! '(' x ')'",
              "-e /t -a ! -e /nope", "1 -lt 2 -a 2 -lt 3", "-n x -o -z x -a -z x"]
    r = sim.run(*["test %s; echo $?" % c for c in checks])
    assert r.out.split() == ["0", "1", "0", "0", "0", "1", "0", "1",
                             "0", "0", "1", "0", "1", "1", "1", "0", "0"], r.err


def test_test_file_sizes_permissions_and_times(sim):
    sim.write("/t/f", "x")
    sim.write("/t/e", "")
    sim.write("/t/p.py", "def __main__(args):\n    pass\n")
    checks = ["-s /t/f", "-s /t/e", "-r /t/f", "-r /nope", "-w /t/f", "-w /main.py",
              "-x /t", "-x /t/f", "-x /t/p.py", "-h /t/f", "-L /t/f", "-S /t",
              "a '<' b", "b '<' a", "b '>' a", "/t/f -nt /nope", "/nope -nt /t/f", "/nope -ot /t/f"]
    r = sim.run(*["test %s; echo $?" % c for c in checks])
    assert r.out.split() == ["0", "1", "0", "1", "0", "1", "0", "1", "0", "1", "1", "1",
                             "0", "1", "0", "0", "1", "0"], r.err


def test_getopts_says_what_is_wrong_in_the_scripts_name(sim):
    sim.write("/g.sh", "while getopts ab: opt; do :; done\n")
    r = sim.run("sh /g.sh -x -b", "getopts", "getopts ab 1x", "getopts ab")
    assert r.err.startswith("/g.sh: unknown option -x\n/g.sh: option -b needs a value\n")
    assert "getopts: missing OPTSTRING or NAME\n" in r.err and "getopts: 1x: not a variable name\n" in r.err
    assert r.status == 2


def test_expr_arithmetic_comparisons_and_matches(sim):
    """POSIX's expr, as GNU's: integers, strings, `:` with a basic regular
    expression, precedence and parentheses; status 1 for a null or 0 value."""
    r = sim.run("expr 1 + 2; expr -7 / 2; expr 7 % 3; expr 3 '*' 4; expr 2 '<' 10; expr abc '<' abd",
                "expr a != a; echo st=$?", "expr '' '|' x; expr 0 '|' 7; expr a '&' 0",
                "expr abcdef : abc; expr abcdef : '\\(ab\\)'; expr hello.txt : '\\(.*\\)\\.txt'",
                "expr a+b : a+b; expr abc : x; expr abc : '\\(x\\)'; echo st=$?",
                "expr '(' 1 + 2 ')' '*' 3; expr 1 + 2 '*' 3; n=$(expr 4 - 5); echo n=$n")
    assert r.out == ("3\n-3\n1\n12\n1\n1\n0\nst=1\nx\n7\n0\n3\nab\nhello\n"
                     "3\n0\n\nst=1\n9\n7\nn=-1\n"), r


def test_expr_bad_expressions_are_status_2(sim):
    r = sim.run("expr 1 + a", "expr 1 / 0", "expr", "expr 1 +", "expr '(' 1", "expr 1 2")
    assert r.out == ""
    for said in ("a: not an integer", "division by zero", "missing EXPRESSION",
                 "an operand expected at the end", "( without its )", "2: unexpected"):
        assert "expr: %s\nusage: expr EXPRESSION\n" % said in r.err
    assert r.status == 2


# watch

HEADER = re.compile(r"(?:\x1b\[2J\x1b\[H)?Every (\S+)s: (.*)\n\n")


def test_watch_runs_a_command_line_count_times(sim):
    r = sim.run("watch -n 3 -t 0.05 incr z", "echo $z", "watch -t 0 -n 2 echo '$z' '&&' incr z",
                "echo $z")
    assert r.out.count("Every 0.05s: incr z\n\n") == 3
    # The words make one line, run afresh each time.
    assert HEADER.sub("", r.out) == "3\n3\n4\n5\n"
    assert r.status == 0


def test_watch_upyos_form_and_the_status_of_the_last_run(sim):
    r = sim.run("watch -n 2 ls /nope -t 0.01")
    assert HEADER.findall(r.out) == [("0.01", "ls /nope")] * 2
    assert r.status == 1


def test_watch_at_a_terminal_clears_the_screen_and_stops_on_ctrl_c(board):
    board.send("watch -t 0.2 echo tick\r")
    board.expect("\x1b\\[2J\x1b\\[HEvery 0.2s: echo tick\r\n\r\ntick")
    board.expect("tick")
    board.send("\x03")
    board.read_to_prompt()
    assert board.run("echo $?") == "130\n"


def test_watch_bad_usage(sim):
    r = sim.run("watch; echo $?", "watch -t x ls; echo $?", "watch -n 0 ls")
    assert r.out == "2\n2\n"
    assert r.status == 2
    assert "watch: no CMD given\n" in r.err
    assert "watch: x: not a number of seconds\n" in r.err
    assert "watch: 0: not a count\n" in r.err
