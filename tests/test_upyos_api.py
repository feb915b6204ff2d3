"""The upyOS program API on munix: utls, sdata, the proc object, typed
environment values, Python lines as upyOS runs them; loaded only by what
uses it."""

API_PROGRAM = """import time
import utls
import sdata

proc = None


def __main__(args):
    print("proc", proc.pid > 0, proc.cmd, proc.args, proc.sts,
          type(proc.stt) is int, type(proc.tid) is int)
    print("stt", abs(proc.stt - time.time()) < 5)
    print("n+1", utls.getenv("n") + 1, utls.getenv("unset_one") == "")
    env = sdata.sysconfig["env"]
    print("env", "n" in env, env["n"], "unset_one" in env, env.get("unset_one", "dflt"))
    env["z"] = 2.5
    utls.setenv("flag", True)
    print("procs", [p.cmd for p in sdata.procs])
    sdata.upyos.run_cmd("echo run_cmd sees $z $flag")
    sdata.d0 = "display " + args[0]
"""

UTILS_PROGRAM = """import time
import utls


def __main__(args):
    print(utls.human(100), "|", utls.human(2048), "|", utls.human(3 * 1024 * 1024))
    print(utls.tspaces("ab", 6), "|", utls.tspaces("ab", 6, "b", "."), "|", utls.tspaces("abcde", 6))
    print(utls.time2s(90061, "e"), "|", utls.time2s(3723, "n"), "|", utls.date2s(time.mktime((2021, 3, 4, 5, 6, 7, 0, 0))))
    print(utls.MONTH[12], utls.WEEKDAY[0], len(utls.MONTH), len(utls.WEEKDAY))
    print(utls.shlex('cp "a b" c\\\\ d \\'e f\\''))
    print(utls.sha1("abc"), utls.sha1(""), utls.sha1("/opt/data.txt", True))
    print(utls.mac2Str(b"\\x01\\xab\\x00"))
    print(utls.file_exists("/opt"), utls.file_exists("nope"), utls.isdir("/opt"),
          utls.isfile("/opt"), utls.isfile("data.txt"))
    print(hex(utls.get_mode("/opt") & 0xF000), utls.get_mode("/nope"), utls.get_stat("/opt/data.txt")[6])
    print(utls.get_stat("/nope"))
    print(utls.protected("/boot.py"), utls.protected("/lib/munix.py"), utls.protected("/opt/data.txt"))
    utls.save_conf_file({"a": [1, 2]}, "conf.json")
    print(utls.load_conf_file("/opt/conf.json"))
    print(utls.getgpio("D2"), utls.getgpio("nope"), utls.getgpios("i2c", 0))
    utls.log("me", "silent")
    import sdata
    sdata.log = True
    utls.log("me", "logged")
    sdata.log = False
    utls.setenv("", "ignored")
    utls.setenv("gone", 1)
    utls.unset("gone")
    print("gone", repr(utls.getenv("gone")))
"""

BOARD = """{"gpio": [{"2": "D2", "21": "SDA", "22": "SCL"}],
 "i2c": [{"scl": "SCL", "sda": "SDA"}]}"""


def test_programs_get_proc_utls_sdata_and_typed_values(sim):
    sim.write("/opt/api.py", API_PROGRAM)
    r = sim.run("export n 5 -i", "cd /opt", "./api x y", "echo $z $flag",
                "< sdata.d0, utls.getenv('z') * 2, utls.getenv('flag') is True")
    assert r.err == ""
    lines = r.out.splitlines()
    assert lines[0] == "proc True api ['x', 'y'] R True True"
    assert lines[1] == "stt True"
    assert lines[2] == "n+1 6 True"
    assert lines[3] == "env True 5 False dflt"
    assert lines[4] == "procs ['api']"
    assert lines[5] == "run_cmd sees 2.5 True"
    assert lines[6:] == ["2.5 True", "display x 5.0 True"]


def test_utls_functions(sim):
    sim.write("/opt/utl.py", UTILS_PROGRAM)
    sim.write("/opt/data.txt", "abc")
    sim.write("/etc/my.board", BOARD)
    r = sim.run("loadboard /etc/my.board", "cd /opt", "./utl")
    lines = r.out.splitlines()
    assert lines[0] == "    100  |    2.00K |    3.00M"
    assert lines[1] == "ab     | ....ab | abcde"
    assert lines[2] == "  1d 01:01:01 | 01:02:03 | 04/3/2021"
    assert lines[3] == "Dec Mon 13 7"
    assert lines[4] == "['cp', 'a b', 'c d', 'e f']"
    sha = "a9993e364706816aba3e25717850c26c9cd0d89d"
    assert lines[5] == "%s  %s" % (sha, sha)
    assert lines[6] == "01:AB:00"
    assert lines[7] == "True False True False True"
    assert lines[8] == "0x4000 0 3"
    assert lines[9] == "(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)"
    assert "get_stat: /nope: no such file or folder" in r.err
    assert lines[10] == "True True False"
    assert lines[11] == "{'a': [1, 2]}"
    assert lines[12] == "2 0 {'scl': 22, 'sda': 21}"
    assert lines[13] == "me: logged"
    assert lines[14] == "gone ''"


