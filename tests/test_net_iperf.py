"""iperf3 against Debian's iperf3 on 127.0.0.1: the board's client
against `iperf3 -s`, Debian's client against the board's server, both
ways (-R), one-second tests; refusals of what the board does not do,
and of bad input.
"""
import re
import shutil
import subprocess
import time

import pytest

from conftest import free_port

pytestmark = pytest.mark.skipif(not shutil.which("iperf3"), reason="needs Debian's iperf3")

TIMEOUT = 30
USAGE_LINE = "usage: iperf3 -s [-p PORT] [-1] | -c HOST [-p PORT] [-t SECONDS] [-R]"
NUMBER = r"\s*[\d.]+ "
INTERVAL = r"\[  1\]\s+%s-%s\s+sec %s[KMGT]?Bytes %s[KMGT]?bits/sec\s+%s$"


def line(start, end, role=""):
    """A pattern of a report line of the board's."""
    return re.compile(INTERVAL % (start, end, NUMBER, NUMBER, role))


class DebianServer:
    """`iperf3 -s` on a free port, its output in a file."""

    def __init__(self, folder, *extra):
        self.port = free_port()
        self.out = folder / ("iperf3-%d.out" % self.port)
        with open(self.out, "w") as f:
            self.proc = subprocess.Popen(["iperf3", "-s", "-p", str(self.port), "--forceflush"]
                                         + list(extra), stdout=f, stderr=subprocess.STDOUT)
        self.wait_for("Server listening")

    def text(self):
        return self.out.read_text()

    def wait_for(self, pattern):
        deadline = time.monotonic() + TIMEOUT
        while not re.search(pattern, self.text()):
            if time.monotonic() > deadline:
                raise TimeoutError("no %r from iperf3 -s: %s" % (pattern, self.text()))
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


@pytest.fixture
def debian_server(tmp_path):
    servers = []

    def make(*extra):
        servers.append(DebianServer(tmp_path, *extra))
        return servers[-1]
    yield make
    for s in servers:
        s.stop()


def debian_client(port, *extra):
    """Debian's iperf3 -c, one second unless extra says how long."""
    length = [] if any(e[:2] in ("-t", "-n", "-k") for e in extra) else ["-t", "1"]
    return subprocess.run(["iperf3", "-c", "127.0.0.1", "-p", str(port)] + length + list(extra),
                          capture_output=True, text=True, timeout=TIMEOUT)


def serve(board, args=""):
    """The board's iperf3 -s on a free port, in the foreground; the port."""
    port = free_port()
    board.send("iperf3 -s -p %d %s\r" % (port, args))
    board.expect(r"Server listening on %d \(test #1\)" % port)
    return port


# The board as the client


@pytest.mark.parametrize("reverse", [False, True])
def test_client_against_debian_server(sim, debian_server, reverse):
    server = debian_server("-1")
    r = sim.run("iperf3 -c 127.0.0.1 -p %d -t 1%s" % (server.port, " -R" if reverse else ""),
                timeout=TIMEOUT)
    assert r.status == 0 and r.err == "", r
    out = r.out.splitlines()
    assert out[0] == "Connecting to host 127.0.0.1, port %d" % server.port
    if reverse:
        assert out.pop(1) == "Reverse mode, remote host 127.0.0.1 is sending"
    assert out[1] == "[  1] connected to 127.0.0.1 port %d" % server.port
    assert out[2] == "[ ID] Interval           Transfer     Bitrate"
    # Each second's line ends when its second was measured, as iperf3's:
    # a few ms past it on a busy machine (1.01 in a CI run).
    assert line("0.00", r"1\.0\d").match(out[3]), out
    assert out[4:6] == ["- - - - - - - - - - - - - - - - - - - - - - - - -",
                        "[ ID] Interval           Transfer     Bitrate"]
    assert line("0.00", r"1\.\d\d", "sender").match(out[6]), out
    assert line("0.00", r"1\.\d\d", "receiver").match(out[7]), out
    assert out[8:] == ["", "iperf Done."]
    assert server.proc.wait(TIMEOUT) == 0, server.text()
    # Debian's server took the board's results and summed up its own end.
    text = server.text()
    role = "sender" if reverse else "receiver"
    assert re.search(r"sec\s+[\d.]+ [KMG]Bytes\s+[\d.]+ [KMG]bits/sec.*" + role, text), text
    assert "error" not in text, text


