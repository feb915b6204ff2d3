"""File commands that change the tree: cp, mv, rm, mkdir, rmdir, touch."""
import collections
import re

from conftest import ROOT

Result = collections.namedtuple("Result", "out err status")

COMMANDS = ("cp", "mv", "rm", "mkdir", "rmdir", "touch", "ls", "find", "cat")
# cmdargs.error's lines: `NAME: subject: message`.
ERROR_LINE = re.compile(r"^(?:%s): " % "|".join(COMMANDS))

PROTECTED = "protected system file (use -F to force)"
# Every byte value, over several of the chunks copies are made in.
DATA = bytes(range(256)) * 9 + b"end"


def run(sim, *lines):
    """Run lines on a fresh boot: stdout (banner left out), the error lines,
    and the status of the last line. Error lines are told apart by their
    `NAME: ` start, so they count as errors whether they came on stdout or
    on stderr."""
    done = sim(list(lines) + ["echo status=$?"])
    assert done.returncode == 0, done
    body, status = done.stdout.split("\n", 1)[1].rsplit("status=", 1)
    out, err = [], []
    for line in body.splitlines(True):
        (err if ERROR_LINE.match(line) else out).append(line)
    return Result("".join(out), done.stderr + "".join(err), int(status))


def write(sim, path, data=""):
    p = sim.path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        p.write_bytes(data)
    else:
        p.write_text(data)
    return p


def files(sim, top):
    """{relative path: content or None for a folder} of everything below top."""
    root = sim.path(top)
    return {str(p.relative_to(root)): None if p.is_dir() else p.read_bytes()
            for p in sorted(root.rglob("*"))}


def tree(sim):
    write(sim, "/t/src/a", "a")
    write(sim, "/t/src/sub/b", DATA)
    sim.path("/t/src/empty").mkdir()


# cp

def test_cp_copies_a_file_byte_for_byte(sim):
    write(sim, "/t/f", DATA)
    r = run(sim, "cp /t/f /t/g", "cd /t", "cp g h")
    assert r.status == 0 and r.out == r.err == ""
    assert sim.path("/t/g").read_bytes() == DATA
    assert sim.path("/t/h").read_bytes() == DATA
    assert sorted(p.name for p in sim.path("/t").iterdir()) == ["f", "g", "h"]


def test_cp_replaces_an_existing_file(sim):
    write(sim, "/t/f", "new")
    write(sim, "/t/g", "old and longer")
    assert run(sim, "cp /t/f /t/g").status == 0
    assert sim.path("/t/g").read_text() == "new"


def test_cp_into_a_folder(sim):
    write(sim, "/t/f", "f")
    write(sim, "/t/g", "g")
    sim.path("/t/d").mkdir()
    r = run(sim, "cd /t", "cp f d", "cp f g /t/d/")
    assert r.status == 0
    assert files(sim, "/t/d") == {"f": b"f", "g": b"g"}


def test_cp_several_sources_need_a_folder(sim):
    write(sim, "/t/f", "f")
    write(sim, "/t/g", "g")
    r = run(sim, "cp /t/f /t/g /t/h")
    assert r.err == "cp: /t/h: Not a directory\n"
    assert r.status == 1
    assert not sim.path("/t/h").exists()


def test_cp_missing_source_fails_but_copies_the_others(sim):
    write(sim, "/t/f", "f")
    sim.path("/t/d").mkdir()
    r = run(sim, "cp /t/nope /t/f /t/d")
    assert r.err == "cp: /t/nope: No such file or directory\n"
    assert r.status == 1
    assert files(sim, "/t/d") == {"f": b"f"}


def test_cp_a_folder_needs_r(sim):
    tree(sim)
    r = run(sim, "cp /t/src /t/dst")
    assert r.err == "cp: /t/src: Is a directory (use -r)\n"
    assert r.status == 1
    assert not sim.path("/t/dst").exists()


def test_cp_r_copies_a_tree(sim):
    tree(sim)
    r = run(sim, "cp -r /t/src /t/dst", "mkdir /t/into", "cp -r /t/src /t/into")
    assert r.status == 0 and r.err == ""
    assert files(sim, "/t/dst") == files(sim, "/t/src")
    assert files(sim, "/t/into/src") == files(sim, "/t/src")
    assert files(sim, "/t/src") == {"a": b"a", "empty": None, "sub": None, "sub/b": DATA}


