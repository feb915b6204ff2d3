"""POSIX shell conformance, case by case from the Shell Command Language
(XCU chapter 2): parameter expansion operators (2.6.2), case (2.9.4.3),
functions (2.9.5), subshells (2.9.4.1), set/eval (2.14), here-documents
(2.7.4), the status of a
command that only substitutes (2.9.1), backslashes in `...` (2.6.3). Each
case is a script, its expected output and status; dash decides where
POSIX leaves a choice."""
import random
import shutil
import subprocess

import pytest

from munixtool import sim as simulator

CASES = {
    # 2.6.2 Parameter Expansion
    "length": ("x=hello; echo ${#x} ${#nosuch}", "5 0\n", 0),
    "default": ('echo ${u:-def} "${u:-a b}" ${u-unset}; e=; echo "[${e:-empty}]" "[${e-x}]"',
                "def a b unset\n[empty] []\n", 0),
    "assign default": ("echo ${v:=set}; echo $v; e=; echo ${e=no}[$e]", "set\nset\n[]\n", 0),
    "alternative": ('x=1; e=; echo ${x:+alt} "[${u:+alt}]" "[${e:+alt}]" "[${e+set}]"',
                    "alt [] [] [set]\n", 0),
    # An expansion error is a shell error: it ends the script (2.8.1).
    "error if unset": ("echo ${u:?is required}; echo no\necho after $?", "", 1),
    "prefix removal": ("x=/usr/local/bin/sh; echo ${x#*/} ${x##*/}", "usr/local/bin/sh sh\n", 0),
    "suffix removal": ("x=hello.tar.gz; echo ${x%.*} ${x%%.*}", "hello.tar hello\n", 0),
    "quoted pattern is literal": ("x=a.gz; echo ${x%'*.gz'} ${x%\"*\"}", "a.gz a.gz\n", 0),
    "pattern from a variable": ("x=hello.c; ext=.c; echo ${x%$ext}", "hello\n", 0),
    "positional operators": ("set -- a b c; echo ${#} ${1:-z} ${5:-five}", "3 a five\n", 0),
    "nested default": ("echo ${u:-${w:-inner}}", "inner\n", 0),
    # The word of ${x op word} keeps its quotes: quoted parts are neither
    # split nor globbed, unquoted text is split as a value is.
    "quotes in an unquoted word": ("set -f; u=; z='c d'; printf '[%s]' ${u:-\"a b\"} ${u:-a b} ${u:-\"*\"x} "
                                   "${n-$z} ${n-\"$z\"} ${u:-\"a b\" c} ${u:-''}; echo",
                                   "[a b][a][b][*x][c][d][c d][a b][c][]\n", 0),
    "IFS splits the text of an unquoted word": ("IFS=:; printf '[%s]' ${u:-a b:c}; echo", "[a b][c]\n", 0),
    "quotes in a quoted word": ('u=; x=1; printf \'[%s]\' "${u:-"a b"}" "${u:-\'q\'}" "${x:+"p"\'s\'}" '
                                '"${u:-\\}}" "${u:-"}"}"; echo', "[a b]['q'][p's'][}][}]\n", 0),
    "a quoted pattern is still a pattern": ('x=abc; y=\'?\'; printf \'[%s]\' "${x#?}" "${x%[bc]}" "${x%%b*}" '
                                            '"${x#$y}" "${x#"?"}" "${x#\'a\'}"; echo',
                                            "[bc][ab][a][bc][abc][bc]\n", 0),
    "quotes and backslashes in a quoted pattern": ("v='}'; w=\"'a\"; echo \"[${v#\\}}]\" \"[${v#'}'}]\" "
                                                   "\"[${w#\\'}]\" \"[${v%\"}\"}]\"", "[] [] [a] []\n", 0),
    "single quotes inside a quoted word are characters": ("echo \"${u:-'}'}\"", "''}\n", 0),
    # 2.9.4.3 case
    "case patterns": ("for w in a.c b.py README; do\n case $w in\n  *.c|*.h) echo $w C;;\n"
                      "  *.py) echo $w py ;;\n  (*) echo $w other\n esac\ndone",
                      "a.c C\nb.py py\nREADME other\n", 0),
    "case quoted word": ('case "a b" in "a b") echo yes;; esac', "yes\n", 0),
    "case no match": ("case x in y) echo no;; esac; echo $?", "0\n", 0),
    "case empty body": ("case x in x) ;; esac; echo done", "done\n", 0),
    "case one line": ("case abc in a*) echo starts;; *) echo other;; esac", "starts\n", 0),
    # 2.13.1: a quoted or escaped character in a bracket expression stands
    # for itself (! ^ - ] too); character classes.
    "bracket expressions": ("for w in C - D c ']' a '!' x 7; do r=$w:\n"
                            " case $w in [C\\-D]) r=$r.1;; esac; case $w in [a-b\\]c]) r=$r.2;; esac\n"
                            " case $w in [\\!x]) r=$r.3;; esac; case $w in [\"!\"x]) r=$r.4;; esac\n"
                            " case $w in [[:upper:][:digit:]]) r=$r.5;; esac; case $w in ['C-D']) r=$r.6;; esac\n"
                            " printf '%s ' $r; done; echo; x=a-b; echo ${x#[\\-a]} ${x%[b\\-]}",
                            "C:.1.5.6 -:.1.6 D:.1.5.6 c:.2 ]:.2 a:.2 !:.3.4 x:.3.4 7:.5 \n-b a-\n", 0),
    "bracket expressions in file names": ("mkdir /tmp/g; cd /tmp/g; touch a-b ab '!x'; echo [a]\"-\"* [\"!\"]* [!a]*",
                                          "a-b !x !x\n", 0),
    "case set": ("case b in [abc]) echo in-set;; esac", "in-set\n", 0),
    # 2.9.5 Function Definition Command
    "function": ("f() { echo in f: $*; }; f 1 2 3; echo $#", "in f: 1 2 3\n0\n", 0),
    "function return": ("f() {\n  return 3\n  echo no\n}\nf; echo $?", "3\n", 0),
    "function local": ('x=outer; f() { local x=inner; echo $x; }; f; echo $x', "inner\nouter\n", 0),
    "local, readonly and export assign without splitting": (
        "f() { local v=$1 w=$2; echo \"[$v] [$w]\"; }; f 'a  *' 'b'; x='c  /*'; readonly r=$x; export e=$x\n"
        "echo \"[$r] [$e]\"", "[a  *] [b]\n[c  /*] [c  /*]\n", 0),
    "function keeps caller's parameters": ("set -- a b; f() { echo $1; }; f z; echo $1", "z\na\n", 0),
    "function recursion": ("fact() {\n  if [ $1 -le 1 ]; then echo 1; return; fi\n"
                           "  echo $(( $1 * $(fact $(( $1 - 1 ))) ))\n}\nfact 5", "120\n", 0),
    "function status": ("f() { false; }; f; echo $?", "1\n", 0),
    # 2.8.1 Consequences of Shell Errors: a shell error ends a script, a
    # failing command does not (upyOS's rule agrees).
    "an arithmetic error ends the script": ("echo $((1+2x)); echo no\necho after", "", 1),
    "a syntax error ends the script": ("echo before\nif; then echo no; fi\necho after", "before\n", 2),
    "a bad argument to a special built-in ends the script": (
        "for i in 1; do continue 1 2 3; done; echo no", "", 2),
    "return with a bad status ends the script": ('f() { return ""; }; f; echo no', "", 2),
    "a bad option to set ends the script": ("set -k; echo no", "", 2),
    "a failing command does not end the script": ("nosuch; false; cat /nope; echo after $?", "after 1\n", 0),
    "a shell error ends only a subshell": ("(echo ${u?x}; echo no); echo st=$?; x=$(echo $((1/0))); echo st=$?\n"
                                           "sh -c 'echo ${u?x}; echo no'; echo st=$?", "st=1\nst=1\nst=1\n", 0),
    "a shell error in a sourced file ends the script": ("echo 'echo ${u?x}; echo no' > /tmp/s; . /tmp/s; echo no",
                                                        "", 1),
    "a shell error in a function ends the script": ("f() { echo $((1/0)); echo no; }\nf\necho no", "", 1),
    "eval's syntax error ends the script": ("eval 'if'; echo no", "", 2),
    # 2.9.4.1 subshell
    "subshell variables": ("x=1; (x=2; echo $x); echo $x", "2\n1\n", 0),
    "subshell directory": ("(cd /etc; pwd); pwd", "/etc\n/\n", 0),
    "subshell exit": ("( exit 42 ); echo $?", "42\n", 0),
    "exit statuses are modulo 256": ("sh -c 'exit 256'; echo $?; (exit 300); echo $?; x=$(exit 258); echo $?\n"
                                     "f() { return 256; }; f; echo $?; sh -c 'f() { return 257; }; f'; echo $?",
                                     "0\n44\n2\n256\n1\n", 0),
    # 2.14 set, eval
    "set positional": ("set -- a 'b c'; echo $#; echo $2", "2\nb c\n", 0),
    "shift": ("set -- a b c; shift; echo $# $1; shift 0; echo $# $1; shift 2; echo $#", "2 b\n2 b\n0\n", 0),
    "set clears": ("set -- a b; set --; echo $#", "0\n", 0),
    "set -e": ("set -e; true; false; echo not reached", "", 1),
    "set -e after the last command of a list": ("set -e; if true; then false; fi; echo no", "", 1),
    "set -e after a failed redirection": ("set -e; echo x\n{ echo y; } > /no/such/f\necho no", "x\n", 1),
    "set -e in && and ||": ("set -e; true && false; echo no", "", 1),
    "set -e ignores conditions": ("set -e; if false; then :; fi; false || true; ! true; echo reached",
                                  "reached\n", 0),
    "set -u": ("set -u; echo ${u:-ok}\necho $u; echo no\necho after", "ok\n", 1),
    "set -u in arithmetic": ("set -u; x=2; echo $((x + 1)); echo $((y = 4)) $y; (echo $((nosuch + 1)); echo no)\n"
                             "echo st=$?; echo $((nosuch))", "3\n4 4\nst=1\n", 1),
    "set -u in a length": ("set -u; x=abc; echo ${#x}; (echo ${#nosuch}; echo no); echo st=$?; echo ${#nosuch}",
                           "3\nst=1\n", 1),
    "set -f": ("set -f; echo /e*; set +f; echo /e*", "/e*\n/etc\n", 0),
    "set -C": ("echo a > /tmp/c; set -C; echo b > /tmp/c; echo $?; echo c >| /tmp/c; echo d >> /tmp/c\n"
               "echo new > /tmp/n; echo x > /dev/null; cat /tmp/c /tmp/n; set +C; echo e > /tmp/c; cat /tmp/c",
               "1\nc\nd\nnew\ne\n", 0),
    "set -o noclobber": ("echo a > /tmp/c; set -o noclobber; echo $-; echo b > /tmp/c; cat /tmp/c", "C\na\n", 0),
    "set dollar-dash": ('set -f; echo "$-"', "f\n", 0),
    "eval": ("x='echo evaluated'; eval $x; eval 'y=2'; echo $y", "evaluated\n2\n", 0),
    "eval of null arguments is 0": ("false; eval ''; echo $?; false; eval; echo $?", "0\n0\n", 0),
    # 2.7.6: >&N names a descriptor open for output.
    "output to a descriptor open only for reading": (
        "exec 4</etc/system.conf; echo y >&4; echo st=$?; exec 5>/tmp/o; echo z >&5; cat /tmp/o",
        "st=1\nz\n", 0),
    # 2.9.1: assignments before a special built-in stay set; before any
    # other command they are the command's only.
    "assignments before a special built-in stay": (
        "x=1; x=2 :; echo $x; y=1 eval 'echo $y'; echo $y; IFS=, read a b <<EOF\n1,2\nEOF\n"
        "echo \"$a $b [$IFS]\" | od -c | head -n 1 | grep -c ,; z=0; z=4 export w=5; echo $z $w",
        "2\n1\n1\n0\n4 5\n", 0),
    # 2.9.1 / 2.6.3
    "status of an assignment's substitution": ("x=$(false); echo $?; x=$(true); echo $?", "1\n0\n", 0),
    "status of a bare substitution": ("if `false`; then echo wrong; else echo right; fi", "right\n", 0),
    "backslash in backquotes": ("echo `echo \\\\$`", "$\n", 0),
    "backslash and double quote in backquotes in double quotes": ('echo "a `echo \\"q\\"` `echo \\\\$`" `echo \\"u\\"`',
                                                                  'a q $ "u"\n', 0),
    # 2.7.4 Here-Document
    "here-document": ('name=world\ncat <<EOF\nhello $name\n  "q" \'s\' $((1 + 2)) `echo sub`\n'
                      '\\$not \\\\ back\nEOF\necho after',
                      'hello world\n  "q" \'s\' 3 sub\n$not \\ back\nafter\n', 0),
    "here-document quoted delimiter": ("cat <<'END'\nliteral $name `x`\nEND", "literal $name `x`\n", 0),
    "here-document strips tabs": ("\tcat <<-T\n\tstripped\n\t\tdeep\n\tT", "stripped\ndeep\n", 0),
    "here-document into a loop": ("while read l; do echo got $l; done <<X\none\ntwo\nX",
                                  "got one\ngot two\n", 0),
    "here-document in a pipeline": ("cat << E | wc -l\na\nb\nE", "2\n", 0),
    "a here-document delimiter is not expanded": ("a=x; cat <<${a}\none $a\n${a}\ncat <<$(a)\ntwo\n$(a)\n"
                                                  "cat <<\"${a}\"\nthree $a\n${a}\ncat <<E\\\"F\nfour\nE\"F",
                                                  "one x\ntwo\nthree $a\nfour\n", 0),
    "two here-documents on a line": ("cat <<A; cat <<B\na\nA\nb\nB", "a\nb\n", 0),
    "here-document in a function": ("f() {\n  cat <<E\n$1\nE\n}\nf x; f y", "x\ny\n", 0),
    # 2.9.2 Pipelines, 2.12: each command but the last (ksh) in a subshell
    "a pipeline's commands change nothing in the shell": (
        "x=1; x=2 | cat; echo $x; cd /etc | cat; pwd; exit 3 | cat; echo st=$?\n"
        "echo ${u?e} | cat; echo st=$?; false | true; echo st=$?; echo piped | read v; echo $v",
        "1\n/\nst=0\nst=0\nst=0\npiped\n", 0),
    # 2.6.5 Field Splitting, 2.5.2 Special Parameters
    "IFS non-blank delimiters": ('x="a_b-c d"; IFS=_-; set -- $x; echo $# "$1" "$3"', "3 a c d\n", 0),
    "IFS empty": ('x="a b"; IFS=""; set -- $x; echo $#', "1\n", 0),
    "IFS unset": ('x=" a  b "; IFS=:; unset IFS; set -- $x; echo $#', "2\n", 0),
    "IFS empty fields": ('y=a::b; IFS=:; set -- $y; echo $# "[$2]"', "3 []\n", 0),
    "IFS joins $*": ('set -- a b c; IFS=,; echo "$*"', "a,b,c\n", 0),
    "empty $@ is no word": ('f() { echo $#; }; f "$@"; f "x$@"; set --; f "$@"', "0\n1\n0\n", 0),
    "$@ keeps words": ('f() { echo $#; }; set -- "a b" c; f "$@"; f $@', "2\n3\n", 0),
    "unquoted $@ and $* are a field each, then split": (
        "set -- a 'b c'; IFS=; printf '[%s]\\n' $@ $*; IFS=:; printf '[%s]\\n' $@ x$*y",
        "[a]\n[b c]\n[a]\n[b c]\n[a]\n[b c]\n[xa]\n[b cy]\n", 0),
    "unquoted $@ drops empty parameters": ("set -- a '' b; IFS=:; printf '[%s]' $@ $*", "[a][b][a][b]", 0),
    # 2.6.3: a case pattern's ) does not end $( ), nor a group's } a ${ }
    "case in a command substitution": ("echo $(case a in a) echo A;; esac) \"$(case x in (x) echo X;; esac)\"\n"
                                       "echo $(case a in\n  a) echo multi;;\nesac) end\n"
                                       "x=$(case b in a) echo no;; b) echo B;; esac); echo $x",
                                       "A X\nmulti end\nB\n", 0),
    "a group in a substitution in a parameter's word": ('echo ${u:-$({ echo b; })} "${u:-$(case a in a) echo C;; esac)}"',
                                                        "b C\n", 0),
    # 2.6.3 across lines
    "substitution over lines": ("echo $(echo a\necho b)\necho $((1 +\n2))", "a b\n3\n", 0),
    # XCU getopts: options alone, grouped, with values in the word or the
    # next, --, the silent form, OPTIND to start again and to shift.
    "getopts": ("echo ${OPTIND:-1}; while getopts ab:c opt -a -b val -c; do echo \"$opt ${OPTARG:-}\"; done;"
                " echo \"end $? $OPTIND $opt\"\n"
                "OPTIND=1; while getopts ab:c opt -acb val rest; do echo \"$opt ${OPTARG:-}\"; done; echo $OPTIND\n"
                "OPTIND=1; while getopts ab:c opt -cbVAL -- -a; do echo \"$opt $OPTARG\"; done; echo $OPTIND\n"
                "OPTIND=1; while getopts :ab: opt -x -b; do echo \"$opt $OPTARG\"; done; echo $OPTIND\n"
                "OPTIND=1; while getopts ab: opt -x -b 2>/dev/null; do echo \"$opt ${OPTARG:-none}\"; done\n"
                "set -- -a file; OPTIND=1; while getopts a opt; do echo $opt; done; shift $((OPTIND-1)); echo $*",
                "1\na \nb val\nc \nend 0 5 ?\na \nc \nb val\n3\nc \nb VAL\n3\n? x\n: b\n3\n"
                "? none\n? none\na\nfile\n", 0),
    # 2.6.4 Arithmetic Expansion: every assignment operator of C's.
    "arithmetic assignments": ("x=5; echo $((x += 3)) $((x -= 1)) $((x *= 2)) $((x /= 7)) $((x %= 2))"
                               " $((x <<= 3)) $((x >>= 1)) $((x &= 6)) $((x |= 8)) $((x ^= 1)) $x\n"
                               "readonly r=1; (: $((r += 1))) 2>/dev/null || echo refused",
                               "8 7 14 2 0 0 0 0 8 9 9\nrefused\n", 0),
    # 2.14 set -e: a failure in an AND-OR list before its last command,
    # in a condition or a negation ends nothing; the last command's does.
    "set -e and and-or lists": ("set -e\nfalse && echo no; echo next\nfalse || false && echo x; echo after\n"
                                "! true; echo negated\nif false; then :; fi; echo if-ok\ntrue && false\necho never",
                                "next\nafter\nnegated\nif-ok\n", 1),
    # 2.5.3: IFS is set as a shell starts; saved and put back, it splits.
    "IFS saved and put back": ("old=$IFS; IFS=,; set -- $(echo a,b); echo $#; IFS=$old; set -- $(echo 'c d');"
                               " echo $#; printf '%s' \"$IFS\" | od -c | head -n 1",
                               "2\n2\n0000000      \\t  \\n\n", 0),
    # 2.9.3.1: an asynchronous list's status is zero, at once.
    "status of &": ("false; sleep 0 & echo $?; wait", "0\n", 0),
    # 2.14 unset: -v variables (the default), -f functions.
    "unset -f and -v": ("f() { echo f; }; x=1; unset -f f; type f >/dev/null 2>&1 || echo no f; unset -v x;"
                        " echo \"[$x]\"; y=2; unset y; echo \"[$y]\"; unset -f nosuch; echo $?; unset -fv x 2>/dev/null",
                        "no f\n[]\n[]\n0\n", 2),
    # XCU export -p, cd and pwd -L/-P (no links on a board), kill -l.
    "export -p, cd -P, kill -l": ("export A=\"it's\"; export -p | grep A=; cd -P /tmp && pwd -P; cd -L /; pwd -L;"
                                  " kill -l 143; kill -l | grep -c TERM; kill -l 99 2>/dev/null || echo bad",
                                  "export A='it'\\''s'\n/tmp\n/\nTERM\n1\nbad\n", 0),
    # 2.14 trap: the EXIT action runs as the shell ends, $? kept unless it
    # exits; listed as commands; - or a number puts the default back.
    "trap on exit": ("trap 'echo cleanup $?' EXIT\necho body\nfalse", "body\ncleanup 1\n", 1),
    "trap exits": ("trap 'echo leaving; exit 7' EXIT\nexit 3", "leaving\n", 7),
    "trap lists and resets": ("trap 'echo a' EXIT; trap '' INT; trap; trap - EXIT; trap 2; trap; echo end",
                              "trap -- 'echo a' EXIT\ntrap -- '' INT\nend\n", 0),
    "a bad trap condition is a shell error": ("trap 'echo x' HUP\necho never", "", 2),
    # 2.12: a subshell's traps are its own (those ignored are kept); $( )
    # is a subshell (2.6.3): what it assigns, defines or changes stays in it.
    "traps of subshells": ("(trap 'echo sub' EXIT; echo in); x=$(trap 'echo bye' EXIT; echo in); echo \"[$x]\";"
                           " trap '' INT; (trap); trap 'echo outer' EXIT",
                           "in\nsub\n[in\nbye]\ntrap -- '' INT\nouter\n", 0),
    "a substitution is a subshell": ("x=$(y=5; cd /tmp; f() { :; }; set -- a; echo hi); echo \"[$y] $x $#\"; pwd;"
                                     " type f >/dev/null 2>&1 || echo no f", "[] hi 0\n/\nno f\n", 0),
    # 2.14 readonly, 2.9.1.1 command search
    # Assigning a read-only variable is a shell error (2.8.1): a subshell
    # keeps it to itself, with its redirections; the script ends there.
    "readonly": ("readonly r=5\nunset r; echo r=$r\n(r=6) 2>/dev/null; echo sub $?\n"
                 "(for r in a; do :; done) 2>/dev/null; echo for $?\n"
                 "a=0; (a=1 r=2 true) 2>/dev/null; echo prefix $? $a\nr=6\necho never",
                 "r=5\nsub 1\nfor 1\nprefix 1 0\n", 1),
    # What a subshell makes read only stays so in it alone (2.12): it
    # stayed so in the shell that ran it.
    "readonly in a subshell": ("(readonly a=1); a=2; x=$(readonly b=1); b=3; f() { readonly c=1; }; (f)\n"
                               "c=4; echo readonly d=1 > /tmp/ro.sh; (. /tmp/ro.sh); d=5; echo $a $b $c $d",
                               "2 3 4 5\n", 0),
    # 2.5.3: PWD is set from the start; a subshell's cd changed only its
    # own, and the shell's came back unset.
    "PWD": ("echo $PWD; (cd /tmp; echo $PWD); echo $PWD; cd /tmp; echo $PWD", "/\n/tmp\n/\n/tmp\n", 0),
    # 2.14 exec: a script's plain line `exec CMD` said "sh: exec".
    "exec in a script": ("exec echo replaced\necho never", "replaced\n", 0),
    # 2.6.1: in an assignment, a ~ after = or after a : is the home folder.
    "tilde in assignments": ('HOME=/home/u; x=~ y=~/b z=a:~:c w="~" v=~x u=\\~; export p=~/bin\n'
                             'f() { local l=~; echo $l; }; f; echo "$x $y $z $w $v $u $p"',
                             "/home/u\n/home/u /home/u/b a:/home/u:c ~ ~x ~ /home/u/bin\n", 0),
    "type": ("f() { :; }; type f cd; type nosuch; echo $?", "f is a shell function\n"
             "cd is /bin/cd.py\n127\n", 0),
    "command skips functions": ("echo() { printf no; }; command echo yes; command -v cd", "yes\n/bin/cd.py\n", 0),
    # 2.7 Redirection, 2.14 exec
    "exec opens a descriptor": ("exec 3> /tmp/fd3\necho one >&3\necho two >&3\nexec 3>&-\ncat /tmp/fd3\n"
                                "echo x >&3\necho $?", "one\ntwo\n1\n", 0),
    "closing a duplicate leaves the original open": ("exec 4>&1; echo via4 >&4; exec 4>&-; echo still\n"
                                                     "exec 3>/tmp/f3; exec 5>&3; exec 3>&-; echo five >&5;"
                                                     " exec 5>&-; cat /tmp/f3", "via4\nstill\nfive\n", 0),
    # 2.14 read (XCU read)
    "read splits a line into names": ("printf ' x  y z \\n' > /tmp/rd; read a b < /tmp/rd; echo \"[$a] [$b]\"\n"
                                      "printf '1:2::3:4\\n' > /tmp/rd; IFS=: read a b c d < /tmp/rd\n"
                                      "echo \"[$a] [$b] [$c] [$d]\"",
                                      "[x] [y z]\n[1] [2] [] [3:4]\n", 0),
    "read and backslashes": ("printf 'a\\\\ b c\\\\\\nd e\\n' > /tmp/rd; read x y < /tmp/rd; echo \"[$x] [$y]\"\n"
                             "read -r x y < /tmp/rd; echo \"[$x] [$y]\"", "[a b] [cd e]\n[a\\] [b c\\]\n", 0),
    "read leaves names empty": ("read a b c <<E\none\nE\necho \"[$a] [$b] [$c] $?\"\n"
                                "read a b < /dev/null; echo \"[$a] [$b] $?\"", "[one] [] [] 0\n[] [] 1\n", 0),
    # XCU read: end of file before a newline is status 1, the line read.
    "read a last line without its newline": ("printf 'last' | { read x; echo \"$x $?\"; }; printf 'a\\nb' | "
                                             "while read l; do echo $l; done; echo end",
                                             "last 1\na\nend\n", 0),
    "read from a descriptor": ("printf 'l1\\nl2\\n' > /tmp/in\nexec 4< /tmp/in\nread a <&4\nread b <&4\n"
                               'echo "$a $b"', "l1 l2\n", 0),
    "read from a descriptor opened with <>": ("printf 'x\\ny\\n' > /tmp/rw\nexec 3<> /tmp/rw\nread v <&3\n"
                                              "echo z >&3\nexec 3>&-\necho v=$v; cat /tmp/rw\n"
                                              "printf 'l1\\n' > /tmp/rw; read w <> /tmp/rw; echo w=$w",
                                              "v=x\nx\nz\nw=l1\n", 0),
    "a descriptor for one command": ("echo x 5> /tmp/f5 >&5; cat /tmp/f5; echo y >&5; echo $?", "x\n1\n", 0),
    ">| and <>": ("echo hi >| /tmp/c; cat /tmp/c; echo rw <> /tmp/rw; cat /tmp/rw", "hi\nrw\n", 0),
    "exec a command": ("(exec echo replaced; echo no); echo end", "replaced\nend\n", 0),
    "exec a command with redirections": ("(exec echo into > /tmp/x); echo out; cat /tmp/x", "out\ninto\n", 0),
    "exec redirects the shell": ("exec > /tmp/all\necho into the file\nexec >&2\ncat /tmp/all >&2", "", 0),
    # 2.9.4.2 loops
    "break leaves the inner loop": ("for i in 1 2; do for j in a b c; do\n"
                                    " if [ $j = b ]; then break; fi; echo $i$j; done; done",
                                    "1a\n2a\n", 0),
    "continue 2": ("for i in 1 2; do for j in a b; do continue 2; echo no; done; echo no; done; echo ok",
                   "ok\n", 0),
    "break with a bad count ends the script": ("for i in 1 2; do echo $i; break oops; done; echo $?",
                                               "1\n", 2),
    "the status of a loop left by break": ("for i in 1; do false; break; done; echo $?", "0\n", 0),
    "break in a while condition": ("for i in 1 2; do while break; do :; done; echo i=$i; done",
                                   "i=1\ni=2\n", 0),
    "break more loops than there are": ("for i in 1 2; do for j in a; do break 5; done; echo no; done; echo end",
                                        "end\n", 0),
    "break and continue end only a subshell": ("for i in 1 2; do ( continue ); echo st=$?; done\n"
                                               "for i in 1; do echo $(break; echo no)in; done",
                                               "st=0\nst=0\nin\n", 0),
    "return ends only a subshell": ("f() { ( return 4 ); echo $?; x=$(return 3); echo $?; }; f", "4\n3\n", 0),
    "return through eval": ("f() { eval return; echo no; }; f; g() { eval 'return 5'; }; g; echo $?", "5\n", 0),
    "break through eval and dot": ("echo break > /tmp/b\nfor i in 1 2; do eval break; echo no; done\n"
                                   "for i in 1 2; do . /tmp/b; echo no; done; echo end", "end\n", 0),
    "return through dot in a function": ("echo 'return 3; echo no' > /tmp/r\nf() { . /tmp/r; echo f $?; }; f",
                                         "f 3\n", 0),
    "a function's break leaves no loop of its caller": ("f() { break; }; for i in 1 2; do f; echo $i $?; done",
                                                        "1 1\n2 1\n", 0),
}


