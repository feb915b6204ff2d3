"""The compiled tree (tools/munix build): every device file compiles with
mpy-cross, and the OS booted from the .mpy files works."""
from munixtool import build, paths


def test_every_device_file_compiles_and_only_changes_are_rebuilt():
    build.build()
    again = build.build()
    assert again.compiled == 0
    out = paths.build_dir()
    assert (out / "lib" / "kernel.mpy").is_file()
    assert not (out / "lib" / "kernel.py").exists()
    assert (out / "main.py").is_file() and (out / "boot.py").is_file()


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
