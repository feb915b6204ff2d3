"""The fleet against a real broker: Debian's mosquitto (mqtt_support.py)
and several simulated boards running fleetd, each its own MicroPython;
the host's side is `munix fleet`, and mosquitto_pub/mosquitto_sub play
whoever else can reach the broker.
"""
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time

import pytest

from conftest import ROOT, free_port, interned_names, seed_flash
from hw_support import set_inputs
from mqtt_support import PASSWORD, TIMEOUT, USER, Broker, needs_mosquitto
from prom_support import parse, value
from munixtool import release
from munixtool.mqttlite import Client
from upgrade_support import CertAuthority
from munixtool import sim as simulator

pytestmark = needs_mosquitto

PASS_FILE = "/etc/fleet.pass"
# The port the module's boards answer `munix fleet ls` on: not the default,
# which boards of other runs on this machine may hold.
LAN_PORT = free_port()
LAN = "127.255.255.255:%d" % LAN_PORT


# The compiled tree fills the Pico W's filesystem (README, Board profiles):
# nothing is left there.
FLASH_LEFT = 0 if simulator.board_name() == "rp2040" else 1


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    b = Broker(tmp_path_factory.mktemp("fleet-mqtt"))
    yield b
    b.stop()


@pytest.fixture
def fleet(make_board, tmp_path, broker):
    """fleet(name, start=True, port=None, **settings): a board whose
    /etc/system.conf has a fleet section for the broker's password
    listener (settings added), fleetd started unless start=False. A
    keepalive of 4 s: a board killed is offline 6 s later, and one slowed
    down by a loaded machine is not dropped by the broker. conf: other
    sections of /etc/system.conf; board: a profile, munix test's if none
    (its Wi-Fi station connected)."""
    count = [0]

    def make(name, start=True, port=None, password=PASSWORD, conf=None, board=None, **settings):
        count[0] += 1
        flash = seed_flash(tmp_path / ("fleet%d" % count[0]), board=board)
        section = dict(host="127.0.0.1", port=port or broker.auth, user=USER,
                       password_file=PASS_FILE, name=name, interval=2, keepalive=4,
                       backoff_max=2, announce=LAN_PORT)
        section.update(settings)
        (flash / "etc" / "system.conf").write_text(json.dumps(dict(conf or {}, fleet=section)))
        (flash / "etc" / "fleet.pass").write_text(password + "\n")
        b = make_board(flash, board=board)
        if simulator.board_name(board):
            b.run("wifi sta on")
            b.run("wifi sta connect munix-sim munix-sim-pass 5")
        if start:
            out = b.run("fleetd start")
            assert re.match(r"fleetd: started \(pid \d+\) as %s, log /tmp/fleet.log\n$" % name, out), out
        return b
    return make


def retained(broker, topic):
    """The retained message of topic on the broker, None when none."""
    p = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.auth), "-u", USER,
                        "-P", PASSWORD, "-t", topic, "-C", "1", "-W", "1", "--retained-only"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    return p.stdout.strip() or None


def wait_status(broker, name, online=True, timeout=TIMEOUT):
    """The board's retained status once it says online (or offline)."""
    deadline = time.monotonic() + timeout
    while True:
        text = retained(broker, "munix/%s/status" % name)
        status = json.loads(text) if text else None
        if status is not None and status.get("online") is online:
            return status
        if time.monotonic() > deadline:
            raise TimeoutError("%s never said online=%s: %r" % (name, online, status))


def publish(broker, topic, message=None, file=None, lines=None):
    """A QoS 1 message published as anyone with the broker's password; with
    lines, one message a line, through one connection, at once."""
    data = ["-f", str(file)] if file else ["-l"] if lines else ["-m", message]
    subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.auth), "-u", USER,
                    "-P", PASSWORD, "-q", "1", "-t", topic] + data,
                   input="\n".join(lines) + "\n" if lines else None, text=True,
                   check=True, timeout=TIMEOUT, capture_output=True)


def results(broker, name, count, client_id, *extra):
    """A running mosquitto_sub for count results of board name."""
    p = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.auth), "-u", USER,
                          "-P", PASSWORD, "-q", "1", "-v", "-t", "munix/%s/result/#" % name,
                          "-C", str(count), "-W", str(TIMEOUT), "-i", client_id] + list(extra),
                         stdout=subprocess.PIPE, text=True)
    broker.logged("Sending SUBACK to %s" % re.escape(client_id))
    return p


def collected(p):
    out, _ = p.communicate(timeout=TIMEOUT + 5)
    return [(line.split(" ", 1)[0], json.loads(line.split(" ", 1)[1])) for line in out.splitlines()]


def munix_fleet(broker, *args, timeout=TIMEOUT + 30):
    """tools/munix fleet VERB ARGS... against the broker's password listener
    (ls asks the module's boards on the loopback too)."""
    verb, rest = args[0], list(args[1:])
    if verb == "ls" and "--lan" not in rest:
        rest = ["--lan", LAN] + rest
    argv = [sys.executable, "-m", "munixtool", "fleet", verb, "-H", "127.0.0.1",
            "-p", str(broker.auth), "-u", USER, "--password-file", str(broker.folder / "pass")]
    (broker.folder / "pass").write_text(PASSWORD + "\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tools"))
    return subprocess.run(argv + rest, capture_output=True, text=True, timeout=timeout, env=env)


def log(board):
    return board.run("cat /tmp/fleet.log")


# The agent


def test_the_status_is_published_again_every_interval(fleet, broker):
    """The retained status is sent on connect and then every "interval"
    seconds (2 here), each time with the board's uptime as it is then."""
    fleet("delta")
    wait_status(broker, "delta")
    sub = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.auth), "-u", USER,
                          "-P", PASSWORD, "-t", "munix/delta/status", "-C", "3", "-W", str(TIMEOUT)],
                         capture_output=True, text=True, timeout=TIMEOUT + 5)
    statuses = [json.loads(line) for line in sub.stdout.splitlines()]
    assert len(statuses) == 3 and all(s["online"] for s in statuses), sub
    uptimes = [s["uptime"] for s in statuses]
    assert uptimes[0] <= uptimes[1] < uptimes[2], uptimes


def test_an_idle_agent_holds_no_status_code(fleet, broker):
    # What the status and the answer on the local network load goes after
    # them (netd, for the address, stayed: 6 KiB on the esp32 profile).
    b = fleet("idle")
    wait_status(broker, "idle")
    assert len(lan_answers()) == 1
    loaded = b.run("lsmod").split()
    assert "fleet" in loaded and not {"fleetstatus", "inet", "netsock", "netd"} & set(loaded), loaded