def test_cp_refuses_to_copy_into_itself_or_onto_itself(sim):
    tree(sim)
    before = files(sim, "/t")
    r = run(sim, "cp -r /t/src /t/src/sub; echo status=$?", "cd /t/src",
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
    write(sim, "/t/f", DATA)
    write(sim, "/t/g", "old")
    sim.path("/t/g.tmp").mkdir()
    r = run(sim, "cp /t/f /t/g")
    assert r.status == 1
    assert r.err.startswith("cp: /t/g: ")
    assert sim.path("/t/g").read_text() == "old"


def test_cp_refuses_protected_destinations_unless_forced(sim):
    write(sim, "/t/f", "# mine\n")
    boot = sim.path("/boot.py").read_text()
    r = run(sim, "cp /t/f /boot.py; echo status=$?", "cp /t/f /lib/new.py")
    assert r.out == "status=1\n"
    assert r.err == ("cp: /boot.py: %s\ncp: /lib/new.py: %s\n" % (PROTECTED, PROTECTED))
    assert sim.path("/boot.py").read_text() == boot
    assert not sim.path("/lib/new.py").exists()
    r = run(sim, "cp -F /t/f /lib/new.py", "cp /boot.py /t/boot.py")
    assert r.status == 0
    assert sim.path("/lib/new.py").read_text() == "# mine\n"
    assert sim.path("/t/boot.py").read_text() == boot


def test_cp_usage_errors(sim):
    r = run(sim, "cp; echo status=$?", "cp /t/f")
    assert r.out == "status=2\n"
    assert r.status == 2
    assert r.err.count("cp: needs SRC and DEST\nusage: cp [-r] [-F] SRC... DEST\n") == 2


# mv

def test_mv_renames(sim):
    write(sim, "/t/f", DATA)
    r = run(sim, "mv /t/f /t/g", "cd /t", "mv g h")
    assert r.status == 0 and r.err == ""
    assert files(sim, "/t") == {"h": DATA}


def test_mv_replaces_an_existing_file(sim):
    write(sim, "/t/f", "new")
    write(sim, "/t/g", "old")
    assert run(sim, "mv /t/f /t/g").status == 0
    assert files(sim, "/t") == {"g": b"new"}


def test_mv_into_a_folder_and_folders_too(sim):
    tree(sim)
    write(sim, "/t/f", "f")
    sim.path("/t/d").mkdir()
    r = run(sim, "cd /t", "mv f src d", "mv d e")
    assert r.status == 0 and r.err == ""
    assert files(sim, "/t") == {"e": None, "e/f": b"f", "e/src": None, "e/src/a": b"a",
                                "e/src/empty": None, "e/src/sub": None, "e/src/sub/b": DATA}


def test_mv_errors(sim):
    tree(sim)
    write(sim, "/t/f", "f")
    before = files(sim, "/t")
    r = run(sim, "mv /t/nope /t/x; echo status=$?", "mv /t/src /t/src/sub; echo status=$?",
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
    write(sim, "/t/f", "# mine\n")
    write(sim, "/lib/extra.py", "# extra\n")
    r = run(sim, "mv /main.py /t; echo status=$?", "mv /lib /t; echo status=$?",
            "mv /t/f /lib/extra.py; echo status=$?", "mv /t/f /boot.py")
    assert r.out == "status=1\n" * 3
    assert r.err == ("mv: /main.py: %s\nmv: /lib: %s\nmv: /lib/extra.py: %s\nmv: /boot.py: %s\n"
                     % ((PROTECTED,) * 4))
    assert sim.path("/main.py").exists() and sim.path("/lib/kernel.py").exists()
    assert sim.path("/lib/extra.py").read_text() == "# extra\n"
    r = run(sim, "mv -F /lib/extra.py /t/extra.py")
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
    write(sim, "/t/f", "f")
    sd = tmp_path / "sd"
    sd.mkdir()
    (sd / "f").write_text("old")
    src = files(sim, "/t/src")
    r = run(sim, mount_sd(sd), "mv /t/src /t/f /sd", "mv /sd/src/a /t/a", "df /sd")
    assert r.status == 0 and r.err == ""
    assert r.out.endswith(" /sd\n")
    assert files(sim, "/t") == {"a": b"a"}
    del src["a"]
    assert {str(p.relative_to(sd)): None if p.is_dir() else p.read_bytes()
            for p in sorted(sd.rglob("*"))} == dict({"f": b"f", "src": None},
                                                     **{"src/" + k: v for k, v in src.items()})


def test_mv_usage_error(sim):
    r = run(sim, "mv /t")
    assert r.status == 2
    assert r.err == "mv: needs SRC and DEST\nusage: mv [-F] SRC... DEST\n"


# rm

def test_rm_removes_files(sim):
    write(sim, "/t/f", "f")
    write(sim, "/t/g", "g")
    write(sim, "/t/h", "h")
    r = run(sim, "rm /t/f", "cd /t", "rm g h")
    assert r.status == 0 and r.err == ""
    assert files(sim, "/t") == {}


def test_rm_missing_file_fails_unless_f(sim):
    write(sim, "/t/f", "f")
    r = run(sim, "rm /t/nope /t/f; echo status=$?", "rm -f /t/nope", "rm -f")
    assert r.out == "status=1\n"
    assert r.err == "rm: /t/nope: No such file or directory\n"
    assert r.status == 0
    assert files(sim, "/t") == {}


def test_rm_a_folder_needs_r(sim):
    tree(sim)
    r = run(sim, "rm /t/src; echo status=$?", "rm -r /t/src")
    assert r.out == "status=1\n"
    assert r.err == "rm: /t/src: Is a directory\n"
    assert r.status == 0
    assert files(sim, "/t") == {}


def test_rm_refuses_protected_files_unless_forced(sim):
    write(sim, "/lib/extra.py", "# extra\n")
    r = run(sim, "rm /main.py; echo status=$?", "rm -r /lib; echo status=$?",
            "rm -rf /lib/extra.py; echo status=$?", "rm -r /")
    assert r.out == "status=1\n" * 3
    assert r.status == 1
    assert r.err == ("rm: /main.py: %s\nrm: /lib: %s\nrm: /lib/extra.py: %s\n"
                     "rm: /: holds protected system files (use -F to force)\n"
                     % ((PROTECTED,) * 3))
    assert sim.path("/main.py").exists() and sim.path("/etc/init.sh").exists()
    assert run(sim, "rm -F /lib/extra.py").status == 0
    assert not sim.path("/lib/extra.py").exists()


def test_rm_refuses_dot_and_dot_dot(sim):
    tree(sim)
    r = run(sim, "cd /t/src", "rm -r .; echo status=$?", "rm -rf ..")
    assert r.out == "status=1\n"
    assert r.status == 1
    assert r.err == "rm: .: refusing to remove . or ..\nrm: ..: refusing to remove . or ..\n"
    assert sim.path("/t/src/a").exists()


def test_rm_usage_error(sim):
    r = run(sim, "rm")
    assert r.status == 2
    assert r.err == "rm: no PATH given\nusage: rm [-r] [-f] [-F] PATH...\n"


# mkdir, rmdir

def test_mkdir_makes_folders(sim):
    sim.path("/t").mkdir()
    r = run(sim, "mkdir /t/a", "cd /t", "mkdir b c", "mkdir -p d/e/f a")
    assert r.status == 0 and r.err == ""
    assert files(sim, "/t") == {"a": None, "b": None, "c": None, "d": None,
                                "d/e": None, "d/e/f": None}


def test_mkdir_errors(sim):
    write(sim, "/t/f", "f")
    r = run(sim, "mkdir /t/f; echo status=$?", "mkdir /t/x/y; echo status=$?",
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
    r = run(sim, "rmdir /t/e1 /t/src /t/src/a /t/nope /t/e2; echo status=$?", "rmdir")
    assert r.out == "status=1\n"
    assert r.status == 2
    assert r.err == ("rmdir: /t/src: Directory not empty\n"
                     "rmdir: /t/src/a: Not a directory\n"
                     "rmdir: /t/nope: No such file or directory\n"
                     "rmdir: no DIR given\nusage: rmdir DIR...\n")
    assert sorted(files(sim, "/t")) == ["src", "src/a", "src/empty", "src/sub", "src/sub/b"]


# touch

def test_touch_makes_empty_files_and_leaves_existing_ones(sim):
    write(sim, "/t/f", "keep")
    r = run(sim, "touch /t/f /t/new", "cd /t", "touch rel")
    assert r.status == 0 and r.err == ""
    assert files(sim, "/t") == {"f": b"keep", "new": b"", "rel": b""}


def test_touch_errors(sim):
    r = run(sim, "touch /nope/f; echo status=$?", "touch")
    assert r.out == "status=1\n"
    assert r.status == 2
    assert r.err == "touch: /nope/f: No such file or directory\ntouch: no FILE given\nusage: touch FILE...\n"
