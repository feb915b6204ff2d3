"""Streams between commands, and from a command to a variable:
pipelines, subshells ( ... ), $(...), and upyOS's `CMD > NAME` and
`test ... > NAME`. Loaded for the first line that has one; a file
redirection alone is redirect.py's.
"""
from micropython import const

import errors
import process
import shell
import shellplain
import streams
from shellflow import Exit, LoopControl, Return

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
    out = proc.stdout = streams.Capture()
    sess.capturing += 1
    import shellparse
    try:
        for node in shellparse.parse_all(text):
            shell.execute(node, sess)
    except (Exit, Return, LoopControl) as e:
        # A subshell: what ends it ends only it.
        sess.status = e.status
    except shellparse.ShellError as e:
        errors.complain("sh", str(e))
        sess.status = e.status
    finally:
        sess.capturing -= 1
        proc.stdout = saved
        sess.substituted = sess.status
    return out.text().rstrip("\n")


def pipeline(node, sess):
    """a | b | c: each command's output is kept (streams.Spool) and read
    by the next, one command after the other. Each but the last runs as a
    subshell (2.12: what it changes stays its own); the last runs in the
    shell, as ksh's does, so that `echo x | read v` sets v. A command that
    ran out of heap ends the pipeline, with its status."""
    _, commands, negated = node
    proc = process.current()
    stdin, stdout = proc.stdin, proc.stdout
    reader = None
    status = 0
    try:
        for i, command in enumerate(commands):
            last = i == len(commands) - 1
            spool = None if last else streams.Spool()
            proc.stdin = stdin if reader is None else reader
            proc.stdout = stdout if last else spool
            failures = errors.heap_failures
            try:
                status = shell.execute(command, sess) if last else subshell(command, sess)
            finally:
                if reader is not None:
                    reader.close()
                    reader = None
            if spool is not None:
                if errors.heap_failures != failures:
                    # Its output is not read: joined for the next command,
                    # it would take the heap that just ran out.
                    spool.discard()
                    break
                reader = spool.reader()
    finally:
        if reader is not None:
            reader.close()
        proc.stdin, proc.stdout = stdin, stdout
    if negated:
        status = 0 if status else 1
    return status


def subshell(body, sess):
    """( ... ), and a pipeline's command but its last: the same shell, put
    back as it was after it (variables, folder, options, arguments,
    functions); an exit, return, break or continue in it ends only it, and
    so does a shell error. Here, not with the compound commands: a plain
    line's pipeline (shellplain.py) loads neither them nor the parser."""
    saved = (dict(sess.vars), sess.cwd, sess.flags, sess.args, dict(sess.functions))
    try:
        return shell.execute(body, sess)
    except (Exit, Return, LoopControl) as e:
        return e.status
    except Exception as e:
        if not errors.shell_error(e):
            raise
        errors.complain("sh", str(e))
        return e.status
    finally:
        sess.vars, sess.cwd, sess.flags, sess.args, sess.functions = saved


class VarOut(streams.Capture):
    """A command's output kept for a variable, set when the command ends:
    its text, trailing newlines removed, added to the old value for >>;
    or the value a program gave through utls.outs, with its type."""

    def __init__(self, name, append, sess):
        super().__init__()
        self.name = name
        self.append = append
        self.sess = sess
        self.kept = None
        self.given = False

    def keep(self, value):
        self.kept = value
        self.given = True

    def close(self):
        old = self.sess.getenv(self.name, "") if self.append else ""
        if self.given and not self.append:
            import utls
            utls.setenv(self.name, self.kept)
        else:
            text = str(self.kept) if self.given else self.text().rstrip("\n")
            self.sess.setenv(self.name, old + text)
        self.parts = []


def upyos_test(argv, redirs, sess):
    """upyOS's `test ... > NAME`: store True or False in variable NAME
    (NAME a digit sets a positional parameter, as upyOS's end.sh uses it)."""
    if len(redirs) != 1 or redirs[0][:2] != (1, ">"):
        return False
    import redirect
    name = redirect.word_text(redirs[0][2], sess)
    if not (shellplain.is_name(name) or name.isdigit()):
        return False
    proc = process.current()
    saved = proc.stdout
    out = proc.stdout = VarOut(name, False, sess)
    try:
        status = shell.run(argv, sess)
    finally:
        proc.stdout = saved
    if out.given:
        # An upyOS program's own test, through utls.outs: its value.
        out.close()
    else:
        sess.setenv(name, "True" if status == 0 else "False")
    return True
