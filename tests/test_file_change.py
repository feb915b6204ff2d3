"""File commands that change the tree: cp, mv, rm, mkdir, rmdir, touch."""

from conftest import ROOT
from test_net_hostile import FAT_PROBE
from munixtool import sim as simulator

PROTECTED = "part of the system (use -F to force)"
# Every byte value, over several of the chunks copies are made in.
DATA = bytes(range(256)) * 9 + b"end"


def files(sim, top):
    """{relative path: content or None for a folder} of everything below top."""
    root = sim.path(top)
    return {str(p.relative_to(root)): None if p.is_dir() else p.read_bytes()
            for p in sorted(root.rglob("*"))}


def tree(sim):
    sim.write("/t/src/a", "a")
    sim.write("/t/src/sub/b", DATA)
    sim.path("/t/src/empty").mkdir()


# cp

def test_cp_copies_a_file_byte_for_byte(sim):
    sim.write("/t/f", DATA)
    r = sim.run("cp /t/f /t/g", "cd /t", "cp g h")
    assert r.status == 0 and r.out == r.err == ""
    assert sim.path("/t/g").read_bytes() == DATA
    assert sim.path("/t/h").read_bytes() == DATA
    assert sorted(p.name for p in sim.path("/t").iterdir()) == ["f", "g", "h"]


def test_cp_replaces_an_existing_file(sim):
    sim.write("/t/f", "new")
    sim.write("/t/g", "old and longer")
    assert sim.run("cp /t/f /t/g").status == 0
    assert sim.path("/t/g").read_text() == "new"


def test_cp_into_a_folder(sim):
    sim.write("/t/f", "f")
    sim.write("/t/g", "g")
    sim.path("/t/d").mkdir()
    r = sim.run("cd /t", "cp f d", "cp f g /t/d/")
    assert r.status == 0
    assert files(sim, "/t/d") == {"f": b"f", "g": b"g"}


def test_cp_several_sources_need_a_folder(sim):
    sim.write("/t/f", "f")
    sim.write("/t/g", "g")
    r = sim.run("cp /t/f /t/g /t/h")
    assert r.err == "cp: /t/h: Not a directory\n"
    assert r.status == 1
    assert not sim.path("/t/h").exists()


def test_cp_missing_source_fails_but_copies_the_others(sim):
    sim.write("/t/f", "f")
    sim.path("/t/d").mkdir()
    r = sim.run("cp /t/nope /t/f /t/d")
    assert r.err == "cp: /t/nope: No such file or directory\n"
    assert r.status == 1
    assert files(sim, "/t/d") == {"f": b"f"}


def test_cp_a_folder_needs_r(sim):
    tree(sim)
    r = sim.run("cp /t/src /t/dst")
    assert r.err == "cp: /t/src: Is a directory (use -r)\n"
    assert r.status == 1
    assert not sim.path("/t/dst").exists()


def test_cp_r_copies_a_tree(sim):
    tree(sim)
    r = sim.run("cp -r /t/src /t/dst", "mkdir /t/into", "cp -r /t/src /t/into")
    assert r.status == 0 and r.err == ""
    assert files(sim, "/t/dst") == files(sim, "/t/src")
    assert files(sim, "/t/into/src") == files(sim, "/t/src")
    assert files(sim, "/t/src") == {"a": b"a", "empty": None, "sub": None, "sub/b": DATA}


def test_cp_refuses_to_copy_into_itself_or_onto_itself(sim):
    tree(sim)
    before = files(sim, "/t")
    r = sim.run("cp -r /t/src /t/src/sub; echo status=$?", "cd /t/src",
            "cp -r /t/src ..; echo status=$?", "cp a /t/src/a")
    assert r.out == "status=1\nstatus=1\n"
    assert r.status == 1
    assert r.err == ("cp: /t/src: cannot copy a folder into itself\n"
                     "cp: /t/src: source and destination are the same\n"
                     "cp: a: source and destination are the same\n")
    assert files(sim, "/t") == before