def test_three_boards_report_and_run_commands(fleet, broker):
    boards = {name: fleet(name, tags=tags) for name, tags in
              (("alpha", ["odd"]), ("beta", ["even"]), ("gamma", ["odd", "lab"]))}
    for name in boards:
        status = wait_status(broker, name)
        assert status["name"] == name and status["munix"] == "0.1.0", status
        assert status["micropython"].startswith("1.25"), status
        assert status["daemons"] == ["fleetd"], status
        assert status["heap_free"] > 0 and status["flash_free"] >= FLASH_LEFT and status["ip"], status
        assert isinstance(status["uptime"], int) and "board" in status
        assert status["rssi"] == (-42 if simulator.board_name() else None), status
        # The chip's sensor, where it has one (sensing.chip_temperature).
        assert isinstance(status.get("temperature", 0.0), float), status
        assert ("temperature" in status) == bool(simulator.board_name()), status
    assert wait_status(broker, "gamma")["tags"] == ["odd", "lab"]

    r = munix_fleet(broker, "ls")
    assert r.returncode == 0 and r.stderr == "", r
    lines = r.stdout.splitlines()
    assert lines[0].split()[:3] == ["NAME", "STATE", "BOARD"], lines
    rows = {line.split()[0]: line for line in lines[1:]}
    for name in boards:
        assert " online " in rows[name], rows
    assert rows["gamma"].endswith("odd,lab"), rows

    r = munix_fleet(broker, "run", "--all", "echo hello; echo $((6 * 7))")
    assert r.returncode == 0 and r.stderr == "", r
    groups = re.split(r"^== (\w+): status (\d+), \d+ ms ==\n", r.stdout, flags=re.M)
    assert groups[0] == "" and groups[1::3] == ["alpha", "beta", "gamma"], r.stdout
    assert groups[2::3] == ["0"] * 3 and groups[3::3] == ["hello\n42\n"] * 3, r.stdout

    r = munix_fleet(broker, "run", "--tag", "odd", "ls /nowhere")
    assert r.returncode == 1, r
    assert re.findall(r"^== (\w+): status (\d+)", r.stdout, re.M) == [("alpha", "1"), ("gamma", "1")]
    assert "ls: /nowhere: " in r.stdout

    r = munix_fleet(broker, "run", "beta", "ghost", "echo named")
    assert r.returncode == 1, r
    assert re.search(r"^== beta: status 0, \d+ ms ==\nnamed\n== ghost: unknown: no status on "
                     r"the broker ==\n$", r.stdout), r.stdout
    for b in boards.values():
        assert "fleetd" in b.run("ps")


def test_a_killed_board_is_offline_by_its_last_will(fleet, broker):
    b = fleet("vanish")
    wait_status(broker, "vanish")
    b.close()           # the power cut: no goodbye
    assert wait_status(broker, "vanish", online=False) == {"name": "vanish", "online": False}
    r = munix_fleet(broker, "ls")
    assert re.search(r"^vanish +offline$", r.stdout, re.M), r.stdout
    r = munix_fleet(broker, "run", "vanish", "echo x")
    assert r.returncode == 1 and r.stdout == "== vanish: offline ==\n", r


def lan_answers(data=b"munix-fleet?", wait=2):
    """The datagrams the module's boards send back to data broadcast on
    the loopback within wait seconds."""
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        s.sendto(data, ("127.255.255.255", LAN_PORT))
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            s.settimeout(left)
            try:
                found.append(s.recv(2048))
            except TimeoutError:
                break
    return found


def test_ls_finds_boards_on_the_local_network_without_a_broker(fleet, broker):
    fleet("linked")
    # fleetd runs, the broker it is told of is not there: the network finds it.
    alone = fleet("alone", port=free_port())
    fleet("unlisted", port=free_port(), announce=False)
    wait_status(broker, "linked")
    answers = [json.loads(a) for a in lan_answers()]
    alone_said = [a for a in answers if a["name"] == "alone"]
    assert len(alone_said) == 1 and sorted(alone_said[0]) == ["board", "ip", "micropython",
                                                               "munix", "name"], (answers, log(alone))
    assert alone_said[0]["ip"] == "127.0.0.1" and alone_said[0]["munix"] == "0.1.0", answers
    assert sorted(a["name"] for a in answers) == ["alone", "linked"], answers
    assert "alone" in log(alone) and "no answer" not in log(alone)

    # Answers waited for 3 s, not ls's 1: under CI's load a board's took
    # longer (its answer's code loaded from the flash), and "alone" was
    # missing from the list, once.
    r = munix_fleet(broker, "ls", "--lan-wait", "3")
    assert r.returncode == 0 and r.stderr == "", r
    rows = {line.split()[0]: line for line in r.stdout.splitlines()[1:]}
    # The module's broker keeps the statuses of boards of earlier tests.
    assert "unlisted" not in rows, r.stdout
    assert re.match(r"alone +lan .*0\.1\.0 +127\.0\.0\.1$", rows["alone"]), rows
    assert " online " in rows["linked"], rows

    r = munix_fleet(broker, "ls", "--no-broker", "--lan-wait", "3")
    assert r.returncode == 0 and r.stderr == "", r
    assert [line.split()[:2] for line in r.stdout.splitlines()[1:]] == [
        ["alone", "lan"], ["linked", "lan"]], r.stdout
    # Nobody on a port no board answers: said, status 1.
    r = munix_fleet(broker, "ls", "--no-broker", "--lan", "127.255.255.255:%d" % free_port())
    assert r.returncode == 1 and r.stdout == "" and r.stderr == (
        "munix fleet: no board has a status on the broker nor answered on the local network\n"), r


def test_a_board_answers_only_the_query_and_runs_on(fleet, broker):
    b = fleet("asked", password="sEcr3t-fleet-pw")
    for junk in (b"munix-fleet", b"munix-fleet?!", b"\xff" * 60, b"x" * 1400, b""):
        assert lan_answers(junk, 0.5) == []
    answers = lan_answers()
    assert len(answers) == 1 and b"sEcr3t" not in answers[0], answers
    assert json.loads(answers[0])["name"] == "asked"
    assert b.run("fleetd status").startswith("fleetd: running")


def test_fleetd_is_a_daemon_that_kill_stops(fleet, broker):
    b = fleet("daemon1")
    wait_status(broker, "daemon1")
    out = b.run("ps -l")
    pid = re.search(r"^ +(\d+) running .* daemon fleetd$", out, re.M).group(1)
    assert re.match(r"fleetd: running \(pid %s\) as daemon1, connected to 127.0.0.1, 0 commands "
                    r"run, 0 refused, log /tmp/fleet.log\n$" % pid, b.run("fleetd status"))
    assert b.run("fleetd start; echo $?") == "fleetd: already running (pid %s)\n1\n" % pid
    b.run("kill %s" % pid)
    # Stopped, the board says it is offline itself.
    assert wait_status(broker, "daemon1", online=False)
    assert b.run("fleetd status; echo $?") == "fleetd: not running\n3\n"
    assert b.run("fleetd stop; echo $?") == "fleetd: not running\n1\n"
    assert "fleetd stopped" in log(b)


def test_a_broker_restarted_without_its_sessions_gets_them_again(fleet, tmp_path):
    """The twenty boards' test restarts a broker that keeps its sessions;
    this one forgets them: fleetd subscribes again, and a request id seen
    runs once."""
    own = Broker(tmp_path / "own")
    try:
        b = fleet("phoenix", port=own.auth)
        wait_status(own, "phoenix")
        own.stop()
        own.start()        # no persistence: the retained status went with it
        wait_status(own, "phoenix", timeout=20)
        assert log(b).count("connected to 127.0.0.1 as phoenix") == 2
        sub = results(own, "phoenix", 2, "fleet-once")
        request = json.dumps({"id": "once-1", "cmd": "echo ran >> /tmp/once"})
        publish(own, "munix/phoenix/cmd", request)
        publish(own, "munix/phoenix/cmd", request)     # as a redelivery would
        publish(own, "munix/phoenix/cmd", json.dumps({"id": "once-2", "cmd": "cat /tmp/once"}))
        got = collected(sub)
        assert [t for t, _ in got] == ["munix/phoenix/result/once-1", "munix/phoenix/result/once-2"]
        assert got[1][1]["output"] == "ran\n" and got[1][1]["status"] == 0, got
        assert "once-1: already received: not run again" in log(b)
    finally:
        own.stop()


