"""The network commands within real boards' limits: a clock that starts at
the port's reset value (2000-01-01 on an ESP32, 2021-01-01 on an RP2) until
ntpupdate sets it, a TLS that cannot check certificates (the ESP8266's),
and the heap a TLS handshake takes.

The clock is put where a fresh board's is the way a board's gets set: by
ntpupdate, from a time server on the loopback that tells that date. Until
the simulator's board profiles lack it for real, the ESP8266's TLS is
reproduced by a module on the flash that takes CERT_REQUIRED out of tls.
"""
import datetime
import os
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ntp_support import Y2000, ntp  # noqa: F401  ntp: the fixture
from upgrade_support import CertAuthority, Server

Y2021 = 1609459200          # 2021-01-01 00:00 UTC: where an RP2's clock starts
DATA = os.urandom(20000)
CLOCK = ("wget: localhost:%d: the board's clock says %s 00:0\\d UTC, too early to check "
         "certificates: set it with ntpupdate\n")


def _future_files(ca, folder, hostname):
    """(certificate, key) files for hostname, valid from tomorrow on."""
    key = ec.generate_private_key(ec.SECP256R1())
    start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)]))
            .issuer_name(ca.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
            .sign(ca.key, hashes.SHA256()))
    cert_file, key_file = folder / "future.pem", folder / "future.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    base = tmp_path_factory.mktemp("boards")
    www = base / "www"
    www.mkdir()
    (www / "data.bin").write_bytes(DATA)
    ca = CertAuthority(base / "ca")
    stranger = CertAuthority(base / "stranger")
    servers = {"https": Server(www, cert=ca.server_files("localhost")),
               "unknown_ca": Server(www, cert=stranger.server_files("localhost")),
               "future": Server(www, cert=_future_files(ca, base / "ca", "localhost")),
               "http": Server(www)}
    yield dict(servers, ca=ca)
    for s in servers.values():
        s.stop()


@pytest.fixture
def nsim(sim, net):
    sim.write("/etc/ca.pem", net["ca"].pem)
    return sim


# A clock not yet set


@pytest.mark.parametrize("reset, day", [(Y2000, "2000-01-01"), (Y2021, "2021-01-01")])
def test_https_waits_for_the_clock_then_works(nsim, net, ntp, reset, day):
    fresh = ntp(offset=reset - datetime.datetime.now().timestamp())
    right = ntp()
    https = net["https"].url() + "/data.bin"
    r = nsim.run("ntpupdate -W 5 127.0.0.1:%d" % fresh.port, "date -u +%F",
                 "wget %s" % https, "echo $?",
                 "wget -q %s/data.bin -O plain.bin" % net["http"].url(), "echo $?",
                 "ntpupdate -W 5 127.0.0.1:%d" % right.port,
                 "wget %s" % https)
    assert r.status == 0, r
    lines = r.out.splitlines()
    assert lines[0].startswith("%s 00:00:" % day) and lines[1:4] == [day, "1", "0"], r
    assert lines[-1] == "data.bin: 19K saved", r
    assert re.fullmatch(CLOCK % (net["https"].port, day), r.err), r.err
    assert nsim.path("/data.bin").read_bytes() == DATA
    assert nsim.path("/plain.bin").read_bytes() == DATA


def test_no_check_certificate_needs_no_clock(nsim, net, ntp):
    fresh = ntp(offset=Y2000 - datetime.datetime.now().timestamp())
    r = nsim.run("ntpupdate -W 5 127.0.0.1:%d" % fresh.port,
                 "wget --no-check-certificate %s/data.bin" % net["https"].url())
    assert r.status == 0 and r.err == "", r
    assert r.out.splitlines()[-1] == "data.bin: 19K saved"


def test_a_certificate_not_valid_yet_names_the_clock(nsim, net, ntp):
    """A clock behind by less than the check for an unset clock catches:
    the TLS's refusal of a certificate from the future says so. The clock
    is set first: a board profile's starts unset, which is caught before."""
    right = ntp()
    r = nsim.run("ntpupdate -W 5 127.0.0.1:%d > /dev/null" % right.port,
                 "wget %s/data.bin" % net["future"].url())
    assert r.status == 1 and r.out == "", r
    assert r.err.startswith("wget: localhost:%d: the certificate is not valid yet by the "
                            "board's clock (" % net["future"].port), r.err
    assert r.err.endswith(" UTC): if the clock is wrong, set it with ntpupdate\n"), r.err
    assert not nsim.path("/data.bin").exists()


# A TLS that cannot check certificates (ESP8266)

AXTLS = """import sys, tls
class Tls:
    pass
for n in dir(tls):
    if n not in %r and not n.startswith("__"):
        setattr(Tls, n, getattr(tls, n))
sys.modules["tls"] = Tls
"""
WITHOUT_CA = "> import sys; sys.path.insert(0, '/tmp'); import axtls"


def test_https_is_refused_unless_unchecked_is_asked_for(nsim, net):
    nsim.write("/tmp/axtls.py", AXTLS % (("CERT_REQUIRED",),))
    https = net["https"].url() + "/data.bin"
    r = nsim.run(WITHOUT_CA, "wget %s" % https, "echo $?",
                 "wget %s/data.bin --no-check-certificate -O stranger.bin" % net["unknown_ca"].url(),
                 "wget --no-check-certificate -q %s" % https)
    assert r.status == 0 and r.out == "1\nstranger.bin: 19K saved\n", r
    assert r.err == ("wget: %s: this board's TLS cannot check certificates: "
                     "--no-check-certificate downloads it unchecked\n" % https)
    assert nsim.path("/data.bin").read_bytes() == DATA
    assert nsim.path("/stranger.bin").read_bytes() == DATA


def test_no_check_certificate_is_an_option_anywhere(nsim, net):
    r = nsim.run("wget --no-check-certificate -O a.bin %s/data.bin" % net["unknown_ca"].url(),
                 "wget %s/data.bin -q --no-check-certificate -O b.bin" % net["unknown_ca"].url(),
                 "wget --help")
    assert r.status == 0 and r.err == "", r
    assert r.out.startswith("a.bin: 19K saved\nusage: wget URL [-O FILE] [-T SECONDS] [-q] "
                            "[--no-check-certificate]\n"), r
    assert "ESP8266" in r.out and "ntpupdate" in r.out
    assert nsim.path("/a.bin").read_bytes() == DATA == nsim.path("/b.bin").read_bytes()
    r = nsim.run("wget -- --no-check-certificate")
    assert r.status == 2 and r.err.startswith("wget: --no-check-certificate: not an http"), r
