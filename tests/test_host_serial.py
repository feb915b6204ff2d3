"""The simulated board's serial port (munix sim --serial), driven by the real
mpremote and by munix deploy, as a board on USB would be."""
import functools
import hashlib
import http.server
import json
import os
import re
import select
import subprocess
import sys
import threading
import time
import tty

import pytest

from conftest import ROOT, free_port, seed_flash, shadow_line
from munixtool import sim as simulator

TIMEOUT = 30


class SerialSim:
    """`munix sim --serial` on a flash folder, and a terminal on its port."""

    def __init__(self, flash):
        self.flash = flash
        env = dict(os.environ, PYTHONPATH=str(ROOT / "tools"))
        self.child = subprocess.Popen(
            [sys.executable, "-m", "munixtool", "sim", "--serial", "--flash", str(flash)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.child.stdout.readline()
        found = re.search(r"serial port (\S+)", line)
        assert found, line + self.child.stderr.read()
        self.device = found.group(1)
        self.fd = None
        self.rest = b""

    def mpremote(self, *args, check=True):
        done = subprocess.run([sys.executable, "-m", "mpremote", "connect", self.device, *args],
                              capture_output=True, text=True, timeout=TIMEOUT)
        if check:
            assert done.returncode == 0, done
        return done

    def munix(self, *args):
        env = dict(os.environ, PYTHONPATH=str(ROOT / "tools"))
        return subprocess.run([sys.executable, "-m", "munixtool", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)

    def open(self):
        self.fd = os.open(self.device, os.O_RDWR | os.O_NOCTTY)
        self.rest = b""
        tty.setraw(self.fd)

    def send(self, data):
        os.write(self.fd, data)

    def expect(self, ending, timeout=10):
        """Read until ending appears; everything read up to its end (what
        came after it is kept for the next call)."""
        buf = self.rest
        deadline = time.monotonic() + timeout
        while ending not in buf:
            left = deadline - time.monotonic()
            assert left > 0, "no %r in %r" % (ending, buf[-300:])
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.5))
            if ready:
                buf += os.read(self.fd, 4096)
        end = buf.index(ending) + len(ending)
        self.rest = buf[end:]
        return buf[:end]

    def typed(self, line, answer):
        """Type line at the prompt of the OS the board booted into and wait
        for answer; the port is let go after (for mpremote)."""
        self.open()
        self.send(b"\r")
        self.expect(b"/ $: ")
        self.send(line + b"\r")
        self.expect(answer)
        os.close(self.fd)
        self.fd = None

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
        self.child.terminate()
        try:
            self.child.wait(10)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()
        self.child.stdout.close()
        self.child.stderr.close()


@pytest.fixture
def serial_sim(tmp_path):
    s = SerialSim(seed_flash(tmp_path / "flash"))
    yield s
    s.close()


def test_mpremote_copies_lists_skips_and_removes_a_tree(serial_sim, tmp_path):
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_text("hello\n")
    (tree / "sub" / "b.bin").write_bytes(bytes(range(256)) * 20)
    serial_sim.mpremote("fs", "cp", "-r", str(tree), ":")
    assert (serial_sim.flash / "tree" / "sub" / "b.bin").read_bytes() == bytes(range(256)) * 20
    listing = serial_sim.mpremote("fs", "ls", ":tree").stdout
    assert re.search(r"\b6\]?\s+a\.txt", listing) and "sub/" in listing, listing
    again = serial_sim.mpremote("fs", "cp", "-r", str(tree), ":").stdout
    assert "Up to date: ./tree/a.txt" in again and "Up to date: ./tree/sub/b.bin" in again
    serial_sim.mpremote("fs", "rm", "-r", ":tree")
    assert not (serial_sim.flash / "tree").exists()


def test_mpremote_exec_eval_run_resume_and_soft_reset(serial_sim, tmp_path):
    script = tmp_path / "script.py"
    script.write_text("import sys\nprint('ran on', sys.platform)\n")
    out = serial_sim.mpremote("exec", "x = 6 * 7", "+", "resume", "eval", "x", "+",
                              "run", str(script)).stdout
    # (A board profile's sys.platform is the board's.)
    assert re.fullmatch(r"42\nran on \w+\n", out.replace("\r", "")), out
    # A soft reset forgets the REPL's variables.
    done = serial_sim.mpremote("exec", "y = 1", "+", "soft-reset", "+", "eval", "'y' in globals()")
    assert done.stdout.strip() == "False"


def test_errors_and_ctrl_c_in_the_raw_repl(serial_sim):
    done = serial_sim.mpremote("exec", "1/0", check=False)
    assert done.returncode == 1
    assert "ZeroDivisionError: divide by zero" in done.stdout + done.stderr
    # mpremote left the board in the friendly REPL.
    serial_sim.open()
    serial_sim.send(b"\r")
    serial_sim.expect(b">>> ")
    serial_sim.send(b"\r\x01")
    serial_sim.expect(b"raw REPL; CTRL-B to exit\r\n>")
    serial_sim.send(b"while True: pass\x04")
    serial_sim.expect(b"OK")
    time.sleep(0.2)
    serial_sim.send(b"\x03")
    out = serial_sim.expect(b"\x04>")
    assert out.startswith(b"\x04Traceback") and b"KeyboardInterrupt" in out
    # Raw-paste: the window, and the acknowledgement of the end.
    serial_sim.send(b"\x05A\x01")
    assert serial_sim.expect(b"\x80\x00\x01", timeout=5) == b"R\x01\x80\x00\x01"
    serial_sim.send(b"print(6*7)\x04")
    assert serial_sim.expect(b"\x04>") == b"\x0442\r\n\x04\x04>"
    serial_sim.send(b"\x02")
    assert b"MicroPython v1.25" in serial_sim.expect(b">>> ")


def test_the_friendly_repl_and_a_soft_reset_that_boots_munix(serial_sim):
    serial_sim.open()
    serial_sim.send(b"\r")
    serial_sim.expect(b"/ $: ")
    # Ctrl-C gives a new prompt; Ctrl-A the raw REPL, Ctrl-B then the friendly one.
    serial_sim.send(b"\x03")
    serial_sim.expect(b"/ $: ")
    serial_sim.send(b"\x01")
    serial_sim.expect(b"raw REPL; CTRL-B to exit\r\n>")
    serial_sim.send(b"\x02")
    serial_sim.expect(b">>> ")
    serial_sim.send(b"for i in range(2):\r")
    serial_sim.expect(b"... ")
    serial_sim.send(b" print(i * 10)\r\r")
    assert serial_sim.expect(b">>> ").endswith(b"\r\n0\r\n10\r\n>>> ")
    serial_sim.send(b"nosuch\r")
    assert b"NameError" in serial_sim.expect(b">>> ")
    serial_sim.send(b"\x04")
    serial_sim.expect(b"MPY: soft reboot\r\n")
    serial_sim.expect(b"/ $: ")
    serial_sim.send(b"echo from munix\r")
    assert b"from munix\r\n" in serial_sim.expect(b"/ $: ")


# What the console may be doing when mpremote comes (issue 28, item 15):
# lines typed first, then the command that is running (None: at its prompt).
BUSY = {
    "prompt": ([], None),
    "sleep": ([], "sleep 600"),
    "shell loop": ([], "while true; do sleep 1; done"),
    "python sleep": (["> import time"], "> time.sleep(600)"),
    "python loop": ([], "> while True: pass"),
    "long cat": ([], "cat /big"),
    "reading the console": ([], "read x"),
    "an unfinished line": ([], "if true; then"),
    "waiting for a job": (["sleep 600 &"], "wait"),
}


@pytest.mark.parametrize("busy", BUSY)
def test_mpremote_takes_over_whatever_the_console_does(serial_sim, busy):
    """mpremote's Ctrl-C ends the command, its Ctrl-A at munix's prompt is
    handed on to the raw REPL (mpremote hung waiting for it), long before
    the command would have ended (mpremote's own wait for the raw REPL is
    10 s); a soft reset boots munix again."""
    # More than the port's buffers hold: cat stays blocked on its output
    # until a reader comes.
    (serial_sim.flash / "big").write_bytes(b"a line of a big file\n" * 50000)
    take_over(serial_sim, *BUSY[busy])


def test_mpremote_takes_over_while_the_os_loop_serves(tmp_path):
    # A daemon runs the OS's loop: in a thread of its own, or, on the
    # rp2040 profile, in the console's thread whenever it waits (sleep).
    flash = seed_flash(tmp_path / "flash")
    port = free_port()
    (flash / "etc" / "system.conf").write_text(json.dumps({"http": {"port": port}}))
    (flash / "etc" / "shadow").write_text(shadow_line("root", "secret"))
    before = ["uhttpd start"]
    if simulator.board_name():
        # A board serves once on Wi-Fi (the simulator's gives 127.0.0.1).
        before[:0] = ["wifi sta on", "wifi sta connect munix-sim munix-sim-pass 5"]
    s = SerialSim(flash)
    try:
        take_over(s, before, "sleep 600", b"listening on 127.0.0.1:%d" % port)
    finally:
        s.close()


def take_over(serial_sim, before, command, started=b""):
    """Twice: type the lines before (the last printing started), then
    command (None: none); mpremote fs ls, then exec, takes over, and Ctrl-D
    at the REPL it leaves boots munix again."""
    serial_sim.open()
    serial_sim.send(b"\r")
    serial_sim.expect(b"/ $: ", timeout=TIMEOUT)
    for client in (["fs", "ls"], ["exec", "print('taken over')"]):
        for line in before:
            serial_sim.send(line.encode() + b"\r")
            serial_sim.expect(line.encode() + b"\r\n", timeout=TIMEOUT)
            out = serial_sim.expect(b"/ $: ", timeout=TIMEOUT)
        if before:
            assert started in out
        if command:
            serial_sim.send(command.encode() + b"\r")
            serial_sim.expect(command.encode(), timeout=TIMEOUT)
            time.sleep(0.5)
        done = serial_sim.mpremote(*client)
        if client[0] == "fs":
            assert re.search(r"\d+ main\.py\n", done.stdout), done
        else:
            assert done.stdout.replace("\r", "") == "taken over\n"
        # mpremote leaves the board at the friendly REPL: Ctrl-D there.
        serial_sim.send(b"\x04")
        serial_sim.expect(b"MPY: soft reboot\r\n", timeout=TIMEOUT)
        serial_sim.expect(b"/ $: ", timeout=TIMEOUT)
        serial_sim.send(b"echo back $((6 * 7))\r")
        serial_sim.expect(b"back 42\r\n/ $: ", timeout=TIMEOUT)


def test_leaving_for_the_repl_says_how_to_come_back(serial_sim):
    """exit, Ctrl-D and Ctrl-A leave munix for MicroPython's REPL, which
    cannot say how to get back: munix says it before the banner; a soft
    reset, machine.soft_reset() as Ctrl-D, boots munix again."""
    back = b"munix: left for the MicroPython REPL; machine.soft_reset() (or Ctrl-D on a board)" \
           b" starts it again\r\n"
    serial_sim.open()
    serial_sim.send(b"\r")
    serial_sim.expect(b"/ $: ")
    serial_sim.send(b"exit\r")
    assert back + b"MicroPython v1.25" in serial_sim.expect(b">>> ")
    serial_sim.send(b"import machine; machine.soft_reset()\r")
    serial_sim.expect(b"/ $: ")
    serial_sim.send(b"\x04")
    assert back + b"MicroPython v1.25" in serial_sim.expect(b">>> ")
    serial_sim.send(b"\x04")
    serial_sim.expect(b"MPY: soft reboot\r\n")
    serial_sim.expect(b"/ $: ")
    serial_sim.send(b"\x01")
    assert back in serial_sim.expect(b"raw REPL; CTRL-B to exit\r\n>")
    serial_sim.send(b"\x04")
    serial_sim.expect(b"soft reboot\r\nraw REPL; CTRL-B to exit\r\n>")
    serial_sim.send(b"\x02")
    serial_sim.expect(b">>> ")
    serial_sim.send(b"\x04")
    serial_sim.expect(b"/ $: ")
    serial_sim.send(b"echo back\r")
    serial_sim.expect(b"\r\nback\r\n/ $: ")
    # mpremote's hard reset boots munix too.
    serial_sim.mpremote("reset")
    serial_sim.expect(b"/ $: ")
    serial_sim.send(b"echo again\r")
    serial_sim.expect(b"\r\nagain\r\n/ $: ")


class PackageIndex:
    """A package index on the loopback, laid out as mpremote's mip reads
    one: package/MPY/NAME/VERSION.json naming files by hash, file/HH/HASH
    serving them. What was asked for is kept in requests."""

    def __init__(self, root, mpy="6"):
        self.root, self.mpy = root, mpy
        self.requests = []
        index = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, fmt, *args):
                index.requests.append(self.path)

        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever)
        self.thread.start()

    def add(self, name, files, deps=(), version="latest"):
        """A package: files maps paths under the target folder to contents."""
        hashes = []
        for path, data in files.items():
            short = hashlib.sha256(data).hexdigest()[:8]
            blob = self.root / "file" / short[:2] / short
            blob.parent.mkdir(parents=True, exist_ok=True)
            blob.write_bytes(data)
            hashes.append([path, short])
        meta = self.root / "package" / self.mpy / name / (version + ".json")
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps({"hashes": hashes, "deps": [[d, "latest"] for d in deps],
                                    "version": "1.0"}))

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(TIMEOUT)


