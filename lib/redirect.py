"""Where a command's streams go: redirections (> >> < 2> 2>&1 <> >| 3> <<),
applied to the current process, whose commands inherit them, and switched
back when the command ends; output captured for $(...) and for upyOS's
`test ... > NAME`. Loaded when a line first needs one; a plain line's
(shellplain.py), whose targets are words as written, runs here without
the parser and expansion, which load for what needs them. A file
redirection loads nothing more: pipelines and what upyOS's `> NAME`
keeps are shellpipes.py's, reader.py loads for what reads a text or a
file (/dev/null too), and streams.py for what keeps output (a cron job's
`>> /tmp/log` loaded all three, 5.6 KiB of the esp32 profile's heap).
"""
from micropython import const

import errors
import fspath
import process
import shell
import shellplain
from shellflow import Exit, LoopControl, Return, ShellError

# $(...) inside $(...) deeper than this is refused on any board: each level
# is seven Python calls on a thread's few KiB of C stack.
_MAX_SUBSTITUTION = const(8)


def capture(text, sess):
    """The output of the command line text, trailing newlines removed ($(...))."""
    if sess.capturing >= _MAX_SUBSTITUTION:
        # Not a command's failure: the whole line is refused, as ${x:?} does.
        raise ValueError("$(...) nested deeper than %d levels" % _MAX_SUBSTITUTION)
    proc = process.current()
    saved = proc.stdout
    import shellpipes
    import streams
    out = proc.stdout = streams.Capture()
    sess.capturing += 1
    # A subshell (POSIX 2.6.3): what it assigns, defines or changes stays
    # its own, and what ends it ends only it.
    env = shellpipes.enter(sess)
    try:
        # A plain command without the parser (`x=$(cat /f)`: shellplain).
        node = shellplain.node(text)
        if node is not None:
            shell.execute(node, sess)
        else:
            import shellparse
            for node in shellparse.parse_all(text):
                shell.execute(node, sess)
    except (Exit, Return, LoopControl) as e:
        sess.status = e.status
    except ShellError as e:
        errors.complain("sh", str(e))
        sess.status = e.status
    finally:
        try:
            sess.status = shellpipes.leave(sess, env, sess.status, shell)
        finally:
            sess.capturing -= 1
            proc.stdout = saved
            sess.substituted = sess.status
    return out.text().rstrip("\n")


def word_text(word, sess):
    """A redirection's target as text: a plain line's, and the parser's of
    text parts only, are text already."""
    if isinstance(word, str):
        return word
    import expansion
    return expansion.word(word, sess)


def apply(redirs, sess):
    """Apply redirections to the current process (descriptors 0-2) and
    to the session (3-9, which `exec` opens and the commands inherit);
    what restore() needs to undo them, or None (after an error message)
    when one failed."""
    proc = process.current()
    saved = (proc, proc.stdin, proc.stdout, proc.stderr, [], sess, dict(sess.fds))
    for fd, op, word in redirs:
        target = word_text(word, sess)
        try:
            if fd > 9:
                raise ValueError("%d: bad file descriptor" % fd)
            if op[:2] == "<<":
                stream = _reader(target)
            elif op in ("<&", ">&"):
                if target == "-":
                    stream = None
                else:
                    stream = _descriptor(proc, sess, target, op == ">&")
            elif fd == 1 and op in (">", ">>") and _into_variable(target, sess):
                import shellpipes
                stream = shellpipes.VarOut(target, op == ">>", sess)
                saved[4].append(stream)
            else:
                path = fspath.abspath(target, sess.cwd)
                if path == "/dev/null":
                    stream = _reader()
                elif op == "<":
                    stream = _reader(file=open(path))
                else:
                    if fspath.is_protected(path):
                        raise ValueError("%s: %s" % (target, fspath.SYSTEM))
                    if op == ">" and "C" in sess.flags and fspath.isfile(path):
                        raise OSError(17)   # EEXIST: set -C keeps it; >| overrides
                    stream = _open(path, op)
                saved[4].append(stream)
        except (OSError, ValueError) as e:
            restore(saved)
            import cmdargs
            errors.complain("sh", "%s: %s" % (target, cmdargs.strerror(e)) if isinstance(e, OSError) else str(e))
            return None
        if fd == 0:
            # A file opened for the shell (<>, exec 3<>) has no input(),
            # which read and sh read lines with.
            proc.stdin = stream if hasattr(stream, "input") else _reader(file=stream)
        elif fd == 1:
            proc.stdout = stream or _reader()
        elif fd == 2:
            proc.stderr = stream or _reader()
        elif stream is None:
            sess.fds.pop(fd, None)
        else:
            sess.fds[fd] = stream
    return saved


