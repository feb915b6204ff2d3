"""The evaluator's part that plain lines (shellplain.py) never need, kept
out of the resident shell: the parser's simple commands (assignments,
redirections, expansion) and the words of a program's failure. Loaded by
the first line or failure that needs it, and dropped with the parser on a
small heap (shell.PARSER). Its functions are reached from shell.py's in
place of theirs, never through one of their own: each Python call costs
a board's C stack."""
import errors
import process
import shell


def simple(node, sess):
    """Run a simple command the parser gave: its words expanded, its
    assignments and redirections applied; its status."""
    import expansion
    _, assigns, words, redirs = node
    sess.substituted = None
    argv = expansion.fields(words, sess) if words else []
    if "x" in sess.flags:
        process.current().stderr.write("+ %s\n" % " ".join(argv or [expansion.word(w, sess) for w in assigns]))
    if not argv:
        for word in assigns:
            name, value = expansion.assignment(word, sess)
            sess.setenv(name, value)
        # Nothing to run: the status is the last $(...)'s, if one ran.
        status = _redirected(redirs, sess, None)
        return sess.substituted if status == 0 and sess.substituted is not None else status
    if argv[0] == "exec":
        import redirect
        return redirect.exec_(argv, redirs, sess)
    if redirs and argv[0] == "test":
        import redirect
        if redirect.upyos_test(argv, redirs, sess):
            return 0
    previous = _assign_for_command(assigns, sess, expansion)
    try:
        return _redirected(redirs, sess, argv) if redirs else shell.run(argv, sess)
    finally:
        for name, value in previous:
            if value is None:
                sess.unsetenv(name)
            else:
                sess.setenv(name, value)


def _redirected(redirs, sess, argv):
    """Run argv (None: nothing) with its redirections; the status."""
    if not redirs:
        return shell.run(argv, sess) if argv else 0
    import redirect
    saved = redirect.apply(redirs, sess)
    if saved is None:
        return 1
    try:
        return shell.run(argv, sess) if argv else 0
    finally:
        redirect.restore(saved)


def _assign_for_command(assigns, sess, expansion):
    """NAME=value before a command: set for that command only."""
    previous = []
    for word in assigns:
        name, value = expansion.assignment(word, sess)
        previous.append((name, sess.getenv(name)))
        sess.setenv(name, value)
    return previous


def failed(name, module, exc):
    """Report what a program raised; returns its status."""
    import cmdargs
    proc = process.current()
    if isinstance(exc, cmdargs.Help):
        proc.stdout.write(_usage(name, module, True, cmdargs))
        return 0
    if isinstance(exc, cmdargs.UsageError):
        errors.complain(name, str(exc))
        proc.stderr.write(_usage(name, module, False, cmdargs))
        return 2
    errors.report(name, exc)
    return 1


def _usage(name, module, full, cmdargs):
    text = cmdargs.usage_of(module)
    if not full:
        text = text.split("\n")[0]
    return ("usage: %s %s" % (name, text)).rstrip() + "\n"
