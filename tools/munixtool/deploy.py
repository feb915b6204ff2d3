"""``munix deploy [PORT]``: put munix on a board through mpremote.

The compiled tree (``--source``: the .py tree) goes onto the board's flash:
one pass on the board hashes what is there, and only files whose SHA-256
differs are copied, each written aside and renamed into place, so that an
interrupted deploy never leaves a truncated module behind. The board keeps
the list of what deploys put there (MANIFEST, path -> hash); a file of that
list that the new tree no longer has is removed. Never overwritten unless
asked: the configuration (``--config``) and files that were changed on the
board since the last deploy, or that no deploy put there (``--force``).

With ``--pack`` lib/ and bin/ go as one file instead, their ROMFS image
(/munix.romfs, mounted at /rom by boot.py through lib/packfs.py), for a
filesystem too small for them as files (a Pico W's); an earlier install's
files of the two folders go.

The board is soft-reset into its raw REPL first, which stops munix (a board
runs main.py only in its friendly REPL mode), and hard-reset at the end.
"""

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from munixtool import MunixError, boardlink, build, paths

MANIFEST = "etc/.deployed"
# The board's own configuration: copied only when missing, or with --config.
CONFIG = {"etc/system.conf", "etc/rc.local"}
# Files of the tree that are for git, not for the board.
SKIP_NAMES = {".gitkeep", build.TARGET_STAMP}
CHUNK = 512

# Run on the board: one line per folder (D path) and file (F path sha256).
HASH_TREE = """
import os, hashlib, binascii
def _munix_hash(q):
    h = hashlib.sha256()
    b = bytearray(%d)
    with open('/' + q, 'rb') as f:
        while True:
            n = f.readinto(b)
            if not n:
                break
            h.update(b if n == len(b) else b[:n])
    print('F', q, binascii.hexlify(h.digest()).decode())
def _munix_walk(p):
    print('D', p)
    for e in list(os.ilistdir('/' + p)):
        q = p + '/' + e[0]
        if e[1] & 0x4000:
            _munix_walk(q)
        else:
            _munix_hash(q)
for t in %r:
    try:
        s = os.stat('/' + t)
    except OSError:
        continue
    if s[0] & 0x4000:
        _munix_walk(t)
    else:
        _munix_hash(t)
del _munix_hash, _munix_walk
"""


@dataclass
class Plan:
    """What a deploy does; paths relative to the board's root."""

    copy: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # changed on the board: left alone
    shadows: list[str] = field(default_factory=list)  # the other form, changed: left alone
    folders: list[str] = field(default_factory=list)  # to make
    manifest: dict[str, str] = field(default_factory=dict)  # after the deploy


def local_tree(root: Path) -> tuple[dict[str, Path], set[str]]:
    """The device files under root (the checkout or a build), by board path,
    and the device folders."""
    files, folders = {}, set()
    for name in paths.DEVICE_FILES:
        if (root / name).is_file():
            files[name] = root / name
    for top in paths.DEVICE_DIRS:
        for dirpath, dirnames, filenames in os.walk(root / top):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("__pycache__"))
            folders.add(Path(dirpath).relative_to(root).as_posix())
            for name in sorted(filenames):
                if name in SKIP_NAMES or name.endswith(".pyc"):
                    continue
                path = Path(dirpath, name)
                files[path.relative_to(root).as_posix()] = path
    return files, folders


def board_tree(transport) -> tuple[dict[str, str], set[str]]:
    """The board's device files as {path: sha256 hex}, and its folders."""
    from munixtool import romfs

    text = transport.exec(HASH_TREE % (CHUNK, [*paths.DEVICE_TREE, romfs.PACK])).decode()
    files, folders = {}, set()
    for line in text.splitlines():
        kind, _, rest = line.strip().partition(" ")
        if kind == "D":
            folders.add(rest)
        elif kind == "F":
            path, _, digest = rest.rpartition(" ")
            files[path] = digest
    return files, folders


def read_manifest(transport, files: dict[str, str]) -> dict[str, str]:
    if MANIFEST not in files:
        return {}
    try:
        data = json.loads(transport.fs_readfile("/" + MANIFEST))
        return {str(k): str(v) for k, v in data.items()}
    except (ValueError, AttributeError, Exception):  # noqa: BLE001  a broken list is no list
        return {}


