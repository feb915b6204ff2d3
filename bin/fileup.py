import errno

import cmdargs
import fspath
import munix

USAGE = """[-q] [-m BYTES] FILE
  Receive FILE as text typed or pasted at the terminal (or piped in), up
  to the end of input: Ctrl-D on a line of its own. Ctrl-C gives up. The
  lines go to FILE.part, renamed to FILE once all have come, so that an
  upload cut short leaves FILE as it was. Over telnet the session's login
  is what lets the text in.
  -m BYTES  refuse more than BYTES (default: what the flash has free,
            less 8K kept for the system)
  -q        quiet: no message once saved"""
ABOUT = "receive a text file typed or pasted at the terminal"

RESERVE = 8 * 1024


def __main__(args):
    opts, rest = cmdargs.parse(args, "q", "m", operands=1)
    if not rest:
        raise cmdargs.UsageError("no FILE given")
    name = rest[0]
    target = munix.path(name)
    if fspath.is_protected(target):
        return cmdargs.error(name, fspath.SYSTEM)
    if fspath.isdir(target):
        return cmdargs.error(name, OSError(errno.EISDIR))
    folder = fspath.split(target)[0]
    if not fspath.isdir(folder):
        return cmdargs.error(name, OSError(errno.ENOENT))
    if "m" in opts:
        limit = cmdargs.number(opts["m"], "number of bytes")
        if limit < 0:
            raise cmdargs.UsageError("%d: not a number of bytes" % limit)
    else:
        limit = _free(folder) - RESERVE
    proc = munix.proc()
    if not hasattr(proc.stdin, "readline"):     # a terminal: say how it ends
        proc.stderr.write("fileup: type or paste %s, then Ctrl-D on a line of its own "
                          "(Ctrl-C gives up)\n" % name)
    try:
        size = _receive(target, target + ".part", limit)
    except OSError as e:
        return cmdargs.error(name, e)
    if size is None:
        return cmdargs.error(name, "larger than %d bytes: not saved" % max(limit, 0))
    if "q" not in opts:
        print("%s: %s saved" % (name, cmdargs.human(size)))
    return 0


def _free(folder):
    import os
    st = os.statvfs(folder)
    return st[0] * st[4]


def _receive(target, tmp, limit):
    """Write the standard input's lines to tmp, then put it in target's
    place; its size, or None (nothing changed) past limit bytes. The
    input is read to its end either way: the lines of a paste left unread
    would go to the shell as commands."""
    import fileops
    size = 0
    try:
        with open(tmp, "wb") as f, fileops.open_input("-", binary=True) as lines:
            for line in lines:
                size += len(line)
                if size <= limit:
                    f.write(line)
        if size > limit:
            fspath.discard(tmp)
            return None
        fspath.replace(tmp, target)
    except BaseException:
        fspath.discard(tmp)
        raise
    return size