def test_wifi_lost_and_back(fleet, broker):
    """The station's link gone, fleetd lets the broker's connection go at
    once (on a board its socket may not fail for minutes): the broker
    says the board offline by its last will. fleetd waits for the link,
    not trying the broker meanwhile, and connects as soon as it is back;
    a command sent while it was away runs then, once."""
    b = fleet("roamer", board=simulator.board_name() or "esp32")
    wait_status(broker, "roamer")
    assert b.run("wifi sta disconnect; echo $?") == "0\n"
    assert wait_status(broker, "roamer", online=False) == {"name": "roamer", "online": False}
    sub = results(broker, "roamer", 1, "fleet-roamer")
    publish(broker, "munix/roamer/cmd", json.dumps({"id": "roam-1", "cmd": "echo back"}))
    time.sleep(3)       # more than the back-off: fleetd would have tried the broker
    assert "roam-1" not in log(b)
    assert re.fullmatch(r"fleetd: running \(pid \d+\) as roamer, waiting for Wi-Fi, then 127.0.0.1, "
                        r"0 commands run, 0 refused, log /tmp/fleet.log\n", b.run("fleetd status"))
    b.run("wifi sta connect munix-sim munix-sim-pass 5")
    [(topic, result)] = collected(sub)
    assert result["output"] == "back\n" and result["status"] == 0, result
    text = log(b)
    assert text.count("connected to 127.0.0.1 as roamer") == 2, text
    assert text.count("no Wi-Fi: waiting for it") == 1 and " again in " not in text, text
    assert wait_status(broker, "roamer")["online"]


def test_a_result_made_while_the_broker_is_down_is_sent_once_it_is_back(fleet, tmp_path):
    # Persistent: the host's subscription outlives the restart, so that
    # it gets the result however soon the board is back.
    own = Broker(tmp_path / "own", persistent=True)
    try:
        b = fleet("patient", port=own.auth)
        wait_status(own, "patient")
        durable = results(own, "patient", 1, "fleet-outbox", "-c")
        durable.terminate()
        durable.wait(TIMEOUT)
        publish(own, "munix/patient/cmd", json.dumps({"id": "out-1", "cmd": "sleep 1; echo kept"}))
        deadline = time.monotonic() + TIMEOUT
        while "out-1: pid" not in log(b):
            assert time.monotonic() < deadline, log(b)
            time.sleep(0.1)
        own.stop()
        time.sleep(2.5)     # the command ends meanwhile
        own.start()
        got = collected(results(own, "patient", 1, "fleet-outbox", "-c"))
        assert len(got) == 1, log(b)
        [(topic, result)] = got
        assert result["id"] == "out-1" and result["output"] == "kept\n", result
        assert log(b).count("connected to 127.0.0.1 as patient") == 2
    finally:
        own.stop()


def test_commands_sent_while_the_agent_was_away_run_when_it_is_back(fleet, broker):
    b = fleet("away")
    wait_status(broker, "away")
    b.run("fleetd stop")
    wait_status(broker, "away", online=False)
    # The broker keeps the board's session (QoS 1, clean=False).
    publish(broker, "munix/away/cmd", json.dumps({"id": "late-1", "cmd": "echo while away"}))
    sub = results(broker, "away", 1, "fleet-away")
    b.run("fleetd start")
    [(topic, result)] = collected(sub)
    assert result["output"] == "while away\n" and result["status"] == 0, result


@pytest.mark.skipif(simulator.board_name() != "rp2040", reason="the RP2040's one thread")
def test_on_an_rp2040_commands_run_on_the_one_thread(fleet, broker):
    """The console's thread hosts the OS's loop there, so that core1 is
    free for a command: it was the loop's, and every command was refused
    ("no thread free")."""
    fleet("pico")
    wait_status(broker, "pico")
    r = munix_fleet(broker, "run", "pico", "echo x")
    assert r.returncode == 0 and r.stdout.startswith("== pico: status 0, ") and r.stdout.endswith(
        " ms ==\nx\n"), r


# Metrics


def scrape(port, path="/metrics", method="GET"):
    """(status, headers, text) of one request to a metrics server on port."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    c.request(method, path)
    r = c.getresponse()
    text = r.read().decode()
    c.close()
    return r.status, r, text


def test_fleet_metrics_printed_and_served(fleet, broker):
    fleet("gauge1", tags=["lab", "north"])
    gone = fleet("gauge2")
    wait_status(broker, "gauge1")
    wait_status(broker, "gauge2")
    gone.close()
    wait_status(broker, "gauge2", online=False)
    r = munix_fleet(broker, "metrics")
    assert r.returncode == 0 and r.stderr == "", r
    families = parse(r.stdout)
    assert value(families, "munix_board_online", name="gauge1") == 1
    assert value(families, "munix_board_online", name="gauge2") == 0
    [info] = [labels for labels, _ in families["munix_board_info"]["samples"]
              if labels["name"] == "gauge1"]
    assert info["munix"] == "0.1.0" and info["tags"] == "lab,north" and info["ip"], info
    assert info["micropython"].startswith("1.25"), info
    assert value(families, "munix_board_heap_free_bytes", name="gauge1") > 0
    assert value(families, "munix_board_flash_free_bytes", name="gauge1") >= FLASH_LEFT
    assert value(families, "munix_board_uptime_seconds", name="gauge1") >= 0
    assert value(families, "munix_board_daemons", name="gauge1") == 1
    rssi = {l["name"]: v for l, v in families.get("munix_board_rssi_dbm", {"samples": []})["samples"]}
    assert rssi.get("gauge1") == (-42 if simulator.board_name() else None), rssi
    # An offline board has its online gauge only.
    for name, family in families.items():
        if name not in ("munix_board_online", "munix_fleet_boards"):
            assert all(labels.get("name") != "gauge2" for labels, _ in family["samples"]), name
    assert value(families, "munix_fleet_boards") >= 2

    port = free_port()
    (broker.folder / "pass").write_text(PASSWORD + "\n")
    served = subprocess.Popen(
        [sys.executable, "-m", "munixtool", "fleet", "metrics", "--listen", "127.0.0.1:%d" % port,
         "-H", "127.0.0.1", "-p", str(broker.auth), "-u", USER,
         "--password-file", str(broker.folder / "pass")],
        stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT / "tools")))
    try:
        assert served.stderr.readline() == (
            "munix fleet: metrics of the boards on 127.0.0.1 at http://127.0.0.1:%d/metrics\n" % port)

        def current(name, want):
            """The served metrics once board name's online gauge is want."""
            deadline = time.monotonic() + TIMEOUT
            while True:
                status, r, text = scrape(port)
                assert status == 200, text
                assert r.getheader("Content-Type") == "text/plain; version=0.0.4; charset=utf-8"
                families = parse(text)
                try:
                    if value(families, "munix_board_online", name=name) == want:
                        return families
                except KeyError:
                    pass
                assert time.monotonic() < deadline, text
                time.sleep(0.2)

        families = current("gauge1", 1)
        assert value(families, "munix_fleet_broker_connected") == 1
        assert value(families, "munix_board_online", name="gauge2") == 0
        # A new board appears, one that goes is offline: kept up to date.
        late = fleet("gauge3")
        current("gauge3", 1)
        late.close()
        current("gauge3", 0)
        assert scrape(port, method="POST")[0] == 405
        assert scrape(port, "/other")[0] == 404
    finally:
        served.terminate()
        served.wait(TIMEOUT)


def test_a_boards_own_metrics_tell_of_fleetd(fleet, broker):
    port = free_port()
    b = fleet("scraped", conf={"http": {"port": port}})
    wait_status(broker, "scraped")
    assert "listening" in b.run("uhttpd -i start")
    families = parse(scrape(port)[2])
    assert value(families, "munix_fleet_connected") == 1
    assert value(families, "munix_fleet_commands_total") == 0
    assert munix_fleet(broker, "run", "scraped", "echo x").returncode == 0
    families = parse(scrape(port)[2])
    assert value(families, "munix_fleet_commands_total") == 1
    assert value(families, "munix_fleet_refused_total") == 0


# Files


