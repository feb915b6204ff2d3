import os
import sys

import cmdargs
import munix

USAGE = """[-c|--check] [-y] [-f] [--ref REF] [--url BASE] [--rollback]
  Install the newest munix release from the source in /etc/system.conf
  (upgrade.url/upgrade.ref, --ref REF for another ref), or from the release
  at BASE (plain http only there). The release's signature is
  checked against /etc/upgrade.pub, only changed files are downloaded, and
  the board restarts to install them. A file of /etc changed on the board
  is kept and named, unless the release says it replaces it. The new
  version's first boot is on probation: if it does not finish init.sh, the
  next boot rolls back.
  HTTPS checks the server's certificate (upgrade.ca) by the board's
  clock: set it first (ntpupdate). Where the board's TLS cannot check
  certificates (ESP8266), the release's signature alone is trusted.
  -c, --check  show the installed and available versions and the changes
  -y           do not ask for confirmation
  -f           install even an older version, or another build of this one
  --rollback   go back to the version before the last upgrade"""
ABOUT = "install a new munix release, signed, or roll back"

LONG = {"--check": "-c", "--yes": "-y", "--force": "-f", "--ref": "-r", "--url": "-u",
        "--rollback": "-R"}


def __main__(args):
    opts, _ = cmdargs.parse([LONG.get(a, a) for a in args], "cyfR", "ru", operands=0)
    try:
        return _main(opts)
    finally:
        # What upgrade loaded is not needed once it is done: free the heap.
        for name in ("upgrade", "upgradeboot", "httpclient", "signature"):
            sys.modules.pop(name, None)


def _from_romfs():
    """True when the kernel was loaded from the ROMFS partition (/rom)."""
    found = getattr(sys.modules.get("kernel"), "__file__", None)
    if found is not None:
        return found.startswith("/rom/")
    # No __file__ on the ESP8266: the first folder of the path that has it.
    for folder in sys.path:
        for name in ("/kernel.mpy", "/kernel.py"):
            try:
                os.stat(folder + name)
                return folder.startswith("/rom/")
            except OSError:
                pass
    return False


def _main(opts):
    import upgradeboot
    if _from_romfs():
        # Files installed under /lib would stay hidden behind the ROMFS.
        if "packfs" in sys.modules:
            return cmdargs.error("", "munix runs from its pack (/munix.romfs, at /rom): update "
                                 "it from a computer (`munix deploy --pack`)")
        return cmdargs.error("", "munix runs from the ROMFS partition (/rom): update it from "
                             "a computer (`munix build --romfs FILE`, `mpremote romfs deploy FILE`)")
    pending = upgradeboot.state()
    if pending and pending != "trial":
        return cmdargs.error("", "an upgrade is pending (%s): restart the board to finish it" % pending)
    if "R" in opts:
        return _rollback(upgradeboot)
    conf = munix.conf().get("upgrade") or {}
    url = opts.get("u") or conf.get("url")
    if not url:
        return cmdargs.error("", "no release source: set upgrade.url in /etc/system.conf, or give --url")
    if url.startswith("http://") and "u" not in opts:
        return cmdargs.error(url, "plain http is used only for a --url given by hand")
    # --url names the release itself; a configured url, the repository.
    ref = opts.get("r", "" if "u" in opts else conf.get("ref", ""))
    base = url.rstrip("/") + ("/" + ref if ref else "")
    import upgrade
    import httpclient
    # A TLS that cannot check certificates (ESP8266) still carries the
    # release: its signature and the files' SHA-256 in the signed manifest
    # are what is trusted, as for plain http, and they are always checked.
    verify = not base.startswith("https://") or httpclient.can_verify()
    if not verify:
        print("This board's TLS cannot check certificates: "
              "the release is trusted for its signature alone.")
    release = upgrade.Release(base, conf.get("ca", "/etc/ca.pem"), verify=verify)
    try:
        status = _upgrade(opts, release, munix.VERSION, upgrade)
    except (upgrade.Failed, httpclient.HTTPError) as e:
        status = cmdargs.error("", str(e))
    except OSError as e:
        status = cmdargs.error("", e)
    if status is not None:
        upgrade.abandon()
        return status
    print("Restarting to install munix %s." % release.version)
    munix.reset(after_end_sh=True)
    return cmdargs.error("", "this port cannot restart: reset the board to install")


def _upgrade(opts, release, installed, upgrade):
    """Check, ask, download, commit; a status to stop with, or None to restart."""
    release.check(installed)
    print("installed: munix %s\navailable: munix %s" % (installed, release.version))
    counts = release.counts
    if not (counts["R"] + counts["A"] + counts["D"]):
        print("Nothing to do: munix %s is installed." % installed)
        return 0
    new, have = upgrade.version_key(release.version), upgrade.version_key(installed)
    if new <= have and "f" not in opts:
        if new == have:
            return cmdargs.error("", "this release of %s is not the build installed "
                                 "(-f installs it anyway)" % installed)
        return cmdargs.error("", "%s is older than the installed %s (-f installs it anyway)" % (
            release.version, installed))
    print("%d to replace, %d to add, %d to remove, %s to download" % (
        counts["R"], counts["A"], counts["D"], cmdargs.human(release.size)))
    for path, listed in release.kept:
        print("kept /%s (changed on this board; %s)" % (
            path, "the release's copy: %s/%s" % (release.base, path) if listed
            else "the release has none"))
    for path in release.replaced:
        print("/%s was changed on this board, and the release replaces it: "
              "the changed copy stays in %s/old/%s until the next upgrade" % (
                  path, upgrade.upgradeboot.ROOT, path))
    if "c" in opts:
        for op, path in release.changes():
            print("  %s /%s" % ({"R": "replace", "A": "add", "D": "remove"}[op], path))
        return 0
    if "y" not in opts:
        try:
            answer = input("Install munix %s? [y/N] " % release.version)
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing changed.")
            return 1
    bar = Progress(release.size)
    release.progress = bar.add
    release.download()
    bar.end()
    release.commit(installed)
    return None


def _rollback(upgradeboot):
    if not upgradeboot.exists(upgradeboot.JOURNAL):
        return cmdargs.error("", "no previous version to go back to")
    old, new = upgradeboot.undo()
    print("Rolled back from munix %s to %s; restarting." % (new, old))
    munix.reset(after_end_sh=True)
    return cmdargs.error("", "this port cannot restart: reset the board now")


class Progress:
    """A progress bar on the session's output."""

    def __init__(self, total):
        self.total = max(total, 1)
        self.done = 0
        self.shown = -1
        self.out = munix.proc().stdout

    def add(self, n):
        self.done += n
        tenth = self.done * 20 // self.total
        if tenth != self.shown:
            self.shown = tenth
            self.out.write("\r[%-20s] %3d%% %s" % ("#" * tenth, self.done * 100 // self.total,
                                                  cmdargs.human(self.done)))

    def end(self):
        self.out.write("\n")
