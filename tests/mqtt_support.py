"""Debian's mosquitto on 127.0.0.1 for the tests, with a config of its
own: an open listener, one that wants a password from a file made by
mosquitto_passwd, and a TLS one with a certificate of a CA made for the
run; its log read to see what clients sent. Shared by test_net_mqtt
(mqttc) and test_fleet (fleetd, on, munix fleet).
"""
import re
import shutil
import subprocess
import time

import pytest

from conftest import free_port
from upgrade_support import CertAuthority

needs_mosquitto = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("mosquitto", "mosquitto_pub", "mosquitto_sub", "mosquitto_passwd")),
    reason="needs Debian's mosquitto and mosquitto-clients")

USER, PASSWORD = "board", "s3cret pass"
TIMEOUT = 15


class Broker:
    """mosquitto on free ports of 127.0.0.1: open, auth and tls."""

    def __init__(self, folder, users=(), acl=None, persistent=False):
        """users: more (user, password) pairs; acl: the text of an ACL
        file for the password listener; persistent: sessions and their
        queued messages kept across a restart (in folder)."""
        self.folder = folder
        self.ca = CertAuthority(folder / "ca")
        cert, key = self.ca.server_files("localhost")
        passwd = folder / "passwd"
        subprocess.run(["mosquitto_passwd", "-c", "-b", str(passwd), USER, PASSWORD],
                       check=True, timeout=TIMEOUT, capture_output=True)
        for user, password in users:
            subprocess.run(["mosquitto_passwd", "-b", str(passwd), user, password],
                           check=True, timeout=TIMEOUT, capture_output=True)
        acl_line = ""
        if acl is not None:
            (folder / "acl").write_text(acl)
            acl_line = "acl_file %s\n" % (folder / "acl")
        self.log = folder / "mosquitto.log"
        self.open, self.auth, self.tls = free_port(), free_port(), free_port()
        (folder / "mosquitto.conf").write_text(
            "per_listener_settings true\n"
            "%s"
            "log_dest file %s\nlog_type all\n"
            # Run as whoever started it: as root it would become the
            # mosquitto user, who cannot read the test's folder.
            "user root\n"
            "listener %d 127.0.0.1\nallow_anonymous true\n"
            "listener %d 127.0.0.1\nallow_anonymous false\npassword_file %s\n%s"
            "listener %d 127.0.0.1\nallow_anonymous true\ncertfile %s\nkeyfile %s\n"
            % ("persistence true\npersistence_location %s/\n" % folder if persistent
               else "persistence false\n",
               self.log, self.open, self.auth, passwd, acl_line, self.tls, cert, key))
        self.start()

    def start(self):
        """Start mosquitto (again, after stop(): same ports, same config)."""
        self.proc = subprocess.Popen(["mosquitto", "-c", str(self.folder / "mosquitto.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for port in (self.open, self.auth, self.tls):
            self._wait_for(port)

    def _wait_for(self, port):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("mosquitto ended: %s" % self.proc.stderr.read().decode())
            try:
                subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.open), "-t",
                                "probe", "-n"], check=True, timeout=5, capture_output=True)
                return
            except subprocess.CalledProcessError:
                time.sleep(0.1)
        raise TimeoutError("mosquitto does not answer on %d" % port)

    def count(self, pattern):
        """How many times the log matches pattern."""
        return len(re.findall(pattern, self.log.read_text(errors="replace")))

    def logged(self, pattern, timeout=TIMEOUT, times=1):
        """Wait until the log matches pattern (that many times)."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.log.read_text(errors="replace") if self.log.exists() else ""
            if len(re.findall(pattern, text)) >= times:
                return
            if time.monotonic() > deadline:
                raise TimeoutError("no %r in the broker's log: ...%s" % (pattern, text[-2000:]))
            time.sleep(0.05)

    def pub(self, topic, message, *extra, port=None):
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port or self.open),
                        "-t", topic, "-m", message] + list(extra),
                       check=True, timeout=TIMEOUT, capture_output=True)

    def sub(self, topic, count=1, client_id=None, *extra):
        """A running mosquitto_sub -v for count messages; its SUBACK
        awaited so that nothing published after is missed."""
        client_id = client_id or "host-%d" % time.monotonic_ns()
        p = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(self.open), "-v",
                              "-t", topic, "-C", str(count), "-W", str(TIMEOUT), "-i", client_id]
                             + list(extra), stdout=subprocess.PIPE, text=True)
        self.logged("Sending SUBACK to %s" % re.escape(client_id))
        return p

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