def test_client_told_the_server_is_busy(sim, debian_server):
    server = debian_server()
    # The other test runs long enough for the board's client to find it
    # running on a loaded machine (its first second took 1.03 s in CI);
    # it is stopped once the board's client is done.
    long = subprocess.Popen(["iperf3", "-c", "127.0.0.1", "-p", str(server.port), "-t", "20"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        server.wait_for(r"\]\s+0\.00-\d")
        r = sim.run("iperf3 -c 127.0.0.1 -p %d -t 1" % server.port, timeout=TIMEOUT)
    finally:
        long.terminate()
        long.wait(TIMEOUT)
    assert r.status == 1, r
    assert r.err == "iperf3: the server is busy running a test. try again later\n", r


def test_client_without_server(sim):
    port = free_port()
    r = sim.run("iperf3 -c 127.0.0.1 -p %d -t 1" % port, "iperf3 -c no-such-host.invalid")
    assert r.err.splitlines() == ["iperf3: unable to connect to the server: connection refused",
                                  "iperf3: no-such-host.invalid: host not found"], r
    assert r.status == 1


# The board as the server


@pytest.mark.parametrize("reverse", [False, True])
def test_debian_client_against_board_server(board, reverse):
    port = serve(board, "-1")
    done = debian_client(port, *(["-R"] if reverse else []))
    assert done.returncode == 0, done
    assert re.search(r"sec\s+[\d.]+ [KMG]Bytes\s+[\d.]+ [KMG]bits/sec.*sender", done.stdout), done
    assert re.search(r"sec\s+[\d.]+ [KMG]Bytes\s+[\d.]+ [KMG]bits/sec.*receiver", done.stdout), done
    out = board.read_to_prompt(TIMEOUT).splitlines()
    out = out[[i for i, text in enumerate(out) if text.startswith("Accepted")][0]:]
    assert re.match(r"Accepted connection from 127\.0\.0\.1, port \d+$", out[0]), out
    assert re.match(r"\[  1\] connected to 127\.0\.0\.1 port \d+$", out[1]), out
    assert out[2] == "[ ID] Interval           Transfer     Bitrate"
    assert line("0.00", r"1\.\d\d", "sender").match(out[-3]), out
    assert line("0.00", r"1\.\d\d", "receiver").match(out[-2]), out
    assert board.run("echo $?") == "0\n"


def test_server_as_a_job_serves_tests_until_killed(board):
    port = free_port()
    # Not run(): the job's first lines may come right after the prompt,
    # which then no longer ends what was read (CI, 1 run in many).
    board.send("iperf3 -s -p %d &\r" % port)
    board.expect(r"\[1\] \d+\r?\n")
    board.expect(r"Server listening on %d \(test #1\)" % port)
    assert debian_client(port).returncode == 0
    board.expect(r"Server listening on %d \(test #2\)" % port)
    assert debian_client(port, "-R").returncode == 0
    board.expect(r"Server listening on %d \(test #3\)" % port)
    board.run("kill %1")
    assert board.run("wait %1; echo $?") == "143\n"
    # The port is free again.
    serve(board, "-1")
    board.send("\x03")
    board.read_to_prompt()


@pytest.mark.parametrize("option, why", [
    ("-u", "that is not TCP"),
    ("-P2", "of 2 parallel streams (one is served)"),
    ("-n1M", "of a size in bytes or blocks (a time is served)"),
])
def test_server_refuses_what_it_does_not_do(board, option, why):
    port = serve(board, "-1")
    done = debian_client(port, option)
    assert done.returncode != 0
    assert "not implemented" in done.stdout + done.stderr, done
    out = board.read_to_prompt(TIMEOUT)
    assert "iperf3: refused a test %s\n" % why in out, out
    assert board.run("echo $?") == "1\n"


def test_ctrl_c_stops_the_server(board):
    serve(board)
    board.send("\x03")
    board.read_to_prompt()
    assert board.run("echo ok") == "ok\n"


def test_server_port_in_use(sim, debian_server):
    server = debian_server()
    r = sim.run("iperf3 -s -p %d" % server.port)
    assert r.status == 1 and r.out == "", r
    assert r.err == "iperf3: port %d: address in use\n" % server.port, r


# Bad input


@pytest.mark.parametrize("args, message", [
    ("", "give -s (server) or -c HOST (client)"),
    ("-s -c 127.0.0.1", "give -s (server) or -c HOST (client)"),
    ("-c 127.0.0.1 -t 0", "-t takes 1 to 86400 seconds"),
    ("-c 127.0.0.1 -t soon", "soon: not a number of seconds"),
    ("-c 127.0.0.1 -p 70000", "70000: not a port"),
    ("-s -p http", "http: not a port"),
    ("-s -t 5", "-t and -R are for the client (-c)"),
    ("-s -R", "-t and -R are for the client (-c)"),
    ("-c 127.0.0.1 -1", "-1 is for the server (-s)"),
    ("-s extra", "extra operand extra"),
    ("-s -u", "unknown option -u"),
    ("-c", "option -c needs a value"),
])
def test_bad_input(sim, args, message):
    r = sim.run("iperf3 " + args)
    assert r.status == 2 and r.out == "", r
    assert r.err.splitlines() == ["iperf3: " + message, USAGE_LINE], r


def test_help(sim):
    r = sim.run("iperf3 --help", "help iperf3")
    assert r.status == 0 and r.out.startswith(USAGE_LINE), r
    assert r.out.count(USAGE_LINE) == 2, r
