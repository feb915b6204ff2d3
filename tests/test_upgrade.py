"""upgrade: signed releases built by `munix release`, served by a local
HTTPS server with a test CA, installed on the simulator (which restarts
into the new version), rolled back, and refused whenever something is
wrong, leaving the board byte-for-byte as it was."""
import hashlib
import json
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from munixtool import MunixError, paths, release
from munixtool import sim as simulator
from ntp_support import Y2000, ntp  # noqa: F401  ntp: the fixture
from upgrade_support import Server, CertAuthority

OLD, NEW = "1.0.0", "1.1.0"


def make_tree(base, name, version, key, edit=None):
    """A copy of the device tree at version, with the test public key."""
    tree = base / ("tree-" + name)
    tree.mkdir()
    for top in paths.DEVICE_TREE:
        source = ROOT / top
        if source.is_dir():
            shutil.copytree(source, tree / top,
                            ignore=shutil.ignore_patterns(*paths.HOST_ARTEFACTS))
        elif source.is_file():
            shutil.copy2(source, tree / top)
    facts = tree / "lib" / "system.py"
    text = facts.read_text()
    facts.write_text(text.replace('VERSION = "%s"' % release.tree_version(ROOT),
                                  'VERSION = "%s"' % version))
    shutil.copy2(key.with_suffix(".pub"), tree / release.PUBLIC_KEY)
    if edit:
        edit(tree)
    return tree


def new_key(path):
    release.new_key(path, path.parent)
    (path.parent / release.PUBLIC_KEY).rename(path.with_suffix(".pub"))
    return path


def _edit_new(tree):
    (tree / "bin" / "hello.py").write_text(
        'ABOUT = "greet"\nUSAGE = ""\n\n\ndef __main__(args):\n    print("hello from 1.1")\n')
    (tree / "bin" / "sleep.py").unlink()
    (tree / "etc" / "boards" / "pico-w.board").unlink()
    with open(tree / "etc" / "init.sh", "a") as f:
        f.write("echo init of 1.1\n")
    # The user's files are never part of a release.
    (tree / "etc" / "rc.local").write_text("echo release rc.local\n")


def _edit_same(tree):
    with open(tree / "etc" / "init.sh", "a") as f:
        f.write("echo another build of 1.0.0\n")


def _edit_crash(tree):
    with open(tree / "etc" / "init.sh", "a") as f:
        f.write("> import machine; machine.reset()\n")


def _edit_broken(tree):
    with open(tree / "lib" / "shell.py", "a") as f:
        f.write("raise ImportError('a broken release')\n")