@pytest.fixture
def package_index(tmp_path):
    index = PackageIndex(tmp_path / "index")
    yield index
    index.close()


def test_mip_installs_a_package_and_its_dependency_into_lib(serial_sim, package_index):
    # A package in a folder, a dependency big enough for several chunks of
    # mpremote's file writes.
    package_index.add("greeting", {
        "greeting/__init__.py": b"from greeting.words import WORD\n\n"
                                b"def hello():\n    return WORD + ' from mip'\n",
        "greeting/words.py": b"WORD = 'hello'\n",
    }, deps=["padding"])
    padding = b"".join(b"LINE%d = %d\n" % (i, i) for i in range(500))
    package_index.add("padding", {"padding.py": padding})
    done = serial_sim.mpremote("mip", "install", "--index", package_index.url, "greeting")
    assert "Installing: /lib/greeting/__init__.py" in done.stdout, done
    assert done.stdout.rstrip().endswith("Done")
    lib = serial_sim.flash / "lib"
    assert (lib / "greeting" / "words.py").read_text() == "WORD = 'hello'\n"
    assert (lib / "padding.py").read_bytes() == padding
    # Asked for the board's own .mpy version (MicroPython 1.25: 6).
    assert "/package/6/greeting/latest.json" in package_index.requests
    out = serial_sim.mpremote("exec", "import greeting, padding; "
                                      "print(greeting.hello(), padding.LINE499)").stdout
    assert out.strip() == "hello from mip 499"
    # Again: every file is on the board already, by hash.
    fetched = len(package_index.requests)
    again = serial_sim.mpremote("mip", "install", "--index", package_index.url, "greeting").stdout
    assert "Exists: /lib/greeting/words.py" in again and "Exists: /lib/padding.py" in again
    assert not [r for r in package_index.requests[fetched:] if r.startswith("/file/")]