def test_deploy_copies_files_onto_boards(fleet, broker, tmp_path):
    boards = {name: fleet(name, tags=["web"]) for name in ("dep1", "dep2")}
    other = fleet("dep3")
    for name in ("dep1", "dep2", "dep3"):
        wait_status(broker, name)
    page = tmp_path / "index.html"
    page.write_text("<p>deployed</p>\n")
    blob = tmp_path / "blob.bin"
    blob.write_bytes(os.urandom(20000))
    r = munix_fleet(broker, "deploy", "--tag", "web", "--put", str(page), "/www/index.html",
                    "--put", str(blob), "/data/new/blob.bin")
    assert r.returncode == 0 and r.stderr == "", r
    assert re.fullmatch(r"== dep1: 2 files, 20016 bytes, \d+ ms ==\n== dep2: 2 files, 20016 bytes, "
                        r"\d+ ms ==\n", r.stdout), r.stdout
    for b in boards.values():
        assert b.path("/www/index.html").read_text() == "<p>deployed</p>\n"
        assert b.path("/data/new/blob.bin").read_bytes() == blob.read_bytes()
        assert not b.path("/data/new/blob.bin.part").exists()
    assert not other.path("/data/new").exists()
    # A protected file (under /lib) is refused by each board, with the reason.
    r = munix_fleet(broker, "deploy", "dep1", "dep3", "--put", str(page), "/lib/evil.py")
    assert r.returncode == 1, r
    assert r.stdout == ("== dep1: FAILED: /lib/evil.py: status 1: wget: /lib/evil.py: part of the "
                        "system ==\n== dep3: FAILED: /lib/evil.py: status 1: wget: /lib/evil.py: "
                        "part of the system ==\n"), r.stdout
    assert r.stderr == "munix fleet deploy: 2 of 2 boards failed\n", r
    assert not other.path("/lib/evil.py").exists()
    r = munix_fleet(broker, "deploy", "dep1", "ghost", "--put", str(page), "/www/x.html")
    assert r.returncode == 1 and r.stderr == "munix: not online, nothing done: ghost (unknown)\n", r
    r = munix_fleet(broker, "deploy", "dep1", "--put", str(page), "www/x.html")
    assert r.returncode == 1 and r.stderr == (
        "munix: www/x.html: a board's path from / to a file, of letters, digits and / . _ -\n"), r
    r = munix_fleet(broker, "deploy", "dep1", "--put", str(tmp_path / "none"), "/www/x.html")
    assert r.returncode == 1 and r.stderr == "munix: %s: No such file or directory\n" % (
        tmp_path / "none"), r
    assert not boards["dep1"].path("/www/x.html").exists()


# Home Assistant


def discovery(broker, node, component="sensor"):
    """{object: config} of the retained discovery messages of node's
    component, seen as Home Assistant sees them: subscribed to
    homeassistant/#."""
    p = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.auth), "-u", USER,
                        "-P", PASSWORD, "-t", "homeassistant/#", "-v", "-W", "2", "--retained-only"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    found = {}
    for line in p.stdout.splitlines():
        topic, _, payload = line.partition(" ")
        parts = topic.split("/")
        assert parts[0] == "homeassistant" and parts[-1] == "config", line
        if parts[2] == node and parts[1] == component:
            assert len(parts) == 5, line
            found[parts[3]] = json.loads(payload)
    return found


def ha_turned_off(b):
    """fleetd started again with "ha": false."""
    b.run("fleetd stop")
    conf = json.loads(b.path("/etc/system.conf").read_text())
    conf["fleet"]["ha"] = False
    b.path("/etc/system.conf").write_text(json.dumps(conf))
    b.run("loadconfig")
    assert "started" in b.run("fleetd start")


def test_home_assistant_discovery(fleet, broker):
    b = fleet("hass.one", ha=True)
    status = wait_status(broker, "hass.one")
    configs = discovery(broker, "munix_hass_one")
    # The simulated Wi-Fi's station, the chip's temperature sensor: a profile's.
    profile = bool(simulator.board_name())
    assert sorted(configs) == sorted(["uptime", "heap_free", "flash_free"]
                                     + (["rssi", "temperature"] if profile else []))
    units = {"uptime": ("duration", "s"), "heap_free": ("data_size", "B"),
             "flash_free": ("data_size", "B"), "rssi": ("signal_strength", "dBm"),
             "temperature": ("temperature", "\u00b0C")}
    for obj, config in configs.items():
        assert set(config) == {"name", "unique_id", "state_topic", "value_template",
                               "availability_topic", "availability_template", "device_class",
                               "unit_of_measurement", "state_class", "entity_category", "device"}
        assert config["unique_id"] == "munix_hass_one_" + obj, config
        assert config["state_topic"] == config["availability_topic"] == "munix/hass.one/status"
        # The template names a key of the status, which holds a number.
        m = re.fullmatch(r"\{\{ value_json\.(\w+) \}\}", config["value_template"])
        assert m and isinstance(status[m.group(1)], (int, float)), (config, status)
        assert (config["device_class"], config["unit_of_measurement"]) == units[obj]
        assert config["availability_template"] == (
            "{{ 'online' if value_json.online else 'offline' }}")
        assert config["device"] == {"identifiers": ["munix_hass_one"], "name": "hass.one",
                                    "manufacturer": "munix", "model": status["board"] or "munix",
                                    "sw_version": "0.1.0"}, config
        assert config["name"] and config["entity_category"] == "diagnostic"
    # Turned off: cleared at fleetd's next connection, the device gone.
    ha_turned_off(b)
    wait_status(broker, "hass.one")
    deadline = time.monotonic() + TIMEOUT
    while discovery(broker, "munix_hass_one"):
        assert time.monotonic() < deadline, discovery(broker, "munix_hass_one")
    assert "refused" not in log(b)


def test_home_assistant_drives_the_led_and_pins(fleet, broker):
    """With ha, the board file's LED is a light and the pins of ha_pins
    switches; Home Assistant's ON/OFF on their command topics run led and
    gpio, whose state comes back on the state topics."""
    b = fleet("hass.two", board=simulator.board_name() or "esp32", ha=True, ha_pins={"pump": 4})
    wait_status(broker, "hass.two")
    node, root = "munix_hass_two", "munix/hass.two/ha/"
    [light] = discovery(broker, node, "light").values()
    switches = discovery(broker, node, "switch")
    assert list(switches) == ["pump"], switches
    device = discovery(broker, node)["uptime"]["device"]
    for obj, config, name in (("led", light, "LED"), ("pump", switches["pump"], "pump")):
        assert config == {
            "name": name, "unique_id": "%s_%s" % (node, obj),
            "command_topic": root + obj + "/set", "state_topic": root + obj + "/state",
            "availability_topic": "munix/hass.two/status",
            "availability_template": "{{ 'online' if value_json.online else 'offline' }}",
            "device": device}, config
    assert retained(broker, root + "pump/state") == retained(broker, root + "led/state") == "OFF"
    # As Home Assistant sends them: QoS 0, not retained.
    for obj, payload, level in (("pump", "ON", 1), ("led", "ON", 1), ("pump", "OFF", 0)):
        broker.pub(root + obj + "/set", payload, "-u", USER, "-P", PASSWORD, port=broker.auth)
        deadline = time.monotonic() + TIMEOUT
        while retained(broker, root + obj + "/state") != payload:
            assert time.monotonic() < deadline, log(b)
        assert b.run("led status" if obj == "led" else "gpio 4 read") == (
            ("on\n" if level else "off\n") if obj == "led" else "%d\n" % level)
    assert b.run("led status") == "on\n"
    broker.pub(root + "pump/set", "maybe", "-u", USER, "-P", PASSWORD, port=broker.auth)
    broker.pub(root + "valve/set", "ON", "-u", USER, "-P", PASSWORD, port=broker.auth)
    deadline = time.monotonic() + TIMEOUT
    while "valve/set: no such entity" not in log(b):
        assert time.monotonic() < deadline, log(b)
    assert "refused: munix/hass.two/ha/pump/set: not ON or OFF" in log(b)
    # Cleared with the sensors.
    ha_turned_off(b)
    deadline = time.monotonic() + TIMEOUT
    while discovery(broker, node, "light") or discovery(broker, node, "switch"):
        assert time.monotonic() < deadline


