"""``munix www [--check]``: the web desktop's precompressed assets.

uhttpd sends ``www/NAME.gz`` with ``Content-Encoding: gzip`` to a browser
that accepts gzip, so each source (index.html, app.js, app.css) ships
beside its gzip. The gzip is deterministic (no name, mtime 0, level 9):
the same source gives the same bytes on every machine, so that a test can
check the committed files against their sources.
"""

import gzip
import sys
from pathlib import Path

from munixtool import MunixError, paths

SOURCES = ("index.html", "app.js", "app.css")


def www_dir() -> Path:
    return paths.repo_root() / "www"


def compress(data: bytes) -> bytes:
    """data gzipped the same way on every machine."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def stale(folder: Path) -> list[str]:
    """The names of the .gz files that are missing or differ from their source."""
    wrong = []
    for name in SOURCES:
        source = folder / name
        if not source.is_file():
            raise MunixError(f"{source} is missing")
        packed = folder / (name + ".gz")
        if not packed.is_file() or packed.read_bytes() != compress(source.read_bytes()):
            wrong.append(packed.name)
    return wrong


def write(folder: Path) -> dict[str, int]:
    """Write each source's .gz (only where it changed); gzip sizes by name."""
    sizes = {}
    for name in SOURCES:
        data = compress((folder / name).read_bytes())
        packed = folder / (name + ".gz")
        if not packed.is_file() or packed.read_bytes() != data:
            tmp = packed.with_name(packed.name + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(packed)
        sizes[packed.name] = len(data)
    return sizes


def main(args) -> int:
    folder = args.dir or www_dir()
    if args.check:
        wrong = stale(folder)
        if wrong:
            print("munix www: out of date: %s (run tools/munix www)" % ", ".join(wrong),
                  file=sys.stderr)
            return 1
        return 0
    sizes = write(folder)
    for name, size in sizes.items():
        print("%-14s %6d bytes" % (name, size))
    print("%-14s %6d bytes" % ("first page", sum(sizes.values())))
    return 0
