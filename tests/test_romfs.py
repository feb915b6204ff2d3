"""munix run from a ROMFS partition (tools/munixtool/romfs.py): the compiled
lib/ and bin/ in a read-only image the board maps and runs in place, the
rest on the flash, as `munix sim --romfs` and a ROMFS board have it."""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, Sim, build, paths, simulator
from munixtool import MunixError, romfs

# A heap that holds the OS run from ROMFS, not the same tree on the flash
# (x64, 2026-11-28: from ROMFS these lines ran in 59 KiB, not in 58).
HEAP = "59K"


@pytest.fixture(scope="module")
def romfs_template(tmp_path_factory):
    build.build()
    flash = tmp_path_factory.mktemp("romfs") / "flash"
    romfs.seed(flash, paths.build_dir())
    return flash


@pytest.fixture
def rsim(romfs_template, tmp_path):
    """A board whose lib/ and bin/ are in its ROMFS partition."""
    flash = tmp_path / "romfs" / "flash"
    shutil.copytree(romfs_template, flash)
    shutil.copy2(simulator.romfs_partition(romfs_template), simulator.romfs_partition(flash))
    return Sim(flash)


def test_the_os_and_its_commands_run_from_the_partition(rsim):
    assert sorted(p.name for p in rsim.path("/bin").iterdir()) == []
    assert sorted(p.name for p in rsim.path("/lib").iterdir()) == []
    r = rsim.run("echo $PATH", "> import kernel; print(kernel.__file__)", "ls /rom",
                 "help ls", "uname -r", "echo hi | wc -l")
    assert r.err == "" and r.status == 0, r
    lines = r.out.splitlines()
    assert lines[:4] == ["/bin:/rom/bin", "/rom/lib/kernel.mpy", "bin", "lib"]
    assert "usage: ls" in r.out and lines[-1].split()[0] == "1"


def test_own_commands_on_the_flash_come_first(rsim):
    rsim.write("/bin/ls.py", "def __main__(args):\n    print('my own ls')\n")
    assert rsim.run("ls").out == "my own ls\n"


def test_a_session_in_a_folder_of_the_partition_runs_commands(rsim):
    # MicroPython's ROMFS enters only its root: every command said "error
    # 95" once the session was in /rom/bin, cd and exit's daemons too.
    r = rsim.run("cd /rom/bin", "pwd", "./echo a", "ls ls.mpy", "cd ../lib", "ls kernel.mpy")
    assert r.err == "" and r.status == 0, r
    assert r.out == "/rom/bin\na\nls.mpy\nkernel.mpy\n"


def test_the_partition_is_read_only(rsim):
    r = rsim.run("rm /rom/bin/ls.mpy", "echo status=$?", "cp /etc/init.sh /rom/x",
                 "echo status=$?")
    assert "rm: /rom/bin/ls.mpy: Read-only file system\n" in r.err
    assert r.out.splitlines() == ["status=1", "status=1"]
    assert r.err.count("\n") == 2


def test_upgrade_is_refused_the_partition_is_not_the_flash(rsim):
    r = rsim.run("upgrade -y --url http://127.0.0.1:9/x")
    assert r.err == ("upgrade: munix runs from the ROMFS partition (/rom): update it from a "
                     "computer (`munix build --romfs FILE`, `mpremote romfs deploy FILE`)\n")
    assert r.status == 1


def test_it_runs_in_a_heap_too_small_for_the_same_tree_on_the_flash(rsim, tmp_path):
    lines = ("ls /etc", "cat /etc/init.sh", "uftpd status")
    r = rsim.run(*lines, heap=HEAP)
    assert r.err == "" and "init.sh" in r.out
    flash = tmp_path / "files"
    simulator.seed(flash, paths.build_dir())
    on_flash = Sim(flash)(list(lines), heap=HEAP)
    # Cut short ("memory allocation ") where the heap ran out whole: the
    # words sit in MicroPython's emergency buffer then.
    assert "munix: the heap is too small for the OS (memory allocation" in on_flash.stderr