def test_cp_failure_leaves_the_destination_as_it_was(sim):
    """The copy goes to DEST.tmp first: here that cannot be written (a
    folder is in the way), and DEST keeps its old content."""
    sim.write("/t/f", DATA)
    sim.write("/t/g", "old")
    sim.path("/t/g.tmp").mkdir()
    r = sim.run("cp /t/f /t/g")
    assert r.status == 1
    assert r.err.startswith("cp: /t/g: ")
    assert sim.path("/t/g").read_text() == "old"


def test_cp_refuses_protected_destinations_unless_forced(sim):
    sim.write("/t/f", "# mine\n")
    boot = sim.path("/boot.py").read_text()
    r = sim.run("cp /t/f /boot.py; echo status=$?", "cp /t/f /lib/new.py")
    assert r.out == "status=1\n"
    assert r.err == ("cp: /boot.py: %s\ncp: /lib/new.py: %s\n" % (PROTECTED, PROTECTED))
    assert sim.path("/boot.py").read_text() == boot
    assert not sim.path("/lib/new.py").exists()
    r = sim.run("cp -F /t/f /lib/new.py", "cp /boot.py /t/boot.py")
    assert r.status == 0
    assert sim.path("/lib/new.py").read_text() == "# mine\n"
    assert sim.path("/t/boot.py").read_text() == boot


def test_cp_usage_errors(sim):
    r = sim.run("cp; echo status=$?", "cp /t/f")
    assert r.out == "status=2\n"
    assert r.status == 2
    assert r.err.count("cp: needs SRC and DEST\nusage: cp [-r] [-F] SRC... DEST\n") == 2


# mv

def test_mv_renames(sim):
    sim.write("/t/f", DATA)
    r = sim.run("mv /t/f /t/g", "cd /t", "mv g h")
    assert r.status == 0 and r.err == ""
    assert files(sim, "/t") == {"h": DATA}


def test_mv_replaces_an_existing_file(sim):
    sim.write("/t/f", "new")
    sim.write("/t/g", "old")
    assert sim.run("mv /t/f /t/g").status == 0
    assert files(sim, "/t") == {"g": b"new"}


def test_mv_into_a_folder_and_folders_too(sim):
    tree(sim)
    sim.write("/t/f", "f")
    sim.path("/t/d").mkdir()
    r = sim.run("cd /t", "mv f src d", "mv d e")
    assert r.status == 0 and r.err == ""
    assert files(sim, "/t") == {"e": None, "e/f": b"f", "e/src": None, "e/src/a": b"a",
                                "e/src/empty": None, "e/src/sub": None, "e/src/sub/b": DATA}


def test_mv_errors(sim):
    tree(sim)
    sim.write("/t/f", "f")
    before = files(sim, "/t")
    r = sim.run("mv /t/nope /t/x; echo status=$?", "mv /t/src /t/src/sub; echo status=$?",
            "mv /t/f /t/src/a /t/f2; echo status=$?", "mv /t/src /t/f; echo status=$?",
            "mv /t/f /t/src/empty")
    assert r.out == "status=1\n" * 4
    assert r.status == 0
    assert r.err == ("mv: /t/nope: No such file or directory\n"
                     "mv: /t/src: cannot move a folder into itself\n"
                     "mv: /t/f2: Not a directory\n"
                     "mv: /t/src: Not a directory\n")
    del before["f"]
    assert files(sim, "/t") == dict(before, **{"src/empty/f": b"f"})


