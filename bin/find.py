import cmdargs
import fileops
import fspath
import wildcard

USAGE = """[PATH...] [-name PATTERN] [-type f|d]
  Print PATH (. unless given) and everything below it, parents first,
  sorted by name; only what matches every test given:
  -name PATTERN  the name matches PATTERN: * any characters, ? one,
                 [abc] [a-z] one of a set, [!abc] one not in it
                 (quote it, 'name*', so the shell leaves it alone)
  -type f|d      files (f) or folders (d) only"""
ABOUT = "find files and folders by name or type"


def __main__(args):
    paths, pattern, kind = _parse(args)
    found, status = cmdargs.existing(paths)
    for name, top, st in found:
        for path, what, _ in fileops.walk(top, st[0] & fspath.DIR != 0):
            if what == fileops.LEFT:
                continue
            if kind is not None and (what == fileops.FOLDER) != (kind == "d"):
                continue
            if pattern is not None and not wildcard.match(pattern, fspath.basename(path), True):
                continue
            rel = path[len(top):].lstrip("/")
            print(fspath.join(name, rel) if rel else name)
    return status


def _parse(args):
    """(paths, -name pattern or None, -type f|d or None); the paths come
    first, the tests after them."""
    paths = []
    pattern = kind = None
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--help":
            raise cmdargs.Help()
        if arg[:1] != "-" or arg == "-":
            if pattern is not None or kind is not None:
                raise cmdargs.UsageError("%s: paths come before the tests" % arg)
            paths.append(arg)
            continue
        if arg not in ("-name", "-type"):
            raise cmdargs.UsageError("unknown test %s" % arg)
        if i == len(args):
            raise cmdargs.UsageError("%s needs a value" % arg)
        value = args[i]
        i += 1
        if arg == "-name":
            pattern = value
        elif value in ("f", "d"):
            kind = value
        else:
            raise cmdargs.UsageError("-type takes f or d, not %s" % value)
    return paths, pattern, kind