# Cases a board's stack cannot hold, run through `sh` at its console: five
# calls of a function each waiting in $((...$(...))) for the next.
DEEP = {"function recursion"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_posix(sim, name):
    script, out, status = CASES[name]
    sim.write("/t.sh", script + "\n")
    r = sim.run("sh /t.sh")
    if simulator.board_name() and name in DEEP:
        # The stack's end, in one line, and the script ends.
        assert r.status != 0 and "nested too deeply for the stack" in r.err, r
        return
    # A board runs the compiled tree: its commands are .mpy files.
    assert (r.out, r.status) == (out.replace("/bin/cd.py", "/bin/cd" + sim.ext), status), r.err


def test_sh_n_checks_a_scripts_syntax_and_runs_none_of_it(sim):
    """sh -n FILE and set -n (POSIX's noexec): 'sh: unknown option -n'
    before; a prompt ignores set -n, which nothing could undo there."""
    sim.write("/ok.sh", "touch /tmp/ran\nfor i in 1 2; do\n  echo $i\ndone\n:top\ngoto top\n")
    sim.write("/bad.sh", "touch /tmp/ran\nif true; then\n  echo b\nfi fi\necho c\n")
    sim.write("/sn.sh", "echo before\nset -n\necho after\nfi\n")
    r = sim.run("sh -n /ok.sh; echo ok=$?", "cd /; sh -n bad.sh; echo bad=$?", "sh -n /none.sh; echo none=$?",
                "sh /sn.sh; echo sn=$?", "set -n; echo console", "set -o | grep noexec",
                "ls /tmp/ran; echo ls=$?", "sh -n; echo usage=$?")
    assert r.out == "ok=0\nbad=2\nnone=1\nbefore\nsn=2\nconsole\nnoexec    off\nls=1\nusage=2\n", r.out
    assert r.err.splitlines()[:3] == ["sh: /bad.sh: line 4: syntax error: unexpected fi",
                                      "sh: /none.sh: No such file or directory",
                                      "sh: /sn.sh: line 4: syntax error: unexpected fi"], r.err
    assert "sh: -n needs a FILE" in r.err


def test_a_bad_loop_count_is_one_error(sim):
    r = sim.run("while true; do continue x; done; echo no", "echo $?", "break -1", "echo $?")
    assert (r.out, r.err) == ("2\n2\n", "sh: continue: x: not a positive count\n"
                                          "sh: break: -1: not a positive count\n")


def test_break_continue_return_outside_a_loop_or_function_are_one_error(sim):
    r = sim.run("break; echo $?", "( continue 2 ); echo $?", "return 3; echo $?", "sh -c break; echo $?",
                "eval return")
    assert (r.out, r.status) == ("1\n1\n1\n1\n", 1)
    assert r.err == ("break: only meaningful in a loop\ncontinue: only meaningful in a loop\n"
                     "return: not in a function or script\nbreak: only meaningful in a loop\n"
                     "return: not in a function or script\n")


def test_a_programs_status_is_modulo_256(sim):
    sim.write("/opt/big.py", "def __main__(args):\n    return 300\n")
    sim.write("/opt/sysexit.py", "import sys\n\ndef __main__(args):\n    sys.exit(257)\n")
    r = sim.run("/opt/big; echo $?", "/opt/sysexit")
    assert (r.out, r.status) == ("44\n", 1), r.err


def test_a_shell_error_at_a_prompt_abandons_its_line_only(sim):
    r = sim.run("echo ${u?unset}; echo no", "echo after $?", "echo $((1+2x)); echo no", "if; then", "echo $?",
                "continue 1 2 3; echo no", 'f() { return ""; }; f; echo no', "echo on")
    assert (r.out, r.status) == ("after 1\n2\non\n", 0)
    assert r.err.splitlines() == [
        "sh: u: unset", "sh: 2x: not a number", "sh: syntax error: unexpected ;",
        "sh: continue: too many arguments", "sh: return: : numeric argument required"]


def test_a_shell_error_names_the_scripts_line(sim):
    sim.write("/t.sh", "echo a\necho ${u?unset}\n")
    sim.write("/s.sh", "echo b\nfi\n")
    r = sim.run("sh /t.sh; sh /s.sh; echo $?")
    assert r.out == "a\nb\n2\n"
    assert r.err == "sh: /t.sh: line 2: u: unset\nsh: /s.sh: line 2: syntax error: unexpected fi\n"


def test_sh_reading_its_input_ends_at_a_shell_error(sim):
    r = sim.run("printf 'echo a\\necho ${u?unset}\\necho no\\n' | sh; echo st=$?")
    assert (r.out, r.err) == ("a\nst=1\n", "sh: u: unset\n")


def test_reading_a_descriptor_open_only_for_writing_is_one_error(sim):
    r = sim.run("exec 4> /tmp/wo", "read v <&4; echo $?", "read v 0> /tmp/wo")
    assert (r.out, r.status) == ("1\n", 1)
    assert r.err == "read: Bad file descriptor\nread: Bad file descriptor\n"


def test_noclobber_refuses_in_one_line(sim):
    r = sim.run("echo a > /tmp/c", "set -C", "echo b > /tmp/c")
    assert (r.out, r.err, r.status) == ("", "sh: /tmp/c: File exists\n", 1)


def test_set_x_traces_commands_on_the_error_stream(sim):
    sim.write("/t.sh", "set -x\necho traced $((1 + 1))\nset +x\necho quiet\n")
    r = sim.run("sh /t.sh")
    assert r.out == "traced 2\nquiet\n"
    assert r.err == "+ echo traced 2\n+ set +x\n"


def test_a_scripts_options_and_functions_stay_in_the_script(sim):
    sim.write("/t.sh", "set -e\nf() { echo f; }\nf\n")
    r = sim.run("sh /t.sh", "false", "f", "echo $-")
    assert r.out == "f\n\n"
    assert r.err == "f: command not found\n"


def test_bad_set_options_and_function_bodies_are_reported(sim):
    r = sim.run("set -k", "echo $?", "set -o nosuch", "f() echo x", "local x")
    assert r.out == "2\n"
    assert r.err.splitlines() == [
        "sh: set: -k: unknown option", "sh: set: nosuch: unknown option",
        "sh: syntax error: f(): the body must be a compound command ({ ...; })",
        "local: not in a function",
    ]


def test_a_here_document_line_is_not_a_python_line(sim):
    r = sim.run("<<E cat", "from the document", "E")
    assert r.out == "from the document\n"


# Words, quotes, variables, $( ) and the operators a plain line may hold
# (shellplain.py, plainvars.py), which run without the parser.
_ATOMS = ["a", "b1", "$x", "$y", '"$x"', "'$x'", '"a b"', "''", '""', 'c"d"e', "$1", "$#", "$?", '"$@"',
          "x$x", '"q $x r"', "e=f", "*.nomatch", "'a;b'", '"#"', "a#b", "$u", "'*'", '"e*"',
          "$(echo s)", '"$(echo a  b)"', "x$(echo $x)", "$(false)"]
_ENDS = [" && echo T", " || echo F", " | cat", "; echo S", " # c", " &\nwait", ""]


def test_plain_lines_read_as_dash_reads_them(sim):
    """Random lines of plain words, quotes, variables, $( ), && || | ; &
    and comments, which run without the parser, print what dash prints (the
    parser's own reading of them is the cases above)."""
    if simulator.board_name():
        pytest.skip("the language is the same on every board: the default one")
    dash = shutil.which("dash")
    assert dash, "dash (CI installs it) is the reference"
    rng = random.Random(27)
    lines = ['x="1 2"', "y=3", 'set -- p "q r"']
    for _ in range(250):
        first = rng.choice(["echo", "echo", "z=1 echo", "w=$y"])
        words = " ".join(rng.choice(_ATOMS) for _ in range(rng.randint(1, 4)))
        lines.append((first if first.startswith("w=") else first + " " + words) + rng.choice(_ENDS))
        lines.append('echo "[$?]"')
    script = "\n".join(lines) + "\n"
    sim.write("/plain.sh", script)
    expected = subprocess.run([dash, "-c", script], capture_output=True, text=True, timeout=30)
    assert expected.returncode == 0 and not expected.stderr, expected
    r = sim.run("sh /plain.sh")
    assert (r.out, r.err) == (expected.stdout, ""), r
