"""The POSIX side of the shell language: lists, pipes, redirection,
expansion, control flow, aliases, variables' scope."""
from munixtool import sim as simulator


def test_and_or_lists_follow_the_status(sim):
    out = sim.out(["true && echo a", "false && echo b", "false || echo c",
                   "true || echo d", "false && echo e || echo f", "! false && echo g"])
    assert out == "a\nc\nf\ng\n"


def test_status_of_every_command(sim):
    assert sim.out(["false; echo $?", "true; echo $?", "nosuch 2>/tmp/e; echo $?",
                    "ls /nope 2>/tmp/e; echo $?"]) == "1\n0\n127\n1\n"


def test_pipes_pass_output_to_the_next_command(sim):
    sim.write("/tmp/words", "pear\napple\nfig\napple\n")
    out = sim.out(["cat /tmp/words | grep p | head -n 2", "echo one two | wc -w",
                   "cat /tmp/words | cat | cat | wc -l"])
    assert out.split() == ["pear", "apple", "2", "4"]


def test_a_pipeline_status_is_its_last_command(sim):
    assert sim.out(["false | true; echo $?", "true | false; echo $?",
                    "! true | false; echo $?"]) == "0\n1\n0\n"


def test_a_large_pipe_goes_through_a_file_and_leaves_nothing(sim):
    sim.write("/tmp/big", "".join("line %d\n" % i for i in range(3000)))
    out = sim.out(["cat /tmp/big | tail -n 1", "cat /tmp/big | wc -l", "ls -a /tmp"])
    assert out.split()[:3] == ["line", "2999", "3000"]
    assert ".pipe" not in out


def test_redirections(sim):
    out = sim.out(["echo one > /tmp/f", "echo two >> /tmp/f", "cat < /tmp/f",
                   "ls /nope 2> /tmp/err", "cat /tmp/err",
                   "ls /nope > /tmp/both 2>&1", "cat /tmp/both", "echo x >&2 2>/tmp/n"])
    assert out == ("one\ntwo\nls: /nope: No such file or directory\n"
                   "ls: /nope: No such file or directory\n")


def test_dev_null(sim):
    assert sim.out(["echo hi > /dev/null; echo $?", "ls /nope 2>/dev/null; echo $?",
                    "cat < /dev/null; echo $?"]) == "0\n1\n0\n"


def test_redirection_errors(sim):
    r = sim.run("echo x > /nodir/f")
    assert r.status == 1 and r.err == "sh: /nodir/f: No such file or directory\n"
    r = sim.run("cat < /nofile")
    assert r.status == 1 and "/nofile" in r.err
    r = sim.run("echo x > /main.py")
    assert r.status == 1 and "part of the system" in r.err
    assert "kernel.boot" in sim.path("/main.py").read_text()
    r = sim.run("echo x >&5")
    assert r.status == 1 and r.err == "sh: 5: bad file descriptor\n"
    r = sim.run("echo x 10> /tmp/f")
    assert r.status == 1 and r.err == "sh: 10: bad file descriptor\n"
    r = sim.run("echo x >")
    assert r.status == 2 and "syntax error" in r.err


def test_python_lines_stay_python_at_the_start_of_a_line(sim):
    assert sim.out(["< 2+2", "> x = 5", "< x * 2", "echo a > /tmp/p; cat /tmp/p"]) == "4\n10\na\n"


def test_globbing(sim):
    for name in ("b.txt", "a.txt", "c.log", ".hidden.txt"):
        sim.write("/tmp/g/" + name)
    out = sim.out(["cd /tmp/g", "echo *.txt", "echo ?.log", "echo [ab].txt",
                   "echo [!a]*", "echo /tmp/g/*.log", "echo *.none", "echo '*'.txt \\*"])
    assert out == ("a.txt b.txt\nc.log\na.txt b.txt\nb.txt c.log\n/tmp/g/c.log\n"
                   "*.none\n*.txt *\n")