# Signed manifests naming a file in another spelling than its own (which
# would slip past the list of the user's files: a FAT volume ignores a
# name's trailing dots and spaces), or a file of the upgrade itself.
ODD_PATHS = (("twoslash", "etc//shadow"), ("dotted", "./etc/rc.local"),
             ("dotsys", "etc/./system.conf"), ("absolute", "/etc/rc.local"),
             ("parent", "bin/../etc/rc.local"), ("backslash", "etc\\rc.local"),
             ("slashend", "etc/rc.local/"), ("dotend", "etc/shadow."),
             ("spaceend", "etc/rc.local "), ("journal", ".upgrade/journal"),
             ("staging", ".Staging/plan"), ("manifest", "etc/release"))


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """Releases under one served folder: a (installed), b (newer), old,
    crash, broken (its shell cannot load), and spoilt copies of b."""
    base = tmp_path_factory.mktemp("releases")
    key = new_key(base / "keys" / "release.pem")
    other = new_key(base / "keys2" / "other.pem")
    served = base / "www"
    for name, version, edit in (("a", OLD, None), ("b", NEW, _edit_new),
                                ("old", "0.9.0", None), ("crash", "1.2.0", _edit_crash),
                                ("broken", "1.3.0", _edit_broken)):
        release.release(make_tree(base, name, version, key, edit), served / name, key)
    b = served / "b"
    spoilt = {name: served / name for name in
              ("badsig", "wrongkey", "tampered", "truncated", "mpy", "drop")}
    for folder in spoilt.values():
        shutil.copytree(b, folder)
    sig = bytearray((spoilt["badsig"] / release.SIGNATURE).read_bytes())
    sig[10] ^= 1
    (spoilt["badsig"] / release.SIGNATURE).write_bytes(bytes(sig))
    manifest = (b / release.MANIFEST).read_bytes()
    (spoilt["wrongkey"] / release.SIGNATURE).write_bytes(release.sign(other, manifest))
    hello = spoilt["tampered"] / "bin" / "hello.mpy"
    data = bytearray(hello.read_bytes())
    data[-1] ^= 0x20
    hello.write_bytes(bytes(data))
    hello = spoilt["truncated"] / "bin" / "hello.mpy"
    hello.write_bytes(hello.read_bytes()[:-7])
    mpy = manifest.replace(b"\nmpy 6\n", b"\nmpy 5\n")
    assert mpy != manifest
    (spoilt["mpy"] / release.MANIFEST).write_bytes(mpy)
    (spoilt["mpy"] / release.SIGNATURE).write_bytes(release.sign(key, mpy))
    # Signed manifests that reach a user's file through another spelling.
    for name, path in ODD_PATHS + (("upper", "ETC/shadow"),):
        folder = served / name
        shutil.copytree(b, folder)
        data = b"root:$sha256$evil$%s\n" % name.encode()
        if not path.startswith("/"):
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        line = "file %s %d %s\n" % (hashlib.sha256(data).hexdigest(), len(data), path)
        odd = manifest + line.encode()
        (folder / release.MANIFEST).write_bytes(odd)
        (folder / release.SIGNATURE).write_bytes(release.sign(key, odd))
    release.release(make_tree(base, "same", OLD, key, _edit_same), served / "same", key)
    release.release(make_tree(base, "breplace", NEW, key, _edit_new), served / "breplace", key,
                    replace=["etc/init.sh"])
    ca = CertAuthority(base / "ca")
    good = Server(served, cert=ca.server_files("localhost"))
    wrong_host = Server(served, cert=ca.server_files("other.example"))
    plain = Server(served)
    good.drop.add("/drop/bin/hello.mpy")
    yield {"dir": served, "ca": ca, "https": good, "wrong_host": wrong_host, "http": plain}
    for server in (good, wrong_host, plain):
        server.stop()


def boots(flash, lines, heap=None, limit=6):
    """Boot with lines as input, and again after each reset (status 100),
    as a board does; the completed processes."""
    done = []
    text = "\n".join(lines) + "\n" if lines else ""
    for _ in range(limit):
        argv = simulator.command(flash, heap=heap, interactive=False)
        run = subprocess.run(argv, input=text, capture_output=True, text=True, timeout=60)
        done.append(run)
        if run.returncode != simulator.RESET_STATUS:
            return done
        text = ""
    raise AssertionError("the board kept restarting: %r" % done[-1])


def snapshot(flash):
    """Every file of the flash: {relative path: bytes}."""
    return {p.relative_to(flash).as_posix(): p.read_bytes()
            for p in sorted(flash.rglob("*")) if p.is_file()}


def owned(flash, served_release):
    """The files a release lists, as found on the flash (None when missing)."""
    result = {}
    for line in (served_release / release.MANIFEST).read_text().splitlines():
        if line.startswith("file "):
            name = line.split(" ", 3)[3]
            p = flash / name
            result[name] = p.read_bytes() if p.is_file() else None
    return result


def expected(served_release):
    return {name: (served_release / name).read_bytes()
            for name in owned(served_release, served_release)}


@pytest.fixture
def board(tmp_path, releases, ntp):
    """A flash holding release a, configured for the test server, booted once.
    On a board profile whose clock starts before the certificates (munix
    test --board), rc.local sets the clock at boot, as a user's does."""
    flash = tmp_path / "flash"
    simulator.seed(flash, releases["dir"] / "a")
    shutil.copy2(releases["ca"].path, flash / "etc" / "testca.pem")
    (flash / "etc" / "system.conf").write_text(
        '{"hostname": "test", "upgrade": {"url": "%s", "ref": "b", "ca": "/etc/testca.pem"}}'
        % releases["https"].url())
    clock = ""
    if simulator.board_name():
        clock = "ntpupdate -W 5 127.0.0.1:%d > /dev/null\n" % ntp().port
    (flash / "etc" / "rc.local").write_text(clock + "echo my rc.local\n")
    first = boots(flash, ["uname -r"])
    assert first[-1].stdout.splitlines()[-1] == OLD, first
    return flash