def test_mip_install_of_an_unknown_package_fails(serial_sim, package_index):
    done = serial_sim.mpremote("mip", "install", "--index", package_index.url, "nosuch",
                               check=False)
    assert done.returncode == 1
    assert "mpremote: Package not found: %s/package/6/nosuch/latest.json" % package_index.url \
        in done.stderr, done
    assert not (serial_sim.flash / "lib" / "nosuch.py").exists()
    # The board is still fine for the next client.
    assert serial_sim.mpremote("eval", "1 + 1").stdout.strip() == "2"


def test_deploy_while_the_board_is_still_booting(tmp_path):
    # A Ctrl-C during init.sh ends only init.sh: the munix prompt that came
    # next ignored mpremote's Ctrl-A, and mpremote waited on the port for
    # ever (a deploy just after a reset, as a second deploy is).
    flash = seed_flash(tmp_path / "flash", compiled=True)
    (flash / "etc" / "init.sh").write_text("echo slow init\nsleep 3\n")
    s = SerialSim(flash)
    try:
        done = s.munix("deploy", s.device, "--no-reset")
        assert done.returncode == 0, done
        assert re.search(r"deploy: copied \d+, unchanged \d+", done.stdout), done
    finally:
        s.close()


def test_deploy_copies_then_skips_removes_and_keeps_the_configuration(tmp_path):
    flash = tmp_path / "flash"
    flash.mkdir()
    s = SerialSim(flash)
    try:
        first = s.munix("deploy", s.device)
        assert first.returncode == 0, first
        copied = int(re.search(r"deploy: copied (\d+)", first.stdout).group(1))
        assert copied > 50 and (flash / "lib" / "kernel.mpy").is_file()
        assert (flash / "www").is_dir() and (flash / "etc" / ".deployed").is_file()
        # The board reset into the deployed OS, which runs commands.
        s.typed(b"echo deployed", b"\r\ndeployed\r\n")
        (flash / "etc" / "system.conf").write_text('{"hostname": "mine"}')
        (flash / "etc" / "rc.local").write_text("echo mine\n")
        second = s.munix("deploy", s.device)
        assert second.returncode == 0, second
        # (Unless the tree changed meanwhile: other work in this checkout.)
        assert re.search(r"deploy: copied 0, unchanged \d+, removed 0", second.stdout) or \
            "build: compiled 0," not in second.stdout, second
        # A file the tree no longer has goes; the user's own files stay.
        manifest = (flash / "etc" / ".deployed").read_text()
        (flash / "bin" / "old.mpy").write_text("x")
        (flash / "etc" / ".deployed").write_text(
            manifest.replace("{", '{"bin/old.mpy": "%s", ' % __import__("hashlib").sha256(b"x").hexdigest(), 1))
        (flash / "opt" / "user.py").write_text("print('user')\n")
        third = s.munix("deploy", s.device)
        assert re.search(r"deploy: copied \d+, unchanged \d+, removed 1,", third.stdout), third
        assert not (flash / "bin" / "old.mpy").exists()
        assert (flash / "opt" / "user.py").exists()
        assert (flash / "etc" / "system.conf").read_text() == '{"hostname": "mine"}'
        assert (flash / "etc" / "rc.local").read_text() == "echo mine\n"
    finally:
        s.close()