def test_mv_refuses_protected_files_unless_forced(sim):
    sim.write("/t/f", "# mine\n")
    sim.write("/lib/extra.py", "# extra\n")
    r = sim.run("mv /main.py /t; echo status=$?", "mv /lib /t; echo status=$?",
            "mv /t/f /lib/extra.py; echo status=$?", "mv /t/f /boot.py")
    assert r.out == "status=1\n" * 3
    assert r.err == ("mv: /main.py: %s\nmv: /lib: %s\nmv: /lib/extra.py: %s\nmv: /boot.py: %s\n"
                     % ((PROTECTED,) * 4))
    # The kernel's source, or its compiled form on a board profile.
    assert sim.path("/main.py").exists() and list(sim.path("/lib").glob("kernel.*"))
    assert sim.path("/lib/extra.py").read_text() == "# extra\n"
    r = sim.run("mv -F /lib/extra.py /t/extra.py")
    assert r.status == 0
    assert not sim.path("/lib/extra.py").exists()
    assert sim.path("/t/extra.py").read_text() == "# extra\n"


def mount_sd(folder):
    """A Python line mounting the host folder at /sd as a filesystem of its
    own (the simulator's flash kind: VfsPosix itself renames badly)."""
    return ('> import sys, vfs; vfs.mount(vfs.VfsPosix("%s"), "/simtools"); '
            'sys.path.append("/simtools"); import flash; vfs.mount(flash.Flash("%s"), "/sd")'
            % (ROOT / "tools" / "sim", folder))


def test_mv_between_filesystems_copies_then_removes(sim, tmp_path):
    tree(sim)
    sim.write("/t/f", "f")
    sd = tmp_path / "sd"
    sd.mkdir()
    (sd / "f").write_text("old")
    src = files(sim, "/t/src")
    r = sim.run(mount_sd(sd), "mv /t/src /t/f /sd", "mv /sd/src/a /t/a", "df /sd")
    assert r.status == 0 and r.err == ""
    assert r.out.endswith(" /sd\n")
    assert files(sim, "/t") == {"a": b"a"}
    del src["a"]
    assert {str(p.relative_to(sd)): None if p.is_dir() else p.read_bytes()
            for p in sorted(sd.rglob("*"))} == dict({"f": b"f", "src": None},
                                                     **{"src/" + k: v for k, v in src.items()})


def test_mv_usage_error(sim):
    r = sim.run("mv /t")
    assert r.status == 2
    assert r.err == "mv: needs SRC and DEST\nusage: mv [-F] SRC... DEST\n"


# rm

def test_rm_removes_files(sim):
    sim.write("/t/f", "f")
    sim.write("/t/g", "g")
    sim.write("/t/h", "h")
    r = sim.run("rm /t/f", "cd /t", "rm g h")
    assert r.status == 0 and r.err == ""
    assert files(sim, "/t") == {}


def test_rm_missing_file_fails_unless_f(sim):
    sim.write("/t/f", "f")
    r = sim.run("rm /t/nope /t/f; echo status=$?", "rm -f /t/nope", "rm -f")
    assert r.out == "status=1\n"
    assert r.err == "rm: /t/nope: No such file or directory\n"
    assert r.status == 0
    assert files(sim, "/t") == {}


def test_rm_a_folder_needs_r(sim):
    tree(sim)
    r = sim.run("rm /t/src; echo status=$?", "rm -r /t/src")
    assert r.out == "status=1\n"
    assert r.err == "rm: /t/src: Is a directory\n"
    assert r.status == 0
    assert files(sim, "/t") == {}


def test_rm_refuses_protected_files_unless_forced(sim):
    sim.write("/lib/extra.py", "# extra\n")
    r = sim.run("rm /main.py; echo status=$?", "rm -r /lib; echo status=$?",
            "rm -rf /lib/extra.py; echo status=$?", "rm -r /")
    assert r.out == "status=1\n" * 3
    assert r.status == 1
    assert r.err == ("rm: /main.py: %s\nrm: /lib: %s\nrm: /lib/extra.py: %s\n"
                     "rm: /: holds the password file (use -F to force)\n"
                     % ((PROTECTED,) * 3))
    assert sim.path("/main.py").exists() and sim.path("/etc/init.sh").exists()
    assert sim.run("rm -F /lib/extra.py").status == 0
    assert not sim.path("/lib/extra.py").exists()