def test_home_assistant_reads_the_analog_inputs(fleet, broker):
    """With ha, the inputs of ha_adc are voltage sensors, read into the
    status at each interval; one that cannot be read is null there."""
    b = fleet("hass.three", board="esp32", ha=True,
              ha_adc={"battery": 34, "light": ["35", 11], "dead": 5})
    wait_status(broker, "hass.three")
    if simulator.board_name():
        # On a small heap fleetd's check of the inputs leaves nothing loaded.
        assert "analog" not in b.run("lsmod").split()
    set_inputs(b.flash, adc={"34": 0.5, "35": 2.0})
    deadline = time.monotonic() + TIMEOUT
    while wait_status(broker, "hass.three").get("adc") != {"battery": 0.5, "light": 2.0, "dead": None}:
        assert time.monotonic() < deadline, retained(broker, "munix/hass.three/status")
    configs = discovery(broker, "munix_hass_three")
    device = configs["uptime"]["device"]
    for obj in ("battery", "light", "dead"):
        assert configs[obj] == {
            "name": obj, "unique_id": "munix_hass_three_" + obj,
            "state_topic": "munix/hass.three/status", "availability_topic": "munix/hass.three/status",
            "value_template": "{{ value_json.adc['%s'] }}" % obj,
            "availability_template": "{{ 'online' if value_json.online else 'offline' }}",
            "device_class": "voltage", "unit_of_measurement": "V", "state_class": "measurement",
            "device": device}, configs[obj]
    # Cleared with the others.
    ha_turned_off(b)
    deadline = time.monotonic() + TIMEOUT
    while discovery(broker, "munix_hass_three"):
        assert time.monotonic() < deadline
    assert "refused" not in log(b)


def test_home_assistant_reads_the_i2c_sensors(fleet, broker):
    """With ha_i2c, each SHT3x on the bus is a temperature and a humidity
    sensor, read into the status at each interval."""
    b = fleet("hass.four", board="esp32", start=False, ha=True, ha_i2c=True)
    set_inputs(b.flash, sht3x={"temperature": 21.5, "humidity": 40.0})
    assert "started" in b.run("fleetd start")
    status = wait_status(broker, "hass.four")
    assert status["i2c"] == {"sht3x@0x44": [21.5, 40.0]}, status
    set_inputs(b.flash, sht3x={"temperature": 23.0, "humidity": 45.5})
    deadline = time.monotonic() + TIMEOUT
    while wait_status(broker, "hass.four")["i2c"] != {"sht3x@0x44": [23.0, 45.5]}:
        assert time.monotonic() < deadline, retained(broker, "munix/hass.four/status")
    configs = discovery(broker, "munix_hass_four")
    for i, (what, kind, unit) in enumerate((("temperature", "temperature", "\u00b0C"),
                                            ("humidity", "humidity", "%"))):
        obj = "sht3x_0x44_" + what
        assert configs[obj] == {
            "name": "sht3x@0x44 " + what, "unique_id": "munix_hass_four_" + obj,
            "state_topic": "munix/hass.four/status", "availability_topic": "munix/hass.four/status",
            "value_template": "{{ value_json.i2c['sht3x@0x44'][%d] }}" % i,
            "availability_template": "{{ 'online' if value_json.online else 'offline' }}",
            "device_class": kind, "unit_of_measurement": unit, "state_class": "measurement",
            "device": configs["uptime"]["device"]}, configs[obj]
    ha_turned_off(b)
    deadline = time.monotonic() + TIMEOUT
    while discovery(broker, "munix_hass_four"):
        assert time.monotonic() < deadline


def test_no_discovery_without_ha(fleet, broker):
    fleet("nohass")
    wait_status(broker, "nohass")
    assert discovery(broker, "munix_nohass") == {}


# Security


def test_hostile_input_is_refused_and_the_agent_runs_on(fleet, broker, tmp_path):
    b = fleet("target")
    other = fleet("bystander")
    wait_status(broker, "target")
    wait_status(broker, "bystander")
    sub = results(broker, "target", 3, "fleet-hostile")
    publish(broker, "munix/target/cmd/x", json.dumps({"id": "sub-1", "cmd": "echo no"}))
    publish(broker, "munix/other/cmd", json.dumps({"id": "oth-1", "cmd": "echo no"}))
    huge = tmp_path / "huge"
    huge.write_text(json.dumps({"id": "huge-1", "cmd": "echo " + "x" * 20000}))
    publish(broker, "munix/target/cmd", file=huge)
    noise = tmp_path / "noise"
    noise.write_bytes(bytes(range(256)) + os.urandom(512))
    publish(broker, "munix/target/cmd", file=noise)
    for junk in ("{not json", "[1, 2]", '{"id": "a/b", "cmd": "ls"}', '{"cmd": "ls"}',
                 '{"id": "no-cmd"}', '{"id": "bad-cmd", "cmd": 7}'):
        publish(broker, "munix/target/cmd", junk)
    publish(broker, "munix/target/cmd", json.dumps({"id": "fine-1", "cmd": "echo still here"}))
    got = dict(collected(sub))
    # Made-up ids cost nothing that stays: each character taken from one
    # was a name kept for good.
    log(b)
    before = interned_names(b)
    for n in range(30):
        publish(broker, "munix/target/cmd", json.dumps({"id": "x" + chr(0x4e00 + n), "cmd": "ls"}))
    deadline = time.monotonic() + TIMEOUT
    while log(b).count("refused: no valid id") < 32 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert interned_names(b) - before < 10
    assert got["munix/target/result/no-cmd"]["error"] == "refused: no command"
    assert got["munix/target/result/no-cmd"]["status"] == 126
    assert got["munix/target/result/bad-cmd"]["error"] == "refused: no command"
    assert got["munix/target/result/fine-1"]["output"] == "still here\n"
    text = log(b)
    for reason in ("refused: a message of more than 2048 bytes", "refused: not JSON",
                   "refused: not a JSON object", "refused: no valid id", "refused no-cmd: no command"):
        assert reason in text, text
    assert "echo no" not in text and "echo no" not in log(other)
    assert "fleetd: running" in b.run("fleetd status")


def test_a_flood_of_commands_runs_in_order_and_past_the_queue_is_refused(fleet, broker):
    b = fleet("flooded")
    wait_status(broker, "flooded")
    sub = results(broker, "flooded", 10, "fleet-flood")
    # All at once: a mosquitto_pub each took, under CI's load, longer than
    # a command ran, and the queue never filled.
    publish(broker, "munix/flooded/cmd",
            lines=[json.dumps({"id": "f%d" % i, "cmd": "sleep 0.5; echo %d >> /tmp/order" % i})
                   for i in range(10)])
    got = collected(sub)
    refused = [r["id"] for _, r in got if r["status"] == 126]
    assert len(refused) >= 1 and all(r["error"] == "refused: busy: 8 commands waiting"
                                     for _, r in got if r["status"] == 126), got
    ran = [r["id"] for _, r in got if r["status"] == 0]
    assert len(ran) + len(refused) == 10 and ran == sorted(ran), got
    assert b.run("cat /tmp/order").split() == [i[1:] for i in ran]
    assert "fleetd: running" in b.run("fleetd status")


def test_long_output_is_cut(fleet, broker):
    b = fleet("chatty")
    wait_status(broker, "chatty")
    r = munix_fleet(broker, "run", "chatty", "seq 3000")
    assert r.returncode == 0, (r, log(b), b.run("ps"))
    lines = r.stdout.splitlines()
    assert lines[-1] == "[output cut at 2048 bytes]" and lines[1:4] == ["1", "2", "3"], lines[-3:]
    assert len(r.stdout) < 2200


def test_results_never_echo_the_broker_password(fleet, broker):
    b = fleet("keeper")
    wait_status(broker, "keeper")
    r = munix_fleet(broker, "run", "keeper", "cat %s; echo '%s'" % (PASS_FILE, PASSWORD))
    assert r.returncode == 0 and r.stdout.splitlines()[1:] == ["********", "********"], r
    assert PASSWORD not in log(b)