def test_upgrade_installs_restarts_and_keeps_user_files(board, releases):
    conf = (board / "etc" / "system.conf").read_bytes()
    rc_local = (board / "etc" / "rc.local").read_text()
    done = boots(board, ["upgrade -y", "echo not reached"])
    text = "".join(d.stdout for d in done)
    assert "available: munix %s" % NEW in text
    assert "installed munix %s; restarting" % NEW in text
    assert "on probation" in text and "upgrade complete" in text
    assert "not reached" not in text
    assert [d.returncode for d in done] == [100, 100, 0]
    after = boots(board, ["uname -r", "hello"])[0]
    assert after.stdout.splitlines()[1:] == ["init of 1.1", "my rc.local", NEW,
                                             "hello from 1.1"], after
    assert owned(board, releases["dir"] / "b") == expected(releases["dir"] / "b")
    assert not (board / "bin" / "sleep.mpy").exists()
    assert (board / "etc" / "system.conf").read_bytes() == conf
    assert (board / "etc" / "rc.local").read_text() == rc_local
    assert "etc/rc.local" not in (releases["dir"] / "b" / release.MANIFEST).read_text()
    assert not (board / ".staging").exists()
    assert not (board / ".upgrade" / "state").exists()


def test_upgrade_leaves_room_in_the_heap(board, releases):
    """The plan holds the old forms of modules that are here, not one
    name per module: on the esp32 profile (an ESP32 without PSRAM) an
    upgrade had less than 2 KB to spare, and failed out of memory."""
    done = boots(board, ["> room = bytearray(2000)", "upgrade -y"])
    assert [d.returncode for d in done] == [100, 100, 0], done[0].stderr
    assert boots(board, ["uname -r"])[0].stdout.splitlines()[-1] == NEW


def test_rollback_by_hand_restores_the_previous_version(board, releases):
    before = owned(board, releases["dir"] / "a")
    boots(board, ["upgrade -y"])
    done = boots(board, ["upgrade --rollback"])
    assert "Rolled back from munix %s to %s" % (NEW, OLD) in done[0].stdout
    assert boots(board, ["uname -r"])[0].stdout.splitlines()[-1] == OLD
    assert owned(board, releases["dir"] / "a") == before
    assert not (board / "bin" / "hello.mpy").exists()
    assert not (board / ".upgrade").exists()
    again = boots(board, ["upgrade --rollback", "echo status=$?"])[0]
    assert "status=1" in again.stdout and "no previous version" in again.stderr


def test_new_version_that_cannot_boot_is_rolled_back(board, releases):
    before = snapshot(board)
    done = boots(board, ["upgrade -y --ref crash"])
    text = "".join(d.stdout for d in done)
    assert "first boot of munix 1.2.0, on probation" in text
    assert "munix 1.2.0 did not finish booting: rolled back to %s" % OLD in text
    final = boots(board, ["uname -r"])[0]
    assert final.stdout.splitlines()[-1] == OLD
    assert "recovery" not in final.stdout
    assert snapshot(board) == before


def test_new_version_whose_kernel_cannot_load_is_rolled_back(board, releases):
    before = snapshot(board)
    done = boots(board, ["upgrade -y --ref broken"])
    assert "first boot of munix 1.3.0, on probation" in done[-1].stdout
    assert "a broken release" in done[-1].stderr + done[-1].stdout
    assert done[-1].returncode not in (0, simulator.RESET_STATUS)
    again = boots(board, [])     # the board is reset by hand, or powered again
    text = "".join(d.stdout for d in again)
    assert "munix 1.3.0 did not finish booting: rolled back to %s" % OLD in text
    final = boots(board, ["uname -r"])[0]
    assert final.stdout.splitlines()[-1] == OLD
    assert snapshot(board) == before


def test_nothing_to_do(board, releases):
    before = snapshot(board)
    done = boots(board, ["upgrade -y --ref a", "echo status=$?"])
    assert len(done) == 1
    assert "Nothing to do: munix %s is installed." % OLD in done[0].stdout
    assert "status=0" in done[0].stdout
    assert snapshot(board) == before