def test_the_password_file_and_its_folders_are_refused_unless_forced(sim):
    """mv /etc /etcx and rm /etc/shadow succeeded at the console: only
    /main.py, /boot.py and /lib were compared, by exact name. Now the
    password file, every folder holding it and every name FAT takes for a
    guarded file are refused, in the daemons' words."""
    sim.write("/etc/shadow", "root:x\n")
    sim.write("/t/f", "mine\n")
    r = sim.run("mv /etc /etcx; echo status=$?", "rm /etc/shadow; echo status=$?",
                "mv /MAIN.PY. /x; echo status=$?", "mv /t/f /etc/SHADOW; echo status=$?",
                "cp /t/f /etc/shadow; echo status=$?", "rm -r /etc; echo status=$?",
                "rmdir /etc; echo status=$?")
    assert r.out == "status=1\n" * 7
    assert r.err == ("mv: /etc: holds the password file (use -F to force)\n"
                     "rm: /etc/shadow: secret (a password or key file) (use -F to force)\n"
                     "mv: /MAIN.PY.: %s\n"
                     "mv: /etc/SHADOW: secret (a password or key file) (use -F to force)\n"
                     "cp: /etc/shadow: secret (a password or key file) (use -F to force)\n"
                     "rm: /etc: holds the password file (use -F to force)\n"
                     "rmdir: /etc: holds the password file\n" % PROTECTED)
    assert sim.path("/etc/shadow").read_text() == "root:x\n" and not sim.path("/etcx").exists()
    assert sim.path("/main.py").exists() and not sim.path("/x").exists()
    r = sim.run("mv -F /etc /etcx", "ls /etcx/shadow", "mv -F /etcx /etc")
    assert r.status == 0 and r.out == "/etcx/shadow\n", r
    assert sim.path("/etc/shadow").read_text() == "root:x\n"


def test_the_fleet_key_is_refused_as_the_password_file_is(sim):
    """/etc/fleet.key signs the fleet's ESP-NOW commands (fleetnow.py):
    secret as /etc/shadow is, by any name FAT takes for it."""
    sim.write("/etc/fleet.key", "ab" * 32 + "\n")
    sim.write("/t/f", "mine\n")
    r = sim.run("rm /etc/fleet.key; echo status=$?", "mv /etc/FLEET.KEY. /t/k; echo status=$?",
                "cp /t/f /etc/fleet.key; echo status=$?", "mv /t/f /etc/fleet.key.tmp; echo status=$?")
    assert r.out == "status=1\n" * 4, r
    assert r.err == ("rm: /etc/fleet.key: secret (a password or key file) (use -F to force)\n"
                     "mv: /etc/FLEET.KEY.: secret (a password or key file) (use -F to force)\n"
                     "cp: /etc/fleet.key: secret (a password or key file) (use -F to force)\n"
                     "mv: /etc/fleet.key.tmp: secret (a password or key file) (use -F to force)\n"), r
    assert sim.path("/etc/fleet.key").read_text() == "ab" * 32 + "\n"


# test_net_hostile's RAM block device, a FAT image on it mounted at /etc.
FAT_ETC = FAT_PROBE[:FAT_PROBE.index("def __main__")] + """def __main__(args):
    dev = RAM(64)
    vfs.VfsFat.mkfs(dev)
    fs = vfs.VfsFat(dev)
    with fs.open("/shadow", "w") as f:
        f.write("root:x")
    vfs.mount(fs, "/etc")
"""


