"""Users and passwords: setauth, the password file, and the policy of the
daemons before any password is set. Logins over the network (delays,
logging, blocking) are tested through FTP in test_net_ftp.py."""
import hashlib
import re

ENTRY = re.compile(r"^(\w+):(\d+):([0-9a-f]{32}):([0-9a-f]{64})$")


def set_password(board, user, first, second=None):
    board.send("setauth %s\r" % user)
    board.expect("New password for %s: " % user)
    board.send(first + "\r")
    board.expect("Again: ")
    board.send((first if second is None else second) + "\r")
    return board.read_to_prompt()


def test_setauth_stores_a_salted_iterated_hash(board):
    out = set_password(board, "alice", "s3cret pass")
    assert "password of alice set" in out
    line = board.path("/etc/shadow").read_text().strip()
    user, rounds, salt, stored = ENTRY.match(line).groups()
    assert user == "alice" and int(rounds) >= 1000
    # The documented format: SHA-256 over salt + password, then ROUNDS times
    # over the digest + password.
    d = hashlib.sha256(bytes.fromhex(salt) + b"s3cret pass").digest()
    for _ in range(int(rounds)):
        d = hashlib.sha256(d + b"s3cret pass").digest()
    assert d.hex() == stored
    assert "s3cret" not in board.path("/etc/shadow").read_text()
    # Another password for the same user replaces the line; salts differ.
    set_password(board, "alice", "s3cret pass")
    set_password(board, "bob", "other")
    lines = board.path("/etc/shadow").read_text().splitlines()
    assert [entry.split(":")[0] for entry in lines] == ["alice", "bob"]
    assert lines[0].split(":")[2] != salt


def test_the_console_does_not_echo_a_password_being_typed(board):
    """The simulator's host terminal echoed it, as the console was read
    in the terminal's own mode (a board's console echoes nothing itself)."""
    board.send("setauth alice\r")
    board.expect("New password for alice: ")
    board.send("s3cret pass\r")
    board.expect("Again: ")
    typed = board.child.before
    board.send("s3cret pass\r")
    out = board.read_to_prompt()
    assert "password of alice set" in out
    assert "s3cret" not in typed + out


def test_typed_password_never_printed(sim):
    out = sim.run("setauth alice", "hunter22", "hunter22", "env", "cat /tmp/net.log")
    assert "hunter22" not in out.out + out.err
    assert "password of alice set" in out.out


def test_setauth_refuses_mismatch_empty_and_bad_names(sim):
    result = sim.run("setauth alice", "one", "two")
    assert result.status == 1 and "the passwords differ" in result.err
    assert not sim.path("/etc/shadow").exists()
    result = sim.run("setauth alice", "", "")
    assert result.status == 1 and "empty password" in result.err
    long = "x" * 129
    result = sim.run("setauth alice", long, long)
    assert result.status == 1 and "longer than 128 characters; nothing changed" in result.err
    assert not sim.path("/etc/shadow").exists()
    result = sim.run("setauth al:ice")
    assert result.status == 1 and "not a user name" in result.err
    result = sim.run("setauth")
    assert result.status == 2 and "usage: setauth" in result.err
    result = sim.run("setauth -d alice")
    assert result.status == 2


def test_daemons_refuse_to_start_until_a_password_is_set(sim):
    sim.write("/etc/system.conf", '{"ftp": {"port": 0}}')
    result = sim.run("uftpd start")
    assert result.status == 1
    assert "uftpd: no password set: run `setauth USER` first" in result.err
    assert "not running" in sim.run("uftpd status").out


def test_setauth_d_disables_logins_explicitly(sim):
    result = sim.run("setauth alice", "pw", "pw", "setauth -d")
    assert "logins disabled" in result.out
    assert "alice" not in sim.path("/etc/shadow").read_text()
    out = sim.run("> import auth", "< auth.required(), auth.users()").out
    assert "False []" in out


def test_a_check_cut_short_counts_no_failure(sim):
    """A check that ends in an exception (on a board, a digest the heap had
    no room for) told its client nothing: it is neither a failure nor a
    success, and FTP's PASS made again once there is room counts once. A
    password that is no string cuts it short here."""
    sim.write("/etc/system.conf", '{"auth": {"delay_ms": 1, "failures": 2, "block_s": 30}}')
    result = sim.run("setauth alice", "right", "right", "> import auth, loginblock",
                     *["< auth.check('alice', None, '10.0.0.1')"] * 3,
                     "< loginblock.blocked('10.0.0.1'), len(loginblock.state()[0])",
                     "< auth.check('alice', 'right', '10.0.0.1')")
    out = result.out
    assert result.err.count("has no len()") == 3
    assert "0 0" in out
    assert out.rstrip().endswith("True")


def test_check_and_constant_time_compare(sim):
    sim.write("/etc/system.conf", '{"auth": {"delay_ms": 1, "failures": 3, "block_s": 30}}')
    out = sim.run("setauth alice", "right", "right", "> import auth",
                  "< auth.check('alice', 'right', '10.0.0.1')",
                  "< auth.check('alice', 'wrong', '10.0.0.1')",
                  "< auth.check('nobody', 'right', '10.0.0.1')",
                  "< auth.check('alice', 'wrong', '10.0.0.1')",
                  "> import loginblock", "< loginblock.blocked('10.0.0.1') > 0, loginblock.blocked('10.0.0.2')",
                  "< auth.check('alice', 'right', '10.0.0.1')",
                  "< auth.check('alice', 'right', '10.0.0.2')",
                  "< auth.same(b'abc', b'abc'), auth.same(b'abc', b'abd'), auth.same(b'a', b'ab')",
                  "cat /tmp/net.log").out
    answers = [line for line in out.splitlines() if line.startswith(("True", "False", "("))]
    assert answers == ["True", "False", "False", "False", "True 0", "False", "True",
                       "True False False"]
    assert "login failed for alice from 10.0.0.1" in out
    assert "login refused (too many failures) for alice from 10.0.0.1" in out
    assert "wrong" not in out.split("auth: login")[-1]