def test_check_shows_changes_and_changes_nothing(board, releases):
    before = snapshot(board)
    done = boots(board, ["upgrade --check", "echo status=$?"])
    out = done[0].stdout
    assert "installed: munix %s\navailable: munix %s" % (OLD, NEW) in out
    assert "  add /bin/hello.mpy" in out and "  remove /bin/sleep.mpy" in out
    assert "  replace /etc/init.sh" in out and "status=0" in out
    assert snapshot(board) == before


@pytest.mark.parametrize("args, message", [
    ("--ref badsig", "signature does not match /etc/upgrade.pub"),
    ("--ref wrongkey", "signature does not match /etc/upgrade.pub"),
    ("--ref tampered", "bin/hello.mpy: expected"),
    ("--ref truncated", "bin/hello.mpy: expected"),
    ("--ref drop", "connection closed before the end of the body"),
    ("--ref old", "0.9.0 is older than the installed %s" % OLD),
    ("--ref mpy", "needs .mpy version 5"),
    ("--ref twoslash", "not in normal form: 'etc//shadow'"),
    ("--ref dotted", "not in normal form: './etc/rc.local'"),
    ("--ref dotsys", "not in normal form: 'etc/./system.conf'"),
    ("--ref absolute", "not in normal form: '/etc/rc.local'"),
    ("--ref parent", "not in normal form: 'bin/../etc/rc.local'"),
    ("--ref backslash", "not in normal form: 'etc\\\\rc.local'"),
    ("--ref slashend", "not in normal form: 'etc/rc.local/'"),
    ("--ref dotend", "not in normal form: 'etc/shadow.'"),
    ("--ref spaceend", "not in normal form: 'etc/rc.local '"),
    ("--ref journal", "names '.upgrade/journal', which only the upgrade itself writes"),
    ("--ref staging", "names '.Staging/plan', which only the upgrade itself writes"),
    ("--ref manifest", "names 'etc/release', which only the upgrade itself writes"),
    ("--ref same", "this release of %s is not the build installed" % OLD),
    ("--ref nothere", "404"),
    ("--url {wrong_host}", "does not match"),
    ("--url {http_conf}", "plain http is used only for a --url given by hand"),
])
def test_refused_upgrades_change_nothing(board, releases, args, message):
    if "{http_conf}" in args:
        conf = board / "etc" / "system.conf"
        conf.write_text(conf.read_text().replace("https://", "http://").replace(
            str(releases["https"].port), str(releases["http"].port)))
        args = ""
    args = args.format(wrong_host=releases["wrong_host"].url() + "/b")
    before = snapshot(board)
    done = boots(board, ["upgrade -y " + args, "echo status=$?"])
    assert len(done) == 1, done
    assert "status=1" in done[0].stdout
    errors = done[0].stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("upgrade: ") and message in errors[0], errors
    assert snapshot(board) == before


def test_user_files_in_capitals_are_kept(board, releases):
    # On FAT (an ESP8266's default) ETC/shadow is /etc/shadow.
    shadow = (board / "etc" / "shadow").read_bytes() if (board / "etc" / "shadow").exists() else None
    done = boots(board, ["upgrade -y --ref upper"])
    assert [d.returncode for d in done] == [100, 100, 0], done
    assert boots(board, ["uname -r"])[0].stdout.splitlines()[-1] == NEW
    assert not (board / "ETC").exists()
    after = board / "etc" / "shadow"
    assert (after.read_bytes() if after.exists() else None) == shadow


def test_another_build_of_the_installed_version_installs_when_forced(board, releases):
    done = boots(board, ["upgrade -y -f --ref same"])
    assert [d.returncode for d in done] == [100, 100, 0], done
    assert "echo another build of 1.0.0" in (board / "etc" / "init.sh").read_text()


# Configuration changed on the board (issue 28, item 19)

def _edit_here(board):
    """Change /etc/init.sh and a board file (which release b drops) as a
    user does; their new contents."""
    init, pico = board / "etc" / "init.sh", board / "etc" / "boards" / "pico-w.board"
    with open(init, "a") as f:
        f.write("echo my own init\n")
    with open(pico, "a") as f:
        f.write("# my pins\n")
    return init.read_bytes(), pico.read_bytes()


