"""What no network client may see or change: the password file and the
fleet's ESP-NOW key, the files the system needs to boot, and the folders
holding them (FTP and HTTP ask here). Loaded by the daemons and the file
commands, not by the shell."""
import fspath

# The password file (auth.FILE, not imported here: the daemons' heap is
# small): no network daemon hands it out or lists it.
SECRET = "/etc/shadow"
# The key boards sign their ESP-NOW commands with (fleetnow.KEY): the same.
_SECRETS = [SECRET, "/etc/fleet.key"]


def holds(path, paths):
    """True when path is one of paths, below one, or a folder with one
    inside (/ holds them all): what changing or moving path would hit."""
    inside = path.rstrip("/") + "/"
    for p in paths:
        if path == p or path.startswith(p + "/") or p.startswith(inside):
            return True
    return False


def fat_name(path):
    """path (normalised) as FAT reads it, on a board's FAT flash or an SD
    card: any case, each name without the dots and spaces it ends with
    (FAT opens /MAIN.PY. as /main.py)."""
    return "/".join([name.rstrip(". ") for name in path.lower().split("/")])


def is_secret(path):
    """True for a secret file (_SECRETS) and its writer's temporaries, by
    any name FAT takes for them; path must be normalised."""
    path = fat_name(path)
    for secret in _SECRETS:
        if path.startswith(secret) and path[len(secret):] in ("", ".tmp", ".old"):
            return True
    return False


# Why a client may neither see nor change a secret file.
IS_SECRET = "is secret (a password or key file)"


def refusal(path, why):
    """The one wording of a daemon's refusal of path (FTP's 550, HTTP's
    403): `Permission denied: /etc holds the password file`."""
    return "Permission denied: %s %s" % (path, why)


def guarded(path):
    """Why a network client may not change, remove or move path (normalised),
    or None: the password file, the files the system needs to boot, and
    every folder holding one of them, by any name FAT takes for them."""
    low = fat_name(path)
    if is_secret(low):
        return IS_SECRET
    if holds(low, (SECRET,)):
        return "holds the password file"
    if holds(low, fspath.PROTECTED):
        return "is " + fspath.SYSTEM if fspath.is_protected(low) else fspath.HOLDS_SYSTEM
    return None
