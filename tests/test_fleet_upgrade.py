"""`munix fleet upgrade` against a simulated fleet: boards installed from a
signed release (1.0.0) by munix release, fleetd started by their
rc.local, a newer release (1.1.0) served over plain http on the
loopback, mosquitto as broker (mqtt_support.py). Each board restarts
for real: `munix sim` boots it again after the reset that upgrade asks
for, once more after installing, and its rc.local starts fleetd on the
new version, whose status the host waits for.
"""
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, Board
from mqtt_support import PASSWORD, TIMEOUT, USER, Broker, needs_mosquitto
from munixtool import boards, release
from munixtool import sim as simulator
from test_fleet import wait_status
from test_upgrade import make_tree, new_key
from upgrade_support import Server

OLD, NEW = "1.0.0", "1.1.0"
BOARD = simulator.board_name()
# Beside fleetd, a board without PSRAM (esp32, esp32c3: some 29 KiB free)
# has too little heap for upgrade: its canary fails ("memory allocation
# failed"), and the rollout stops there. The RP2040 runs no fleetd
# command (its one thread is the loop's); the ESP8266 no fleetd.
ROOM = BOARD is None or bool(boards.get(BOARD).psram)
needs_room = pytest.mark.skipif(not ROOM, reason="upgrade does not fit beside fleetd on this board")
pytestmark = [needs_mosquitto, pytest.mark.skipif(BOARD == "esp8266", reason="fleetd does not fit")]


def _edit_new(tree):
    (tree / "bin" / "hello.py").write_text(
        'ABOUT = "greet"\nUSAGE = ""\n\n\ndef __main__(args):\n    print("hello from 1.1")\n')


def _edit_crash(tree):
    # The new version's first boot never ends: it is rolled back.
    with open(tree / "etc" / "init.sh", "a") as f:
        f.write("> import machine; machine.reset()\n")


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """Releases under one folder served over http: a (installed), b
    (newer), wrongkey (b signed by another key), crash (1.2.0, whose
    first boot never ends); key: the release key's private half."""
    base = tmp_path_factory.mktemp("fleet-releases")
    key = new_key(base / "keys" / "release.pem")
    other = new_key(base / "keys2" / "other.pem")
    served = base / "www"
    for name, version, edit in (("a", OLD, None), ("b", NEW, _edit_new),
                                ("crash", "1.2.0", _edit_crash)):
        release.release(make_tree(base, name, version, key, edit), served / name, key)
    shutil.copytree(served / "b", served / "wrongkey")
    manifest = (served / "b" / release.MANIFEST).read_bytes()
    (served / "wrongkey" / release.SIGNATURE).write_bytes(release.sign(other, manifest))
    server = Server(served)
    yield {"dir": served, "http": server, "key": key}
    server.stop()


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    b = Broker(tmp_path_factory.mktemp("fleet-upgrade-mqtt"))
    yield b
    b.stop()


@pytest.fixture
def fleet(tmp_path, releases, broker):
    """fleet(names): boards installed from release a, fleetd started by
    their rc.local, each online."""
    boards = []

    def make(names, **settings):
        for name in names:
            flash = tmp_path / name
            simulator.seed(flash, releases["dir"] / "a")
            (flash / "etc" / "system.conf").write_text(json.dumps({"hostname": name, "fleet": dict(
                host="127.0.0.1", port=broker.auth, user=USER, password_file="/etc/fleet.pass",
                interval=2, keepalive=4, backoff_max=2, **settings)}))
            (flash / "etc" / "fleet.pass").write_text(PASSWORD + "\n")
            wifi = ("wifi sta on\nwifi sta connect munix-sim munix-sim-pass 5\n"
                    if simulator.board_name() else "")
            (flash / "etc" / "rc.local").write_text(wifi + "fleetd start\n")
            boards.append(Board(flash))
        for name in names:
            assert wait_status(broker, name)["munix"] == OLD
        return boards[-len(names):]

    yield make
    for b in boards:
        b.close()


def upgrade(broker, *args):
    """tools/munix fleet upgrade ARGS... against the broker's password listener."""
    (broker.folder / "pass").write_text(PASSWORD + "\n")
    argv = [sys.executable, "-m", "munixtool", "fleet", "upgrade", "-H", "127.0.0.1",
            "-p", str(broker.auth), "-u", USER, "--password-file", str(broker.folder / "pass")]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tools"))
    return subprocess.run(argv + list(args), capture_output=True, text=True, timeout=400, env=env)


def untouched(board, name, broker):
    """The board runs the old version, was never asked to upgrade, and its
    flash holds nothing of an upgrade."""
    assert wait_status(broker, name)["munix"] == OLD
    assert board.run("uname -r") == OLD + "\n"
    assert "upgrade" not in (board.flash / "tmp" / "fleet.log").read_text()
    assert not (board.flash / ".upgrade").exists() and not (board.flash / ".staging").exists()


