import cmdargs
import munix
import munixsh

USAGE = """[-a] NAME...
  Say what each NAME runs as a command: an alias, a shell built-in or
  function, or the file found along $PATH (a NAME with a / is that file).
  The status is 1 when some NAME is none of these.
  -a  every one of them, not only the one that runs"""
ABOUT = "locate a command"


def __main__(args):
    opts, names = cmdargs.parse(args, "a")
    if not names:
        raise cmdargs.UsageError("no NAME given")
    every = "a" in opts
    out = munix.proc().stdout
    status = 0
    for name in names:
        found = _kinds(name, every)
        for line in found:
            out.write(line + "\n")
        if not found:
            status = cmdargs.error(name, "not found")
    return status


def _kinds(name, every):
    """What name stands for, in the order the shell looks: all of it with
    every, else the first."""
    found = []
    if "/" not in name:
        aliases = munix.conf().get("alias") or {}
        if name in aliases:
            found.append("%s: aliased to %s" % (name, aliases[name]))
        if munixsh.command(name) == (None, None):
            found.append("%s: shell built-in command" % name)
        if name in munix.session().functions:
            found.append("%s: shell function" % name)
    if found and not every:
        return found[:1]
    if "/" in name or not every:
        path, why = munixsh.command(name)
        return found + ([path] if path and not why else [])
    for folder in munix.getenv("PATH", "/bin").split(":"):
        if folder:
            # A path: the file itself, refused where it is the system's.
            path, why = munixsh.command(folder.rstrip("/") + "/" + name)
            if path and not why and path not in found:
                found.append(path)
    return found
