"""Programs written for upyOS run unchanged from /opt, and upyOS's script
and command forms work: goto :label, killall by part of a name, test -p,
watch -q, wifi sta ifconfig, and upyOS mode (a script whose first line is
#!upyos, or "upyos": true in system.conf), where `CMD > NAME` sets a
variable and a test on its own line prints True or False.

The programs are this project's own, written the way upyOS's /bin
programs are: a __main__(args), a usage line when called without what
they need, utls for files, the environment and output to variables,
sdata for the processes and the system, the module global proc, and
utime and uos, which are time and os as on a board."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROGRAMS = {
    "cat": '''import utls


def __main__(args):
    if len(args) == 0:
        print("Show files\\nUsage: cat <file>... [-n]")
        return
    numbered = "-n" in args
    for name in args:
        if name[0] == "-":
            continue
        if not utls.isfile(name):
            print("cat: not a file: " + name)
            continue
        count = 0
        with open(name) as f:
            while True:
                line = f.readline()
                if not line:
                    break
                count += 1
                print((str(count) + " " if numbered else "") + line, end="")
''',
    "cp": '''import utls


def copy(src, dst):
    if utls.isdir(dst):
        dst = dst.rstrip("/") + "/" + src.split("/")[-1]
    with open(src, "rb") as fin:
        with open(dst, "wb") as fout:
            while True:
                block = fin.read(128)
                if not block:
                    break
                fout.write(block)
    print(src + " -> " + dst)


def __main__(args):
    if len(args) != 2:
        print("Copy a file\\nUsage: cp <src> <dst>")
        return
    if not utls.file_exists(args[0]):
        print("cp: no source " + args[0])
    elif utls.protected(args[1]):
        print("cp: a system file stays")
    else:
        copy(args[0], args[1])
''',
    "mv": '''import uos
import utls


def __main__(args):
    if len(args) != 2:
        print("Move a file\\nUsage: mv <src> <dst>")
        return
    src, dst = args
    if not utls.file_exists(src):
        print("mv: no source " + src)
        return
    if utls.protected(dst) or utls.protected(src):
        print("mv: a system file stays")
        return
    if utls.isdir(dst):
        dst = dst + "/" + src.split("/")[-1]
    uos.rename(src, dst)
    print(src + " -> " + dst)
''',
    "rm": '''import uos
import utls


def __main__(args):
    if len(args) == 0:
        print("Remove files\\nUsage: rm <path>...")
        return
    for path in args:
        if utls.protected(path):
            print("rm: system file " + path)
        elif utls.isdir(path):
            uos.rmdir(path)
        elif utls.file_exists(path):
            uos.remove(path)
        else:
            print("rm: not found " + path)
''',
    "find": '''import uos
import utls


def walk(text, folder, deep):
    for name in sorted(uos.listdir(folder)):
        path = (folder if folder.endswith("/") else folder + "/") + name
        if text in name:
            print("Found: " + path)
        if deep and utls.isdir(path):
            walk(text, path, deep)


def __main__(args):
    if len(args) == 0:
        print("Find files\\nUsage: find <text> [-r] [folder]")
        return
    folder = "/"
    for a in args[1:]:
        if a != "-r":
            folder = a
    walk(args[0], folder, "-r" in args)
''',
    "grep": '''import utls


def __main__(args):
    if len(args) < 2:
        print("Find text in files\\nUsage: grep <text> <file>...")
        return
    for name in args[1:]:
        if not utls.isfile(name):
            print("grep: no file " + name)
            continue
        with open(name) as f:
            for line in f:
                if args[0] in line:
                    print(name + ": " + line.rstrip())
''',
    "test": '''import utls
import sdata


def __main__(args):
    if len(args) == 0:
        print("Check files, folders, processes\\nUsage: test -f|-d <path> | -p <name> [> var]")
        return
    result = False
    if "-f" in args:
        result = utls.isfile(args[args.index("-f") + 1])
    if "-d" in args:
        result = utls.isdir(args[args.index("-d") + 1])
    if "-p" in args:
        wanted = args[args.index("-p") + 1]
        for p in sdata.procs:
            if wanted in p.cmd and p.pid != proc.pid:
                result = True
    utls.outs(args, result)


proc = None
''',
    "sh": '''import utls
import sdata


def __main__(args):
    if len(args) == 0:
        print("Run a script\\nUsage: sh <file> [args]")
        return
    if not utls.file_exists(args[0]):
        print("sh: no script " + args[0])
        return
    utls.setenv("0", args[0])
    for i in range(1, len(args)):
        utls.setenv(str(i), args[i])
    with open(args[0]) as f:
        for line in f:
            line = line.strip()
            if line and line[0] not in "#:":
                sdata.upyos.run_cmd(line)
''',
    "date": '''import utime
import utls


def __main__(args):
    if "--h" in args:
        print("Date and time\\nUsage: date [-d|-t] [> var]")
        return
    t = utime.localtime(utime.time())
    day = "%02d/%s/%04d" % (t[2], utls.MONTH[t[1]], t[0])
    clock = "%02d:%02d:%02d" % (t[3], t[4], t[5])
    if "-d" in args:
        text = day
    elif "-t" in args:
        text = clock
    else:
        text = utls.WEEKDAY[t[6]] + " " + day + " " + clock
    utls.outs(args, text)
''',
    "ls": '''import uos
import utime
import utls
import sdata


def __main__(args):
    mode = args[0] if args and args[0][0] == "-" else "-l"
    folder = [a for a in args if a[0] != "-"]
    folder = folder[0] if folder else uos.getcwd()
    total = 0
    for name in sorted(uos.listdir(folder)):
        path = folder.rstrip("/") + "/" + name
        st = uos.stat(path)
        kind = "d" if st[0] & 0x4000 else " "
        kind += "r-" if path in sdata.sysconfig["pfiles"] else "rw"
        size = utls.human(st[6]) if "h" in mode else "%7d" % st[6]
        t = utime.localtime(st[8])
        print(kind + " " + size + " " + utls.MONTH[t[1]] + " " + name)
        total += st[6]
    print("Total " + folder + ": " + str(total) + " bytes")
''',
    "df": '''import uos
import utls


def __main__(args):
    if "--h" in args:
        print("Storage\\nUsage: df [-h] [> var]")
        return
    st = uos.statvfs("/")
    total = st[0] * st[2]
    free = st[0] * st[3]
    ret = {"total": total, "used": total - free, "free": free}
    if utls.outs(args, ret, False):
        return
    size = utls.human if "-h" in args else str
    print("Total space: " + size(total))
    print("Free space.: " + size(free))
''',
    "free": '''import gc
from utls import outs, human


def __main__(args):
    gc.collect()
    free = gc.mem_free()
    used = gc.mem_alloc()
    ret = {"Total": free + used, "Alloc": used, "Free": free}
    if outs(args, ret, False):
        return
    for k in ("Total", "Alloc", "Free"):
        print(k + ": " + (human(ret[k]) if "-h" in args else str(ret[k])))
''',
    "lsmod": '''import sys
import utls


def __main__(args):
    for name in sorted(sys.modules):
        print(utls.tspaces(name, 16) + "loaded")
''',
    "uptime": '''import sdata
import utime
import utls


def __main__(args):
    up = utime.time() - sdata.initime
    utls.outs(args, "up " + utls.time2s(up, "e"))
''',
    "ps": '''import time
import sdata
import utls


def __main__(args):
    print("  Proc Sts  Init_T   Elapsed       Thread  Cmd/Args")
    for p in sdata.procs:
        print("%6d  %-3s %s %s %10d  %s %s" % (p.pid, p.sts, utls.time2s(p.stt, "n"),
              utls.time2s(time.time() - p.stt, "e"), p.tid, p.cmd, " ".join(p.args)))
''',
    "kill": '''import sdata


def __main__(args):
    if len(args) == 0:
        print("Stop a process\\nUsage: kill <pid>")
        return
    for p in sdata.procs:
        if args[0].isdigit() and p.pid == int(args[0]):
            p.sts = "S"
''',
    "hold": '''import sdata


def __main__(args):
    if len(args) == 0:
        print("Hold a process\\nUsage: hold <pid>")
        return
    for p in sdata.procs:
        if args[0].isdigit() and p.pid == int(args[0]):
            p.sts = "H"
''',
    "resume": '''import sdata


def __main__(args):
    if len(args) == 0:
        print("Resume a process\\nUsage: resume <pid>")
        return
    for p in sdata.procs:
        if args[0].isdigit() and p.pid == int(args[0]):
            p.sts = "R"
''',
    "wait": '''import utime
import sdata


def __main__(args):
    if len(args) == 0:
        print("Wait for a process\\nUsage: wait <pid>")
        return
    pid = int(args[0])
    while [p for p in sdata.procs if p.pid == pid]:
        utime.sleep(0.05)
''',
    "killall": '''import sdata


def __main__(args):
    sdata.upyos.killall(args[0] if args else "")
''',
    "watch": '''import utime
import sdata

proc = None


def __main__(args):
    if len(args) == 0:
        print("Repeat a command\\nUsage: watch [-t secs] [-q] <cmd>...")
        return
    every = 2.0
    quiet = False
    while args and args[0][0] == "-":
        if args[0] == "-t":
            every = float(args[1])
            args = args[2:]
        else:
            quiet = args[0] == "-q"
            args = args[1:]
    line = " ".join(args)
    while proc.sts != "S":
        if proc.sts == "H":
            utime.sleep(0.05)
            continue
        if not quiet:
            print("Every " + str(every) + "s: " + line)
        sdata.upyos.run_cmd(line)
        utime.sleep(every)
''',
    "unset": '''import utls


def __main__(args):
    if len(args) == 0:
        print("Unset variables\\nUsage: unset <var>...")
    for name in args:
        utls.unset(name)
''',
    "incr": '''import utls
import sdata


def __main__(args):
    if len(args) == 0:
        print("Add to a variable\\nUsage: incr <var> [<n>]")
        return
    if args[0] not in sdata.sysconfig["env"]:
        utls.setenv(args[0], 0)
    value = utls.getenv(args[0])
    if not isinstance(value, int):
        print(args[0] + " is not an integer")
        return
    utls.setenv(args[0], value + (int(args[1]) if len(args) > 1 else 1))
''',
    "decr": '''import utls
import sdata


def __main__(args):
    if len(args) == 0:
        print("Subtract from a variable\\nUsage: decr <var> [<n>]")
        return
    if args[0] not in sdata.sysconfig["env"]:
        utls.setenv(args[0], 0)
    value = utls.getenv(args[0])
    if not isinstance(value, int):
        print(args[0] + " is not an integer")
        return
    utls.setenv(args[0], value - (int(args[1]) if len(args) > 1 else 1))
''',
    "cd": '''import uos


def __main__(args):
    try:
        uos.chdir(args[0] if args else "/")
        print("in " + uos.getcwd())
    except OSError:
        print("Invalid path")
''',
    "env": '''import sdata


def __main__(args):
    for k, v in sdata.sysconfig["env"].items():
        print(k + "=" + (repr(v) if isinstance(v, str) else str(v)))
''',
    "help": '''import uos
import sdata


def __main__(args):
    print(sdata.name + " version: " + sdata.version)
    names = [n.split(".")[0] for n in uos.listdir("/bin")]
    names.sort()
    print("Commands: " + ", ".join(names))
''',
}

TICKER = '''import utime
import sdata

proc = None


def __main__(args):
    sdata.ticks = 0
    while proc.sts != "S":
        if proc.sts != "H":
            sdata.ticks += 1
        utime.sleep(0.02)
    print("ticker ends")
'''


def install(sim, names=None, ticker=False):
    """The programs in /opt, and $PATH looking there first, as a upyOS
    user who copied them would have it."""
    for name in names or PROGRAMS:
        sim.write("/opt/%s.py" % name, PROGRAMS[name])
    if ticker:
        sim.write("/opt/ticker.py", TICKER)
    return "export PATH=/opt:/bin"


def test_file_programs(sim):
    sim.write("/data/a.txt", "one\ntwo apples\n")
    r = sim.run(install(sim, ["cat", "cp", "mv", "rm", "find", "grep"]), "cd /data",
                "cat a.txt -n", "cat", "cat nope", "cp a.txt b.txt", "cp a.txt /boot.py",
                "mkdir sub", "mv b.txt sub", "find .txt -r /data", "grep apple a.txt sub/b.txt",
                "rm sub/b.txt sub nope /main.py", "find txt /data", "cat a.txt > copy.txt",
                "cat copy.txt")
    assert r.err == ""
    assert r.out == ("1 one\n2 two apples\n"
                     "Show files\nUsage: cat <file>... [-n]\n"
                     "cat: not a file: nope\n"
                     "a.txt -> b.txt\n"
                     "cp: a system file stays\n"
                     "b.txt -> sub/b.txt\n"
                     "Found: /data/a.txt\nFound: /data/sub/b.txt\n"
                     "a.txt: two apples\nsub/b.txt: two apples\n"
                     "rm: not found nope\nrm: system file /main.py\n"
                     "Found: /data/a.txt\n"
                     "one\ntwo apples\n")


def test_test_date_sh_and_variables(sim):
    sim.write("/etc/system.conf", '{"upyos": true}')
    sim.write("/opt/s.sh", "# a script\n:label\necho in $0 with $1\ntest -f /boot.py > t\n")
    r = sim.run(install(sim, ["test", "sh", "date", "unset", "incr", "decr", "env"]),
                "test -f /boot.py", "test -d /boot.py", "test -p nosuch",
                "date -t > now", "date > /tmp/d.txt", "echo $now",
                "sh /opt/s.sh arg", "echo $t",
                "incr n", "incr n 5", "decr n 2", "< utls.getenv('n')",
                "export s text", "incr s", "unset n s", "echo [$n$s]", "env")
    lines = r.out.splitlines()
    assert lines[:3] == ["True", "False", "False"]
    assert re.fullmatch(r"\d\d:\d\d:\d\d", lines[3])
    assert lines[4:7] == ["in /opt/s.sh with arg", "True", "4"]
    assert lines[7:9] == ["s is not an integer", "[]"]
    assert "PATH='/opt:/bin'" in lines[9:]
    assert "t=True" in lines[9:]
    assert re.fullmatch(r"\w\w\w \d\d/\w\w\w/\d{4} \d\d:\d\d:\d\d\n",
                        sim.path("/tmp/d.txt").read_text())


def test_system_programs(sim):
    sim.write("/etc/system.conf", '{"upyos": true}')
    r = sim.run(install(sim, ["ls", "df", "free", "lsmod", "uptime", "help", "cd"]),
                "ls /", "ls -h /etc", "df", "df -h", "df > d", "< utls.getenv('d')['free'] > 0",
                "free", "free > f", "< sorted(utls.getenv('f'))", "lsmod", "uptime",
                "uptime > u", "echo $u", "help", "cd /etc", "pwd")
    assert r.err == ""
    out = r.out
    assert re.search(r"^ r- +\d+ \w\w\w boot.py$", out, re.M) and "Total /: " in out
    assert re.search(r"Total space: \d+\nFree space\.: \d+\n", out)
    assert re.search(r"Total space: +[\d.]+[KM ]\n", out)
    assert "True\n" in out
    assert re.search(r"Total: \d+\nAlloc: \d+\nFree: \d+\n", out)
    assert "['Alloc', 'Free', 'Total']\n" in out
    assert re.search(r"^utls +loaded$", out, re.M)
    assert re.search(r"^up +0d 00:00:\d\d\nup +0d", out, re.M)
    assert "munix version: 0.1.0\nCommands: " in out and ", cat, " in out
    # upyOS's cd moves with os.chdir: the session follows (see the README).
    assert out.endswith("in /etc\n/etc\n")


def test_process_programs(sim):
    setup = install(sim, ["ps", "kill", "hold", "resume", "wait", "killall", "watch"], ticker=True)
    # $! is the job's; upyOS's programs find the program's own process.
    find = "> utls.setenv('tp', [p.pid for p in sdata.procs if p.cmd == 'ticker'][0])"
    r = sim.run(setup, "ticker &", "sleep 0.2", "ps", find, "hold $tp", "sleep 0.1", "> a = sdata.ticks",
                "sleep 0.2", "< sdata.ticks == a", "resume $tp", "sleep 0.2", "< sdata.ticks > a",
                "kill $tp", "wait $tp", "ticker &", "ticker &", "sleep 0.2", "killall tick",
                "sleep 0.3", "ps")
    assert r.err == ""
    out = r.out
    assert re.search(r"^ +\d+  R   \d\d:\d\d:\d\d +0d 00:00:0\d +\d+  ticker $", out, re.M)
    assert "True\nTrue\n" in out
    assert out.count("ticker ends\n") == 3
    last = out[out.rfind("Cmd/Args"):]
    assert "ticker" not in last


def test_watch_program_quiet_and_stopped(sim):
    setup = install(sim, ["watch", "kill", "killall"])
    r = sim.run(setup, "export w 0", "watch -t 0.05 -q incr w &", "sleep 0.5", "killall watch", "sleep 0.3",
                "< int(utls.getenv('w')) > 2", "watch -t 0.05 echo hi &", "sleep 0.3",
                "killall", "sleep 0.3", "jobs")
    assert r.err == ""
    assert "True\n" in r.out
    assert "Every 0.05s: echo hi\nhi\n" in r.out
    assert "running" not in r.out


def test_usage_lines_without_arguments(sim):
    names = ["cp", "mv", "rm", "find", "grep", "test", "sh", "kill", "hold", "resume",
             "wait", "watch", "unset", "incr", "decr"]
    r = sim.run(*([install(sim, names)] + names))
    assert r.err == ""
    assert r.out.count("Usage: ") == len(names)


# Script and command compatibility

UPYOS_SCRIPT = """#!upyos
date > d1
echo hello > v1
echo " world" >> v1
echo to a file > out.txt
uptime >> out.txt
test -f /boot.py
test -f /nope > r
if test -f /boot.py; then echo a condition prints nothing; fi
test -d /opt && echo nor does this
goto :end
echo skipped
:end
export n 1
:loop
incr n
if $n < 3 goto :loop
echo "d1=[$d1] v1=[$v1] r=[$r] n=$n"
"""

POSIX_SCRIPT = """echo hello > v1
test -f /boot.py
goto :end
echo skipped
:end
echo "v1=[$v1]"
"""


def test_upyos_mode_captures_into_variables_and_prints_tests(sim):
    sim.write("/opt/u.sh", UPYOS_SCRIPT)
    r = sim.run("cd /opt", "sh u.sh", "cat out.txt", "echo x > v9", "cat v9")
    assert r.err == ""
    lines = r.out.splitlines()
    assert lines[:3] == ["True", "a condition prints nothing", "nor does this"]
    assert re.fullmatch(r"d1=\[\w+ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] v1=\[hello world\] r=\[False\] n=3",
                        lines[3])
    assert lines[4] == "to a file"
    assert "up" in lines[5]
    # The command line is not in upyOS mode: a file.
    assert lines[6] == "x"


def test_posix_scripts_write_files(sim):
    sim.write("/opt/p.sh", POSIX_SCRIPT)
    r = sim.run("cd /opt", "sh p.sh", "cat v1")
    assert r.out == "v1=[]\nhello\n"


def test_upyos_mode_everywhere_from_system_conf(sim):
    sim.write("/etc/system.conf", '{"upyos": true}')
    sim.write("/opt/p.sh", POSIX_SCRIPT)
    r = sim.run("echo hi > v", "echo $v", "test -d /opt", "ls /opt > /tmp/list",
                "cat /tmp/list", "sh /opt/p.sh")
    assert r.out == "hi\nTrue\np.sh\nTrue\nv1=[hello]\n"


def test_programs_give_typed_values_through_outs(sim):
    sim.write("/opt/u.sh", "#!upyos\n/opt/df > d\n/opt/test -f /boot.py > t\n"
                           "< type(utls.getenv('d')).__name__, utls.getenv('t')\n")
    install(sim, ["df", "test"])
    r = sim.run("sh /opt/u.sh")
    assert r.out == "dict True\n"


def test_goto_label_forms_and_a_missing_label(sim):
    sim.write("/g.sh", "goto :b\n:a\necho a\nreturn\n:b\necho b\ngoto a\n")
    sim.write("/bad.sh", "echo before\ngoto :nowhere\necho after\n")
    r = sim.run("sh /g.sh", "sh /bad.sh")
    assert r.out == "b\na\nbefore\n"
    assert "goto: nowhere: no such label" in r.err


def test_killall_matches_part_of_a_name_and_alone_stops_every_job(sim):
    sim.write("/opt/ticker.py", TICKER)
    r = sim.run("/opt/ticker &", "/opt/ticker &", "sleep 30 &", "sleep 0.2", "killall tick",
                "echo $?", "jobs", "killall", "echo $?", "sleep 0.2", "jobs", "killall nosuch")
    assert r.out.count("ticker ends\n") == 2
    assert r.out.count("running") == 1
    assert "running   sleep 30" in r.out
    assert r.err == "killall: nosuch: no process found\n"
    assert r.status == 1


def test_test_p_matches_part_of_a_name(sim):
    sim.write("/opt/ticker.py", TICKER)
    r = sim.run("/opt/ticker &", "sleep 0.1", "test -p tick; echo $?", "test -p icke; echo $?",
                "test -p nosuch; echo $?", "test -p es; echo $?", "killall ticker")
    assert r.out.startswith("[1] ") and "0\n0\n1\n1\n" in r.out


def test_watch_q_leaves_out_the_header(sim):
    r = sim.run("watch -q -n 2 -t 0.01 echo hi", "watch -n 1 -t 0.01 -q echo ho")
    assert r.out == "hi\nhi\nho\n"


def test_wifi_sta_ifconfig(sim):
    r = sim.run("wifi sta on", "wifi sta connect munix-sim munix-sim-pass", "wifi sta ifconfig",
                "wifi sta ifconfig 10.0.0.2 255.255.255.0 10.0.0.1 10.0.0.1", "wifi sta ifconfig",
                "wifi ap ifconfig 1 2")
    assert "sta: inet 127.0.0.1  netmask 255.0.0.0" in r.out
    assert "sta: inet 10.0.0.2  netmask 255.255.255.0  gateway 10.0.0.1" in r.out
    assert "ifconfig: needs IP NETMASK GATEWAY DNS" in r.err
    assert r.status == 2


def readme_script():
    """The upyOS-mode example of the README's "Coming from upyOS"."""
    text = (ROOT / "README.md").read_text()
    return text.split("### Coming from upyOS", 1)[1].split("```\n")[1]


def test_the_readme_example(sim):
    sim.write("/opt/demo.sh", readme_script())
    r = sim.run("sh /opt/demo.sh", "cat /tmp/free.txt", "echo $d1")
    assert r.err == ""
    assert r.out.startswith("True\nn + 1 = 6\nhello world!\n")
    assert "Mem:" in r.out
    assert re.search(r"\n\w\w\w \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n$", r.out)