def test_deploy_replaces_the_other_form_of_each_module(tmp_path):
    # The compiled tree over a source install left x.py beside x.mpy, and
    # MicroPython imports the .py: nothing was gained.
    flash = tmp_path / "flash"
    simulator.seed(flash, ROOT)
    (flash / "bin" / "tac.py").write_text((ROOT / "bin" / "tac.py").read_text() + "# mine\n")
    s = SerialSim(flash)
    try:
        done = s.munix("deploy", s.device, "--no-reset")
        assert done.returncode == 0, done
        assert (flash / "lib" / "kernel.mpy").is_file() and not (flash / "lib" / "kernel.py").exists()
        assert not (flash / "bin" / "ls.py").exists()
        assert "kept bin/tac.py beside bin/tac.mpy (changed on the board; --force removes it)" \
            in done.stdout, done
        assert (flash / "bin" / "tac.py").read_text().endswith("# mine\n")
        back = s.munix("deploy", s.device, "--source", "--no-reset")
        assert back.returncode == 0, back
        assert (flash / "lib" / "kernel.py").is_file() and not (flash / "lib" / "kernel.mpy").exists()
        assert not (flash / "bin" / "tac.mpy").exists()
    finally:
        s.close()


def test_deploy_as_a_pack_and_back_to_files(tmp_path):
    # A Pico W's filesystem cannot hold lib/ and bin/ as files: one file.
    flash = tmp_path / "flash"
    flash.mkdir()
    s = SerialSim(flash)
    try:
        done = s.munix("deploy", s.device, "--pack")
        assert done.returncode == 0, done
        assert (flash / "munix.romfs").is_file()
        assert [p.name for p in (flash / "lib").iterdir()] == ["packfs.mpy"]
        assert list((flash / "bin").iterdir()) == []
        # The board reset into the OS, run from the pack.
        s.typed(b"> import kernel; print(kernel.__file__)", b"\r\n/rom/lib/kernel.mpy\r\n")
        again = s.munix("deploy", s.device, "--pack", "--no-reset")
        assert re.search(r"deploy: copied 0, unchanged \d+, removed 0", again.stdout) or \
            "build: compiled 0," not in again.stdout, again
        files = s.munix("deploy", s.device, "--no-reset")
        assert files.returncode == 0, files
        assert not (flash / "munix.romfs").exists() and (flash / "lib" / "kernel.mpy").is_file()
        mixed = s.munix("deploy", s.device, "--pack", "--source")
        assert mixed.returncode == 1
        assert mixed.stderr == "munix: deploy: --pack takes the compiled tree, not --source\n"
    finally:
        s.close()


def test_deploy_to_nothing_is_a_clear_error(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tools"))
    done = subprocess.run([sys.executable, "-m", "munixtool", "deploy", str(tmp_path / "nodev")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert done.stderr.startswith("munix: ") and len(done.stderr.strip().splitlines()) == 1
