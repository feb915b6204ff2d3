"""What writes cut short by a power loss left: temporaries that munix's
atomic writers rename into place once whole, removed at the boot after an
unclean stop (startup.py)."""
import os

import fspath
import strsplit

# Not swept: upgrade's own files (its journal tells what they are) and the
# read-only ROMFS.
_UNSWEPT = ("/.upgrade", "/rom")


def sweep(folder):
    """Remove what writes cut short by a power loss left below folder:
    munix writes a file as NAME.tmp (fspath.write_file, fileops.save),
    NAME.part (wget) or NAME.N.part (FTP and HTTP uploads), renamed to NAME
    once whole. One listing of each folder, no stat but for what is found.
    A temporary whose NAME is missing beside a NAME.old is whole: FAT's
    replace (fspath.replace) was cut between its renames, and is finished."""
    # A stack of folders, not recursion: a deep tree went past the C stack.
    folders = [folder]
    while folders:
        _sweep_one(folders.pop(), folders)


def _sweep_one(folder, folders):
    """Sweep folder's own files; its folders go onto folders."""
    found = []
    for entry in os.ilistdir(folder):
        path = fspath.join(folder, entry[0])
        if entry[1] & fspath.DIR:
            if path not in _UNSWEPT:
                folders.append(path)
        elif path.endswith(".tmp") or path.endswith(".part"):
            found.append(path)
    for path in found:
        target = path[:path.rfind(".")]
        if path.endswith(".part"):
            head, _, serial = strsplit.rpartition(target, ".")
            if serial.isdigit() and fspath.basename(head):
                target = head
        if not fspath.exists(target) and fspath.exists(target + ".old"):
            os.rename(path, target)
            os.remove(target + ".old")
        else:
            fspath.discard(path)
