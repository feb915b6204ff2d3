"""Shell scripts: upyOS's scripts unchanged (its README's examples), labels,
goto, skip, return, positional parameters, source, sh."""

COUNTING = """:cont
incr a
if $a <= 5 goto cont
echo $a

:cont2
decr a
if $a > 4 goto cont2
echo $a
"""


def test_upyos_counting_loops(sim):
    sim.write("/loops.sh", COUNTING)
    assert sim.out(["sh /loops.sh", "/loops.sh", "/loops"]) == "6\n4\n6\n4\n6\n4\n"


EXAMPLE = """export var1 5   # Set variable var1 to "5"
if $var1 != 5 skip 3 # Skip 3 lines if comparison is true (will continue in 4, 5, etc)
< 1
< 2
< skip 2
< 4
< 5
if $var1 == 3 return        # Ends shell script
if $var1 == 5 run echo watching ps -t 5 # the README runs watch here
if $var1 == 6 run asy_test &    # Submit asy_test process
"""


def test_upyos_example_script(sim):
    sim.write("/opt/example.sh", EXAMPLE)
    sim.write("/opt/example4.sh", EXAMPLE.replace("var1 5", "var1 4", 1))
    r = sim.run("sh /opt/example.sh")
    assert r.out == "1\n2\n4\n5\nwatching ps -t 5\n"
    assert r.err.startswith("python: ")
    r = sim.run("sh /opt/example4.sh")
    assert r.out == "4\n5\n" and r.err == ""


def test_upyos_menu_script(sim):
    sim.write("/menu.sh", """:loop
< "Options Menu"
echo "Last option: " $v1
read v1 "Enter option: "
if $v1 == 1 echo one
if $v1 == 2 echo two
if $v1 == 3 return
if $v1 != 0 goto loop
exit
""")
    out = sim.out(["sh /menu.sh", "1", "2", "0", "echo after"])
    assert out == ("Options Menu\nLast option: \none\nOptions Menu\nLast option:  1\ntwo\n"
                   "Options Menu\nLast option:  2\nafter\n")


def test_upyos_end_script_test_into_a_variable(sim):
    sim.write("/end.sh", """test -p uhttpd > 0
if $0 == True echo running
if $0 == False echo stopped
unset 0
test -f /main.py > found
echo $found
""")
    assert sim.out(["sh /end.sh"]) == "stopped\nTrue\n"


def test_if_action_keeps_its_quoting(sim):
    assert sim.out(['if 1 == 1 echo "x  y"', "if abc in xabcx echo in",
                    "if 10 > 9 echo numbers", "if 10 > 9a echo strings",
                    "if b >= a echo ge", "if '' == '' echo empty"]) == \
        "x  y\nin\nnumbers\nge\nempty\n"


def test_goto_forward_backward_and_into_a_skipped_region(sim):
    sim.write("/g.sh", """n=0
goto start
:back
echo back
goto end
:start
skip 2
echo skipped
:inside
n=$((n+1))
if $n < 2 goto inside
goto back
:end
echo end $n
""")
    assert sim.out(["sh /g.sh"]) == "back\nend 2\n"


def test_gotos_across_the_blocks_a_script_is_read_in(sim):
    """A script is read a block (64 bytes) at a time: lines longer than a
    block, a character cut by a block's end, labels and gotos backward and
    forward from block to block, a last line without its newline."""
    wide = "echo " + "\u00e9" * 200
    pad = "#" + "x" * 300
    sim.write("/b.sh", "\n".join(["n=0", ":top", "incr n", pad, wide, "if $n < 2 goto top",
                                  "goto far", pad, pad, "echo skipped", ":far", "echo far $n",
                                  "if $n < 3 goto top", "echo end $n"]))
    w = wide[5:] + "\n"
    assert sim.out(["sh /b.sh"]) == w + w + "far 2\n" + w + "far 3\nend 3\n"


def test_lines_a_goto_comes_back_to_run_afresh(sim):
    """A line parsed once for a goto loop (script.py keeps it) still
    expands its words at each pass; a command of several lines is read
    again each time."""
    sim.write("/loop.sh", """n=0
:top
n=$((n+1)); echo "pass $n" | cat
if true; then
  echo "body $n"
fi
if $n < 3 goto top
echo done $n
""")
    r = sim.run("sh /loop.sh")
    assert (r.out, r.err) == ("".join("pass %d\nbody %d\n" % (i, i) for i in (1, 2, 3)) + "done 3\n", "")


