"""sed: POSIX's commands and addresses with GNU sed's common extensions
(-E, -i, I, a/i/c on one line, T, Q, ADDR,+N), each as GNU sed prints
it; bad scripts and inputs with their one-line error and status; -i
replaces a file only once its new content is whole."""
import re

from conftest import ROOT

TEXT = "one two\nthree four\nfive six\nseven\neight nine ten\n"


def test_substitutions(sim):
    sim.write("/t.txt", TEXT)
    r = sim.run("sed 's/o/0/' /t.txt", "sed 's/o/0/g;s/e/E/2' /t.txt",
                "sed -n 's/\\(o\\)\\(n\\)/\\2\\1/p' /t.txt", "sed -E -n 's/(t|f)[a-z]+/W/gp' /t.txt",
                "sed -n 's/e\\{2\\}/EE/p;s/[[:space:]]/_/gp' /t.txt", "sed -n 's/.*x.*/[&\\&]/p' /t.txt",
                "printf 'abc\\n' | sed 's/b*/-/g'", "printf 'hello\\n' | sed 's/l*/<&>/g'",
                "printf 'Hello World\\n' | sed 's/hello/Bye/I'", "printf 'a1b2c3\\n' | sed 's/[0-9]/<&>/2g'",
                "printf '  x\\t \\n' | sed 's/^[ \\t]*//;s/[ \\t]*$/|/'", "printf 'a/b\\n' | sed 's|/|\\\\|'")
    assert r.out == ("0ne two\nthree f0ur\nfive six\nseven\neight nine ten\n"
                     "0ne tw0\nthreE f0ur\nfive six\nsevEn\neight ninE ten\n"
                     "noe two\n"
                     "one W\nW W\nW six\neight nine W\n"
                     "one_two\nthrEE four\nthrEE_four\nfive_six\neight_nine_ten\n"
                     "[five six&]\n"
                     "-a-c-\n"
                     "<>h<>e<ll>o<>\n"
                     "Bye World\n"
                     "a1b<2>c<3>\n"
                     "x|\n"
                     "a\\b\n")
    assert r.status == 0


def test_addresses_ranges_and_negation(sim):
    sim.write("/t.txt", TEXT)
    r = sim.run("sed -n '2p;$p' /t.txt", "sed '/four/,/seven/d' /t.txt", "sed -n '2,3!p' /t.txt",
                "sed '2,+1d' /t.txt", "sed -n '/one/,/t/p' /t.txt", "sed '3,1d' /t.txt",
                "sed '/FOUR/Id;\\%six%d' /t.txt", "sed -n '$=' /t.txt /t.txt")
    assert r.out == ("three four\neight nine ten\n"
                     "one two\neight nine ten\n"
                     "one two\nseven\neight nine ten\n"
                     "one two\nseven\neight nine ten\n"
                     "one two\nthree four\n"
                     "one two\nthree four\nseven\neight nine ten\n"
                     "one two\nseven\neight nine ten\n"
                     "10\n")


def test_text_hold_space_branches_and_quitting(sim):
    sim.write("/t.txt", TEXT)
    r = sim.run("sed '1i\\\nheader' /t.txt | head -n 2", "sed -n '$a footer' /t.txt",
                "sed '2,4c changed' /t.txt", "sed ':a;N;$!ba;s/\\n/,/g' /t.txt", "sed '1!G;h;$!d' /t.txt",
                "sed '$!N;P;D' /t.txt | wc -l", "sed -n '2{=;p}' /t.txt", "sed 's/e/E/;t;s/o/O/' /t.txt",
                "sed 2q /t.txt", "sed 3Q7 /t.txt; echo st=$?", "sed y/abc/xyz/ /t.txt | sed -n 5l",
                "sed -n 'n;p' /t.txt")
    assert r.out == ("header\none two\n"
                     "footer\n"
                     "one two\nchanged\neight nine ten\n"
                     "one two,three four,five six,seven,eight nine ten\n"
                     "eight nine ten\nseven\nfive six\nthree four\none two\n"
                     "5\n"
                     "2\nthree four\n"
                     "onE two\nthrEe four\nfivE six\nsEven\nEight nine ten\n"
                     "one two\nthree four\n"
                     "one two\nthree four\nst=7\n"
                     "eight nine ten$\n"
                     "three four\nseven\n")