# The README's ACL, the host's user being the test's USER.
ACL = """pattern read munix/%%u/cmd
pattern write munix/%%u/status
pattern write munix/%%u/result/#
user %s
topic readwrite munix/#
user kitchen
topic write munix/pump1/cmd
topic read munix/pump1/status
topic read munix/pump1/result/#
""" % USER


def test_the_brokers_acl_decides_who_commands_whom(fleet, tmp_path):
    own = Broker(tmp_path / "acl", users=[("kitchen", "k-pass"), ("pump1", "p-pass")], acl=ACL)
    try:
        kitchen = fleet("kitchen", port=own.auth, user="kitchen", password="k-pass")
        pump = fleet("pump1", port=own.auth, user="pump1", password="p-pass")
        wait_status(own, "kitchen")
        wait_status(own, "pump1")
        assert kitchen.run("on pump1 echo allowed; echo status=$?") == "allowed\nstatus=0\n"
        # pump1 may not read kitchen's status, so it sends nothing.
        assert pump.run("on kitchen echo denied; echo status=$?") == (
            "on: kitchen: unknown: no status on the broker\nstatus=1\n")
        # Nor may it publish there: the broker drops the message.
        assert pump.run("mqttc pub -h 127.0.0.1 -p %d -u pump1 -P p-pass -q 1 -t munix/kitchen/cmd "
                        "-m '{\"id\": \"x1\", \"cmd\": \"echo denied\"}'; echo status=$?"
                        % own.auth) == "status=0\n"
        own.logged("Denied PUBLISH from munix-")
        assert "denied" not in log(kitchen)
        r = munix_fleet(own, "run", "--all", "echo from the host")
        assert r.returncode == 0 and r.stdout.count("from the host") == 2, r
    finally:
        own.stop()


def test_tls_checks_the_broker_against_the_ca(fleet, broker, tmp_path):
    b = fleet("secure", start=False, host="localhost", port=broker.tls, tls=True)
    b.path("/etc/ca.pem").write_bytes(broker.ca.pem)
    set_clock(b)
    assert "started" in b.run("fleetd start")
    wait_status(broker, "secure")
    assert b.run("on secure echo over tls") == "over tls\n"
    ca = tmp_path / "ca.pem"
    ca.write_bytes(broker.ca.pem)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tools"))
    r = subprocess.run([sys.executable, "-m", "munixtool", "fleet", "run", "-H", "localhost",
                        "-p", str(broker.tls), "--tls", "--cafile", str(ca), "secure", "echo host tls"],
                       capture_output=True, text=True, timeout=TIMEOUT + 30, env=env)
    assert r.returncode == 0 and r.stdout.endswith("==\nhost tls\n"), r

    stranger = CertAuthority(tmp_path / "stranger")
    b = fleet("fooled", start=False, host="localhost", port=broker.tls, tls=True)
    b.path("/etc/ca.pem").write_bytes(stranger.pem)
    set_clock(b)
    assert "started" in b.run("fleetd start")
    deadline = time.monotonic() + TIMEOUT
    while "again in" not in log(b):
        assert time.monotonic() < deadline, log(b)
        time.sleep(0.2)
    text = log(b)
    assert "localhost:%d: " % broker.tls in text and ("certificate" in text or "verif" in text), text
    assert retained(broker, "munix/fooled/status") is None


def test_fleetd_refuses_to_run_commands_from_anyone(fleet, broker):
    b = fleet("open", start=False, port=broker.open, user=None)
    assert b.run("fleetd start; echo $?") == (
        "fleetd: no broker login (fleet.user) nor signatures (fleet.sign): anyone who can publish"
        " to the broker would run commands (start with -i to allow it)\n1\n")
    assert "fleetd: started" in b.run("fleetd -i start")
    wait_status(broker, "open")


def test_a_wrong_broker_password_is_logged_and_tried_again(fleet, broker):
    b = fleet("wrongpw", password="not it")
    deadline = time.monotonic() + TIMEOUT
    while log(b).count("127.0.0.1:%d: the broker refused the connection: not authorized; again in"
                       % broker.auth) < 2:
        assert time.monotonic() < deadline, log(b)
        time.sleep(0.5)
    assert "not it" not in log(b) and retained(broker, "munix/wrongpw/status") is None
    assert "waiting for 127.0.0.1" in b.run("fleetd status")
    assert b.run("on other ls; echo $?") == (
        "on: 127.0.0.1:%d: the broker refused the connection: not authorized\n1\n" % broker.auth)


@pytest.fixture
def signing(tmp_path):
    """(private key, public key JSON) of a release key made for the test."""
    key = tmp_path / "keys" / "release.pem"
    public = release.new_key(key, tmp_path / "keys")
    return key, public.read_text()


def signed(key, name, rid, cmd, ts=None):
    ts = int(time.time()) if ts is None else ts
    text = "munix-fleet 1\n%s\n%s\n%d\n%s" % (name, rid, ts, cmd)
    return {"id": rid, "cmd": cmd, "ts": ts, "sig": release.sign(key, text.encode()).hex()}


def set_clock(board):
    """The board's clock set to the host's, as ntpupdate would (a board
    profile's starts in 2000)."""
    t = time.gmtime()
    board.run(">import machine; machine.RTC().datetime((%d, %d, %d, %d, %d, %d, %d, 0))"
              % (t[0], t[1], t[2], t[6], t[3], t[4], t[5]))


def test_signed_commands_only_when_sign_is_set(fleet, broker, signing):
    key, public = signing
    b = fleet("signer", start=False, sign=True, ha=True, ha_pins={"pump": 4})
    b.path("/etc/upgrade.pub").write_text(public)
    set_clock(b)
    assert "started" in b.run("fleetd start")
    wait_status(broker, "signer")
    r = munix_fleet(broker, "run", "signer", "echo unsigned")
    assert r.returncode == 1 and r.stdout == (
        "== signer: status 126, 0 ms, refused: unsigned: this board runs signed commands only ==\n"), r
    r = munix_fleet(broker, "run", "--sign", str(key), "signer", "echo signed")
    assert r.returncode == 0 and re.match(r"== signer: status 0, \d+ ms ==\nsigned\n$", r.stdout), r

    # One at a time: on the esp32 profile a burst of signed commands
    # checked while one of them runs can find the heap too full, and the
    # sender is told so ("refused: cannot check it: memory allocation
    # failed ...") rather than told why the signature is bad.
    good = signed(key, "signer", "sig-1", "echo once >> /tmp/signed")
    assert ask(broker, "signer", good)["status"] == 0
    publish(broker, "munix/signer/cmd", json.dumps(good))          # replayed
    forged = dict(good, id="sig-2", cmd="echo forged")                # signature of another
    assert ask(broker, "signer", forged)["error"] == "refused: bad signature"
    elsewhere = signed(key, "another", "sig-3", "echo elsewhere")      # for another board
    assert ask(broker, "signer", elsewhere)["error"] == "refused: bad signature"
    stale = signed(key, "signer", "sig-4", "echo stale", ts=int(time.time()) - 3600)
    assert re.match(r"refused: signed -3\d\d\d s from now: more than 300$",
                    ask(broker, "signer", stale)["error"])
    assert b.run("cat /tmp/signed") == "once\n"
    assert "sig-1: already received: not run again" in log(b)
    # Home Assistant signs nothing: its commands are refused.
    broker.pub("munix/signer/ha/pump/set", "ON", "-u", USER, "-P", PASSWORD, port=broker.auth)
    deadline = time.monotonic() + TIMEOUT
    while "refused: munix/signer/ha/pump/set: not signed (fleet.sign)" not in log(b):
        assert time.monotonic() < deadline, log(b)
    assert b.run("gpio 4 read") == "0\n"