def _reader(text="", file=None):
    """A Reader of text or of a file; written to, it takes the text and
    says nothing (/dev/null, a closed descriptor)."""
    import reader
    return reader.Reader(text, file)


def upyos_mode(sess):
    """True where upyOS's rules apply: in a script whose first line is
    #!upyos, or everywhere when system.conf says "upyos": true."""
    import system
    return system.conf.get("upyos") is True or getattr(sess.script, "upyos", False)


def _into_variable(target, sess):
    """upyOS's `CMD > NAME`: in upyOS mode, a target without . or / is a
    variable (a file otherwise, and everywhere else)."""
    return ((shellplain.is_name(target) or target.isdigit()) and upyos_mode(sess))


def _open(path, op):
    """> and >| truncate, >> appends, <> reads and writes from the start,
    creating the file."""
    if op == "<>":
        try:
            return open(path, "r+")
        except OSError:
            return open(path, "w+")
    return open(path, "a" if op == ">>" else "w")


def _descriptor(proc, sess, target, writing):
    if target in ("0", "1", "2"):
        return (proc.stdin, proc.stdout, proc.stderr)[int(target)]
    import reader
    stream = sess.fds.get(int(target)) if target.isdigit() else None
    # A file opened with < only is read: written to, it took the text
    # and said nothing.
    if stream is None or writing and isinstance(stream, reader.Reader) and stream.file is not None:
        raise ValueError("%s: bad file descriptor" % target)
    return stream


def exec_(argv, redirs, sess):
    """exec COMMAND: run it in the shell's stead (the shell ends with it);
    exec with redirections only: they stay, for the rest of the session,
    and the files stay open until closed (N>&-) or replaced."""
    saved = apply(redirs, sess) if redirs else None
    if redirs and saved is None:
        return 1
    if len(argv) > 1:
        # shell.run runs the command and ends the shell with its status.
        try:
            return shell.run(argv, sess)
        finally:
            if saved is not None:
                restore(saved)
    if saved is not None:
        # A descriptor closed or replaced closes its file, unless another
        # still has it: `exec 4>&1; exec 4>&-` closed the shell's output.
        proc = process.current()
        for fd, stream in saved[6].items():
            if (stream not in sess.fds.values() and stream is not proc.stdout
                    and stream is not proc.stderr and stream is not proc.stdin):
                stream.close()
    return 0


def redirected(redirs, sess, argv):
    """Run argv (None: nothing) with its redirections; the status. upyOS's
    `test ... > NAME` keeps its verdict in NAME (upyos_test)."""
    if argv and argv[0] == "test" and upyos_test(argv, redirs, sess):
        return 0
    saved = apply(redirs, sess)
    if saved is None:
        return 1
    try:
        return shell.run(argv, sess) if argv else 0
    finally:
        restore(saved)


def restore(saved):
    proc, proc.stdin, proc.stdout, proc.stderr, opened, sess, fds = saved
    sess.fds = fds
    for stream in opened:
        stream.close()


def upyos_test(argv, redirs, sess):
    """upyOS's `test ... > NAME`: store True or False in variable NAME
    (NAME a digit sets a positional parameter, as upyOS's end.sh uses it)."""
    if len(redirs) != 1 or redirs[0][:2] != (1, ">"):
        return False
    name = word_text(redirs[0][2], sess)
    if not (shellplain.is_name(name) or name.isdigit()):
        return False
    proc = process.current()
    saved = proc.stdout
    out = proc.stdout = _Verdict()
    try:
        status = shell.run(argv, sess)
    finally:
        proc.stdout = saved
    if out.given:
        # An upyOS program's own test, through utls.outs: its value.
        import utls
        utls.setenv(name, out.kept)
    else:
        sess.setenv(name, "True" if status == 0 else "False")
    return True


class _Verdict:
    """What upyos_test's test prints to: nothing it prints is kept (its
    status is the verdict), unless an upyOS program gives its value
    (utls.outs). Not shellpipes.VarOut: that one and the streams it
    builds on took 2 KiB of the esp8266's heap in the first line of
    upyOS's end.sh."""
    given = False
    kept = None

    def write(self, text):
        return len(text)

    def keep(self, value):
        self.kept = value
        self.given = True
