"""munix in a ROMFS partition: the compiled lib/ and bin/ as a read-only
filesystem image that MicroPython maps from flash and runs in place.

MicroPython 1.25 boards built with ROMFS (MICROPY_VFS_ROM: the ESP8266
FLASH_2M_ROMFS variant, PYBD, alif, stm32 Arduino boards, or your own build)
mount the partition at /rom with /rom and /rom/lib on sys.path. Bytecode
runs from flash instead of being copied into the heap: the shell and the
daemons need about half the heap. The OS finds its commands in /rom/bin
(startup adds it to PATH); the flash keeps /etc, /www, the boot files and
your own /bin and /lib. The simulator's partition is the file FLASH.romfs
next to the flash folder (tools/sim/flash.py maps it).
"""

import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path

from mpremote.romfs import make_romfs

from munixtool import MunixError, paths
from munixtool import sim as simulator

FOLDERS = ("lib", "bin")
# The image as a file on the flash, and what mounts it (lib/packfs.py).
PACK = "munix.romfs"
PACKFS = "lib/packfs.mpy"
# The longest name packfs finds: it reads a record's head, name and data's
# head in one read of 48 bytes.
NAME_MAX = 32


def image(tree: Path) -> bytes:
    """A ROMFS image of the lib/ and bin/ folders of tree (the compiled tree)."""
    with tempfile.TemporaryDirectory(prefix="munix-romfs-") as tmp:
        for name in FOLDERS:
            shutil.copytree(Path(tree) / name, Path(tmp) / name,
                            ignore=shutil.ignore_patterns(*paths.HOST_ARTEFACTS))
        long = [p.name for p in Path(tmp).rglob("*") if len(p.name) > NAME_MAX]
        if long:
            raise MunixError(f"romfs: {long[0]}: a name longer than {NAME_MAX} characters,"
                             " which a pack (lib/packfs.py) cannot find")
        # make_romfs prints the tree it packs: not for our users.
        with contextlib.redirect_stdout(io.StringIO()):
            return make_romfs(tmp, mpy_cross=False)


def seed(flash: Path, tree: Path, pack: bool = False) -> None:
    """Seed the simulator's flash from tree as a board with munix in its
    ROMFS partition has it: lib/ and bin/ in the partition, empty on the
    flash; with pack, as `munix deploy --pack` leaves a board: the image
    in the file PACK on the flash, and lib/packfs.mpy, which mounts it."""
    data = image(tree)
    simulator.seed(flash, tree, leave_out=FOLDERS)
    if pack:
        shutil.copy2(Path(tree) / PACKFS, Path(flash) / PACKFS)
        target = Path(flash) / PACK
    else:
        target = simulator.romfs_partition(flash)
    staging = target.with_name(target.name + ".new")
    staging.write_bytes(data)
    os.replace(staging, target)