def ask(broker, name, request):
    """The result of one request published to board name."""
    sub = results(broker, name, 1, "fleet-ask-%s" % request["id"])
    publish(broker, "munix/%s/cmd" % name, json.dumps(request))
    [(topic, result)] = collected(sub)
    assert topic == "munix/%s/result/%s" % (name, request["id"]), topic
    return result


def test_signed_commands_wait_for_the_clock(fleet, broker, signing):
    key, public = signing
    b = fleet("clockless", start=False, sign=True)
    b.path("/etc/upgrade.pub").write_text(public)
    b.run(">import machine; machine.RTC().datetime((2000, 1, 1, 5, 0, 0, 0, 0))")
    assert "started" in b.run("fleetd start")
    wait_status(broker, "clockless")
    r = munix_fleet(broker, "run", "--sign", str(key), "clockless", "echo early")
    assert r.returncode == 1 and "refused: the clock is not set: signed commands wait for " \
                                 "ntpupdate ==" in r.stdout, r


# on: device to device


def test_on_runs_a_command_on_another_board(fleet, broker):
    a = fleet("caller")
    fleet("callee")
    wait_status(broker, "callee")
    assert a.run("on callee echo hello from afar; echo status=$?") == "hello from afar\nstatus=0\n"
    assert a.run("on callee ls /nowhere; echo status=$?") == (
        "ls: /nowhere: No such file or directory\nstatus=1\n")
    assert a.run("x=$(on callee echo 41); echo $((x + 1))") == "42\n"
    a.path("/tmp/remote.sh").write_text("on callee echo from a script\necho status $?\n")
    assert a.run("sh /tmp/remote.sh") == "from a script\nstatus 0\n"
    assert a.run("on ghost ls; echo status=$?") == (
        "on: ghost: unknown: no status on the broker\nstatus=1\n")
    assert a.run("on -t 1 callee sleep 3; echo status=$?") == (
        "on: callee: no answer within 1 s\nstatus=124\n")


def test_on_asks_through_fleetds_connection(fleet, broker):
    """With fleetd connected, `on` sends its command on fleetd's
    connection: its own, beside fleetd's, was a second login and, with
    TLS, a second handshake and session, which the Pico W's heap did not
    hold. Where the console hosts the loop (an RP2040), `on` drives that
    connection itself: the loop's tasks, run from its waits, had the
    stack of the command's calls beneath them, and an `on` in a `$( )`
    two deep in a function ran the 8 KiB main stack out ("the broker's
    connection was lost"). Without fleetd it connects on its own. An `on`
    right after another waits for fleetd to let the other go: it opened
    its own connection (once in CI)."""
    a = fleet("near")
    fleet("far")
    wait_status(broker, "far")
    own = broker.count("as munix-on-")
    assert a.run("on far echo one; echo status=$?") == "one\nstatus=0\n"
    assert a.run("f() { x=$(echo $(on far echo 1)); echo got $x; }; f") == "got 1\n"
    assert a.run("on near echo to itself") == "to itself\n"
    # A result larger than fleetd takes of a command (2 KiB).
    assert a.run("on far seq 500 | tail -1") == "500\n"
    # One right after the other, before fleetd's next look has let the
    # first one's topics go (a loaded machine's fleetd looks late).
    assert a.run("on far echo one; on far echo two") == "one\ntwo\n"
    assert broker.count("as munix-on-") == own
    assert a.run("fleetd stop; echo status=$?") == "status=0\n"
    assert a.run("on far echo alone; echo status=$?") == "alone\nstatus=0\n"
    assert broker.count("as munix-on-") == own + 1
    assert "not this board's" not in log(a)


def test_on_knows_an_offline_board(fleet, broker):
    a = fleet("asker")
    gone = fleet("gone")
    wait_status(broker, "gone")
    gone.close()
    wait_status(broker, "gone", online=False)
    assert a.run("on gone ls; echo status=$?") == "on: gone: offline\nstatus=1\n"
    # Nothing was sent that would run when the board is back.
    assert broker.count("'munix/gone/cmd'") == 0


def test_on_without_a_broker(fleet, broker):
    a = fleet("lonely", start=False, port=1)
    assert a.run("on other ls; echo $?") == "on: 127.0.0.1:1: connection refused\n1\n"


@pytest.mark.parametrize("line, message", [
    ("on", "no board named"),
    ("on callee", "no command given"),
    ("on -t 0 callee ls", "0: not a number of seconds"),
    ("on -t soon callee ls", "soon: not a number of seconds"),
    ("on a/b ls", "a/b: not a board name (letters, digits, - _ .)"),
    ("on -x callee ls", "unknown option -x"),
])
def test_on_bad_input(sim, line, message):
    r = sim.run(line)
    assert r.status == 2 and r.out == "", r
    assert r.err.splitlines() == ["on: " + message, "usage: on [-t SECONDS] NAME COMMAND..."], r


@pytest.mark.parametrize("line, message, status", [
    ("fleetd", "fleetd: start, stop or status?\nusage: fleetd [-i] start|stop|status\n", 2),
    ("fleetd go", "fleetd: start, stop or status?\nusage: fleetd [-i] start|stop|status\n", 2),
    ("fleetd -z start", "fleetd: unknown option -z\nusage: fleetd [-i] start|stop|status\n", 2),
    ("fleetd start", "fleetd: no broker: set fleet.host in /etc/system.conf\n", 1),
    ("fleetd stop", "fleetd: not running\n", 1),
])
def test_fleetd_bad_input(sim, line, message, status):
    r = sim.run(line)
    assert r.status == status and r.err == message and r.out == "", r


ADC_WORDS = ("fleet.ha_adc: %s: not a NAME (letters, digits, - _; not led nor a pin's) "
             "and a PIN or [PIN, DB] (DB 0, 2.5, 6 or 11)")


def test_fleetd_bad_settings(sim):
    for section, message in (
            ({"host": "h", "name": "a b", "user": "u", "password_file": "/p"},
             "a b: not a board name (1 to 64 letters, digits, - _ .)"),
            ({"host": "h", "user": "u"}, "fleet.user is set but not fleet.password_file"),
            ({"host": "h", "user": "u", "password_file": "/etc/none"},
             "/etc/none: cannot read the broker password"),
            ({"host": "h", "user": "u", "password_file": "/etc/system.conf", "ha": "yes"},
             "fleet.ha is true or false (Home Assistant's discovery)"),
            ({"host": "h", "user": "u", "password_file": "/etc/system.conf", "ha": True,
              "ha_prefix": "ha/#"}, "fleet.ha_prefix: not a topic prefix"),
            ({"host": "h", "user": "u", "password_file": "/etc/system.conf", "ha_pins": [4]},
             "fleet.ha_pins: {\"NAME\": PIN} (Home Assistant's switches)"),
            ({"host": "h", "user": "u", "password_file": "/etc/system.conf",
              "ha_pins": {"pump": "4; reboot"}},
             "fleet.ha_pins: pump: not a NAME (letters, digits, - _; not led) and a PIN"),
            ({"host": "h", "user": "u", "password_file": "/etc/system.conf", "ha_pins": {"led": 4}},
             "fleet.ha_pins: led: not a NAME (letters, digits, - _; not led) and a PIN"),
            ({"host": "h", "user": "u", "password_file": "/etc/system.conf", "ha_adc": 34},
             "fleet.ha_adc: {\"NAME\": PIN or [PIN, DB]} (Home Assistant's voltage sensors)"),
            ({"host": "h", "user": "u", "password_file": "/etc/system.conf", "ha_adc": {"v": [34, 3]}},
             ADC_WORDS % "v"),
            ({"host": "h", "user": "u", "password_file": "/etc/system.conf", "ha_adc": {"v": [34]}},
             ADC_WORDS % "v"),
            ({"host": "h", "user": "u", "password_file": "/etc/system.conf",
              "ha_pins": {"pump": 4}, "ha_adc": {"pump": 34}}, ADC_WORDS % "pump"),
            ({"host": "h", "user": "u", "password_file": "/etc/system.conf", "ha_adc": {"a.b": 34}},
             ADC_WORDS % "a.b"),
            ({"host": "h", "user": "u", "password_file": "/etc/system.conf", "ha_i2c": 1},
             "fleet.ha_i2c is true, false or a bus (Home Assistant's I2C sensors)"),
            ({"host": "h", "user": "u", "password_file": "/etc/system.conf", "announce": "5456"},
             "fleet.announce is a UDP port or false (no answer on the local network)"),
            ({"host": "h", "user": "u", "password_file": "/etc/system.conf", "announce": 70000},
             "fleet.announce is a UDP port or false (no answer on the local network)"),
            ({"host": "h", "sign": True, "key": "/etc/none.pub"},
             "/etc/none.pub: no such key: signed commands (fleet.sign) are checked with it")):
        sim.write("/etc/system.conf", json.dumps({"fleet": section}))
        r = sim.run("fleetd start")
        assert r.status == 1 and r.err == "fleetd: %s\n" % message, r