def test_build_writes_an_image_that_boots(tmp_path):
    image = tmp_path / "munix.romfs"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tools"))
    done = subprocess.run([sys.executable, "-m", "munixtool", "build", "--romfs", str(image)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done
    assert "ROMFS image of lib/ and bin/" in done.stdout
    flash = tmp_path / "flash"
    simulator.seed(flash, paths.build_dir(), leave_out=romfs.FOLDERS)
    image.rename(simulator.romfs_partition(flash))
    assert Sim(flash).run("uname -r").status == 0


@pytest.fixture
def packed(romfs_template, tmp_path):
    """A board with lib/ and bin/ in a pack on its flash, as `munix deploy
    --pack` leaves a Pico W."""
    flash = tmp_path / "packed" / "flash"
    romfs.seed(flash, paths.build_dir(), pack=True)
    return Sim(flash)


def test_the_os_and_its_commands_run_from_a_pack(packed):
    assert sorted(p.name for p in packed.path("/lib").iterdir()) == ["packfs.mpy"]
    assert sorted(p.name for p in packed.path("/bin").iterdir()) == []
    r = packed.run("echo $PATH", "> import kernel; print(kernel.__file__)", "ls /rom",
                   "help ls", "echo hi | wc -l", "ls -l /rom/lib/kernel.mpy",
                   "cd /rom/lib", "pwd", "ls | grep -c mpy", "wc -c kernel.mpy")
    assert r.err == "" and r.status == 0, r
    lines = r.out.splitlines()
    assert lines[:4] == ["/bin:/rom/bin", "/rom/lib/kernel.mpy", "bin", "lib"]
    assert "usage: ls" in r.out and "1" in lines
    size = (paths.build_dir() / "lib" / "kernel.mpy").stat().st_size
    assert any(line.split()[:2] == ["-", str(size)] and line.endswith(" /rom/lib/kernel.mpy")
               for line in lines), lines
    assert lines[-3:-1] == ["/rom/lib", str(len(list((paths.build_dir() / "lib").glob("*.mpy"))))]
    assert lines[-1].split() == [str(size), "kernel.mpy"]


def test_a_pack_is_read_only_and_own_commands_come_first(packed):
    packed.write("/bin/ls.py", "def __main__(args):\n    print('my own ls')\n")
    r = packed.run("ls", "rm /rom/bin/cat.mpy", "echo status=$?", "cp /etc/init.sh /rom/x",
                   "echo status=$?", "mkdir /rom/lib/x", "echo status=$?",
                   "cat /rom/nothing", "echo status=$?")
    assert r.out.splitlines() == ["my own ls", "status=1", "status=1", "status=1", "status=1"]
    assert "rm: /rom/bin/cat.mpy: Read-only file system\n" in r.err
    assert "cat: /rom/nothing: No such file or directory\n" in r.err
    assert r.err.count("\n") == 4, r.err


def test_upgrade_is_refused_on_a_pack(packed):
    r = packed.run("upgrade -y --url http://127.0.0.1:9/x")
    assert r.err == ("upgrade: munix runs from its pack (/munix.romfs, at /rom): update it "
                     "from a computer (`munix deploy --pack`)\n")
    assert r.status == 1


def test_a_pack_that_is_not_one_is_said_in_one_line(packed):
    packed.path("/munix.romfs").write_bytes(b"not an image at all")
    done = packed(["echo never"])
    assert "munix: /munix.romfs is not a pack ([Errno 5] EIO)\n" in done.stdout, done
    assert done.returncode == 1


def test_crontab_finds_its_editor_in_a_pack(packed):
    # It looked for /bin/vi only: "No editor here", status 0.
    r = packed.run("crontab -e")
    assert r.err == "vi: not a terminal\n" and r.status == 1


def test_an_image_with_a_name_a_pack_cannot_find_is_refused(tmp_path):
    for folder in romfs.FOLDERS:
        (tmp_path / folder).mkdir()
    (tmp_path / "lib" / ("x" * (romfs.NAME_MAX - 3) + ".mpy")).write_bytes(b"M")
    with pytest.raises(MunixError, match="a name longer than 32 characters"):
        romfs.image(tmp_path)


def test_a_pack_takes_paths_from_its_working_folder(packed):
    r = packed.run("> import os; os.chdir('/rom/lib'); print(os.getcwd(), os.stat('kernel.mpy')[6] > 0,"
                   " 'ls.mpy' in os.listdir('../bin'), os.stat('./../lib//fspath.mpy')[0]); os.chdir('/')")
    assert r.out == "/rom/lib True True 32768\n" and r.err == "", r


def test_a_packs_files_read_a_line_at_a_time(packed):
    """Its files had neither readline nor iteration: head, grep and help
    failed on them ("'File' object has no attribute 'readline'")."""
    index = (paths.build_dir() / "bin" / ".about").read_text()
    r = packed.run("head -2 /rom/bin/.about", "grep -c . /rom/bin/.about",
                   "> f = open('/rom/bin/.about'); print(repr(f.readline(3) + f.readline())); f.close()",
                   "> print(sum(1 for line in open('/rom/bin/.about', 'rb')))",
                   "help | grep '^sleep '")
    assert r.err == "" and r.status == 0, r
    first, count = index.splitlines()[:2], str(len(index.splitlines()))
    assert r.out.splitlines() == first + [count, repr(first[0] + "\n"), count,
                                          "sleep       wait a while (Ctrl-C or kill stops it, hold pauses it)"]