def twin(path: str) -> str | None:
    """The other form of a module (x.py for x.mpy and back); None for files
    that have no other form (the boot files, data)."""
    if path in paths.DEVICE_FILES:
        return None
    for suffix, other in ((".mpy", ".py"), (".py", ".mpy")):
        if path.endswith(suffix):
            return path[:-len(suffix)] + other
    return None


def make_plan(local: dict[str, bytes], local_folders: set[str], board: dict[str, str],
              folders: set[str], manifest: dict[str, str], force: bool = False,
              config: bool = False, shipped: dict[str, str] | None = None,
              packed: dict[str, str] | None = None) -> Plan:
    """shipped: {path: sha256} of the other form munix ships (the sources
    for a compiled deploy, the build for a source one): a twin on the board
    equal to it is an earlier install's and goes with the form it had.
    packed: the same of the files a pack holds, in either form: on the
    board, an earlier install's, they go too."""
    plan = Plan()
    for path, data in local.items():
        digest = hashlib.sha256(data).hexdigest()
        on_board = board.get(path)
        ours = on_board is not None and manifest.get(path) == on_board
        if on_board == digest:
            plan.unchanged.append(path)
            plan.manifest[path] = digest
        elif on_board is not None and path in CONFIG and not config:
            plan.kept.append(path)
        elif on_board is not None and not ours and not force and path not in CONFIG:
            plan.kept.append(path)
        else:
            plan.copy.append(path)
            plan.manifest[path] = digest
    for path, digest in manifest.items():
        if path in local or path not in board:
            continue
        if board[path] == digest or force:
            plan.remove.append(path)
        else:
            plan.kept.append(path)
    for path, digest in (packed or {}).items():
        if path in local or path not in board or path in plan.remove or path in plan.kept:
            continue
        if board[path] == digest or force:
            plan.remove.append(path)
        else:
            plan.kept.append(path)
    # MicroPython imports x.py before x.mpy: a form left beside the new one
    # either wins over it or wastes the flash.
    for path in local:
        other = twin(path)
        if other is None or other in local or other not in board or \
                other in plan.remove or other in plan.kept:
            continue
        if force or board[other] in (manifest.get(other), (shipped or {}).get(other)):
            plan.remove.append(other)
        else:
            plan.shadows.append(other)
    wanted = ({str(Path(p).parent) for p in plan.copy} | local_folders) - {"."}
    for folder in sorted(wanted):
        parts = Path(folder).parts
        for n in range(1, len(parts) + 1):
            sub = "/".join(parts[:n])
            if sub not in folders and sub not in plan.folders:
                plan.folders.append(sub)
    return plan


def shipped_twins(root: Path, source: bool) -> dict[str, str]:
    """{path: sha256} of the form of each module that a deploy of root
    replaces: the build's .mpy files for a source deploy (when built), the
    sources for a compiled one."""
    other = paths.build_dir() if source else paths.repo_root()
    if not other.is_dir() or other == root:
        return {}
    files, _ = local_tree(other)
    return {path: hashlib.sha256(file.read_bytes()).hexdigest()
            for path, file in files.items() if twin(path)}


def _quote(path: str) -> str:
    return repr("/" + path)


def write_file(transport, path: str, data: bytes) -> None:
    """Write a file on the board aside, then rename it into place."""
    part = path + ".part"
    transport.exec(f"f=open({_quote(part)},'wb')\nw=f.write")
    for at in range(0, len(data), CHUNK):
        transport.exec("w(" + repr(data[at:at + CHUNK]) + ")")
    transport.exec(
        "f.close()\nimport os\ntry:\n os.remove(%s)\nexcept OSError:\n pass\nos.rename(%s,%s)"
        % (_quote(path), _quote(part), _quote(path))
    )


