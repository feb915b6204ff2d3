"""munix mount: the simulated board's files through its FTP daemon (uftpd)
and a real FUSE mount; munix connect's telnet protocol handling."""
import errno
import fcntl
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT
from test_net_ftp import PASSWORD, USER, FtpBoard

TIMEOUT = 30


def fuse_usable():
    import ctypes.util
    return (shutil.which("fusermount") and os.access("/dev/fuse", os.W_OK)
            and ctypes.util.find_library("fuse"))


def munix(*args, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tools"))
    return subprocess.run([sys.executable, "-m", "munixtool", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT, **kw)


@pytest.fixture
def mounted(flash, tmp_path):
    board = FtpBoard(flash)
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    done = munix("mount", "127.0.0.1", str(mnt), "--user", USER, "--port", str(board.port),
                 "--password-file", str(secret))
    assert done.returncode == 0, done
    yield board, mnt
    munix("umount", str(mnt))
    board.close()


def downloads(board):
    found = re.search(r"downloads (\d+)", board.run("uftpd status"))
    return int(found.group(1)) if found else 0


@pytest.mark.skipif(not fuse_usable(), reason="needs fusermount, libfuse2 and /dev/fuse")
def test_mount_lists_reads_writes_renames_and_removes(mounted):
    board, mnt = mounted
    flash = board.flash
    assert "init.sh" in os.listdir(mnt / "etc")
    assert (mnt / "etc" / "init.sh").read_text() == (flash / "etc" / "init.sh").read_text()
    (mnt / "tmp" / "new.txt").write_text("from the PC\n" * 300)
    assert (flash / "tmp" / "new.txt").read_text() == "from the PC\n" * 300
    with open(mnt / "tmp" / "new.txt", "r+") as f:
        f.seek(5)
        f.write("XX")
    assert (flash / "tmp" / "new.txt").read_text().startswith("from XXe PC\n")
    os.truncate(mnt / "tmp" / "new.txt", 4)
    assert (flash / "tmp" / "new.txt").read_text() == "from"
    os.rename(mnt / "tmp" / "new.txt", mnt / "tmp" / "moved.txt")
    assert (flash / "tmp" / "moved.txt").exists() and not (flash / "tmp" / "new.txt").exists()
    (mnt / "tmp" / "dir").mkdir()
    assert (flash / "tmp" / "dir").is_dir()
    assert sorted(os.listdir(mnt / "tmp")) == [".gitkeep", "dir", "moved.txt"]
    (mnt / "tmp" / "moved.txt").unlink()
    (mnt / "tmp" / "dir").rmdir()
    assert sorted(os.listdir(flash / "tmp")) == [".gitkeep"]
    with pytest.raises(FileNotFoundError):
        (mnt / "tmp" / "nothing").read_text()
    # Locks are the kernel's (editors and databases take them).
    with open(mnt / "etc" / "init.sh", "rb") as f:
        fcntl.lockf(f, fcntl.LOCK_SH)
        fcntl.lockf(f, fcntl.LOCK_UN)
    # The daemon refuses to remove a protected file: an error, nothing lost.
    with pytest.raises(OSError):
        (mnt / "main.py").unlink()
    assert (flash / "main.py").exists()
    # It shows as read-only, and writing it fails at once: the shell's
    # `echo x > main.py` said 0, its failed upload at close unheard.
    assert (mnt / "main.py").stat().st_mode & 0o222 == 0
    assert (mnt / "tmp").stat().st_mode & 0o200 and not (mnt / "lib").stat().st_mode & 0o222
    before = (flash / "main.py").read_bytes()
    done = subprocess.run(["sh", "-c", "echo x > main.py"], cwd=mnt, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode != 0 and "Permission denied" in done.stderr, done
    assert (flash / "main.py").read_bytes() == before
    # A new file in a protected folder: refused as such, not an I/O error.
    done = subprocess.run(["sh", "-c", "echo x > lib/new.py"], cwd=mnt, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode != 0 and "Permission denied" in done.stderr, done
    assert not (flash / "lib" / "new.py").exists() and not (mnt / "lib" / "new.py").exists()


@pytest.mark.skipif(not fuse_usable(), reason="needs fusermount, libfuse2 and /dev/fuse")
def test_a_program_saved_as_vim_saves_runs_on_the_board(mounted):
    board, mnt = mounted
    (mnt / "bin" / "greet.py").write_text("def __main__(args):\n    print('old')\n")
    # vim: write a temporary file beside the target, rename it over.
    tmp = mnt / "bin" / ".greet.py.swp"
    tmp.write_text("def __main__(args):\n    print('hello from the PC')\n")
    os.rename(tmp, mnt / "bin" / "greet.py")
    assert not (board.flash / "bin" / ".greet.py.swp").exists()
    assert board.run("greet") == "hello from the PC\n"


@pytest.mark.skipif(not fuse_usable(), reason="needs fusermount, libfuse2 and /dev/fuse")
def test_a_1mb_file_is_fetched_with_one_retr(mounted):
    board, mnt = mounted
    data = os.urandom(1 << 20)
    (board.flash / "tmp" / "big.bin").write_bytes(data)
    before = downloads(board)
    with open(mnt / "tmp" / "big.bin", "rb") as f:
        got = b""
        while True:
            chunk = f.read(4096)
            if not chunk:
                break
            got += chunk
    assert got == data
    assert downloads(board) == before + 1


@pytest.mark.skipif(not fuse_usable(), reason="needs fusermount, libfuse2 and /dev/fuse")
def test_mount_errors_are_one_line(flash, tmp_path):
    board = FtpBoard(flash)
    try:
        wrong = tmp_path / "wrong"
        wrong.write_text("not the password\n")
        (tmp_path / "mnt").mkdir()
        done = munix("mount", "127.0.0.1", str(tmp_path / "mnt"), "--user", USER,
                     "--port", str(board.port), "--password-file", str(wrong))
        assert done.returncode == 1
        assert done.stderr.startswith("munix: 127.0.0.1:%d: login refused for user %s: 530"
                                      % (board.port, USER))
        # The user said, and how to name another: root (the default) is
        # no user munix makes.
        assert done.stderr.rstrip().endswith("(the user setauth made on the board: --user NAME)")
        assert done.stderr.count("\n") == 1
        default = munix("mount", "127.0.0.1", str(tmp_path / "mnt"), "--port", str(board.port),
                        "--password-file", str(wrong))
        assert default.returncode == 1
        assert "login refused for user root: 530" in default.stderr, default
        assert default.stderr.rstrip().endswith("--user NAME)") and default.stderr.count("\n") == 1
        assert not os.listdir(tmp_path / "mnt")
        nowhere = munix("mount", "127.0.0.1", str(tmp_path / "nodir"), "--port", str(board.port))
        assert nowhere.returncode == 1 and "not a folder" in nowhere.stderr
    finally:
        board.close()


def test_a_refused_default_port_on_this_machine_names_the_simulators():
    """The simulator's daemons listen on 2323 and 2121 (no root for 23 and
    21): connect and mount say so when nothing answers on the usual port."""
    done = munix("connect", "127.0.0.1")
    assert done.returncode == 1
    assert done.stderr.startswith("munix: 127.0.0.1:23: ")
    assert "the simulator's telnet daemon listens on 2323 (--port 2323)" in done.stderr
    assert len(done.stderr.splitlines()) == 1


@pytest.mark.skipif(not fuse_usable(), reason="needs fusermount, libfuse2 and /dev/fuse")
def test_a_refused_default_ftp_port_names_the_simulators(tmp_path):
    (tmp_path / "mnt").mkdir()
    done = munix("mount", "127.0.0.1", str(tmp_path / "mnt"), "--password-file", "/dev/null")
    assert done.returncode == 1
    assert "the simulator's FTP daemon listens on 2121 (--port 2121)" in done.stderr


def test_connect_relays_and_declines_telnet_options():
    from munixtool import connect

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    seen = []

    answers, keys = bytes([255, 253, 1, 255, 252, 24]), b"ls\r\xff\xff"
    expected = answers + keys

    def board():
        conn, _ = server.accept()
        conn.sendall(bytes([255, 251, 1, 255, 253, 24]) + b"/ $: ")
        got = b""
        while len(got) < len(expected):
            chunk = conn.recv(100)
            if not chunk:
                break
            got += chunk
        seen.append(got)
        conn.close()

    thread = threading.Thread(target=board)
    thread.start()
    sock = socket.create_connection(server.getsockname(), timeout=TIMEOUT)
    keys_r, keys_w = os.pipe()
    out_r, out_w = os.pipe()
    os.write(keys_w, b"ls\r\xff")
    try:
        # Ends when the board closes the connection.
        connect.session(sock, keys_r, out_w)
    finally:
        thread.join(TIMEOUT)
        sock.close()
        server.close()
        for fd in (keys_r, keys_w, out_w):
            os.close(fd)
    assert os.read(out_r, 100) == b"/ $: "
    os.close(out_r)
    # WILL ECHO accepted, DO terminal-type declined; the keys (IAC doubled)
    # before or after those answers.
    assert len(seen[0]) == len(expected) and answers in seen[0]
    assert seen[0].replace(answers, b"") == keys


@pytest.mark.skipif(not fuse_usable(), reason="needs fusermount, libfuse2 and /dev/fuse")
def test_the_mount_reconnects_after_the_daemon_restarts(mounted):
    board, mnt = mounted
    assert "init.sh" in os.listdir(mnt / "etc")
    assert "listening" in board.run("uftpd stop; uftpd start")
    # Folders not listed before (no cache), a file not read before (the
    # board profiles run the compiled tree).
    assert sorted(os.listdir(mnt / "lib")) == sorted(os.listdir(board.flash / "lib"))
    [ls] = (board.flash / "bin").glob("ls.*py")
    assert (mnt / "bin" / ls.name).read_bytes() == ls.read_bytes()
    (mnt / "tmp" / "after.txt").write_text("written after the restart\n")
    assert (board.flash / "tmp" / "after.txt").read_text() == "written after the restart\n"


@pytest.mark.skipif(not fuse_usable(), reason="needs fusermount, libfuse2 and /dev/fuse")
def test_a_failed_upload_is_an_io_error_and_changes_nothing(mounted):
    board, mnt = mounted
    target = board.flash / "tmp" / "keep.txt"
    target.write_text("the board's version\n")
    f = open(mnt / "tmp" / "keep.txt", "w")
    try:
        board.run("uftpd stop")
        f.write("the editor's version\n")
        with pytest.raises(OSError) as failed:
            f.close()
        assert failed.value.errno == errno.EIO
    finally:
        f.close()
    assert target.read_text() == "the board's version\n"
    # A new file cannot be made either: an error now, not a file later.
    with pytest.raises(OSError) as failed:
        (mnt / "tmp" / "new.txt").write_text("lost?\n")
    assert failed.value.errno == errno.EIO
    assert not (board.flash / "tmp" / "new.txt").exists()
    assert not (mnt / "tmp" / "new.txt").exists()
    # Saving again once the daemon is back works.
    assert "listening" in board.run("uftpd start")
    (mnt / "tmp" / "keep.txt").write_text("the editor's version\n")
    assert target.read_text() == "the editor's version\n"


@pytest.mark.skipif(not fuse_usable(), reason="needs fusermount, libfuse2 and /dev/fuse")
@pytest.mark.skipif(not shutil.which("vim.tiny") and not shutil.which("vim"), reason="needs vim")
def test_vim_saves_again_and_again_without_a_warning(mounted):
    # Open files reported the host's time, closed ones the board's whole
    # seconds: vim warned that the file had changed at every second :w, and
    # a second save within a second was lost.
    import pexpect
    board, mnt = mounted
    target = mnt / "tmp" / "notes.txt"
    target.write_text("one\n")
    vim = pexpect.spawn(shutil.which("vim.tiny") or shutil.which("vim"),
                        ["-i", "NONE", str(target)],
                        env=dict(os.environ, TERM="xterm"), dimensions=(24, 80), timeout=TIMEOUT)
    try:
        vim.expect("notes.txt")
        # A person's pace, then a quick one: the kernel keeps attributes a second.
        for word, pause in (("two", 0), ("three", 1.5), ("four", 0), ("five", 0.3), ("six", 1.2)):
            time.sleep(pause)
            vim.send("Go%s\x1b:w\r" % word)
            found = vim.expect(["written", "changed since reading"])
            assert found == 0, "vim warned at the save of %r" % word
            assert (board.flash / "tmp" / "notes.txt").read_text().endswith(word + "\n")
        vim.send(":q\r")
        vim.expect(pexpect.EOF)
    finally:
        vim.close(force=True)
    assert (board.flash / "tmp" / "notes.txt").read_text() == "one\ntwo\nthree\nfour\nfive\nsix\n"


@pytest.mark.skipif(not fuse_usable(), reason="needs fusermount, libfuse2 and /dev/fuse")
@pytest.mark.skipif(not shutil.which("vim.tiny") and not shutil.which("vim"), reason="needs vim")
def test_vim_sessions_one_after_another_keep_every_save(mounted):
    board, mnt = mounted
    target = mnt / "tmp" / "log.txt"
    target.write_text("zero\n")
    vim = shutil.which("vim") or shutil.which("vim.tiny")
    words = ["one", "two", "three", "four", "five", "six"]
    for word in words:
        done = subprocess.run([vim, "-es", "-i", "NONE", "-c", "normal Go" + word, "-c", "wq",
                               str(target)], capture_output=True, text=True, timeout=TIMEOUT)
        assert done.returncode == 0, done
        assert (board.flash / "tmp" / "log.txt").read_text().endswith(word + "\n"), word
    assert (board.flash / "tmp" / "log.txt").read_text() == "zero\n" + "".join(w + "\n" for w in words)
    assert target.read_text() == "zero\n" + "".join(w + "\n" for w in words)


@pytest.mark.skipif(not fuse_usable(), reason="needs fusermount, libfuse2 and /dev/fuse")
def test_a_files_time_is_the_same_while_open_and_after_it_is_closed(mounted):
    # The board stamps a file when its upload ends, at close; an editor that
    # notes the time of the file it wrote must find the same one later.
    board, mnt = mounted
    for name, mode in (("new.txt", "w"), ("new.txt", "w"), ("new.txt", "a")):
        with open(mnt / "tmp" / name, mode) as f:
            f.write("a line\n")
            f.flush()
            seen = [int(os.fstat(f.fileno()).st_mtime)]
            time.sleep(1.1)   # the upload at close falls in a later second
            f.write("another\n")
            f.flush()
            seen.append(int(os.fstat(f.fileno()).st_mtime))
        # The board is asked again once the file is closed (its listing
        # is dropped with the upload).
        seen.append(int(os.stat(mnt / "tmp" / name).st_mtime))
        assert seen == seen[:1] * 3, (mode, seen)
    assert (board.flash / "tmp" / "new.txt").read_text() == "a line\nanother\n" * 2
    # A file keeps its time when its folder is renamed.
    (mnt / "tmp" / "old").mkdir()
    with open(mnt / "tmp" / "old" / "kept.txt", "w") as f:
        f.write("kept\n")
        f.flush()
        noted = int(os.fstat(f.fileno()).st_mtime)
        time.sleep(1.1)
    os.rename(mnt / "tmp" / "old", mnt / "tmp" / "renamed")
    assert int(os.stat(mnt / "tmp" / "renamed" / "kept.txt").st_mtime) == noted
    assert (board.flash / "tmp" / "renamed" / "kept.txt").read_text() == "kept\n"


@pytest.mark.skipif(not fuse_usable(), reason="needs fusermount, libfuse2 and /dev/fuse")
def test_saves_to_a_temporary_name_renamed_over_the_file_all_land(mounted):
    # What editors such as gedit, VS Code and emacs do: write FILE.tmp, close
    # it, rename it over FILE, note its time, and before the next save check
    # that nobody else changed it.
    board, mnt = mounted
    target = mnt / "tmp" / "doc.txt"
    target.write_text("v0\n")
    noted = os.stat(target).st_mtime
    for n in range(1, 5):
        assert os.stat(target).st_mtime == noted, n
        assert target.read_text() == "v%d\n" % (n - 1)
        temporary = mnt / "tmp" / ".doc.txt.tmp"
        with open(temporary, "w") as f:
            f.write("v%d\n" % n)
            if n % 2:
                time.sleep(1.1)   # a slow save: its upload ends a second later
        os.rename(temporary, target)
        noted = os.stat(target).st_mtime
        assert not temporary.exists()
        assert target.read_text() == "v%d\n" % n
        assert (board.flash / "tmp" / "doc.txt").read_text() == "v%d\n" % n
    time.sleep(2.1)   # past the mount's listing cache
    assert os.stat(target).st_mtime == noted
    assert ".doc.txt.tmp" not in os.listdir(board.flash / "tmp")
