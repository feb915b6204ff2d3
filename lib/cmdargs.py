"""Option parsing and error messages shared by every /bin command.

A command declares USAGE (its synopsis; a tuple of texts where it shares
another's, joined only when shown: a copy built at load took a block the
size of the whole on a board whose heap a session held) and ABOUT (one
line for `help`), parses its arguments with parse(), and reports failures with error(). The
shell turns UsageError into a `usage:` line and status 2, and --help into the
usage text and status 0, so commands never print usage themselves.
strerror() is how munix words any failure; errors.py reports with it.
"""
import errno


def usage_of(module):
    """The USAGE text of a command's module ("" without one)."""
    usage = getattr(module, "USAGE", "")
    return "".join(usage) if isinstance(usage, tuple) else usage


class UsageError(Exception):
    """Wrong usage: the shell prints the message and the usage line."""


class Help(Exception):
    """--help was given: the shell prints the command's usage."""


def parse(args, flags="", valued="", operands=None, anywhere=False, long=None, many=""):
    """Split args into ({option: value}, operands).

    flags: letters of options without a value (-l); their value is True.
    valued: letters of options taking a value (-n 5 or -n5).
    operands: how many operands at most, when limited.
    anywhere: options may also follow operands (`ping HOST -c 3`); else
    the first operand ends the options, so that a command's own arguments
    (sh -c CMD ARG...) are never taken for options.
    Options may be combined (-la); -- ends options; a lone - is an operand.
    long: {"--name": key}, long options (--name VALUE, --name=VALUE): key
    is the letter of the short form, or a name of their own that ends
    with "=" when the option takes a value ({"--cafile": "cafile="}).
    many: letters of valued options that may be repeated: a list of values.
    """
    opts = {}
    rest = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--help":
            raise Help()
        if arg == "--":
            rest.extend(args[i:])
            break
        # Slices, not characters: a character taken out of a str is a name
        # MicroPython keeps for good, and arguments are anyone's text.
        if len(arg) < 2 or arg[:1] != "-" or (rest and not anywhere):
            rest.append(arg)
            continue
        if long is not None and arg[1:2] == "-":
            import cmdlong
            try:
                key, value, i = cmdlong.take(args, i, arg, long, valued)
            except ValueError as e:
                raise UsageError(str(e))
            put(opts, key, value, many)
            continue
        j = 1
        while j < len(arg):
            c = arg[j:j + 1]
            j += 1
            if c in valued:
                if j < len(arg):
                    put(opts, c, arg[j:], many)
                elif i < len(args):
                    put(opts, c, args[i], many)
                    i += 1
                else:
                    raise UsageError("option -%s needs a value" % c)
                break
            if c not in flags:
                if c == "h":
                    raise Help()
                raise UsageError("unknown option -%s" % c)
            opts[c] = True
    if operands is not None and len(rest) > operands:
        raise UsageError("extra operand %s" % rest[operands])
    return opts, rest


def put(opts, key, value, many):
    """Set option key to value, or add value to its list when key is in many."""
    if len(key) == 1 and key in many:
        opts.setdefault(key, []).append(value)
    else:
        opts[key] = value


def lines_and_files(args, valued="n", flags=""):
    """The -n N (or, in valued, -c N), flags and FILE... of head and tail:
    (count, files, options), the options "+" when N was +N (from the Nth
    on); no FILE is the standard input (-). The old form -N (head -5),
    which BusyBox and upyOS's users type, is -n N."""
    if args and args[0][:1] == "-" and args[0][1:].isdigit():
        args = ["-n", args[0][1:]] + args[1:]
    opts, files = parse(args, flags, valued)
    if "n" in opts and "c" in opts:
        raise UsageError("give one of -n N and -c N")
    what = "number of characters" if "c" in opts else "number of lines"
    text = opts.get("c") or opts.get("n", "10")
    count = number(text, what)
    if count < 0:
        raise UsageError("%d: not a %s" % (count, what))
    if text[:1] == "+":
        opts["+"] = True
    return count, files or ["-"], opts


def existing(names):
    """The PATH... operands of ls, du and find: (name, absolute path, stat)
    of each of names ("." when there is none) that exists, in order, and a
    status: 1 when some do not (each said so)."""
    import fspath
    import munix
    found = []
    status = 0
    for name in names or ["."]:
        path = munix.path(name)
        st = fspath.stat(path)
        if st is None:
            status = error(name, OSError(errno.ENOENT))
        else:
            found.append((name, path, st))
    return found, status


def number(text, what="number"):
    """text as an int, or a UsageError naming what was expected."""
    try:
        return int(text)
    except ValueError:
        raise UsageError("%s: not a %s" % (text, what))


# MicroPython's words for a call past the C stack's end.
_DEPTH = "maximum recursion depth exceeded"


def strerror(exc):
    """A one-line description of an exception, errno names spelled out
    (a socket's too): the one wording of a failure, for commands, the
    shell and the daemons."""
    if isinstance(exc, OSError) and exc.args and isinstance(exc.args[0], int):
        # The words load for it and go (a soak found the module that held
        # a socket's still loaded); only this loads them.
        import errwords
        import system
        code = exc.args[0]
        text = errwords.strerror(code) or "error %d" % code
        with system.import_lock:
            system.unload("errwords")
        return text
    if isinstance(exc, RuntimeError) and exc.args == (_DEPTH,):
        # The C stack's end, a board's first: the shell's words for it.
        return "nested too deeply for the stack"
    # Lines made one (mbedtls gives a line for each reason it refused a
    # certificate).
    text = "; ".join([line.strip() for line in str(exc).split("\n") if line.strip()])
    return text or type(exc).__name__


def error(subject, exc_or_text):
    """Print `command: subject: message` and return status 1."""
    import munix
    text = exc_or_text if isinstance(exc_or_text, str) else strerror(exc_or_text)
    if subject:
        text = "%s: %s" % (subject, text)
    proc = munix.proc()
    proc.stderr.write("%s: %s\n" % (proc.name, text))
    return 1


def human(size):
    """A size in bytes as a short human-readable string (1.5K, 12M)."""
    for unit in ("", "K", "M", "G"):
        if size < 1024 or unit == "G":
            if unit == "" or size >= 10:
                return "%d%s" % (size, unit)
            return "%.1f%s" % (size, unit)
        size /= 1024


def duration(seconds):
    """Seconds as H:MM:SS, days in front when there are any (2 days, 1:02:03)."""
    days, s = divmod(int(seconds), 86400)
    text = "%d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60)
    if days:
        text = "%d day%s, %s" % (days, "" if days == 1 else "s", text)
    return text


def memory():
    """(total, used, free) bytes of the Python heap, after a collection."""
    import gc
    gc.collect()
    used = gc.mem_alloc()
    free = max(gc.mem_free(), 0)
    return used + free, used, free
