"""munix build for each target, munix deploy between the source and the
compiled tree, apt and the soak bench (munix flash: test_host_flash.py)."""
import os
import subprocess
import sys

import pytest

from conftest import ROOT

# Native architecture numbers of .mpy headers (flags byte, bits 2-7).
ARCH_NUMBERS = {"xtensawin": 10, "xtensa": 9, "armv6m": 4, "rv32imc": 11, "x64": 2}


def munix(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tools"))
    return subprocess.run([sys.executable, "-m", "munixtool", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def told(done):
    """What a command that failed said: the end of its errors, else of
    its output (the whole repr cut off a deploy's error in CI)."""
    return done.stderr[-1500:] or done.stdout[-1500:]


@pytest.mark.parametrize("arch", ["bytecode", *ARCH_NUMBERS])
def test_build_for_each_arch_writes_its_mpy_header(arch, tmp_path):
    out = tmp_path / "build"
    done = munix("build", "--arch", arch, "--out", str(out))
    assert done.returncode == 0, told(done)
    header = (out / "lib" / "kernel.mpy").read_bytes()[:4]
    assert header[:2] == b"M\x06"
    if arch == "bytecode":
        assert header[2] == 0
    else:
        assert header[2] == ARCH_NUMBERS[arch] << 2 | 3
    # Every compiled file is bytecode or native code for that arch.
    for mpy in out.rglob("*.mpy"):
        assert mpy.read_bytes()[2] >> 2 in (0, ARCH_NUMBERS.get(arch, 0)), mpy
    again = munix("build", "--arch", arch, "--out", str(out))
    assert "compiled 0," in again.stdout


def test_build_compat_picks_the_firmware_mpy_format(tmp_path):
    out = tmp_path / "build"
    done = munix("build", "--arch", "xtensawin", "--compat", "1.22", "--out", str(out))
    assert done.returncode == 0, told(done)
    assert (out / "lib" / "kernel.mpy").read_bytes()[:3] == bytes([77, 6, 10 << 2 | 2])
    bad = munix("build", "--compat", "1.5", "--out", str(out))
    assert bad.returncode == 1
    assert bad.stderr == "munix: --compat 1.5: older than any .mpy format mpy-cross knows\n"


@pytest.mark.parametrize("size", ["64", "1000", "2x", "K"])
def test_sim_refuses_a_heap_size_it_cannot_start_with(size):
    done = munix("sim", "--heap", size)
    assert done.returncode == 2 and "argument --heap" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_misspelt_option_shows_the_commands_usage():
    done = munix("sim", "--hep")
    assert done.returncode == 2
    assert done.stderr.startswith("usage: munix sim ")
    assert "unrecognized arguments: --hep" in done.stderr


def test_only_the_fleet_command_loads_the_fleets_mqtt_client():
    """Building fleet's options imported its MQTT client and TLS for every
    command (19 ms of each `munix sim` and test boot's start)."""
    probe = ("import sys; from munixtool import cli; cli.main(%r); "
             "print('munixtool.mqttlite' in sys.modules)")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tools"))
    for args, loaded in ((["www", "--check"], "False"), (["fleet", "ls", "--no-broker", "--lan-wait", "0"], "True")):
        done = subprocess.run([sys.executable, "-c", probe % (args,)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.stdout.splitlines()[-1:] == [loaded], (args, told(done))
    done = munix("fleet", "-h")
    assert done.returncode == 0 and "ls|run|metrics|upgrade|deploy" in done.stdout, told(done)


@pytest.mark.parametrize("command, text", [("connect", "telnet port (23; 2323 for munix sim)"),
                                           ("mount", "FTP port (21; 2121 for munix sim)")])
def test_connect_and_mount_help_name_the_simulators_ports(command, text):
    done = munix(command, "--help")
    assert done.returncode == 0
    assert text in " ".join(done.stdout.split())


APT_MID_SYNC = """#!/bin/sh
# Debian's mirror caught mid-sync on the first update, whole on the next.
case " $* " in *" update "*) ;; *) exit 0 ;; esac
if [ ! -e "$MARK" ]; then
    : > "$MARK"
    echo "Err:2 http://deb.example/debian trixie/main i386 Packages"
    echo "  File has unexpected size (9436656 != 9437612). Mirror sync in progress?"
    exit 100
fi
echo "Get:1 http://deb.example/debian trixie InRelease"
"""


def test_apt_update_asks_again_when_the_mirror_is_mid_sync(tmp_path, monkeypatch):
    debian = apt_stand_in(tmp_path, monkeypatch, APT_MID_SYNC)
    monkeypatch.setenv("MARK", str(tmp_path / "asked"))
    downloader = debian.AptDownloader(tmp_path / "apt", "http://deb.example/debian", "trixie")
    assert downloader.update() is None
    assert (tmp_path / "asked").exists()


APT_BROKEN_INDEX = """#!/bin/sh
# One index of the mirror never matches its Release file; the rest is whole.
case " $* " in
*" update "*)
    echo "Err:2 http://deb.example/debian trixie/main i386 Packages"
    echo "  File has unexpected size (9436656 != 9437612). Mirror sync in progress?"
    echo "E: Some index files failed to download." >&2
    exit 100 ;;
*" micropython/trixie "*) : > micropython_1.25.dsc ;;
*) echo "E: Unable to locate package nosuch" >&2; exit 100 ;;
esac
"""


def apt_stand_in(tmp_path, monkeypatch, script):
    sys.path.insert(0, str(ROOT / "tools"))
    from munixtool import debian
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "apt-get").write_text(script)
    (bindir / "apt-get").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}:{os.environ['PATH']}")
    monkeypatch.setattr(debian, "APT_RETRY_SECONDS", 0)
    return debian


def test_a_mirror_with_a_broken_index_still_gives_what_it_has(tmp_path, monkeypatch, capsys):
    debian = apt_stand_in(tmp_path, monkeypatch, APT_BROKEN_INDEX)
    dsc = debian.fetch_source(tmp_path / "apt", "trixie", "micropython")
    assert dsc.name == "micropython_1.25.dsc"
    said = capsys.readouterr().err
    assert said.count("\n") == 1 and "an index failed" in said
    assert "the source of micropython found all the same" in said
    with pytest.raises(debian.MunixError,
                       match="cannot fetch the source of nosuch: .*Unable to locate package nosuch"):
        debian.fetch_source(tmp_path / "apt2", "trixie", "nosuch")


def test_soak_bench_keeps_every_daemon_busy_and_reports_failures_and_leaks():
    done = munix("bench", "--soak", "0.1")
    assert done.returncode == 0, told(done)
    rows = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines() if line}
    for kind in ("telnet", "ftp", "http"):
        assert int(rows[kind][0]) > 0 and rows[kind][1] == "0", done.stdout
    assert int(rows["cron"][0]) >= 1
    assert "drift" in done.stdout and "sockets:" in done.stdout
    # The warm-up round loads what the run uses: the drift is not modules.
    assert "modules loaded during the run: none" in done.stdout, done.stdout


def test_soak_bench_wants_a_time():
    done = munix("bench", "--soak", "0")
    assert done.returncode == 2 and "--soak takes a number of minutes above 0" in done.stderr


def test_soak_bench_without_the_hostile_client_reports_the_users_clients_only():
    done = munix("bench", "--soak", "0.1", "--no-hostile")
    assert done.returncode == 0, told(done)
    assert "no hostile client" in done.stdout
    rows = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines() if line}
    assert "hostile" not in rows, done.stdout
    for kind in ("telnet", "ftp", "http"):
        assert int(rows[kind][0]) > 0 and rows[kind][1] == "0", done.stdout
    done = munix("bench", "--no-hostile")
    assert done.returncode == 2 and "--no-hostile goes with --soak" in done.stderr


def test_deploy_replaces_each_modules_other_form_counts_it_and_keeps_the_users_files(tmp_path):
    # The compiled tree over a source install left x.py beside x.mpy, the
    # .py won the import, and the summary said "removed 0".
    from munixtool import paths
    from munixtool import sim as simulator
    from test_host_serial import SerialSim

    flash = tmp_path / "flash"
    simulator.seed(flash, ROOT)
    modules = sorted(p.relative_to(ROOT).with_suffix("").as_posix()
                     for top in paths.DEVICE_DIRS for p in (ROOT / top).rglob("*.py"))
    assert len(modules) > 100
    # The user's own files, with no counterpart in either tree.
    mine = {"bin/mine.py": "print('mine')\n", "lib/mylib.py": "X = 1\n",
            "bin/theirs.mpy": "not munix's", "opt/user.py": "print('user')\n"}
    for name, text in mine.items():
        (flash / name).write_text(text)
    # A module the user changed: kept, beside the form that replaces it.
    edited = (ROOT / "bin" / "tac.py").read_text() + "# mine\n"
    (flash / "bin" / "tac.py").write_text(edited)

    def forms(suffix):
        return [m for m in modules if (flash / (m + suffix)).exists()]

    s = SerialSim(flash)
    try:
        dry = s.munix("deploy", s.device, "--dry-run", "--no-reset")
        assert dry.returncode == 0, told(dry)
        summary = ", would remove %d, kept 1\n" % (len(modules) - 1)
        assert summary in dry.stdout, dry.stdout[-500:]
        assert "\nremove lib/kernel.py\n" in dry.stdout and "remove bin/tac.py" not in dry.stdout
        assert len(forms(".py")) == len(modules) and not forms(".mpy")
        done = s.munix("deploy", s.device, "--no-reset")
        assert done.returncode == 0, told(done)
        assert ", removed %d, kept 1\n" % (len(modules) - 1) in done.stdout, done.stdout[-500:]
        assert "kept bin/tac.py beside bin/tac.mpy" in done.stdout
        assert len(forms(".mpy")) == len(modules) and forms(".py") == ["bin/tac"]
        back = s.munix("deploy", s.device, "--source", "--no-reset")
        assert back.returncode == 0, told(back)
        # Every module's .mpy but tac's, and the compiled tree's bin/.about.
        assert ", removed %d, kept 1\n" % (len(modules) + 1) in back.stdout, back.stdout[-500:]
        assert not (flash / "bin" / ".about").exists()
        assert "kept bin/tac.py (changed on the board" in back.stdout
        assert len(forms(".py")) == len(modules) and not forms(".mpy")
        assert {name: (flash / name).read_text() for name in mine} == mine
        assert (flash / "bin" / "tac.py").read_text() == edited
    finally:
        s.close()
