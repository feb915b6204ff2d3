"""upgrade against power cuts: the simulator is killed (SIGKILL) before
each rename of an upgrade, from its commit to the end of the new version's
probation; the boots that follow end on the old version or the new one,
each complete, never a mix."""
import subprocess

from conftest import ROOT
from munixtool import paths
from munixtool import sim as simulator
from test_upgrade import NEW, OLD, board, boots, expected, owned, releases  # noqa: F401
from ntp_support import ntp  # noqa: F401  (the board fixture needs it)

WRAPPER = ROOT / "tests" / "powercut_start.py"


def boot_cut(flash, text, cut):
    """One boot with input text, cut before its rename number cut (0: none):
    (exit status, renames done)."""
    argv = simulator.runtime_command() + [
        str(WRAPPER), str(paths.sim_start_script()), str(cut), str(flash.resolve()), "pipe"]
    run = subprocess.run(argv, input=text, capture_output=True, text=True, timeout=60)
    return run.returncode, run.stderr.count("#rename ")


def upgrade_with_cut(flash, cut):
    """Upgrade to b, the whole series of boots, with the cut-th rename of
    the series never happening; the number of renames seen."""
    text, seen = "upgrade -y\n", 0
    for _ in range(6):
        status, renames = boot_cut(flash, text, max(cut - seen, 0) if cut else 0)
        seen += renames
        if status != simulator.RESET_STATUS:
            return seen, status
        text = ""
    raise AssertionError("the board kept restarting")


def test_power_cut_at_every_rename_ends_fully_old_or_fully_new(board, releases, tmp_path):
    import shutil
    pristine = tmp_path / "pristine"
    shutil.copytree(board, pristine)
    total, status = upgrade_with_cut(board, 0)
    assert status == 0 and total > 8
    a, b = releases["dir"] / "a", releases["dir"] / "b"
    outcomes = set()
    for cut in range(1, total + 1):
        flash = tmp_path / ("cut%d" % cut)
        shutil.copytree(pristine, flash)
        seen, status = upgrade_with_cut(flash, cut)
        assert status == -9 and seen == cut - 1, (cut, seen, status)
        done = boots(flash, [])
        assert done[-1].returncode == 0, (cut, done)
        version = boots(flash, ["uname -r"])[0].stdout.splitlines()[-1]
        if version == NEW:
            assert owned(flash, b) == expected(b), cut
            assert not (flash / "bin" / "sleep.mpy").exists()
        else:
            assert version == OLD, (cut, version)
            assert owned(flash, a) == expected(a), cut
            assert not (flash / "bin" / "hello.mpy").exists()
        assert not (flash / ".upgrade" / "state").exists(), cut
        outcomes.add(version)
    assert outcomes == {OLD, NEW}
