"""mqttc against a real broker: Debian's mosquitto (mqtt_support.py)
on 127.0.0.1; mosquitto_pub and mosquitto_sub are the other side.
"""
import re
import subprocess

import pytest

from mqtt_support import PASSWORD, TIMEOUT, USER, Broker, needs_mosquitto
from ntp_support import ntp  # noqa: F401  the fixture
from conftest import FILL_HEAP, LET_GO, free_port
from upgrade_support import CertAuthority

pytestmark = needs_mosquitto

USAGE_LINE = "usage: mqttc pub|sub [OPTION...]"


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    b = Broker(tmp_path_factory.mktemp("mqtt"))
    yield b
    b.stop()


def received(p):
    out, _ = p.communicate(timeout=TIMEOUT + 5)
    return out.splitlines()


def mqttc(broker, line, port=None):
    """The mqttc command line of line (VERB OPTIONS...) for the broker."""
    verb, rest = line.split(" ", 1)
    return "mqttc %s -h 127.0.0.1 -p %d %s" % (verb, port or broker.open, rest)


# Publishing


def test_publishes_qos0_and_qos1_messages(sim, broker):
    host = broker.sub("pub/#", count=3)
    r = sim.run(mqttc(broker, "pub -t pub/a -m 'hello world'"),
                mqttc(broker, "pub -t pub/b -m 'héllo ✓' -q 1 -i munix-pub1"),
                mqttc(broker, "pub -t pub/c -m ''"))
    assert r.status == 0 and r.err == "" and r.out == "", r
    # mosquitto_sub -v shows an empty payload as (null).
    assert received(host) == ["pub/a hello world", "pub/b héllo ✓", "pub/c (null)"]
    broker.logged(r"Sending PUBACK to munix-pub1")
    broker.logged(r"Received DISCONNECT from munix-pub1")


def test_retained_message_reaches_later_subscribers(sim, broker):
    r = sim.run(mqttc(broker, "pub -t keep/state -m on -r"))
    assert r.status == 0 and r.err == "", r
    out = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.open), "-v",
                          "-t", "keep/#", "-C", "1", "-W", "10"],
                         capture_output=True, text=True, timeout=TIMEOUT).stdout
    assert out == "keep/state on\n"


# Subscribing


def test_sub_prints_messages_until_count(board, broker):
    board.send(mqttc(broker, "sub -t s/+ -t other -v -q 1 -C 3 -i munix-sub1") + "\r")
    broker.logged("Sending SUBACK to munix-sub1")
    broker.pub("s/one", "first", "-q", "1")
    broker.pub("other", "second")
    broker.pub("s/deep/not", "never")   # + is one level only
    broker.pub("s/two", "bytes \xff")
    out = board.read_to_prompt().splitlines()
    assert out[1:4] == ["s/one first", "other second", "s/two bytes ÿ"], out
    assert board.run("echo $?") == "0\n"
    # The broker's QoS 1 delivery was acknowledged.
    broker.logged(r"Received PUBACK from munix-sub1")
    broker.logged(r"Received DISCONNECT from munix-sub1")


def test_sub_prints_payload_alone_without_v(sim, broker):
    broker.pub("plain/x", "just this", "-r")
    r = sim.run(mqttc(broker, "sub -t plain/x -C 1"))
    assert r.status == 0 and r.out == "just this\n" and r.err == "", r


# A keepalive of 2 s, not 1: the broker waits 1.5 times it for a sign of
# life, and half a second's slack was less than a thread may wait for the
# CPU on a loaded machine (CI: "munix-job has exceeded timeout" before its
# first ping was due to be late).
def test_sub_times_out_and_pings_the_broker(sim, broker):
    r = sim.run(mqttc(broker, "sub -t quiet/topic -W 5 -k 2 -i munix-ping"), timeout=TIMEOUT)
    assert r.status == 0 and r.out == "" and r.err == "", r
    broker.logged(r"Received DISCONNECT from munix-ping")
    # A quiet connection is pinged at half the keepalive, so that the
    # client, not the broker's slack, keeps it within the keepalive (MQTT
    # 3.1.1, 3.1.2.10): pinged at the whole keepalive, a held job's pings
    # came late on a loaded machine and the broker cut it (2 pings in the
    # 5 s then; 4 now).
    assert broker.count(r"Received PINGREQ from munix-ping") >= 3