def test_command_substitution(sim):
    out = sim.out(["echo [$(echo 'a   b')]", 'echo "[$(echo \'a   b\')]"', "x=$(pwd); echo $x",
                   "echo `echo back`", "echo $(echo $(echo nested))"])
    assert out == "[a b]\n[a   b]\n/\nback\nnested\n"


def test_arithmetic(sim):
    out = sim.out(["a=7", "echo $((a * 2 + 1)) $(( (1 + 2) * 3 )) $((a / 2)) $((a % 4))",
                   "echo $((2 ** 10)) $((-7 / 2)) $((1 < 2)) $((a == 7 && 0)) $((0x10))",
                   "echo $((b = 3)) $b $((b += 2)) $b", "echo $(( $a + 1 ))"])
    assert out == "15 9 3 3\n1024 -3 1 0 16\n3 3 5 5\n8\n"


def test_arithmetic_errors(sim):
    r = sim.run("echo $((1 / 0))")
    assert r.status == 1 and "division by zero" in r.err
    r = sim.run("echo $((1 +))")
    assert r.status == 1 and r.err.count("\n") == 1
    r = sim.run("x=abc", "echo $((x + 1))")
    assert r.status == 1 and "abc: not a number" in r.err
    r = sim.run("echo $((__import__('os')))")
    assert r.status == 1


def test_arithmetic_nesting_has_a_limit(sim):
    """Nesting is refused past 32 levels, in one line, the shell going on
    (300 levels from a client once ran the runtime out of stack)."""
    deep = lambda n: "echo $((%s1%s))" % ("(" * n, ")" * n)
    r = sim.run(deep(30), "echo $((- - ! ~ -1)) $((2 ** 3 ** 2)) $((0 ? 1 : 0 ? 2 : 3))",
                deep(33), deep(300), "echo $(( %s ))" % "+".join(["1"] * 500), "echo on")
    first, refused = "1\n", "sh: arithmetic nested deeper than 32 levels\n" * 2
    if simulator.board_name() == "rp2040":
        # Its 8 KiB main stack ends before 30 levels (README: Board
        # profiles): refused in one line all the same.
        first, refused = "", "sh: arithmetic nested too deeply for the stack\n" * 3
    assert r.out == first + "1 512 3\n500\non\n"
    assert r.err == refused


def test_command_nesting_has_limits(sim):
    """Groups, subshells and compound commands nest 32 levels, $(...) and
    ${...:-...} 8; past that a one-line error, the line is not run and the
    shell goes on (300 levels ran the runtime out of stack)."""
    def nest(n, open_, close, inner="echo %d"):
        return open_ * n + inner % n + close * n
    deep = [nest(32, "( ", " )"), nest(32, "{ ", "; }"), nest(32, "if true; then ", "; fi"),
            nest(32, "while true; do ", "; break; done"), nest(8, "echo $(", ")", "echo %d"),
            'echo "%s"' % nest(8, "${x:-", "}", "%d")]
    too_deep = [nest(33, "( ", " )"), nest(300, "{ ", "; }"), nest(33, "if true; then ", "; fi"),
                "f() %s" % nest(33, "{ ", "; }"), nest(300, "case x in x) ", ";; esac")]
    if simulator.board_name():
        # A board's stack ends first (README: 21 ifs on an ESP32's
        # console, 12 on an RP2040's): one line each all the same, and the
        # shell goes on.
        r = sim.run(*deep + too_deep, "echo on")
        assert r.out.endswith("on\n") and r.err.count("\n") >= 5
        assert all("nested deeper than" in line or "nested too deeply for the stack" in line
                   for line in r.err.splitlines()), r.err
        return
    r = sim.run(*deep, "echo st=$?")
    assert r.out == "32\n32\n32\n32\n8\n8\nst=0\n" and r.err == ""
    r = sim.run(*["%s\necho st=$?" % line for line in too_deep])
    assert r.out == "st=2\n" * 5
    assert r.err == "sh: syntax error: commands nested deeper than 32 levels\n" * 5
    r = sim.run(nest(9, "echo $(", ")", "echo %d"), "echo st=$?", 'echo "%s"' % nest(300, "${x:-", "}", "%d"),
                "echo st=$?", "echo on")
    assert r.out == "st=1\nst=2\non\n"
    assert r.err == ("sh: $(...) nested deeper than 8 levels\n"
                     "sh: syntax error: ${...} nested deeper than 8 levels\n")


