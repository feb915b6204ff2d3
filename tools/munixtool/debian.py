"""Fetch Debian source packages with apt, needing no root and leaving the host's apt state alone.

The packages come from the Debian mirror the host's own apt sources name, so no
host name is hard-coded and local mirrors or proxies keep working.
"""

import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from munixtool import MunixError

APT_SOURCES = Path("/etc/apt/sources.list")
APT_SOURCE_PARTS = Path("/etc/apt/sources.list.d")
OS_RELEASE = Path("/etc/os-release")
DEBIAN_KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")

# At most this many of apt's lines go into an error message.
APT_ERROR_LINES = 5
# What may go by itself: a mirror caught mid-sync serves an index whose size
# or hash does not match its Release file for a while, a connection fails.
# Asking again later may get it whole; a package that is not there is final.
APT_TRANSIENT = ("Mirror sync in progress", "Hash Sum mismatch", "unexpected size",
                 "Failed to fetch", "Could not connect", "Temporary failure",
                 "Connection failed", "Connection timed out")
APT_TRIES = 3
APT_RETRY_SECONDS = 10


@dataclass(frozen=True)
class AptSource:
    """One (mirror URI, suite) pair of a binary package source."""

    uri: str
    suite: str


def is_debian_family() -> bool:
    """True on hosts where apt-get and dpkg can fetch and unpack Debian packages."""
    return Path("/etc/debian_version").exists() and all(
        shutil.which(tool) for tool in ("apt-get", "dpkg")
    )


def dpkg_architecture() -> str:
    """The host's Debian architecture name, e.g. ``amd64``."""
    result = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise MunixError("dpkg --print-architecture failed: " + result.stderr.strip())
    return result.stdout.strip()


def _one_line_sources(text: str) -> list[AptSource]:
    """Sources from the classic one-line format: ``deb [options] URI suite components``."""
    sources = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        # Options may contain spaces, so drop them before splitting.
        line = re.sub(r"^(deb\S*)\s+\[[^\]]*\]", r"\1 ", line)
        words = line.split()
        if len(words) >= 3 and words[0] == "deb":
            sources.append(AptSource(words[1], words[2]))
    return sources


def _deb822_sources(text: str) -> list[AptSource]:
    """Sources from deb822 stanzas (``Types:``, ``URIs:``, ``Suites:``, ``Enabled:``)."""
    sources = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        name = None
        for line in stanza.splitlines():
            if line.startswith("#"):
                continue
            if line[:1].isspace() and name:
                fields[name] += " " + line.strip()
            elif ":" in line:
                name, value = line.split(":", 1)
                name = name.strip().lower()
                fields[name] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        for uri in fields.get("uris", "").split():
            for suite in fields.get("suites", "").split():
                sources.append(AptSource(uri, suite))
    return sources


def host_sources() -> list[AptSource]:
    """Every binary package source configured on the host, in apt's reading order."""
    sources = []
    if APT_SOURCES.is_file():
        sources += _one_line_sources(APT_SOURCES.read_text(errors="replace"))
    if APT_SOURCE_PARTS.is_dir():
        for part in sorted(APT_SOURCE_PARTS.iterdir()):
            if part.suffix == ".list":
                sources += _one_line_sources(part.read_text(errors="replace"))
            elif part.suffix == ".sources":
                sources += _deb822_sources(part.read_text(errors="replace"))
    return sources


def _host_codename() -> str:
    if not OS_RELEASE.is_file():
        return ""
    match = re.search(r"^VERSION_CODENAME=\"?([^\"\n]*)", OS_RELEASE.read_text(), re.M)
    return match.group(1) if match else ""


def candidate_mirrors(sources: list[AptSource], codename: str) -> list[str]:
    """Mirror URIs worth trying, best first.

    Security suites live on a separate archive that lacks the regular release, so
    they are skipped. Sources for the host's own release come first because
    third-party repositories (say, for node.js) use other suite names.
    """
    usable = [
        source
        for source in sources
        if not source.suite.endswith("-security") and not source.uri.startswith("cdrom:")
    ]
    own_release = [source for source in usable if source.suite.split("-")[0] == codename]
    mirrors: list[str] = []
    for source in own_release + usable:
        if source.uri not in mirrors:
            mirrors.append(source.uri)
    return mirrors