def test_sub_as_a_job_is_stopped_by_kill(board, broker):
    out = board.run(mqttc(broker, "sub -t job/# -v -k 2 -i munix-job &"))
    pid = re.match(r"\[1\] (\d+)\n", out).group(1)
    broker.logged("Sending SUBACK to munix-job")
    broker.pub("job/a", "from the host")
    board.expect("job/a from the host")
    assert "mqttc" in board.run("ps")
    # Held longer than the broker waits for a sign of life (1.5 times the
    # keepalive): the pings keep the connection, the message waits.
    board.run("hold %s" % pid)
    ping = "Received PINGREQ from munix-job"
    broker.logged(ping, times=broker.count(ping) + 2)
    broker.pub("job/b", "after the hold")
    # The job prints the message as it resumes: before resume's prompt, or
    # after it (CI once, and read_to_prompt waited for a prompt at the end).
    # A line of its own then finds the prompt after it.
    board.send("resume %s\r" % pid)
    board.expect("job/b after the hold")
    board.send("echo resumed\r")
    board.expect("\nresumed\r\n")
    board.read_to_prompt()
    board.run("kill %1")
    assert board.run("wait %1; echo $?") == "143\n"
    broker.logged(r"Received DISCONNECT from munix-job")


def test_ctrl_c_ends_a_foreground_sub_with_a_goodbye(board, broker):
    board.send(mqttc(broker, "sub -t ctrl/c -i munix-ctrlc --will-topic ctrl/will "
                             "--will-message lost") + "\r")
    broker.logged("Sending SUBACK to munix-ctrlc")
    board.send("\x03")
    board.read_to_prompt()
    assert board.run("echo ok") == "ok\n"
    broker.logged(r"Received DISCONNECT from munix-ctrlc")


def test_last_will_is_published_when_the_board_vanishes(make_board, broker):
    host = broker.sub("will/#")
    b = make_board()
    b.run(mqttc(broker, "sub -t w/x -i munix-will --will-topic will/board "
                        "--will-message 'board gone' --will-qos 1 &"))
    broker.logged("Sending SUBACK to munix-will")
    b.close()           # the board's power cut: no DISCONNECT
    assert received(host) == ["will/board board gone"]


# Passwords and TLS


def test_user_and_password(sim, broker):
    r = sim.run(mqttc(broker, "pub -t a -m x -u %s -P '%s'" % (USER, PASSWORD), broker.auth),
                "echo good=$?",
                mqttc(broker, "pub -t a -m x -u %s -P wrong" % USER, broker.auth),
                mqttc(broker, "pub -t a -m x", broker.auth))
    assert r.out == "good=0\n", r
    refused = "mqttc: 127.0.0.1:%d: the broker refused the connection: " % broker.auth
    lines = r.err.splitlines()
    assert len(lines) == 2 and all(line.startswith(refused) for line in lines), r.err
    assert r.status == 1


def test_tls_checks_the_broker_against_the_ca(sim, broker, ntp):
    sim.write("/etc/ca.pem", broker.ca.pem)
    host = broker.sub("tls/#")
    clock = ntp()
    tls = "-h localhost -p %d --tls" % broker.tls
    r = sim.run("ntpupdate -W 5 127.0.0.1:%d" % clock.port,
                "mqttc pub -t tls/checked -m safe -q 1 %s" % tls)
    assert r.status == 0 and r.err == "", r
    assert received(host) == ["tls/checked safe"]


def test_tls_refuses_an_unknown_broker_unless_insecure(sim, broker, tmp_path, ntp):
    stranger = CertAuthority(tmp_path / "stranger")
    sim.write("/etc/ca.pem", stranger.pem)
    clock = ntp()
    tls = "-h localhost -p %d --tls" % broker.tls
    r = sim.run("ntpupdate -W 5 127.0.0.1:%d" % clock.port,
                "mqttc pub -t tls/x -m leak %s" % tls)
    assert r.status == 1 and r.err.startswith("mqttc: localhost:%d: " % broker.tls), r
    assert "clock" not in r.err and ("certificate" in r.err or "verif" in r.err), r.err
    assert len(r.err.splitlines()) == 1, r.err
    host = broker.sub("tls/#")
    r = sim.run("mqttc pub -t tls/y -m anyway %s --insecure" % tls)
    assert r.status == 0 and r.err == "", r
    assert received(host) == ["tls/y anyway"]


