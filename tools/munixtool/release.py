"""``munix release``: a signed release of the device tree, for ``upgrade``.

A release folder mirrors the device tree (compiled to .mpy unless
``--source``), so that pushing it to a branch of a GitHub repository makes
every file fetchable as ``https://raw.githubusercontent.com/OWNER/REPO/REF/PATH``.
Next to the files:

- ``etc/release``, the manifest, one ``KEY VALUE`` per line::

      munix-release 1
      version 0.2.0
      mpy 6                       (the .mpy version it needs; - for source)
      replace PATH                (a file of etc/ to replace even when changed
                                   on the board, which otherwise keeps it)
      file SHA256 SIZE PATH       (one line per file)

- ``etc/release.sig``, the manifest's RSA signature (PKCS#1 v1.5, SHA-256).

The board keeps both after installing, so it knows what the release owns.
The user's own files (the ``KEEP`` list of the tree's lib/upgrade.py:
system.conf, rc.local ...) are never part of a release.

``munix release --new-key`` makes a key pair: the private key in KEY
(default ``.keys/release.pem``, never in git; outside a checkout
paths.release_key) and the public key in the tree's ``etc/upgrade.pub``,
which boards check releases against.
"""

import ast
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from munixtool import MunixError, build, micropython, paths, portbuild

MANIFEST = "etc/release"
SIGNATURE = "etc/release.sig"
PUBLIC_KEY = "etc/upgrade.pub"
KEY_TYPE = "rsa-pkcs1v15-sha256"
KEY_BITS = 3072
FORMAT = "munix-release 1"


def default_key() -> Path:
    return paths.release_key()


def new_key(key: Path, tree: Path, bits: int = KEY_BITS) -> Path:
    """Write a new private key to key and its public key into tree; the public key's path."""
    key = Path(key)
    if key.exists():
        raise MunixError(f"{key} exists; remove it first to make a new key")
    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    key.parent.mkdir(parents=True, exist_ok=True)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    numbers = private.public_key().public_numbers()
    public = Path(tree) / PUBLIC_KEY
    public.parent.mkdir(parents=True, exist_ok=True)
    public.write_text(json.dumps({"type": KEY_TYPE, "e": numbers.e, "n": "%x" % numbers.n}) + "\n")
    return public


def _load_key(key: Path) -> rsa.RSAPrivateKey:
    try:
        private = serialization.load_pem_private_key(Path(key).read_bytes(), password=None)
    except FileNotFoundError:
        raise MunixError(f"{key}: no such key (make one with munix release --new-key)") from None
    except ValueError as error:
        raise MunixError(f"{key}: not a private key: {error}") from None
    if not isinstance(private, rsa.RSAPrivateKey):
        raise MunixError(f"{key}: not an RSA key")
    return private


def sign(key: Path, data: bytes) -> bytes:
    return _load_key(key).sign(data, padding.PKCS1v15(), hashes.SHA256())


def tree_version(tree: Path) -> str:
    """system.VERSION of the tree's lib/system.py."""
    text = (Path(tree) / "lib" / "system.py").read_text()
    found = re.search(r'^VERSION = "([^"]+)"', text, re.M)
    if not found:
        raise MunixError(f"no VERSION in {tree}/lib/system.py")
    return found.group(1)


def kept_files(tree: Path) -> set[str]:
    """The user's files, which releases never carry: KEEP in the tree's lib/upgrade.py."""
    module = ast.parse((Path(tree) / "lib" / "upgrade.py").read_text())
    for node in module.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "KEEP" for target in node.targets
        ):
            return {name.lstrip("/") for name in ast.literal_eval(node.value)}
    raise MunixError(f"no KEEP list in {tree}/lib/upgrade.py")


def _files(root: Path) -> list[str]:
    """Every file of the device tree under root, as sorted relative paths."""
    found = []
    for name in paths.DEVICE_TREE:
        top = root / name
        if top.is_file():
            found.append(name)
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = [d for d in dirnames if d not in paths.HOST_ARTEFACTS]
            for filename in filenames:
                if not any(Path(filename).match(p) for p in paths.HOST_ARTEFACTS):
                    found.append((Path(dirpath) / filename).relative_to(root).as_posix())
    return sorted(found)


def manifest(root: Path, version: str, mpy: int | None, leave_out: set[str],
             replace=()) -> tuple[str, list]:
    """The manifest text of the files under root, and the files it lists.
    replace: files of etc/ that boards replace even when changed there."""
    lines = [FORMAT, f"version {version}", f"mpy {mpy if mpy is not None else '-'}"]
    listed = []
    for name in _files(root):
        if name in leave_out or " " in name or "\n" in name:
            continue
        data = (root / name).read_bytes()
        lines.append(f"file {hashlib.sha256(data).hexdigest()} {len(data)} {name}")
        listed.append(name)
    for name in replace:
        if not name.startswith("etc/") or name not in listed:
            raise MunixError(f"replace {name}: not a file of etc/ in the release "
                             "(boards keep only their changed configuration)")
    lines[3:3] = [f"replace {name}" for name in replace]
    return "\n".join(lines) + "\n", listed


def _empty(out: Path) -> None:
    """Clear out, keeping a .git (the folder may be a checkout of the release branch)."""
    out.mkdir(parents=True, exist_ok=True)
    for entry in out.iterdir():
        if entry.name == ".git":
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def release(tree: Path, out: Path, key: Path, source: bool = False,
            replace=()) -> tuple[str, int]:
    """Build the release of tree into out; (version, number of files).
    replace: files of etc/ that boards replace even when changed there."""
    tree, out = Path(tree).resolve(), Path(out).resolve()
    version = tree_version(tree)
    leave_out = kept_files(tree) | {MANIFEST, SIGNATURE}
    _load_key(key)
    with tempfile.TemporaryDirectory(prefix="munix-release-") as scratch:
        if source:
            root, mpy = tree, None
        else:
            root = Path(scratch) / "build"
            build.build(source_root=tree, out_dir=root)
            mpy = micropython.mpy_version(tuple(portbuild.default_runtime())) & 0xFF
        text, listed = manifest(root, version, mpy, leave_out, replace)
        _empty(out)
        for name in listed:
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, out / name)
    data = text.encode()
    (out / MANIFEST).parent.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).write_bytes(data)
    (out / SIGNATURE).write_bytes(sign(key, data))
    return version, len(listed)


def main(args) -> int:
    """Entry point of ``munix release``."""
    tree = Path(args.tree or paths.repo_root())
    key = Path(args.key or default_key())
    if args.new_key:
        if args.tree is None and paths.checkout() is None:
            raise MunixError(f"--new-key writes the public key into the tree, and {tree} is "
                             "munix's installed copy: give your own tree with --tree DIR")
        public = new_key(key, tree)
        print(f"release: private key {key} (keep it secret), public key {public}")
        return 0
    out = Path(args.out or paths.release_dir())
    version, count = release(tree, out, key, source=args.source, replace=args.replace)
    print(f"release: munix {version}, {count} files, signed, in {out}")
    return 0