def test_scripts_from_files_write_and_read_files(sim):
    sim.write("/t.txt", TEXT)
    sim.write("/s.sed", "#n\n# numbers\ns/one/1/p\n/five/{\n  s/five/5/p\n}\n")
    sim.write("/r.txt", "INSERTED\n")
    r = sim.run("sed -f /s.sed /t.txt", "sed -n -e '/t/w /tmp/w.txt' -e '2r /r.txt' -e 2p /t.txt",
                "cat /tmp/w.txt", "sed '1r /nonexistent' /t.txt | head -n 2")
    assert r.out == ("1 two\n5 six\n"
                     "three four\nINSERTED\n"
                     "one two\nthree four\neight nine ten\n"
                     "one two\nthree four\n")


def test_in_place_edits_replace_each_file_whole(sim):
    sim.write("/a.txt", TEXT)
    sim.write("/b.txt", TEXT)
    r = sim.run("sed -i -n 's/one/ONE/p;$p' /a.txt /b.txt; echo st=$?", "cat /a.txt /b.txt", "ls /",
                "sed -i 2q /a.txt", "cat /a.txt")
    assert r.out.startswith("st=0\nONE two\neight nine ten\nONE two\neight nine ten\n"), r.out
    assert ".sed" not in r.out
    assert r.out.endswith("ONE two\neight nine ten\n"), r.out


def test_in_place_refuses_what_it_must_not_change(sim):
    sim.write("/a.txt", TEXT)
    r = sim.run("sed -i s/a/b/ /main.py; echo st=$?", "sed -i s/a/b/ /nope.txt; echo st=$?",
                "sed -i s/a/b/ /etc; echo st=$?", "sed -i s/a/b/; echo st=$?",
                "sed -n -i 's/one/1/w /main.py' /a.txt; echo st=$?", "cat /a.txt | head -n 1")
    assert r.out == "st=1\nst=1\nst=1\nst=2\nst=1\none two\n", r
    assert r.err.splitlines() == ["sed: /main.py: part of the system",
                                  "sed: /nope.txt: No such file or directory",
                                  "sed: /etc: Is a directory",
                                  "sed: -i needs FILEs",
                                  "usage: sed [-n] [-E] [-i] [-e SCRIPT]... [-f FILE]... [SCRIPT] [FILE...]",
                                  "sed: script: /main.py: part of the system"], r.err


def test_bad_scripts_and_inputs_are_one_line_each(sim):
    sim.write("/t.txt", TEXT)
    r = sim.run("sed 's/a/b' /t.txt; echo st=$?", "sed k /t.txt; echo st=$?",
                "sed 's/\\(a/b/' /t.txt; echo st=$?", "sed 's/a/\\1/' /t.txt; echo st=$?",
                "sed 0p /t.txt; echo st=$?", "sed 'b nowhere' /t.txt; echo st=$?",
                "sed '{p' /t.txt; echo st=$?", "sed 'p}' /t.txt; echo st=$?",
                "sed y/abc/de/ /t.txt; echo st=$?", "sed 's/\\(a\\)\\{2\\}/b/' /t.txt; echo st=$?",
                "sed 's/\\(a\\)\\1/b/' /t.txt; echo st=$?", "sed -n 1p /nope /t.txt; echo st=$?",
                "sed; echo st=$?")
    assert r.out == "st=1\n" * 11 + "one two\nst=1\nst=2\n", r.out
    assert r.err.splitlines() == [
        "sed: script: char 5: / is not closed",
        "sed: script: char 1: unknown command: k",
        "sed: script: a regular expression: unmatched (",
        "sed: script: s: \\1: the expression has no group 1",
        "sed: script: char 1: there is no line 0",
        "sed: script: no label nowhere",
        "sed: script: { without }",
        "sed: script: char 2: } without {",
        "sed: script: y: the two sides differ in length",
        "sed: script: a regular expression: a group repeated by {m,n} is not supported",
        "sed: script: a regular expression: back-references (\\1) are not supported",
        "sed: /nope: No such file or directory",
        "sed: no SCRIPT given",
        "usage: sed [-n] [-E] [-i] [-e SCRIPT]... [-f FILE]... [SCRIPT] [FILE...]"], r.err


def test_the_readmes_examples_run_as_written(sim):
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### Editing text with a script: `sed`"):]
    section = section[:section.index("\n### ")]
    lines = re.findall(r"^    / \$: (.*)$", section, re.M)
    shown = [line[4:] for line in section.splitlines()
             if line.startswith("    ") and not line.startswith("    / $: ")]
    sim.write("/tmp/cron.log", "12:00 ok\n12:01 error: no thread free\n")
    r = sim.run(*lines, "grep -c '^utelnetd start$' /etc/init.sh")
    assert r.err == ""
    assert r.out == "12:01 error: no thread free\n" + "".join(s + "\n" for s in shown) + "1\n", r.out