def test_export_types_and_the_upyos_forms(sim):
    r = sim.run("export i 5 -i", "export f 2.5 -f", "export b True -b", "export s 7 -s",
                "export e = spaced", "echo $i $f $b $s $e",
                "< utls.getenv('i') + 1, utls.getenv('f') * 2, utls.getenv('b') is True, utls.getenv('s') + 'x'",
                "incr i", "< utls.getenv('i') * 2", "i=text", "< utls.getenv('i')",
                "export B=1 C=2", "echo $B$C")
    assert r.out == "5 2.5 True 7 spaced\n6 5.0 True 7x\n12\ntext\n12\n"
    assert r.status == 0


def test_export_typed_form_refuses_bad_values(sim):
    r = sim.run("export n five -i", "echo $?", "export b yes -b", "echo $?",
                "export f x -f", "echo $?", "export 1x 2 -i", "echo $?", "echo [$n]")
    assert r.out == "1\n1\n1\n1\n[]\n"
    assert "export: five: not an integer" in r.err
    assert "export: yes: not True or False" in r.err
    assert "export: x: not a number" in r.err
    assert "export: 1x: not a valid name" in r.err


def test_python_lines_as_upyos_runs_them(sim):
    # time.time() >= 0: an ESP32's clock starts at its epoch, 2000, and
    # reads 0 in the first second after boot.
    r = sim.run('< "a", "b", end="|"', "< 1, 2", '> x = 3\\nprint(x + 1)',
                "export s hi", '< $s + "!", "$s", ${s}', "< [$unset_var]",
                '< "tab\\tdone"', "< time.time() >= 0, sys.platform != '', os.getcwd()",
                "> sdata.d0 = 7 # a comment with $s and an ' quote", "< sdata.d0 * 2")
    assert r.out == "a b|1 2\n4\nhi! $s hi\n['']\ntab\tdone\nTrue True /\n14\n"
    assert r.err == ""


def test_python_line_errors_are_one_line(sim):
    r = sim.run("< 1 +", "echo $?", "> x = $", "echo $?")
    assert r.out == "1\n1\n"
    assert r.err.count("python:") == 2 and "Traceback" not in r.err


def test_sdata_procs_and_killall_from_a_program(sim):
    sim.write("/opt/spin.py", """import sdata
proc = None


def __main__(args):
    while proc.sts != "S":
        sdata.spins = getattr(sdata, "spins", 0) + 1
        proc.sleep(20)
""")
    sim.write("/opt/stopper.py", """import sdata


def __main__(args):
    print(sorted(p.cmd for p in sdata.procs))
    sdata.upyos.killall(args[0] if args else "")
""")
    r = sim.run("/opt/spin &", "/opt/spin &", "sleep 0.2", "/opt/stopper pi", "wait",
                "/opt/stopper", "< sdata.spins > 0")
    assert "['spin', 'spin', 'stopper']\n['stopper']\nTrue\n" in r.out


# How upyOS's programs read the board (its .board format: buses as lists
# of {signal: pin}, "gpio" [{GPIO: pin}], "ledio", "rgbio", "mcu" ...).
BOARD_PROGRAM = """import sdata
import utls


def __main__(args):
    b = sdata.board
    print(len(b["i2c"]), sorted(utls.getgpios("i2c", 0).items()), b["spi"][0]["ck"], b["uart"][0]["tx"])
    print(list(b["rgbio"][0].values()), "ledio" in b, b["mcu"][0]["arch"], b["mcu"][0]["type"])
    print(b["board"]["name"], b["wifi"], utls.getgpio(48))
"""


def test_upyos_programs_read_a_munix_board_file_in_upyos_format(sim):
    """sdata.board was munix's board file as it is: upyOS's programs that
    read its I2C buses, LEDs or chip (i2cscan, led, lshw's) failed with
    KeyError or TypeError, and utls.getgpios found no bus on any of
    munix's board files. A loadboard later counts."""
    sim.write("/opt/brd.py", BOARD_PROGRAM)
    r = sim.run("loadboard /etc/boards/esp32s3-devkitc.board", "/opt/brd",
                "loadboard /etc/boards/pico-w.board",
                "< sdata.board['mcu'][0]['arch'], sdata.board['ledio'], 'rgbio' in sdata.board",
                "< sdata.board['pins']['SDA'], sorted(sdata.board['i2c'][0].items())")
    assert r.err == ""
    assert r.out.splitlines() == [
        "1 [('scl', 9), ('sda', 8)] 12 17",
        "[48] False xtensa ESP32-S3",
        "ESP32-S3 DevKitC-1 True 48",
        "arm [{'led': 'LED'}] False",
        "8 [('scl', 9), ('sda', 8)]"]


def test_sdata_facts(sim):
    r = sim.run("< sdata.name, sdata.version, type(sdata.sid) is str, sdata.debug, sdata.log",
                "< sdata.initime <= time.time(), sdata.board is not None",
                "< 'ver' in sdata.sysconfig or True, 'env' in sdata.sysconfig, 'PATH' in sdata.sysconfig['env']",
                "< sorted(k for k, v in sdata.sysconfig['env'].items() if k == 'PATH')",
                "> sdata.upyos.print_msg('hello')")
    assert r.out.startswith("munix 0.1.0 True False False\nTrue True\nTrue True True\n['PATH']\n")
    assert "->hello" in r.out


def test_the_api_costs_nothing_until_used(sim):
    # The probe names the modules in pieces: a Python line naming them loads them.
    probe = "< [m for m in ('ut' + 'ls', 'sd' + 'ata') if m in sys.modules]"
    r = sim.run("echo hi", "export x 1", "test -f /boot.py", probe, "< utls.getenv('x')", probe)
    assert r.out == "hi\n[]\n1\n['utls']\n"