def test_function_and_script_nesting_has_a_limit(sim):
    """Function calls, `sh` scripts and sourced files nest 16 levels; past
    that one line, status not 0, and the shell goes on, at the console and
    in a job (each ended in the runtime's "maximum recursion depth
    exceeded", which a runtime at its limit has crashed on)."""
    sim.write("/tmp/s.sh", "for i in 1; do x=$(echo $i); done; sh /tmp/s.sh\n")
    sim.write("/tmp/t.sh", ". /tmp/t.sh\n")
    r = sim.run("f() { for i in 1; do x=$(echo $i); done; f; echo after; }", "f", "echo st=$?",
                "sh /tmp/s.sh", "echo st=$?", ". /tmp/t.sh", "echo st=$?",
                "f &", "wait", "sh /tmp/s.sh &", "wait", "echo on")
    out = [line for line in r.out.splitlines() if not line.startswith("[1] ")]
    assert out[:1] == ["st=1"] and "st=0" not in out[1:3] and out[3:] == ["on"], r
    lines = r.err.splitlines()
    if simulator.board_name():
        # A board's stack ends first (README: 3 levels of f on the rp2040's
        # console, 13 in its job), or in a job on the esp32 profile its
        # heap, which its thread's stack shares (one run in five of the
        # jobs since plain lines load plainvars beside the parser): one
        # line each, and a command the heap refused on the way (the `echo`
        # of a $( )) one line more.
        assert len(lines) >= 5 and all(
            "nested too deeply" in line or ": memory allocation failed" in line for line in lines), r.err
        return
    assert len(lines) == 5, r.err
    assert out == ["st=1", "st=2", "st=2", "on"]
    assert lines == ["sh: f: functions nested too deeply (limit 16)",
                     "sh: /tmp/s.sh: scripts nested too deeply (limit 16)",
                     "sh: /tmp/t.sh: scripts nested too deeply (limit 16)",
                     "f: f: functions nested too deeply (limit 16)",
                     "sh: /tmp/s.sh: scripts nested too deeply (limit 16)"]


def test_if_elif_else(sim):
    script = ["for n in 1 2 3; do",
              "  if [ $n -eq 1 ]; then echo one",
              "  elif test $n = 2; then echo two",
              "  else echo other; fi",
              "done"]
    assert sim.out(script) == "one\ntwo\nother\n"


def test_while_until_break_continue(sim):
    out = sim.out(["i=0; while true; do i=$((i+1)); if [ $i -gt 5 ]; then break; fi;"
                   " if [ $i = 2 ]; then continue; fi; echo $i; done",
                   "until [ $i -eq 0 ]; do i=$((i-1)); done; echo end $i",
                   "for a in x y; do for b in 1 2; do if [ $b = 2 ]; then continue 2; fi;"
                   " echo $a$b; done; done"])
    assert out == "1\n3\n4\n5\nend 0\nx1\ny1\n"


def test_for_over_globs_and_substitutions(sim):
    sim.write("/tmp/f/one")
    sim.write("/tmp/f/two")
    assert sim.out(["for f in /tmp/f/*; do echo got $f; done",
                    "for w in $(echo a b); do echo $w; done"]) == \
        "got /tmp/f/one\ngot /tmp/f/two\na\nb\n"


def test_control_flow_on_several_lines_at_the_console(sim):
    out = sim.out(["if true", "then", "  echo yes", "fi", "for x in 1 2", "do echo $x", "done"])
    assert out == "yes\n1\n2\n"


