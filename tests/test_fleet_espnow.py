"""Commands between boards over ESP-NOW (fleetd's "espnow" setting,
lib/fleetnow.py), on the esp32 profile whatever munix test's board: the
simulator's espnow stand-in (tools/sim/rom/board/espnow.py) carries the
frames between simulated boards as UDP datagrams on the loopback, a
board's MAC naming its port. The test plays a board of its own from such
a socket: a peer that asks, answers, forges and replays.
"""
import hashlib
import hmac
import json
import os
import re
import socket
import subprocess
import time

import pytest

from conftest import HEAP_HOG
from mqtt_support import PASSWORD, USER, Broker, needs_mosquitto
from munixtool import boards, portbuild
from munixtool import sim as simulator

ASKED = simulator.board_name()
# The board asked when it has ESP-NOW and room for fleetd (not the
# ESP8266: test_the_esp8266_refuses_fleetd_in_one_line).
BOARD = ASKED if ASKED and "espnow" in boards.get(ASKED).modules and ASKED != "esp8266" else "esp32"
KEY = os.urandom(32)
TIMEOUT = 10
BASE = b"\x02\x00\x7f\x00"


def mac_text(mac):
    return ":".join("%02x" % b for b in mac)


def tag(data, key=KEY):
    return hmac.new(key, data, hashlib.sha256).digest()[:16]


class Peer:
    """A board played by the test: a UDP socket on the loopback, its MAC
    the stand-in's name for its port."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.mac = BASE + self.sock.getsockname()[1].to_bytes(2, "big")

    def send(self, mac, frame):
        self.sock.sendto(frame, ("127.0.0.1", int.from_bytes(mac[4:], "big")))

    def recv(self, wait=TIMEOUT):
        """(MAC, frame) of the next frame, None after wait seconds."""
        self.sock.settimeout(wait)
        try:
            frame, (_, port) = self.sock.recvfrom(512)
        except TimeoutError:
            return None
        return BASE + port.to_bytes(2, "big"), frame

    def close(self):
        self.sock.close()


@pytest.fixture
def peers():
    made = []

    def make():
        made.append(Peer())
        return made[-1]
    yield make
    for p in made:
        p.close()


def mac_of(board):
    """The board's MAC, as ESP-NOW knows it."""
    out = board.run(">import espnow, network, binascii; "
                    "print(binascii.hexlify(network.WLAN(network.STA_IF).config('mac')).decode())")
    return bytes.fromhex(out.strip().splitlines()[-1])


@pytest.fixture
def fleet(make_board):
    """fleet(names, extra={NAME: MAC}, key=KEY, board=BOARD, **settings):
    boards of the profile (the esp32's), booted, each with fleetd started
    knowing the others (and extra) by name, {name: (board, MAC)}."""
    def make(names, extra=None, key=KEY, board=BOARD, **settings):
        made = {}
        for name in names:
            b = make_board(board=board)
            made[name] = (b, mac_of(b))
        for name, (b, _) in made.items():
            known = {other: mac_text(mac) for other, (_, mac) in made.items() if other != name}
            known.update({other: mac_text(mac) for other, mac in (extra or {}).items()})
            section = dict(name=name, espnow=known)
            section.update(settings)
            b.path("/etc/system.conf").write_text(json.dumps({"fleet": section}))
            b.path("/etc/fleet.key").write_text(key.hex() + "\n")
            b.path("/etc/fleet.pass").write_text(PASSWORD + "\n")
            b.run("loadconfig")
            out = b.run("fleetd start")
            assert re.match(r"fleetd: started \(pid \d+\) as %s, log /tmp/fleet.log\n$" % name, out), out
        return made
    return make


def log(board):
    return board.run("cat /tmp/fleet.log")


def logged(board, text):
    deadline = time.monotonic() + TIMEOUT
    while text not in log(board):
        assert time.monotonic() < deadline, log(board)
        time.sleep(0.1)


# The stand-in