def test_every_name_fat_takes_for_the_password_file_is_refused(sim):
    """On FAT (a RAM disk mounted at /etc), /etc/SHADOW. and /etc/Shadow
    open /etc/shadow: mv and rm moved and removed it by those names."""
    sim.write("/opt/fatetc.py", FAT_ETC)
    sim.write("/t/f", "mine\n")
    r = sim.run("/opt/fatetc", "mv /etc/SHADOW. /tmp/x; echo status=$?",
                "rm '/etc/Shadow '; echo status=$?", "cp /t/f /etc/SHADOW; echo status=$?",
                "cat /etc/shadow; echo", "ls /tmp", "> import vfs; vfs.umount('/etc')")
    assert r.out == "status=1\n" * 3 + "root:x\n", r
    assert r.err == ("mv: /etc/SHADOW.: secret (a password or key file) (use -F to force)\n"
                     "rm: /etc/Shadow : secret (a password or key file) (use -F to force)\n"
                     "cp: /etc/SHADOW: secret (a password or key file) (use -F to force)\n")


def test_rm_refuses_dot_and_dot_dot(sim):
    tree(sim)
    r = sim.run("cd /t/src", "rm -r .; echo status=$?", "rm -rf ..")
    assert r.out == "status=1\n"
    assert r.status == 1
    assert r.err == "rm: .: refusing to remove . or ..\nrm: ..: refusing to remove . or ..\n"
    assert sim.path("/t/src/a").exists()


def test_rm_usage_error(sim):
    r = sim.run("rm")
    assert r.status == 2
    assert r.err == "rm: no PATH given\nusage: rm [-r] [-f] [-F] PATH...\n"


# mkdir, rmdir

def test_mkdir_makes_folders(sim):
    sim.path("/t").mkdir()
    r = sim.run("mkdir /t/a", "cd /t", "mkdir b c", "mkdir -p d/e/f a")
    assert r.status == 0 and r.err == ""
    assert files(sim, "/t") == {"a": None, "b": None, "c": None, "d": None,
                                "d/e": None, "d/e/f": None}


def test_mkdir_errors(sim):
    sim.write("/t/f", "f")
    r = sim.run("mkdir /t/f; echo status=$?", "mkdir /t/x/y; echo status=$?",
            "mkdir -p /t/f/y; echo status=$?", "mkdir -p /t/f", "mkdir")
    assert r.out == "status=1\n" * 3
    assert r.status == 2
    assert r.err == ("mkdir: /t/f: File exists\n"
                     "mkdir: /t/x/y: No such file or directory\n"
                     "mkdir: /t/f/y: Not a directory\n"
                     "mkdir: /t/f: File exists\n"
                     "mkdir: no DIR given\nusage: mkdir [-p] DIR...\n")


def test_rmdir_removes_empty_folders_only(sim):
    tree(sim)
    sim.path("/t/e1").mkdir()
    sim.path("/t/e2").mkdir()
    r = sim.run("rmdir /t/e1 /t/src /t/src/a /t/nope /t/e2; echo status=$?", "rmdir")
    assert r.out == "status=1\n"
    assert r.status == 2
    assert r.err == ("rmdir: /t/src: Directory not empty\n"
                     "rmdir: /t/src/a: Not a directory\n"
                     "rmdir: /t/nope: No such file or directory\n"
                     "rmdir: no DIR given\nusage: rmdir DIR...\n")
    assert sorted(files(sim, "/t")) == ["src", "src/a", "src/empty", "src/sub", "src/sub/b"]


# touch

def test_touch_makes_empty_files_and_leaves_existing_ones(sim):
    sim.write("/t/f", "keep")
    r = sim.run("touch /t/f /t/new", "cd /t", "touch rel")
    assert r.status == 0 and r.err == ""
    assert files(sim, "/t") == {"f": b"keep", "new": b"", "rel": b""}


def test_touch_errors(sim):
    r = sim.run("touch /nope/f; echo status=$?", "touch")
    assert r.out == "status=1\n"
    assert r.status == 2
    assert r.err == "touch: /nope/f: No such file or directory\ntouch: no FILE given\nusage: touch FILE...\n"


# Trees of any depth