def test_control_flow_errors(sim):
    done = sim(["echo a", "if true; then echo x"])
    assert done.returncode == 0 and "sh: syntax error: missing fi" in done.stderr
    r = sim.run("fi")
    assert r.status == 2 and "unexpected fi" in r.err
    r = sim.run("break")
    assert r.status == 1 and "break: only meaningful in a loop" in r.err
    r = sim.run("for 1x in a; do echo; done")
    assert r.status == 2 and "bad variable name" in r.err
    r = sim.run("goto x")
    assert r.status == 1 and "goto: x: not in a script" in r.err


def test_loop_redirection_and_pipe(sim):
    assert sim.out(["for i in 3 1 2; do echo $i; done > /tmp/o", "cat /tmp/o | tail -n 1",
                    "echo 5 | while read n; do echo got $n; done"]) == "2\ngot 5\n"


def test_aliases_are_kept_in_system_conf(sim):
    out = sim.out(["alias ll='ls -a'", "alias greet='echo hello'", "greet world",
                   "alias", "unalias greet", "greet 2>/tmp/e; echo $?"])
    assert out == "hello world\ngreet='echo hello'\nll='ls -a'\n127\n"
    assert '"ll": "ls -a"' in sim.path("/etc/system.conf").read_text()
    assert "etc\n" in sim.out(["ll /"])


def test_an_alias_a_script_defines_counts_from_its_next_line(sim):
    """POSIX 2.3.1, as dash: a script's alias is there for its next lines,
    plain or parsed, and an alias unset goes with its line. The script
    read the table once, at its start: `ll` was not found."""
    sim.write("/al.sh", "alias ll='echo aliased'\nll one\nif true; then ll two; fi\n"
                        "unalias ll\nll three 2>/dev/null || echo gone\n")
    assert sim.out(["sh /al.sh"]) == "aliased one\naliased two\ngone\n"


def test_alias_errors(sim):
    r = sim.run("unalias nosuch")
    assert r.status == 1 and "nosuch: not an alias" in r.err
    r = sim.run("alias 'bad name=x'")
    assert r.status == 1 and "not a valid name" in r.err
    r = sim.run("alias ls='ls -a'", "ls /")
    assert r.status == 0 and ".booting" not in r.out


def test_unexported_variables_stay_in_their_session(sim):
    out = sim.out(["a=1", "export b=2", "env | grep '^[ab]='",
                   "> import session; s = session.Session('other', None, None, None)",
                   "< (s.getenv('a'), s.getenv('b'))"])
    assert out == "a=1\nb=2\n(None, '2')\n"


def test_assignments_before_a_command_are_for_that_command(sim):
    assert sim.out(["X=1", "X=2 env | grep ^X=", "echo $X"]) == "X=2\n1\n"


def test_ctrl_c_stops_a_whole_loop(board):
    # Ctrl-C once the loop runs: sent as soon as the line's echo ended
    # ("done"), it can reach the terminal while the line editor still has
    # it, as a key, not an interrupt (a board's kbd_intr is off then too),
    # and the loop goes on: sent with the line, it always does.
    board.send("while true; do echo tick; sleep 1; done\r")
    board.expect("\r\ntick\r\n")
    board.send("\x03")
    board.read_to_prompt()
    assert board.run("echo $?") == "130\n"


def test_background_jobs_from_the_shell(sim):
    done = sim(["sleep 1 && echo late &", "echo now", "wait", "echo $!",
                "for i in 1 2; do echo loop$i; done &", "wait"])
    out = done.stdout.split("\n", 1)[1]
    # The whole run in the message: "late" went missing once on the esp32
    # profile in CI, and the job's errors are on stderr.
    assert out.startswith("[1] "), done
    assert "late" in out and out.index("now") < out.index("late"), done
    assert "loop1\nloop2\n" in out, done
