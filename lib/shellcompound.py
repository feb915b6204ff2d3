"""The compound commands (if, while, until, for, case) and calls of shell
functions, run for the resident evaluator (shell.py), which only runs
simple commands, lists, pipelines, { ...; } and ( ... ) (shellpipes.subshell)
itself. Loaded the first time a line holds one.

Each function is given the shell module (sh) whose evaluator runs the
commands inside, and run() the expansion module for the words of for and
case (None for the others, which have no words): this one never imports
either, so that the shell's only loop of imports stays its own recursion
(shell, expansion, redirect).
"""
from shellflow import MAX_CALLS, LoopControl, Return
from shellparse import ShellError


def run(node, sess, sh, expansion):
    """Run a compound command node (shellparse.py); its status, or for if
    and case the body to run, which the caller runs (sh.execute): a Python
    call less for each of them, each call a board's C stack."""
    kind = node[0]
    if kind == "if":
        for condition, body in node[1]:
            if sh.execute(condition, sess, 1) == 0:
                return body
        return node[2] or 0
    if kind == "loop" or kind == "for":
        # The loop runs here, not in a function of its own: each Python
        # call costs a board's C stack.
        if kind == "loop":
            _, condition, body, until = node[:4]
        else:
            _, name, words, body = node[:4]
            values = sess.positional()[1:] if words is None else expansion.fields(words, sess)
            values.reverse()
        status = 0
        sess.loops += 1
        try:
            while True:
                # The condition too: a break in it leaves this loop.
                try:
                    if kind == "loop":
                        if (sh.execute(condition, sess, 1) == 0) == until:
                            break
                    elif values:
                        expansion.assign(name, values.pop(), sess)
                    else:
                        break
                    sh.interrupted(sess)
                    status = sh.execute(body, sess)
                except LoopControl as e:
                    if e.levels > 1:
                        e.levels -= 1
                        raise
                    status = e.status
                    if e.kind == "break":
                        break
        finally:
            sess.loops -= 1
        return status
    if kind == "case":
        import wildcard
        import wordops
        text = expansion.word(node[1], sess)
        for patterns, body in node[2]:
            for pattern in patterns:
                if wildcard.match(wordops.pattern(pattern, sess, expansion), text, True):
                    return body or 0
        return 0


def call(body, argv, sess, sh):
    """Run a shell function: $1... are its arguments, `return` ends it,
    and the variables it made `local` are put back. The loops it is called
    from are not its own: break and continue in it do not leave them.
    Past MAX_CALLS levels, or the stack's end, a shell error abandons the
    whole line."""
    if sess.calls >= MAX_CALLS:
        raise ShellError("%s: functions nested too deeply (limit %d)" % (argv[0], MAX_CALLS))
    saved = sess.args, sess.loops
    sess.args = [sess.positional()[0]] + argv[1:]
    sess.loops = 0
    sess.frames.append({})
    sess.calls += 1
    try:
        return sh.execute(body, sess)
    except Return as r:
        return r.status
    except RuntimeError:
        # The runtime's "maximum recursion depth exceeded": a board's
        # stack ended before MAX_CALLS.
        raise ShellError("%s: functions nested too deeply for the stack" % argv[0])
    finally:
        sess.calls -= 1
        for name, value in sess.frames.pop().items():
            if value is None:
                sess.unsetenv(name)
            else:
                sess.setenv(name, value)
        sess.args, sess.loops = saved
