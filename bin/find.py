import cmdargs
import fspath
import munix

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
    status = 0
    for name in paths or ["."]:
        top = munix.path(name)
        st = fspath.stat(top)
        if st is None:
            status = cmdargs.error(name, cmdargs.ERRORS[2])
            continue
        for path, folder in fspath.walk(top, st[0] & fspath.DIR != 0):
            if kind is not None and folder != (kind == "d"):
                continue
            if pattern is not None and not fnmatch(fspath.basename(path), pattern):
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


def fnmatch(name, pattern):
    """True when name matches the shell pattern: * any run of characters,
    ? any one character, [abc] [a-z] one of a set, [!abc] one not in it."""
    n = p = 0
    star = -1       # where the last * of the pattern was, for backtracking
    mark = 0        # where in name that * started matching
    while n < len(name):
        if p < len(pattern):
            c = pattern[p]
            if c == "*":
                star = p
                mark = n
                p += 1
                continue
            if c == "[":
                end, ok = _bracket(pattern, p, name[n])
            else:
                end, ok = p + 1, c == "?" or c == name[n]
            if ok:
                n += 1
                p = end
                continue
        if star < 0:
            return False
        mark += 1
        n = mark
        p = star + 1
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


def _bracket(pattern, i, ch):
    """(index after the set, ch is in it) for the [set] at pattern[i]; a [
    without its ] is taken as a plain character."""
    j = i + 1
    negate = j < len(pattern) and pattern[j] in "!^"
    if negate:
        j += 1
    start = j
    found = False
    while j < len(pattern) and (pattern[j] != "]" or j == start):
        lo = pattern[j]
        if j + 2 < len(pattern) and pattern[j + 1] == "-" and pattern[j + 2] != "]":
            found = found or lo <= ch <= pattern[j + 2]
            j += 3
        else:
            found = found or lo == ch
            j += 1
    if j >= len(pattern):
        return i + 1, ch == "["
    return j + 1, found != negate