class Progress:
    """A progress bar on a terminal, nothing otherwise."""

    def __init__(self, total: int):
        self.total = total
        self.done = 0
        self.shown = sys.stderr.isatty() and total > 0

    def step(self, name: str) -> None:
        self.done += 1
        if self.shown:
            filled = 30 * self.done // self.total
            sys.stderr.write(f"\r[{'#' * filled}{' ' * (30 - filled)}] {self.done}/{self.total} "
                             f"{name[-40:]:<40}")
            sys.stderr.flush()

    def end(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def pack_tree(local: dict[str, bytes], root: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    """local with the compiled lib/ and bin/ as one file, their ROMFS image
    (romfs.PACK), and lib/packfs.mpy, which mounts it at boot; and
    {path: sha256} of the files the pack holds, in both forms (make_plan)."""
    from munixtool import romfs

    def packs(path):
        return path.split("/")[0] in romfs.FOLDERS and path != romfs.PACKFS

    packed = {path: hashlib.sha256(data).hexdigest() for path, data in local.items() if packs(path)}
    packed.update((path, digest) for path, digest in shipped_twins(root, False).items()
                  if packs(path))
    local = {path: data for path, data in local.items() if not packs(path)}
    local[romfs.PACK] = romfs.image(root)
    return local, packed


def deploy(port: str | None, source: bool = False, force: bool = False, config: bool = False,
           dry_run: bool = False, reset: bool = True, pack: bool = False, out=sys.stdout) -> Plan:
    """Deploy the tree to the board on port; the plan carried out. pack:
    lib/ and bin/ as one file (pack_tree), for a filesystem too small for
    them as files."""
    from mpremote.transport import TransportError
    from munixtool import romfs

    if pack and source:
        raise MunixError("deploy: --pack takes the compiled tree, not --source")
    transport = boardlink.connect(port)
    done: list[str] = []
    plan = Plan()
    try:
        transport.enter_raw_repl(soft_reset=True)
        if source:
            root = paths.repo_root()
        else:
            mpy = transport.eval("__import__('sys').implementation._mpy")
            summary = build.build(goal=build.target(mpy=int(mpy)))
            print(f"build: {summary}", file=out)
            root = paths.build_dir()
        files, local_folders = local_tree(root)
        local = {path: file.read_bytes() for path, file in files.items()}
        packed = None
        if pack:
            local, packed = pack_tree(local, root)
        board, folders = board_tree(transport)
        manifest = read_manifest(transport, board)
        plan = make_plan(local, local_folders, board, folders, manifest, force=force,
                         config=config, shipped=shipped_twins(root, source), packed=packed)
        if dry_run:
            for folder in plan.folders:
                print(f"mkdir {folder}", file=out)
            for path in plan.copy:
                print(f"copy {path}", file=out)
            for path in plan.remove:
                print(f"remove {path}", file=out)
        else:
            progress = Progress(len(plan.copy) + len(plan.remove))
            if romfs.PACK in plan.copy + plan.remove:
                # The pack in use is replaced or removed: mounted no more.
                transport.exec("import sys, os\nif 'packfs' in sys.modules:\n os.umount('/rom')")
            for folder in plan.folders:
                transport.fs_mkdir("/" + folder)
            for path in plan.copy:
                write_file(transport, path, local[path])
                done.append(path)
                progress.step(path)
            for path in plan.remove:
                transport.fs_rmfile("/" + path)
                done.append(path)
                progress.step(path)
            progress.end()
            write_file(transport, MANIFEST, json.dumps(plan.manifest, sort_keys=True).encode())
            if reset:
                transport.exec_raw_no_follow("import machine\nmachine.reset()")
            else:
                transport.exit_raw_repl()
    except (TransportError, OSError) as error:
        left = [p for p in plan.copy + plan.remove if p not in done]
        raise MunixError(
            f"deploy failed: {error}\n{len(done)} done; not done: {', '.join(left) or 'none'}"
        ) from None
    finally:
        transport.close()
    return plan


def main(args) -> int:
    """Entry point of ``munix deploy``."""
    plan = deploy(args.port, source=args.source, force=args.force, config=args.config,
                  dry_run=args.dry_run, reset=not args.no_reset, pack=args.pack)
    verb = "would copy" if args.dry_run else "copied"
    print(f"deploy: {verb} {len(plan.copy)}, unchanged {len(plan.unchanged)}, "
          f"{'would remove' if args.dry_run else 'removed'} {len(plan.remove)}, "
          f"kept {len(plan.kept) + len(plan.shadows)}")
    for path in plan.kept:
        print(f"kept {path} (changed on the board; --force or --config overwrites)")
    for path in plan.shadows:
        print(f"kept {path} beside {twin(path)} (changed on the board; --force removes it)")
    return 0