class AptDownloader:
    """apt-get confined to a private directory, for one suite of one mirror.

    architecture: the Debian architecture whose packages to fetch (say ``i386``
    on an amd64 host); by default the host's. The host's dpkg need not know it.
    """

    def __init__(self, workdir: Path, mirror: str, suite: str, architecture: str | None = None,
                 kind: str = "deb"):
        self.workdir = workdir
        self.mirror = mirror
        self.suite = suite
        sources_list = workdir / "sources.list"
        for sub in ("lists/partial", "apt-cache/archives/partial"):
            (workdir / sub).mkdir(parents=True, exist_ok=True)
        sources_list.write_text(
            f"{kind} [signed-by={DEBIAN_KEYRING}] {mirror} {suite} main\n", encoding="ascii"
        )
        settings = {
            "Dir::Etc::sourcelist": sources_list,
            "Dir::Etc::sourceparts": "-",
            "Dir::State::Lists": workdir / "lists",
            "Dir::Cache": workdir / "apt-cache",
            # Our private state needs no lock; the host's is never touched.
            "Debug::NoLocking": 1,
            "APT::Get::List-Cleanup": 0,
        }
        # The only architecture of the private lists, so plain package names
        # mean it, and no other's index (the host's foreign ones) can fail.
        architecture = architecture or dpkg_architecture()
        settings["APT::Architecture"] = architecture
        settings["APT::Architectures"] = architecture
        self.options = [
            arg for name, value in settings.items() for arg in ("-o", f"{name}={value}")
        ]

    def _apt_get(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        """apt-get args, asked again (APT_TRIES times in all) while what
        fails is a mirror mid-sync or a network hiccup."""
        for attempt in range(APT_TRIES):
            if attempt:
                time.sleep(APT_RETRY_SECONDS)
            result = subprocess.run(
                ["apt-get", *self.options, *args],
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                check=False,
            )
            if not _failed(result) or not any(
                word in result.stdout + result.stderr for word in APT_TRANSIENT
            ):
                return result
        return result

    def update(self) -> str | None:
        """Fetch the suite's package lists; returns apt's complaint on failure."""
        result = self._apt_get("update")
        return _apt_complaint(result) if _failed(result) else None

    def download_source(self, package: str) -> Path:
        """Download a source package (from this suite); its .dsc file."""
        sources = self.workdir / "sources"
        sources.mkdir(exist_ok=True)
        result = self._apt_get("source", "--download-only", f"{package}/{self.suite}",
                               cwd=sources)
        found = sorted(sources.glob(f"{package}_*.dsc"))
        if result.returncode != 0 or not found:
            raise MunixError(
                f"apt-get source {package} from {self.mirror} {self.suite} failed: "
                f"{_apt_complaint(result)}"
            )
        return found[-1]


def _failed(result: subprocess.CompletedProcess) -> bool:
    # An unreachable mirror is only a warning to apt (status 0), but its "Err:" lines tell.
    return result.returncode != 0 or any(
        line.startswith("Err:") for line in result.stdout.splitlines())


def _apt_complaint(result: subprocess.CompletedProcess) -> str:
    """apt's errors (``E:``, ``Err:`` and its reason), else its output's tail, in one line."""
    lines = (result.stdout + result.stderr).splitlines()
    errors = []
    for line, following in zip(lines, lines[1:] + [""], strict=True):
        if line.startswith(("E:", "Err:")):
            errors.append(line.strip())
            if following[:1].isspace():
                errors.append(following.strip())
    return " | ".join((errors or lines)[-APT_ERROR_LINES:])


def fetch_source(workdir: Path, suite: str, package: str) -> Path:
    """Download a Debian suite's source package from the host's mirror into
    workdir; the path of its .dsc (unpack it with dpkg-source -x)."""
    return _from_mirrors(workdir, suite, "deb-src", None, f"the source of {package}",
                         lambda downloader: downloader.download_source(package))


def _from_mirrors(workdir: Path, suite: str, kind: str, architecture: str | None,
                  what: str, take):
    """take(downloader) from the first of the host's mirrors that has what.
    A mirror some of whose indices fail (mid-sync) is still asked: what is
    wanted is often in the indices that came whole."""
    if not DEBIAN_KEYRING.is_file():
        raise MunixError(
            f"{DEBIAN_KEYRING} is missing; install it: apt-get install debian-archive-keyring"
        )
    mirrors = candidate_mirrors(host_sources(), _host_codename())
    if not mirrors:
        raise MunixError(
            "no Debian mirror found in the host's apt sources (/etc/apt/sources.list*)"
        )
    complaints = []
    for mirror in mirrors:
        downloader = AptDownloader(workdir, mirror, suite, architecture, kind)
        complaint = downloader.update()
        try:
            found = take(downloader)
        except MunixError as error:
            complaints.append(f"{mirror}: {error}"
                              + (f" (an index failed: {complaint})" if complaint else ""))
            continue
        if complaint is not None:
            print(f"munix: {mirror} {suite}: an index failed ({complaint}); "
                  f"{what} found all the same", file=sys.stderr)
        return found
    raise MunixError(f"cannot fetch {what}: no apt source offers Debian {suite}: "
                     + "; ".join(complaints))