def test_munix_fleet_bad_input(broker, tmp_path):
    r = munix_fleet(broker, "run", "echo x")
    assert r.returncode == 1 and r.stderr == "munix: name boards, or give --all or --tag T\n", r
    r = munix_fleet(broker, "run", "--all", "b1", "echo x")
    assert r.returncode == 1 and r.stderr == "munix: name boards or give --all/--tag, not both\n", r
    r = munix_fleet(broker, "run", "--tag", "nosuchtag", "echo x")
    assert r.returncode == 1 and r.stderr == "munix: no board online matches\n", r
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tools"))
    closed = subprocess.run([sys.executable, "-m", "munixtool", "fleet", "ls", "-H", "127.0.0.1",
                             "-p", "1"], capture_output=True, text=True, timeout=TIMEOUT, env=env)
    assert closed.returncode == 1, closed
    assert closed.stderr == "munix: broker 127.0.0.1:1: Connection refused\n", closed
    wrong = tmp_path / "wrong"
    wrong.write_text("nope\n")
    r = subprocess.run([sys.executable, "-m", "munixtool", "fleet", "ls", "-H", "127.0.0.1",
                        "-p", str(broker.auth), "-u", USER, "--password-file", str(wrong)],
                       capture_output=True, text=True, timeout=TIMEOUT, env=env)
    assert r.returncode == 1 and r.stderr == (
        "munix: broker 127.0.0.1:%d: the broker refused the connection: not authorized\n"
        % broker.auth), r
    r = subprocess.run([sys.executable, "-m", "munixtool", "fleet", "ls", "-u", USER],
                       capture_output=True, text=True, timeout=TIMEOUT, env=env)
    assert r.returncode == 1 and r.stderr == "munix: --user and --password-file go together\n", r
    r = munix_fleet(broker, "ls", "--lan", "127.0.0.1:port")
    assert r.returncode == 1 and r.stderr == "munix: 127.0.0.1:port: not ADDRESS[:PORT]\n", r
    r = munix_fleet(broker, "ls", "--lan-wait", "-1")
    assert r.returncode == 1 and r.stderr == "munix: --lan-wait: not a number of seconds\n", r
    r = subprocess.run([sys.executable, "-m", "munixtool", "fleet", "metrics", "--listen", "x"],
                       capture_output=True, text=True, timeout=TIMEOUT, env=env)
    assert r.returncode == 1 and r.stderr == "munix: x: not [HOST:]PORT\n", r
    r = subprocess.run([sys.executable, "-m", "munixtool", "fleet"],
                       capture_output=True, text=True, timeout=TIMEOUT, env=env)
    assert r.returncode == 2 and r.stderr.splitlines()[-1].startswith("munix fleet: error: "), r



# A fleet of twenty

FLEET_SIZE = 20
PROFILED = 3    # of them on the esp32 profile, the rest the default board, unless a profile is asked


def all_online(broker, names, timeout):
    """Wait until munix fleet ls says exactly the boards of names online."""
    deadline = time.monotonic() + timeout
    while True:
        r = munix_fleet(broker, "ls", "--lan-wait", "0")
        online = re.findall(r"^(b\d\d) +online ", r.stdout, re.M)
        if online == names:
            return
        assert time.monotonic() < deadline, "online after %d s: %s" % (timeout, online)


def test_twenty_boards_answer_fleet_run_all_through_a_broker_restart_and_a_killed_one_goes_offline(
        tmp_path):
    """Twenty boards, each its own MicroPython on the compiled tree, booted
    at once (their input a pipe, as bench --fleet does), against a broker
    of their own, one that keeps its sessions across a restart as a
    fleet's broker does."""
    broker = Broker(tmp_path / "mqtt", persistent=True)
    children = []
    try:
        for i in range(FLEET_SIZE):
            board = simulator.board_name() or ("esp32" if i < PROFILED else None)
            flash = seed_flash(tmp_path / ("b%02d" % i), compiled=True, board=board)
            (flash / "etc" / "system.conf").write_text(json.dumps({"fleet": dict(
                host="127.0.0.1", port=broker.auth, user=USER, password_file=PASS_FILE,
                name="b%02d" % i, interval=60, keepalive=4, backoff_max=2, announce=False)}))
            (flash / "etc" / "fleet.pass").write_text(PASSWORD + "\n")
            lines = (["wifi sta on", "wifi sta connect munix-sim munix-sim-pass 5"] if board
                     else []) + ["fleetd start"]
            child = subprocess.Popen(simulator.command(flash, board=board), stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            child.stdin.write(("\n".join(lines) + "\n").encode())
            child.stdin.flush()
            children.append(child)
        names = ["b%02d" % i for i in range(FLEET_SIZE)]
        all_online(broker, names, 120)
        r = munix_fleet(broker, "run", "--all", "uname -m")
        assert r.returncode == 0, r
        answers = re.findall(r"^== (b\d\d): status 0, \d+ ms ==\n(.+)$", r.stdout, re.M)
        assert [name for name, _ in answers] == names, r.stdout
        esp32 = [name for name, machine in answers if machine == "Generic ESP32 module with ESP32"]
        assert esp32 == (names if simulator.board_name() == "esp32" else
                         [] if simulator.board_name() else names[:PROFILED]), r.stdout

        # The broker goes and comes back; the commands published at once,
        # before the boards are back, wait in their sessions (QoS 1), and
        # each is published twice, as a redelivery would be.
        broker.stop()
        broker.start()
        host = Client("127.0.0.1", broker.auth)
        try:
            host.connect("fleet-restart", USER, PASSWORD)
            for _ in range(2):
                for name in names:
                    host.publish("munix/%s/cmd" % name,
                                 json.dumps({"id": "once-1", "cmd": "echo ran >> /tmp/once"}), 1)
        finally:
            host.close()
        # The broker's shutdown sent each board's last will: offline until
        # it is back.
        all_online(broker, names, 60)
        r = munix_fleet(broker, "run", "--all",
                        # [ ]: not the log's line of this very command
                        "cat /tmp/once; grep -c 'connected[ ]to 127.0.0.1 as' /tmp/fleet.log")
        assert r.returncode == 0, r
        # Run once each; each board connected once more, within the back-off.
        assert re.findall(r"^== (b\d\d): status 0, \d+ ms ==\nran\n2$", r.stdout, re.M) == names, (
            r.stdout)

        children[7].kill()      # kill -9: no goodbye, the broker says it
        children[7].wait(TIMEOUT)
        assert wait_status(broker, "b07", online=False) == {"name": "b07", "online": False}
        r = munix_fleet(broker, "run", "--all", "echo again")
        assert r.returncode == 0, r
        assert re.findall(r"^== (b\d\d): status 0", r.stdout, re.M) == names[:7] + names[8:]
    finally:
        for child in children:
            if child.poll() is None:
                child.stdin.close()
        for child in children:
            try:
                child.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        broker.stop()