# Failures


def test_broker_gone_or_absent(sim, broker):
    closed = free_port()
    r = sim.run("mqttc pub -t a -m x -h 127.0.0.1 -p %d" % closed)
    assert r.status == 1 and r.err == "mqttc: 127.0.0.1:%d: connection refused\n" % closed, r
    r = sim.run("mqttc sub -t a -h no-such-host.invalid")
    assert r.status == 1 and r.err == "mqttc: no-such-host.invalid: host not found\n", r


def test_a_packet_too_big_is_refused(sim, broker):
    broker.pub("big/one", "x" * 10000, "-r")
    r = sim.run(mqttc(broker, "sub -t big/one -C 1"))
    assert r.status == 1 and r.out == "", r
    assert r.err == ("mqttc: 127.0.0.1:%d: the broker sent a packet of 10009 bytes, "
                     "more than the 8192 taken\n" % broker.open), r


def test_a_packet_the_heap_cuts_short_ends_the_connection(sim, flash, broker):
    # The rest of the packet would be read as the next one: the stream is
    # lost, and fleetd connects again (test_fleet_espnow: a full heap).
    (flash / "tmp" / "cut.py").write_text("""import mqtt

def __main__(args):
    c = mqtt.Client(mqtt.open_socket("127.0.0.1", int(args[0])))
    c.connect("munix-cut")
    c.subscribe(["cut/a"], 1)
    c.publish("cut/a", b"x" * 2000)
    c.poller.poll(5000)
    got = None
    spare = bytearray(1024)
""" + FILL_HEAP + """    spare = None
    try:
        c.wait(1000)
    except Exception as e:
        got = e
""" + LET_GO + """    print(type(got).__name__, got)
    c.close()
""")
    r = sim.run("/tmp/cut %d" % broker.open)
    assert r.out == "MQTTError memory allocation failed\n", r


@pytest.mark.parametrize("args, message", [
    ("", "missing pub or sub"),
    ("get -t a", "get: not pub or sub"),
    ("pub -m x", "no topic given (-t)"),
    ("pub -t a", "no message given (-m)"),
    ("pub -t a -t b -m x", "pub takes one topic"),
    ("pub -t a/+ -m x", "a/+: + and # are for subscribing, not in a topic name"),
    ("sub -t a/#/b", "a/#/b: + and # stand alone in a level, # only at the end"),
    ("sub -t a/b+", "a/b+: + and # stand alone in a level, # only at the end"),
    ("sub -t a -m x", "-m and -r are for pub"),
    ("pub -t a -m x -C 3", "-C, -W and -v are for sub"),
    ("pub -t a -m x -q 2", "-q takes QoS 0 or 1, not 2"),
    ("pub -t a -m x -p 70000", "70000: not a port"),
    ("pub -t a -m x -p http", "http: not a port"),
    ("sub -t a -C 0", "0: not a count"),
    ("sub -t a -W soon", "soon: not a number of seconds"),
    ("pub -t a -m x -u me", "-u and -P go together"),
    ("pub -t a -m x --insecure", "--insecure and --cafile go with --tls"),
    ("pub -t a -m x --will-topic w", "a will needs --will-topic and --will-message"),
    ("pub -t a -m x --will-topic w/# --will-message m", "w/#: + and # are for subscribing, "
                                                        "not in a topic name"),
    ("pub -t a -m x -z", "unknown option -z"),
    ("pub -t a -m", "option -m needs a value"),
    ("pub -t a -m x --cafile", "option --cafile needs a value"),
    ("pub -t a -m x extra", "extra: unexpected (options only, see --help)"),
    ("pub -t '' -m x", '"": a topic has 1 to 65535 bytes'),
])
def test_bad_input(sim, args, message):
    r = sim.run("mqttc " + args)
    assert r.status == 2 and r.out == "", r
    assert r.err.splitlines() == ["mqttc: " + message, USAGE_LINE], r


def test_help(sim):
    r = sim.run("mqttc --help", "help mqttc")
    assert r.status == 0 and r.out.startswith(USAGE_LINE), r
    assert "--will-topic" in r.out and "--insecure" in r.out
