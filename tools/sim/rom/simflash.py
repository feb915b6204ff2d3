"""A board profile's flash size (MUNIX_SIM_FLASH bytes): what statvfs of
the simulated flash says on a board profile, in place of this machine's
disk. Frozen into the profile's MicroPython with the other stand-ins, so
that it costs the board's heap nothing."""
import os

BLOCK = 4096    # littlefs's and FAT's block on a board's flash


def statvfs(posix, path):
    """posix's statvfs (the flash's VfsPosix), sized as the board's
    filesystem: its blocks less those the flash folder's files and folders
    take (a file its size in blocks, a folder 2, as littlefs counts)."""
    st = posix.statvfs(path)
    size = os.getenv("MUNIX_SIM_FLASH")
    if not size:
        return st
    blocks = int(size) // BLOCK
    free = max(0, blocks - _used(posix))
    return (BLOCK, BLOCK, blocks, free, free, st[5], st[6], st[7], st[8], st[9])


def _used(posix):
    used = 0
    folders = ["/"]
    while folders:
        folder = folders.pop()
        used += 2
        for entry in posix.ilistdir(folder):
            path = folder.rstrip("/") + "/" + entry[0]
            if entry[1] & 0x4000:
                folders.append(path)
            else:
                used += (posix.stat(path)[6] + BLOCK - 1) // BLOCK
    return used