def test_missing_label_names_it_and_the_line(sim):
    sim.write("/bad.sh", "echo a\n\ngoto nowhere\necho never\n")
    r = sim.run("sh /bad.sh")
    assert r.out == "a\n"
    assert r.err == "sh: /bad.sh: goto: nowhere: no such label (line 3)\n"
    assert r.status == 1


def test_exit_and_return_end_only_the_script(sim):
    sim.write("/e.sh", "echo in\nexit 3\necho never\n")
    sim.write("/r.sh", "echo in\nreturn 4\necho never\n")
    assert sim.out(["sh /e.sh; echo $?", "sh /r.sh; echo $?", "echo alive"]) == \
        "in\n3\nin\n4\nalive\n"


def test_positional_parameters_are_local(sim):
    sim.write("/p.sh", 'echo "$0 $# $1 $2"; for a in "$@"; do echo "[$a]"; done\n'
                       'shift; echo $1\nsh /q.sh inner\necho back $1\n')
    sim.write("/q.sh", "echo q $1 $#\n")
    out = sim.out(["sh /p.sh 'a b' c", "echo top $1 $#"])
    assert out == "/p.sh 2 a b c\n[a b]\n[c]\nc\nq inner 1\nback c\ntop 0\n"


def test_source_runs_in_the_current_scope(sim):
    sim.write("/lib.sh", "x=from_lib\nreturn\necho never\n")
    assert sim.out(["source /lib.sh", "echo $x", "y=1", ". /lib.sh; echo $x$y"]) == \
        "from_lib\nfrom_lib1\n"
    r = sim.run("source /nope.sh")
    assert r.status == 1 and "/nope.sh" in r.err


def test_a_script_goes_on_after_a_failing_line(sim):
    sim.write("/f.sh", "nosuch\necho $?\nif true; then\necho 'unterminated\n")
    r = sim.run("sh /f.sh")
    assert r.out == "127\n"
    assert "nosuch: command not found" in r.err
    assert "/f.sh: line 4: syntax error" in r.err


def test_compound_commands_in_scripts(sim):
    sim.write("/c.sh", """i=0
while [ $i -lt 3 ]
do
  i=$((i + 1))
  if [ $i = 2 ]
  then
    echo two
  else
    echo $i
  fi
done
""")
    assert sim.out(["sh /c.sh"]) == "1\ntwo\n3\n"


def test_a_long_script_runs_line_by_line(sim):
    lines = ["n=0"] + ["n=$((n + 1))"] * 2000 + ["echo $n"]
    sim.write("/long.sh", "\n".join(lines) + "\n")
    assert sim.out(["sh /long.sh"], heap="160K", timeout=60) == "2000\n"


def test_init_sh_failing_line_does_not_stop_the_boot(sim):
    sim.write("/etc/init.sh", "echo first\nnosuch\necho second\n")
    sim.write("/etc/rc.local", "echo local\n")
    done = sim(["echo prompt"])
    assert done.stdout.split("\n", 1)[1] == "first\nsecond\nlocal\nprompt\n"
    assert "nosuch: command not found" in done.stderr


def test_echo_prints_negative_numbers_of_a_decr_loop(sim):
    sim.write("/neg.sh", ":down\ndecr a\nif $a > -2 goto down\necho $a\necho -n -x\necho\n")
    assert sim.out(["sh /neg.sh", "echo --help | head -n 1"]) == "-2\n-x\nusage: echo [-n] [WORD...]\n"


def test_a_line_too_big_for_the_heap_ends_the_script_once(sim):
    # Reading it fails the same way at every try: the script must end with
    # one error, not report it again and again (it looped for ever).
    sim.write("/big.sh", "echo before\necho " + "ab " * 20000 + "\necho after\n")
    r = sim.run("sh /big.sh", heap="200K", timeout=20)
    assert (r.out, r.status) == ("before\n", 1)
    assert r.err.count("\n") == 1
    assert r.err.startswith("sh: /big.sh: line 2: ") and "memory" in r.err