def test_configuration_changed_here_is_kept_and_named(board, releases):
    init, pico = _edit_here(board)
    done = boots(board, ["upgrade -y"])
    assert [d.returncode for d in done] == [100, 100, 0], done
    assert ("kept /etc/init.sh (changed on this board; the release's copy: %s/b/etc/init.sh)\n"
            "kept /etc/boards/pico-w.board (changed on this board; the release has none)\n"
            % releases["https"].url()) in done[0].stdout, done[0].stdout
    after = boots(board, ["uname -r", "hello"])[0]
    assert after.stdout.splitlines()[1:] == ["my own init", "my rc.local", NEW,
                                             "hello from 1.1"], after
    assert (board / "etc" / "init.sh").read_bytes() == init
    assert (board / "etc" / "boards" / "pico-w.board").read_bytes() == pico
    assert (board / "bin" / "hello.mpy").read_bytes() == \
        (releases["dir"] / "b" / "bin" / "hello.mpy").read_bytes()
    # What the board runs now is still its own: the next upgrade keeps it too.
    again = boots(board, ["upgrade -y", "echo status=$?"])[0]
    assert "Nothing to do: munix %s is installed." % NEW in again.stdout, again


def test_the_release_replaces_configuration_it_names(board, releases):
    init, _ = _edit_here(board)
    done = boots(board, ["upgrade -y --ref breplace"])
    assert [d.returncode for d in done] == [100, 100, 0], done
    assert "/etc/init.sh was changed on this board, and the release replaces it: the " \
           "changed copy stays in /.upgrade/old/etc/init.sh until the next upgrade" \
           in done[0].stdout, done[0].stdout
    assert "kept /etc/boards/pico-w.board" in done[0].stdout
    served = releases["dir"] / "breplace"
    assert "replace etc/init.sh" in (served / release.MANIFEST).read_text()
    assert (board / "etc" / "init.sh").read_bytes() == (served / "etc" / "init.sh").read_bytes()
    assert (board / ".upgrade" / "old" / "etc" / "init.sh").read_bytes() == init


def test_the_installed_release_with_configuration_changed_here_has_nothing_to_do(board, releases):
    _edit_here(board)
    before = snapshot(board)
    done = boots(board, ["upgrade -y --ref a", "echo status=$?"])
    assert len(done) == 1 and "status=0" in done[0].stdout, done
    assert "Nothing to do: munix %s is installed." % OLD in done[0].stdout
    assert snapshot(board) == before


@pytest.mark.parametrize("record", [True, False])
def test_a_deployed_board_keeps_configuration_no_install_put_there(board, releases, record):
    """A board installed by `munix deploy` has no etc/release: what deploy
    recorded in etc/.deployed is the board's, anything else the user's."""
    (board / release.MANIFEST).unlink()
    (board / release.SIGNATURE).unlink()
    if record:
        digests = {p.relative_to(board).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                   for p in sorted(board.rglob("*")) if p.is_file()}
        (board / "etc" / ".deployed").write_text(json.dumps(digests, sort_keys=True))
    init = (board / "etc" / "init.sh").read_bytes()
    done = boots(board, ["upgrade -y"])
    assert [d.returncode for d in done] == [100, 100, 0], done
    assert ("kept /etc/init.sh" in done[0].stdout) is not record, done[0].stdout
    new = (releases["dir"] / "b" / "etc" / "init.sh").read_bytes()
    assert (board / "etc" / "init.sh").read_bytes() == (new if record else init)


def test_release_replace_names_configuration_it_ships(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "init.sh").write_text("echo hi\n")
    (tmp_path / "main.py").write_text("")
    text, _ = release.manifest(tmp_path, "1.0", None, set(), replace=["etc/init.sh"])
    assert text.splitlines()[:4] == ["munix-release 1", "version 1.0", "mpy -",
                                     "replace etc/init.sh"]
    for name in ("main.py", "etc/none.sh"):
        with pytest.raises(MunixError, match="replace %s: not a file of etc/" % name):
            release.manifest(tmp_path, "1.0", None, set(), replace=[name])