# How deep a tree the board takes. The esp8266 profile's heap (38 KiB, 13
# free after boot) has no 800 bytes in one piece for long at 400 levels,
# where a path is 800 characters: du lists 360 levels but not 370 (its
# deepest lines), and cp -r copies 370 but not 380 (its last rename, in
# the simulator's own rename, tools/sim/flash.py, which makes both paths
# host paths; a board's littlefs and FAT take them as they are). find,
# grep -r and rm -r walk 400 there.
DEPTH = 300 if simulator.board_name() == "esp8266" else 400
# The default board's heap cut to what its shell needs with room to spare
# (the deep tree's commands run in 160 KiB): a walk keeping a path per
# level took 160 KB at 400 levels, and du and rm -r ran out in 256 KiB, as
# on an ESP32.
SMALL_HEAP = None if simulator.board_name() else "256k"


def test_a_tree_400_folders_deep_is_walked_copied_and_removed(sim):
    """400 nested folders (made over FTP) made find, du, grep -r, cp -r and
    rm -r fail with "maximum recursion depth exceeded", so the tree could
    not even be removed; then, walked with a stack, du and rm -r ran out
    of heap on the esp32 profile. A power cut left a temporary at its
    bottom, which the sweep at boot must reach too. No pipes: the esp8266
    profile's heap does not hold a pipeline's two programs."""
    chain = ["/t/d" + "/d" * i for i in range(DEPTH + 1)]
    sim.write(chain[-1] + "/f", "hello\n")
    sim.write(chain[-1] + "/g.tmp", "half")
    sim.write("/etc/.running", "")  # the mark of a power cut: boot sweeps
    r = sim.run("find /t/d", "du /t/d", "grep -r hello /t/d", "cp -r /t/d /t/e",
                "find /t/e -type f", "rm -r /t/d /t/e", "ls /t",
                timeout=120, heap=SMALL_HEAP)
    assert r.err == "" and r.status == 0, r.err
    # Parents first, then each folder again once what is inside it is
    # counted; the boot's sweep removed g.tmp.
    assert r.out.splitlines() == (chain + [chain[-1] + "/f"]
                                  + ["6\t" + path for path in reversed(chain)]
                                  + [chain[-1] + "/f:hello", "/t/e" + chain[-1][4:] + "/f"])
    assert not sim.path("/t/d").exists() and not sim.path("/t/e").exists()


def test_walks_come_back_up_several_folders_at_once(sim):
    """After the last entry of a folder deep down, the walk goes on with
    what is left several folders up: find lists parents first, du each
    folder after what is inside it, both by name; cp -r and rm -r take it
    all."""
    sim.write("/w/a/b/c/f", "1")
    sim.write("/w/a/b2", "22")
    sim.write("/w/a/c/e/f", "333")
    sim.path("/w/a/c/empty").mkdir()
    sim.write("/w/z", "4444")
    r = sim.run("find /w", "du /w", "cp -r /w /t2", "rm -r /w", "find /t2 -type f")
    assert r.err == "" and r.status == 0
    assert r.out == ("/w\n/w/a\n/w/a/b\n/w/a/b/c\n/w/a/b/c/f\n/w/a/b2\n"
                     "/w/a/c\n/w/a/c/e\n/w/a/c/e/f\n/w/a/c/empty\n/w/z\n"
                     "1\t/w/a/b/c\n1\t/w/a/b\n3\t/w/a/c/e\n0\t/w/a/c/empty\n"
                     "3\t/w/a/c\n6\t/w/a\n10\t/w\n"
                     "/t2/a/b/c/f\n/t2/a/b2\n/t2/a/c/e/f\n/t2/z\n")
    assert not sim.path("/w").exists()
    assert files(sim, "/t2") == {"a": None, "a/b": None, "a/b/c": None, "a/b/c/f": b"1",
                                 "a/b2": b"22", "a/c": None, "a/c/e": None,
                                 "a/c/e/f": b"333", "a/c/empty": None, "z": b"4444"}