def test_a_bad_canary_stops_the_rollout(fleet, broker, releases):
    names = ["bad1", "bad2", "bad3", "bad4"]
    boards = fleet(names)
    url = "%s/wrongkey" % releases["http"].url("127.0.0.1")
    r = upgrade(broker, "--all", "--release", url, "--batch", "2")
    assert r.returncode == 1, r
    out = r.stdout
    assert ("upgrading 4 boards to munix %s from %s: canary bad1, then 2 batches of 2 at most\n"
            "== canary: bad1 ==\nbad1: upgrade sent (munix %s)\n" % (NEW, url, OLD)) in out, out
    if ROOM:
        assert ("bad1: FAILED: upgrade status 1: upgrade: the release's signature does not match "
                "/etc/upgrade.pub: not installing it\n") in out, out
    else:
        assert re.search(r"^bad1: FAILED: upgrade status 1(26)?: .*(memory allocation failed|"
                         r"no thread free)", out, re.M), out
    assert "== batch" not in out, out
    assert r.stderr == "munix fleet upgrade: stopped: bad1 failed; not touched: bad2, bad3, bad4\n", r
    # The canary refused the release: it still runs the old version.
    assert wait_status(broker, "bad1")["munix"] == OLD
    assert boards[0].run("uname -r") == OLD + "\n"
    for board, name in zip(boards[1:], names[1:]):
        untouched(board, name, broker)


@needs_room
def test_a_good_release_upgrades_all_canary_first_then_batches(fleet, broker, releases):
    names = ["good1", "good2", "good3", "good4"]
    boards = fleet(names)
    url = "%s/b" % releases["http"].url("127.0.0.1")
    r = upgrade(broker, *names, "--release", url, "--canary", "1", "--batch", "2")
    assert r.returncode == 0 and r.stderr == "", r
    out = r.stdout
    groups = re.findall(r"^== (.*) ==$", out, re.M)
    assert groups == ["canary: good1", "batch 1: good2, good3", "batch 2: good4"], out
    for name in names:
        assert re.search(r"^%s: restarting\n" % name, out, re.M), out
        assert re.search(r"^%s: upgraded to munix %s in [\d.]+ s$" % (name, NEW), out, re.M), out
    # The canary was done before the batches began.
    assert out.index("good1: upgraded") < out.index("== batch 1")
    assert out.endswith("all 4 boards on munix %s\n" % NEW), out
    for board, name in zip(boards, names):
        assert wait_status(broker, name)["munix"] == NEW
        boot = board.read_to_prompt()       # what its last boot printed, up to the prompt
        assert "upgrade: munix %s booted; upgrade complete\n" % NEW in boot, boot
        assert board.run("uname -r; hello") == "%s\nhello from 1.1\n" % NEW
        assert not (board.flash / ".upgrade" / "state").exists()
    # Again: nothing to do.
    r = upgrade(broker, *names, "--release", url)
    assert r.returncode == 0, r
    assert r.stdout == "".join("%s: on munix %s already\n" % (n, NEW) for n in names) + (
        "all 4 boards on munix %s\n" % NEW), r


@needs_room
def test_a_canary_rolled_back_stops_the_rollout(fleet, broker, releases):
    boards = fleet(["roll1", "roll2"])
    url = "%s/crash" % releases["http"].url("127.0.0.1")
    r = upgrade(broker, "roll1", "roll2", "--release", url)
    assert r.returncode == 1, r
    assert re.search(r"^roll1: FAILED: came back on munix %s: the new version was rolled back$"
                     % OLD, r.stdout, re.M), r.stdout
    assert r.stderr == "munix fleet upgrade: stopped: roll1 failed; not touched: roll2\n", r
    boot = boards[0].read_to_prompt()
    assert "munix 1.2.0 did not finish booting: rolled back to %s" % OLD in boot, boot
    assert boards[0].run("uname -r") == OLD + "\n"
    untouched(boards[1], "roll2", broker)


@pytest.mark.skipif(BOARD is not None, reason="a board profile's clock starts in 2000 at each boot")
def test_boards_that_run_signed_commands_only(fleet, broker, releases):
    # The release key signs the commands too (fleet.sign, its public half
    # in /etc/upgrade.pub); the simulator's clock is the host's.
    boards = fleet(["sig1", "sig2"], sign=True)
    url = "%s/b" % releases["http"].url("127.0.0.1")
    r = upgrade(broker, "--all", "--release", url)
    assert r.returncode == 1, r
    assert "sig1: FAILED: upgrade status 126: refused: unsigned: this board runs signed commands " \
           "only\n" in r.stdout, r
    untouched(boards[1], "sig2", broker)
    r = upgrade(broker, "--all", "--release", url, "--sign", str(releases["key"]))
    assert r.returncode == 0 and r.stdout.endswith("all 2 boards on munix %s\n" % NEW), r


def test_fleet_upgrade_bad_input(fleet, broker, releases):
    fleet(["lone"])
    url = "%s/b" % releases["http"].url("127.0.0.1")
    r = upgrade(broker, "lone", "ghost", "--release", url)
    assert r.returncode == 1 and r.stderr == "munix: not online, nothing done: ghost (unknown)\n", r
    r = upgrade(broker, "--all", "--release", url, "--canary", "0")
    assert r.returncode == 1 and r.stderr == (
        "munix: --canary and --batch take a number of boards above 0\n"), r
    r = upgrade(broker, "--all", "--release", "%s/nothere" % releases["http"].url("127.0.0.1"))
    assert r.returncode == 1 and r.stderr.startswith("munix: http://127.0.0.1:"), r
    assert "/nothere/etc/release: Not Found (--version V says which version" in r.stderr, r
    r = upgrade(broker, "--release", url)
    assert r.returncode == 1 and r.stderr == "munix: name boards, or give --all or --tag T\n", r