def test_plain_http_given_by_hand_works(board, releases):
    done = boots(board, ["upgrade -y --url %s/b" % releases["http"].url()])
    assert [d.returncode for d in done] == [100, 100, 0], done
    assert boots(board, ["uname -r"])[0].stdout.splitlines()[-1] == NEW


def test_release_command_line(tmp_path):
    """munix release --new-key, then a source release, from the command line."""
    tools = dict(PYTHONPATH=str(ROOT / "tools"))
    key, out = tmp_path / "k.pem", tmp_path / "out"
    tree = tmp_path / "tree"
    (tree / "etc").mkdir(parents=True)
    shutil.copytree(ROOT / "lib", tree / "lib")
    (tree / "etc" / "system.conf").write_text("{}")
    (tree / "etc" / "init.sh").write_text("echo hi\n")
    cmd = [sys.executable, "-m", "munixtool", "release"]
    env = dict(__import__("os").environ, **tools)
    made = subprocess.run(cmd + ["--new-key", "--key", str(key), "--tree", str(tree)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert made.returncode == 0, made
    assert (tree / release.PUBLIC_KEY).is_file() and key.stat().st_mode & 0o077 == 0
    again = subprocess.run(cmd + ["--new-key", "--key", str(key), "--tree", str(tree)],
                           capture_output=True, text=True, env=env, timeout=60)
    assert again.returncode == 1 and "exists" in again.stderr
    built = subprocess.run(cmd + ["--source", "--key", str(key), "--tree", str(tree),
                                  "--out", str(out)],
                           capture_output=True, text=True, env=env, timeout=60)
    assert built.returncode == 0, built
    manifest = (out / release.MANIFEST).read_text().splitlines()
    assert manifest[:3] == ["munix-release 1", "version " + release.tree_version(ROOT), "mpy -"]
    names = [line.split(" ", 3)[3] for line in manifest if line.startswith("file ")]
    assert "etc/init.sh" in names and "lib/kernel.py" in names
    assert "etc/system.conf" not in names and not (out / "etc" / "system.conf").exists()
    assert (out / release.SIGNATURE).stat().st_size == 384
    replacing = subprocess.run(cmd + ["--source", "--key", str(key), "--tree", str(tree), "--out",
                                      str(tmp_path / "r"), "--replace", "etc/init.sh"],
                               capture_output=True, text=True, env=env, timeout=60)
    assert replacing.returncode == 0, replacing
    assert "replace etc/init.sh" in (tmp_path / "r" / release.MANIFEST).read_text().splitlines()
    wrong = subprocess.run(cmd + ["--source", "--key", str(key), "--tree", str(tree), "--out",
                                  str(tmp_path / "w"), "--replace", "lib/kernel.py"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert wrong.returncode == 1 and "replace lib/kernel.py: not a file of etc/" in wrong.stderr, wrong


# Boards without three-argument pow() (ESP8266)

def test_square_and_multiply_is_pow(sim):
    """The ESP8266's way to pow(s, e, n) gives pow's results, here where
    both exist: keys of 2048 and 3072 bits, the exponents they use, edges."""
    sim.write("/tmp/powcheck.py", """import os, signature
def big(bits):
    return int.from_bytes(os.urandom(bits // 8), "big") | 1 << (bits - 1) | 1
cases = [(0, 65537, 7), (5, 0, 7), (1, 1, 1), (12, 3, 1), (2, 10, 1000)]
for bits in (2048, 3072):
    n = big(bits)
    cases += [(big(bits) % n, 65537, n), (big(bits) % n, 3, n), (n - 1, 65537, n),
              (big(bits) % n, big(64), n)]
bad = [c for c in cases if signature._square_multiply(*c) != pow(*c)]
print(len(cases), "cases,", len(bad), "differ")
""")
    r = sim.run("> import sys; sys.path.insert(0, '/tmp'); import powcheck")
    assert r.out == "13 cases, 0 differ\n" and r.err == "", r


# Until the simulator's esp8266 profile lacks it for real, the three-argument
# pow() that port lacks is taken away here, as that port reports it.
NO_POW3 = """import builtins
_pow = builtins.pow
def pow2(a, b, *m):
    if m:
        raise NotImplementedError("3-arg pow() not supported")
    return _pow(a, b)
builtins.pow = pow2
"""
WITHOUT_POW3 = "> import sys; sys.path.insert(0, '/tmp'); import nopow3"


def test_releases_are_checked_without_three_argument_pow(board, releases):
    (board / "tmp").mkdir(exist_ok=True)
    (board / "tmp" / "nopow3.py").write_text(NO_POW3)
    done = boots(board, [WITHOUT_POW3, "< pow(2, 3, 5)", "upgrade --check", "echo status=$?"])
    out, err = done[0].stdout, done[0].stderr
    assert "3-arg pow() not supported" in err and "status=0" in out, done
    assert "installed: munix %s\navailable: munix %s" % (OLD, NEW) in out
    for ref in ("badsig", "wrongkey"):
        done = boots(board, [WITHOUT_POW3, "upgrade -y --ref " + ref, "echo status=$?"])
        assert len(done) == 1 and "status=1" in done[0].stdout, done
        assert done[0].stderr == "upgrade: the release's signature does not match " \
                                 "/etc/upgrade.pub: not installing it\n"


# A board whose clock is not yet set; a TLS that cannot check certificates

def test_ntpupdate_then_check_on_a_board_started_at_2000(board, releases, ntp):
    """The clock a fresh ESP32 has is put there by ntpupdate from a time
    server that tells it; upgrade names the fix, which then works."""
    import time
    fresh, right = ntp(offset=Y2000 - time.time()), ntp()
    before = snapshot(board)
    done = boots(board, ["ntpupdate -W 5 127.0.0.1:%d" % fresh.port,
                         "upgrade --check", "echo status=$?"])
    assert len(done) == 1 and "status=1" in done[0].stdout, done
    assert done[0].stderr == (
        "upgrade: localhost:%d: the board's clock says 2000-01-01 00:00 UTC, too early to "
        "check certificates: set it with ntpupdate\n" % releases["https"].port)
    assert snapshot(board) == before
    done = boots(board, ["ntpupdate -W 5 127.0.0.1:%d" % fresh.port,
                         "ntpupdate -W 5 127.0.0.1:%d" % right.port,
                         "upgrade --check", "echo status=$?"])
    out = done[0].stdout
    assert "status=0" in out and done[0].stderr == "", done
    assert "installed: munix %s\navailable: munix %s" % (OLD, NEW) in out


# Until the simulator's esp8266 profile has it for real, its TLS (no
# CERT_REQUIRED, no CA) is reproduced by taking CERT_REQUIRED out of tls.
AXTLS = """import sys, tls
class Tls:
    pass
for n in dir(tls):
    if n != "CERT_REQUIRED" and not n.startswith("__"):
        setattr(Tls, n, getattr(tls, n))
sys.modules["tls"] = Tls
"""
WITHOUT_CA = "> import sys; sys.path.insert(0, '/tmp'); import axtls"


def test_a_tls_without_ca_trusts_the_signature_alone(board, releases):
    """The release's signature protects what is installed: an unchecked
    TLS carries it, and a bad signature is still refused."""
    (board / "tmp").mkdir(exist_ok=True)
    (board / "tmp" / "axtls.py").write_text(AXTLS)
    conf = board / "etc" / "system.conf"
    conf.write_text(conf.read_text().replace(str(releases["https"].port),
                                             str(releases["wrong_host"].port)))
    before = snapshot(board)
    done = boots(board, [WITHOUT_CA, "upgrade --check", "echo status=$?"])
    out = done[0].stdout
    assert "status=0" in out and done[0].stderr == "", done
    assert "This board's TLS cannot check certificates: the release is trusted for its " \
           "signature alone.\ninstalled: munix %s\navailable: munix %s" % (OLD, NEW) in out
    done = boots(board, [WITHOUT_CA, "upgrade -y --ref badsig", "echo status=$?"])
    assert len(done) == 1 and "status=1" in done[0].stdout, done
    assert done[0].stderr == "upgrade: the release's signature does not match " \
                             "/etc/upgrade.pub: not installing it\n"
    assert snapshot(board) == before
