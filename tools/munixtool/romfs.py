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

from munixtool import paths
from munixtool import sim as simulator

FOLDERS = ("lib", "bin")


def image(tree: Path) -> bytes:
    """A ROMFS image of the lib/ and bin/ folders of tree (the compiled tree)."""
    with tempfile.TemporaryDirectory(prefix="munix-romfs-") as tmp:
        for name in FOLDERS:
            shutil.copytree(Path(tree) / name, Path(tmp) / name,
                            ignore=shutil.ignore_patterns(*paths.HOST_ARTEFACTS))
        # make_romfs prints the tree it packs: not for our users.
        with contextlib.redirect_stdout(io.StringIO()):
            return make_romfs(tmp, mpy_cross=False)


def seed(flash: Path, tree: Path) -> None:
    """Seed the simulator's flash from tree as `munix deploy --romfs` leaves a
    board: lib/ and bin/ in the ROMFS partition, empty on the flash."""
    data = image(tree)
    simulator.seed(flash, tree, leave_out=FOLDERS)
    partition = simulator.romfs_partition(flash)
    staging = partition.with_name(partition.name + ".new")
    staging.write_bytes(data)
    os.replace(staging, partition)