@pytest.mark.parametrize("name", sorted({BOARD, "esp8266"}))
def test_the_stand_in_carries_frames_as_the_radio_does(name, peers):
    program, env = portbuild.runtime(name)
    code = r'''
import binascii, espnow, network, sys
e = espnow.ESPNow()
e.active(True)
try:
    e.recv(0)
except OSError as x:
    print("wifi off:", x)
sta = network.WLAN(network.STA_IF)
sta.active(True)
print(binascii.hexlify(sta.config("mac")).decode())
peer = binascii.unhexlify(sys.stdin.readline().strip())
for msg in (b"x", b"y" * 251, b""):
    try:
        e.send(peer, msg)
    except (OSError, ValueError) as x:
        print("refused:", x)
    if msg == b"x":
        e.add_peer(peer)
print(e.send(peer, b"z" * 250))
print(e.recv(5000))
'''
    host = peers()
    p = subprocess.Popen([*program, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True, env=dict(os.environ, **env))
    try:
        assert p.stdout.readline() == "wifi off: ESP_ERR_ESPNOW_IF\n"
        mac = bytes.fromhex(p.stdout.readline().strip())
        assert mac[:4] == BASE, mac
        p.stdin.write(host.mac.hex() + "\n")
        p.stdin.flush()
        assert [p.stdout.readline() for _ in range(4)] == [
            "refused: ESP_ERR_ESPNOW_NOT_FOUND\n", "refused: ESP_ERR_ESPNOW_ARG\n",
            "refused: ESP_ERR_ESPNOW_ARG\n", "True\n"]
        assert host.recv() == (mac, b"z" * 250)
        # A datagram longer than a frame is never delivered; what follows is.
        host.send(mac, b"o" * 251)
        host.send(mac, b"back")
        out, _ = p.communicate(timeout=TIMEOUT)
        assert out == "[%r, b'back']\n" % host.mac, out
    finally:
        p.kill()
        p.wait()


def test_hmac_is_rfc_2104s(sim):
    # Each (key, data) as Python builds it on both sides.
    cases = [('b""', 'b""'), ('b"k" * 32', 'b"what is signed"'),
             ("bytes(range(64))", "bytes(range(256)) * 3")]
    lines = [">import hmacsha, binascii"]
    for key, data in cases:
        lines.append(">print(binascii.hexlify(hmacsha.digest(%s, %s)).decode())" % (key, data))
    lines.append(">print(hmacsha.same(b'ab', b'ab'), hmacsha.same(b'ab', b'ac'), hmacsha.same(b'a', b'ab'))")
    r = sim.run(*lines)
    assert r.out.split() == [hmac.new(eval(k), eval(d), hashlib.sha256).hexdigest()
                             for k, d in cases] + [
        "True", "False", "False"], r


# Boards asking each other


def test_three_boards_run_commands_on_each_other(fleet):
    made = fleet(["alpha", "beta", "gamma"])
    alpha, beta, gamma = (made[n][0] for n in ("alpha", "beta", "gamma"))
    assert alpha.run("on beta echo hello over the air; echo status=$?") == (
        "hello over the air\nstatus=0\n")
    assert gamma.run("on alpha ls /nowhere; echo status=$?") == (
        "ls: /nowhere: No such file or directory\nstatus=1\n")
    assert beta.run("x=$(on gamma echo 41); echo $((x + 1))") == "42\n"
    # Many frames: 1000 lines of output, 2048 bytes of them kept.
    whole = "".join("%d\n" % i for i in range(1, 1001))
    assert alpha.run("on gamma seq 1000; echo status=$?") == (
        whole[:2048] + "\n[output cut at 2048 bytes]\nstatus=0\n")
    assert "espnow-2: from alpha" in log(gamma)
    status = beta.run("fleetd status")
    assert re.match(r"fleetd: running \(pid \d+\) as beta, no broker, ESP-NOW as %s with 2 boards, "
                    r"1 command run, 0 refused, log /tmp/fleet.log\n$" % mac_text(made["beta"][1]),
                    status), status
    assert "refused" not in log(alpha) + log(beta) + log(gamma)


def test_on_in_a_crontab_line(fleet):
    """A plain line (no parser: on the esp32 profile a redirection's
    parser, a cron job and fleetd leave `on` no heap); the job's output
    goes to cron's log."""
    made = fleet(["pump", "timer"])
    pump, timer = made["pump"][0], made["timer"][0]
    timer.path("/etc/crontab").write_text("* * * * * on pump echo watered\n")
    timer.run("> import machine; machine.RTC().datetime((2026, 3, 1, 0, 23, 59, 58, 0))")
    assert "started" in timer.run("crond start")
    deadline = time.monotonic() + TIMEOUT
    while "\nwatered\n" not in timer.run("cat /tmp/cron.log"):
        assert time.monotonic() < deadline, timer.run("cat /tmp/cron.log")
        time.sleep(0.2)
    logged(pump, "espnow-1: from timer")


def test_the_key_is_never_echoed_and_output_max_bounds_the_output(fleet):
    made = fleet(["keeper", "asker"], output_max=100)
    asker, keeper = made["asker"][0], made["keeper"][0]
    assert asker.run("on keeper cat /etc/fleet.key; echo status=$?") == "********\nstatus=0\n"
    assert asker.run("on keeper seq 100; echo status=$?") == (
        "".join("%d\n" % i for i in range(1, 101))[:100] + "\n[output cut at 100 bytes]\nstatus=0\n")
    assert KEY.hex() not in log(keeper) + log(asker)
    assert keeper.run("rm /etc/fleet.key; echo $?") == (
        "rm: /etc/fleet.key: secret (a password or key file) (use -F to force)\n1\n")
    assert keeper.run(">import fsguard; print(fsguard.guarded('/ETC/Fleet.KEY.'))") == (
        "is secret (a password or key file)\n")


def test_a_board_with_another_key_is_refused(fleet):
    right, right_mac = fleet(["right"])["right"]
    wrong, wrong_mac = fleet(["wrong"], extra={"right": right_mac}, key=os.urandom(32))["wrong"]
    # right does not know wrong: its frames are refused before any key.
    assert wrong.run("on -t 1 right echo no; echo status=$?") == (
        "on: right: no answer within 1 s\nstatus=124\n")
    logged(right, "refused: espnow: %s: not a board of fleet.espnow" % mac_text(wrong_mac))
    right.path("/etc/system.conf").write_text(json.dumps({"fleet": {
        "name": "right", "espnow": {"wrong": mac_text(wrong_mac)}}}))
    right.run("fleetd stop")
    right.run("loadconfig")
    assert "started" in right.run("fleetd start")
    assert wrong.run("on -t 5 right echo no; echo status=$?") == (
        "on: right: refused: wrong: a command whose HMAC does not check\nstatus=126\n")
    logged(right, "refused: espnow: wrong: a command whose HMAC does not check")


def test_a_radio_left_on_with_peers_is_taken_afresh(fleet, make_board):
    """A program (or a fleetd that ended without closing it) left ESP-NOW
    on with a peer added: fleetd adding it again was refused
    (ESP_ERR_ESPNOW_EXIST), and served no ESP-NOW at all."""
    first, first_mac = fleet(["first"])["first"]
    b = make_board(board=BOARD)
    b.run(">import espnow, network; network.WLAN(network.STA_IF).active(True); "
          "e = espnow.ESPNow(); e.active(True); e.add_peer(%r)" % first_mac)
    first.path("/etc/system.conf").write_text(json.dumps({"fleet": {
        "name": "first", "espnow": {"second": mac_text(mac_of(b))}}}))
    first.run("fleetd stop")
    first.run("loadconfig")
    assert "started" in first.run("fleetd start")
    b.path("/etc/system.conf").write_text(json.dumps({"fleet": {
        "name": "second", "espnow": {"first": mac_text(first_mac)}}}))
    b.path("/etc/fleet.key").write_text(KEY.hex() + "\n")
    b.run("loadconfig")
    assert "started" in b.run("fleetd start")
    assert b.run("on first echo fresh; echo status=$?") == "fresh\nstatus=0\n", log(b)
    assert "no ESP-NOW" not in log(b)


def test_on_times_out_when_the_board_does_not_answer(fleet, peers):
    silent = peers()
    asker = fleet(["asker"], extra={"silent": silent.mac})["asker"][0]
    assert asker.run("on -t 1 silent echo x; echo status=$?") == (
        "on: silent: no answer within 1 s\nstatus=124\n")
    # It asked for a challenge, once, and got none.
    assert silent.recv(1) == (mac_of(asker), b"?")
    assert asker.run("fleetd status").startswith("fleetd: running")


def test_on_needs_fleetd_and_a_short_command(fleet, make_board):
    made = fleet(["near"], extra={"far": b"\x02\x00\x7f\x00\x00\x01"})
    near = made["near"][0]
    long = "echo " + "x" * 229
    assert near.run("on far %s; echo status=$?" % long) == (
        "on: far: over ESP-NOW: a command of 233 bytes at most\nstatus=1\n")
    near.run("fleetd stop")
    assert near.run("on far echo x; echo status=$?") == (
        "on: far: over ESP-NOW: fleetd with fleet.espnow must run here first\nstatus=1\n")


def test_on_right_after_fleetd_start_waits_for_the_radio(fleet):
    """`on` right after `fleetd start`, before fleetd's first step had
    opened the radio, said fleetd did not run (CI, under load). An asyncio
    program holds the loop here for that moment (on the esp32s3: the
    esp32's heap has no room for it beside fleetd)."""
    made = fleet(["near"], extra={"far": b"\x02\x00\x7f\x00\x00\x01"}, board="esp32s3")
    near = made["near"][0]
    near.run("fleetd stop")
    near.path("/opt/block.py").write_text("import time\n\nasync def __main__(args):\n"
                                          "    time.sleep_ms(int(args[0]))\n")
    out = near.run("/opt/block 1500 & fleetd start > /dev/null; on far %s; echo status=$?"
                   % ("echo " + "x" * 229))
    assert out.endswith("on: far: over ESP-NOW: a command of 233 bytes at most\nstatus=1\n"), out


@needs_mosquitto
def test_a_board_on_the_broker_and_espnow_serves_both(fleet, tmp_path):
    from test_fleet import munix_fleet, wait_status
    broker = Broker(tmp_path / "mqtt")
    try:
        made = fleet(["both", "near"], host="127.0.0.1", port=broker.auth, user=USER,
                     password_file="/etc/fleet.pass", keepalive=4, backoff_max=2, announce=False)
        both, near = made["both"][0], made["near"][0]
        # The broker is reached over Wi-Fi: fleetd waits for the station.
        assert "waiting for Wi-Fi, then 127.0.0.1" in both.run("fleetd status")
        for b in (both, near):
            b.run("wifi sta connect munix-sim munix-sim-pass 5")
        wait_status(broker, "both")
        r = munix_fleet(broker, "run", "both", "echo via the broker")
        assert r.returncode == 0 and r.stdout.endswith("==\nvia the broker\n"), r
        assert near.run("on both echo over the air; echo status=$?") == "over the air\nstatus=0\n"
        # The broker gone, ESP-NOW goes on while fleetd waits to connect again.
        broker.stop()
        logged(both, "again in")
        assert near.run("on both echo without it; echo status=$?") == "without it\nstatus=0\n"
        broker.start()
        wait_status(broker, "both")
        assert "connected to 127.0.0.1, ESP-NOW as" in both.run("fleetd status")
    finally:
        broker.stop()


@needs_mosquitto
def test_a_full_heap_neither_stops_fleetd_nor_drops_its_broker(fleet, peers, tmp_path):
    from test_fleet import wait_status
    friend = peers()
    broker = Broker(tmp_path / "mqtt")
    try:
        made = fleet(["target"], extra={"friend": friend.mac}, host="127.0.0.1", port=broker.auth,
                     user=USER, password_file="/etc/fleet.pass", backoff_max=2, announce=False)
        b, target = made["target"]
        b.run("wifi sta connect munix-sim munix-sim-pass 5")
        try:
            wait_status(broker, "target")
        except TimeoutError as e:
            # Once on CI: what fleetd said, to go on from.
            raise AssertionError("%s\n%s%s" % (e, log(b), b.run("fleetd status; ps"))) from None
        b.path("/tmp/hog.py").write_text(HEAP_HOG)
        b.run("/tmp/hog 1500 &")
        time.sleep(0.3)
        # Heard while the heap is full, answered once it is not.
        friend.send(target, b"?")
        time.sleep(1.5)
        b.run("wait")
        mac, frame = friend.recv()
        assert mac == target and frame[:1] == b"!" and len(frame) == 17, frame
        nonce = frame[1:]
        friend.send(target, command_frame(friend, nonce, b"echo served"))
        assert result(friend, target, nonce) == ("served\n", 0, "")
        assert "connected to 127.0.0.1, ESP-NOW as" in b.run("fleetd status")
        text = log(b)
        assert text.count("connected to 127.0.0.1 as target") == 1, text
        assert "again in" not in text, text
        assert text.count("memory allocation failed in") == 1, text
    finally:
        broker.stop()


# Hostile frames, the test playing a known board and an unknown one


def challenge(peer, target):
    peer.send(target, b"?")
    mac, frame = peer.recv()
    assert mac == target and frame[:1] == b"!" and len(frame) == 17, frame
    return frame[1:]


def command_frame(peer, nonce, cmd, key=KEY):
    return b"C" + tag(b"C" + nonce + peer.mac + cmd, key) + cmd


def result(peer, target, nonce):
    """(output, status, error) of the frames that came back, each checked."""
    parts = []
    while True:
        mac, frame = peer.recv()
        assert mac == target
        kind = frame[:1]
        size = 2 if kind == b"O" else 3
        head, body = frame[1:size], frame[size + 16:]
        assert kind in (b"O", b"E") and frame[size:size + 16] == tag(kind + nonce + head + body), frame
        if kind == b"E":
            assert head[0] == len(parts)
            return b"".join(parts).decode(), head[1], body.decode()
        assert head[0] == len(parts)
        parts.append(body)


def test_hostile_frames_are_refused_and_the_agent_serves_on(fleet, peers):
    friend, stranger = peers(), peers()
    made = fleet(["target"], extra={"friend": friend.mac})
    b, target = made["target"]
    # A command as it should be.
    nonce = challenge(friend, target)
    good = command_frame(friend, nonce, b"echo once >> /tmp/once; echo ran")
    friend.send(target, good)
    assert result(friend, target, nonce) == ("ran\n", 0, "")
    # Replayed: its challenge is spent.
    friend.send(target, good)
    assert friend.recv() == (target, b"Xfriend: a command not asked for (replayed or late)")
    # A bad HMAC: another key, another nonce, another sender's MAC.
    for forged in (command_frame(friend, nonce, b"echo forged", os.urandom(32)),
                   command_frame(friend, os.urandom(16), b"echo forged"),
                   b"C" + tag(b"C" + nonce + stranger.mac + b"echo forged") + b"echo forged"):
        challenge(friend, target)
        friend.send(target, forged)
        assert friend.recv() == (target, b"Xfriend: a command whose HMAC does not check")
    # From a board not known: never answered.
    stranger.send(target, b"?")
    stranger.send(target, command_frame(stranger, nonce, b"echo stranger"))
    assert stranger.recv(1) is None
    # Random bytes, a frame of another kind, an empty and an oversize one.
    for junk in (b"\xff" + os.urandom(249), b"Onothing asked", b"E\x00\x00", b"!" + bytes(16)):
        friend.send(target, junk)
    friend.sock.sendto(b"?" * 251, ("127.0.0.1", int.from_bytes(target[4:], "big")))
    friend.sock.sendto(b"", ("127.0.0.1", int.from_bytes(target[4:], "big")))
    assert friend.recv(1) is None
    # A challenge not used in time.
    nonce = challenge(friend, target)
    time.sleep(5.2)
    friend.send(target, command_frame(friend, nonce, b"echo late"))
    assert friend.recv() == (target, b"Xfriend: a command after its challenge expired")
    # Still serving, and every refusal logged with its reason.
    nonce = challenge(friend, target)
    friend.send(target, command_frame(friend, nonce, b"cat /tmp/once"))
    assert result(friend, target, nonce) == ("once\n", 0, "")
    text = log(b)
    for reason in ("friend: a command not asked for (replayed or late)",
                   "friend: a command whose HMAC does not check",
                   "%s: not a board of fleet.espnow" % mac_text(stranger.mac),
                   "friend: a frame of 250 bytes not expected",
                   "friend: a frame of 14 bytes not expected",
                   "friend: a frame of 3 bytes not expected",
                   "friend: a frame of 17 bytes not expected",
                   "friend: a command after its challenge expired"):
        assert "refused: espnow: " + reason in text, (reason, text)
    assert text.count("whose HMAC does not check") == 3, text
    assert "forged" not in text and "stranger" not in text
    status = b.run("fleetd status")
    assert ", 2 commands run, 11 refused," in status, status


def test_one_command_at_a_time(fleet, peers):
    first, second = peers(), peers()
    b, target = fleet(["single"], extra={"first": first.mac, "second": second.mac})["single"]
    nonce = challenge(first, target)
    # Another board's challenge waits for the first one's command.
    second.send(target, b"?")
    assert second.recv() == (target, b"Xbusy: one command at a time")
    first.send(target, command_frame(first, nonce, b"sleep 1; echo slow"))
    time.sleep(0.3)
    second.send(target, b"?")
    assert second.recv() == (target, b"Xbusy: one command at a time")
    assert result(first, target, nonce) == ("slow\n", 0, "")
    nonce = challenge(second, target)
    second.send(target, command_frame(second, nonce, b"echo next"))
    assert result(second, target, nonce) == ("next\n", 0, "")


def test_forged_and_replayed_results_are_refused(fleet, peers):
    """The test plays the board asked: what it sends back must check."""
    board = peers()
    made = fleet(["asker"], extra={"board": board.mac})
    asker, mac = made["asker"]
    asker.send("on -t 8 board echo hi; echo status=$?\r")
    asked = board.recv()
    # When nothing came (once in CI), what the asker's `on` said then.
    assert asked == (mac, b"?"), asker.read_to_prompt() if asked is None else asked
    nonce = os.urandom(16)
    board.send(mac, b"!" + nonce)
    assert board.recv() == (mac, b"C" + tag(b"C" + nonce + mac + b"echo hi") + b"echo hi")
    old = os.urandom(16)
    # A part tagged with another nonce (an earlier exchange's), one with a
    # bad tag, then the true answer.
    board.send(mac, b"O\x00" + tag(b"O" + old + b"\x00" + b"evil\n") + b"evil\n")
    board.send(mac, b"O\x00" + bytes(16) + b"evil\n")
    board.send(mac, b"O\x00" + tag(b"O" + nonce + b"\x00" + b"hi\n") + b"hi\n")
    board.send(mac, b"E\x01\x03" + tag(b"E" + nonce + b"\x01\x03"))
    out = asker.read_to_prompt()
    assert out[:out.rfind("\n") + 1].split("\n", 1)[1] == "hi\nstatus=3\n", out
    text = log(asker)
    assert text.count("refused: espnow: board: a frame of 23 bytes whose HMAC does not check "
                      "(forged or replayed)") == 2, text
    # Too late: the exchange is over.
    board.send(mac, b"E\x01\x00" + tag(b"E" + nonce + b"\x01\x00"))
    logged(asker, "refused: espnow: board: a frame of 19 bytes not expected")


# Settings


def test_fleetd_espnow_bad_settings(make_board):
    b = make_board(board=BOARD)
    for section, key, message in (
            ({"espnow": {}}, None, "/etc/fleet.key: not 64 hexadecimal digits (the fleet's ESP-NOW key)"),
            ({"espnow": {}}, "abc", "/etc/fleet.key: not 64 hexadecimal digits (the fleet's ESP-NOW key)"),
            ({"espnow": {"a b": "02:00:7f:00:00:01"}}, KEY.hex(),
             "fleet.espnow: a b: not a board name and a MAC (aa:bb:cc:dd:ee:ff)"),
            ({"espnow": {"pump": "02:00:7f:00:01"}}, KEY.hex(),
             "fleet.espnow: pump: not a board name and a MAC (aa:bb:cc:dd:ee:ff)"),
            ({"espnow": ["pump"]}, KEY.hex(), 'fleet.espnow: up to 20 boards, {"NAME": "MAC"}'),
            ({"espnow": {}, "output_max": 0}, KEY.hex(), "fleet.output_max: a number of bytes, 1 to 16384"),
            ({}, KEY.hex(), "no broker: set fleet.host in /etc/system.conf")):
        b.path("/etc/system.conf").write_text(json.dumps({"fleet": section}))
        if key is None:
            b.path("/etc/fleet.key").unlink(missing_ok=True)
        else:
            b.path("/etc/fleet.key").write_text(key + "\n")
        b.run("loadconfig")
        assert b.run("fleetd start; echo status=$?") == "fleetd: %s\nstatus=1\n" % message


def test_a_board_without_espnow_says_so(sim):
    if ASKED and "espnow" in boards.get(ASKED).modules:
        pytest.skip("this board has ESP-NOW")
    sim.write("/etc/system.conf", json.dumps({"fleet": {"espnow": {}}}))
    sim.write("/etc/fleet.key", KEY.hex())
    r = sim.run("fleetd start")
    assert r.status == 1 and r.err == "fleetd: fleet.espnow: this board has no ESP-NOW\n", r


def test_the_esp8266_refuses_fleetd_in_one_line(make_board):
    """Its 15 KiB free on Wi-Fi hold neither fleetd nor its ESP-NOW link
    (tools/munix bench --board esp8266): said in one line, and the shell
    goes on."""
    b = make_board(board="esp8266")
    b.path("/etc/system.conf").write_text(json.dumps({"fleet": {
        "name": "tiny", "espnow": {"other": "02:00:7f:00:00:01"}}}))
    b.path("/etc/fleet.key").write_text(KEY.hex() + "\n")
    b.run("loadconfig")
    b.run("wifi sta on")
    out = b.run("fleetd start; echo status=$?")
    assert re.fullmatch(r"fleetd: too little heap: \d+ KiB free, its code and 12 KiB needed\n"
                        r"status=1\n", out), out
    assert b.run("echo still here") == "still here\n"
