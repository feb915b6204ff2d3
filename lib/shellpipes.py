"""Streams between commands, and from a command to a variable:
pipelines, subshells ( ... ), and what upyOS's `CMD > NAME` keeps for the
variable. Loaded for the first line that has one; a file redirection
alone is redirect.py's, which loads neither this nor streams.py.

Each function is given the shell module (sh) whose evaluator runs the
commands inside, as shellcompound.py's are: this one imports none of the
evaluator's modules, whose only loop of imports stays its own recursion
(shell, expansion, redirect).
"""
import errors
import process
import streams
from shellflow import Exit, LoopControl, Return


def pipeline(node, sess, sh):
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
                status = sh.execute(command, sess) if last else subshell(command, sess, sh)
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


def subshell(body, sess, sh):
    """( ... ), and a pipeline's command but its last: the same shell, put
    back as it was after it (variables and which are read only, folder,
    options, arguments, functions); an exit, return, break or continue in
    it ends only it, and so does a shell error. Here, not with the
    compound commands: a plain line's pipeline (shellplain.py) loads
    neither them nor the parser."""
    saved = enter(sess)
    status = 1
    try:
        status = sh.execute(body, sess)
    except (Exit, Return, LoopControl) as e:
        status = e.status
    except Exception as e:
        if not errors.shell_error(e):
            raise
        errors.complain("sh", str(e))
        status = e.status
    finally:
        status = leave(sess, saved, status, sh)
    return status


def enter(sess):
    """A subshell's environment (POSIX 2.12) begins in sess: what leave()
    puts back, as it was."""
    saved = (dict(sess.vars), sess.cwd, sess.flags, sess.args, dict(sess.functions), sess.traps,
             sess.readonly)
    # The conditions ignored stay so (`trap '' INT`); the others go back
    # to their default.
    kept = {c: a for c, a in sess.traps.items() if a == ""} if sess.traps else None
    sess.traps = kept or None
    return saved


def leave(sess, saved, status, sh):
    """The subshell's end: its EXIT trap runs, and sess is as it was
    before (enter()). The status it ends with."""
    try:
        return sh.exit_trap(sess, status)
    finally:
        sess.vars, sess.cwd, sess.flags, sess.args, sess.functions, sess.traps, sess.readonly = saved


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
