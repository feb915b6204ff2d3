"""The shell: runs command lines for a session.

run_line() runs one line: a Python line (starting with > or <) or commands
separated by ;. run() runs one command: an internal one (exit, loadconfig,
loadboard) or a program found by path or through $PATH, either a .py/.mpy
module with __main__(args) or a .sh script. Each program runs as its own
process, and its module is dropped once it ends, so memory does not grow
with use and an edited command takes effect on its next run.
"""
"""The shell: runs command lines for a session.

run_line() parses a line (cmdline.py) and runs it: lists with ; && || and
&, pipelines, redirections, if/while/until/for, upyOS's one-line if, Python
lines (> and <), the built-in commands that act on the shell itself (exit,
return, break, continue, goto, skip, source, shift, ...), and programs found
by path or through $PATH: a .py/.mpy module with __main__(args), or a .sh
script (script.py). Each program runs as its own process, and its module is
dropped once it ends, so memory does not grow with use and an edited command
takes effect on its next run.
"""
import gc
import os
import sys
import _thread

import cmdline
import expansion
import fspath
import process

EXTENSIONS = (".py", ".mpy", ".sh")

import_lock = _thread.allocate_lock()


class Exit(Exception):
    """`exit` ran: it ends the script, or the session, it ran in."""

    def __init__(self, status):
        self.status = status


class Return(Exception):
    """`return` ran: it ends the script or sourced file it ran in."""

    def __init__(self, status):
        self.status = status


class Goto(Exception):
    def __init__(self, label):
        self.label = label


class LoopControl(Exception):
    """break or continue, out of `levels` loops."""

    def __init__(self, kind, levels):
        self.kind = kind
        self.levels = levels


def run_line(line, sess, more=None):
    """Run one line in session sess (more() gives continuation lines of
    an unfinished if/while/for or quote); returns its status."""
    import kernel
    parser = cmdline.Parser(line, more, kernel.conf.get("alias"))
    try:
        while True:
            node = parser.command()
            if node is None:
                break
            execute(node, sess)
            if parser.line_done():
                break
    except cmdline.ParseError as e:
        complain("sh", "syntax error: %s" % e)
        sess.status = 2
    except Goto as jump:
        complain("goto", "%s: not in a script" % jump.label)
        sess.status = 1
    except Return:
        complain("return", "not in a script")
        sess.status = 1
    except LoopControl as e:
        complain(e.kind, "only meaningful in a loop")
        sess.status = 1
    return sess.status


def capture(text, sess):
    """The output of the command line text, trailing newlines removed ($(...))."""
    import streams
    proc = process.current()
    saved = proc.stdout
    out = proc.stdout = streams.Capture()
    try:
        for node in cmdline.parse_all(text):
            execute(node, sess)
    except Exit as e:
        sess.status = e.status
    except cmdline.ParseError as e:
        complain("sh", "syntax error: %s" % e)
        sess.status = 2
    finally:
        proc.stdout = saved
    return out.text().rstrip("\n")


def execute(node, sess):
    """Run a parsed node (see cmdline.py); returns its status, also kept
    as $?."""
    kind = node[0]
    if kind == "nop":
        return sess.status
    if kind == "simple":
        status = _simple(node, sess)
    elif kind == "list":
        status = 0
        for item, background in node[1]:
            status = _background(item, sess) if background else execute(item, sess)
    elif kind == "andor":
        parts = node[1]
        status = execute(parts[0], sess)
        for i in range(1, len(parts), 2):
            if (parts[i] == "&&") == (status == 0):
                status = execute(parts[i + 1], sess)
    elif kind == "pipe":
        status = _pipeline(node, sess)
    elif kind == "uif":
        status = _upyos_if(node, sess)
    elif kind == "py":
        import pyline
        status = pyline.run(node[1], sess)
    else:
        saved = _redirect(node[-1], sess)
        if saved is None:
            status = 1
        else:
            try:
                status = _compound(node, sess)
            finally:
                _restore(saved)
    sess.status = status
    return status


def _compound(node, sess):
    kind = node[0]
    if kind == "group":
        return execute(node[1], sess)
    if kind == "if":
        for condition, body in node[1]:
            if execute(condition, sess) == 0:
                return execute(body, sess)
        return execute(node[2], sess) if node[2] else 0
    if kind == "loop":
        _, condition, body, until = node[:4]
        return _loop(lambda: (execute(condition, sess) == 0) != until, body, sess)
    _, name, words, body = node[:4]
    values = sess.positional()[1:] if words is None else expansion.fields(words, sess)
    values.reverse()

    def more():
        if not values:
            return False
        sess.setenv(name, values.pop())
        return True
    return _loop(more, body, sess)


def _loop(more, body, sess):
    status = 0
    while more():
        try:
            status = execute(body, sess)
        except LoopControl as e:
            if e.levels > 1:
                e.levels -= 1
                raise
            if e.kind == "break":
                break
    return status


def _upyos_if(node, sess):
    _, a, op, b, action = node
    a = expansion.word(a, sess)
    b = expansion.word(b, sess)
    if compare(a, op, b):
        return execute(action, sess)
    return 0


def compare(a, op, b):
    """upyOS's comparison: as numbers when both are, else as strings."""
    if op == "in":
        return a in b
    try:
        a, b = float(a), float(b)
    except ValueError:
        pass
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    try:
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        return a >= b
    except TypeError:
        return str(a) < str(b) if op[0] == "<" else str(a) > str(b)


def _simple(node, sess):
    _, assigns, words, redirs = node
    argv = expansion.fields(words, sess) if words else []
    if not argv:
        for word in assigns:
            name, value = expansion.assignment(word, sess)
            sess.setenv(name, value)
        saved = _redirect(redirs, sess)
        if saved is None:
            return 1
        _restore(saved)
        return 0
    if argv[0] == "test" and _upyos_test(argv, redirs, sess):
        return 0
    saved = _redirect(redirs, sess)
    if saved is None:
        return 1
    previous = _assign_for_command(assigns, sess)
    try:
        return run(argv, sess)
    finally:
        _restore(saved)
        for name, value in previous:
            if value is None:
                sess.unsetenv(name)
            else:
                sess.setenv(name, value)


def _assign_for_command(assigns, sess):
    """NAME=value before a command: set for that command only."""
    previous = []
    for word in assigns:
        name, value = expansion.assignment(word, sess)
        previous.append((name, sess.getenv(name)))
        sess.setenv(name, value)
    return previous


def _upyos_test(argv, redirs, sess):
    """upyOS's `test ... > NAME`: store True or False in variable NAME
    (NAME a digit sets a positional parameter, as upyOS's end.sh uses it)."""
    if len(redirs) != 1 or redirs[0][:2] != (1, ">"):
        return False
    name = expansion.word(redirs[0][2], sess)
    if not (cmdline.is_name(name) or name.isdigit()):
        return False
    import streams
    proc = process.current()
    saved = proc.stdout
    proc.stdout = streams.Capture()
    try:
        status = run(argv, sess)
    finally:
        proc.stdout = saved
    sess.setenv(name, "True" if status == 0 else "False")
    return True


def _redirect(redirs, sess):
    """Apply redirections to the current process; what _restore needs to
    undo them, or None (after an error message) when one failed."""
    proc = process.current()
    saved = (proc, proc.stdin, proc.stdout, proc.stderr, [])
    for fd, op, word in redirs:
        target = expansion.word(word, sess)
        try:
            if fd > 2:
                raise ValueError("%d: bad file descriptor" % fd)
            if op in ("<&", ">&"):
                if target not in ("0", "1", "2"):
                    raise ValueError("%s: bad file descriptor" % target)
                stream = (proc.stdin, proc.stdout, proc.stderr)[int(target)]
            else:
                path = fspath.abspath(target, sess.cwd)
                if op == "<":
                    import streams
                    stream = streams.Reader(file=open(path))
                else:
                    if fspath.is_protected(path):
                        raise ValueError("%s: part of the system, not overwritten" % target)
                    stream = open(path, "a" if op == ">>" else "w")
                saved[4].append(stream)
        except (OSError, ValueError) as e:
            _restore(saved)
            import cmdargs
            complain("sh", "%s: %s" % (target, cmdargs.strerror(e)) if isinstance(e, OSError) else str(e))
            return None
        if fd == 0:
            proc.stdin = stream
        elif fd == 1:
            proc.stdout = stream
        else:
            proc.stderr = stream
    return saved


def _restore(saved):
    proc, proc.stdin, proc.stdout, proc.stderr, opened = saved
    for stream in opened:
        stream.close()


def _pipeline(node, sess):
    """a | b | c: each command's output is kept (streams.Spool) and read
    by the next, one command after the other."""
    import streams
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
            try:
                status = execute(command, sess)
            finally:
                if reader is not None:
                    reader.close()
                    reader = None
            if spool is not None:
                reader = spool.reader()
    finally:
        if reader is not None:
            reader.close()
        proc.stdin, proc.stdout = stdin, stdout
    if negated:
        status = 0 if status else 1
    return status


def _background(node, sess):
    """CMD &: run node as a job of its own (jobs.py)."""
    try:
        import jobs
    except ImportError:
        complain("sh", "background jobs are not available")
        return 1
    name, args = _describe(node)
    try:
        job = jobs.background(sess, name, args, lambda: execute(node, sess))
    except OSError as e:
        import cmdargs
        complain("sh", "cannot start %s in the background: %s" % (name, cmdargs.strerror(e)))
        return 1
    sess.last_job = job.pid
    return 0


def _describe(node):
    """The name and arguments a job is listed by, as written."""
    while node[0] in ("andor", "pipe", "list"):
        node = node[1][0]
        if isinstance(node, tuple) and node and isinstance(node[0], tuple):
            node = node[0]
    if node[0] != "simple" or not node[2]:
        return "sh", []
    words = ["".join([t for k, t in word]) for word in node[2]]
    return command_name(words[0]), words[1:]


def complain(name, message):
    """Print `name: message` on the current process's error stream."""
    process.current().stderr.write("%s: %s\n" % (name, message))


def run(argv, sess):
    """Run the command argv[0] with arguments argv[1:]; returns its status."""
    name = argv[0]
    if name == "[":
        if argv[-1] != "]":
            complain("[", "missing ]")
            return 2
        return run(["test"] + argv[1:-1], sess)
    builtin = _BUILTINS.get(name)
    if builtin is not None:
        return builtin(argv, sess)
    path, problem = locate(name, sess)
    if problem:
        complain(name, problem)
        return 127 if path is None else 126
    if path.endswith(".sh"):
        return run_script(path, argv, sess)
    return _run_module(path, argv, sess)


def _status_arg(argv, sess):
    if len(argv) < 2:
        return sess.status
    try:
        return int(argv[1])
    except ValueError:
        complain(argv[0], "%s: numeric argument required" % argv[1])
        return 2


def _count_arg(argv):
    try:
        n = int(argv[1]) if len(argv) > 1 else 1
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError("%s: %s: not a positive count" % (argv[0], argv[1]))
    return n


def _exit(argv, sess):
    raise Exit(_status_arg(argv, sess))


def _return(argv, sess):
    raise Return(_status_arg(argv, sess))


def _loop_control(argv, sess):
    try:
        raise LoopControl(argv[0], _count_arg(argv))
    except ValueError as e:
        complain("sh", str(e))
        return 2


def _goto(argv, sess):
    if len(argv) != 2:
        complain("goto", "usage: goto LABEL")
        return 2
    raise Goto(argv[1])


def _skip(argv, sess):
    try:
        n = _count_arg(argv)
    except ValueError as e:
        complain("sh", str(e))
        return 2
    if sess.script is None:
        complain("skip", "not in a script")
        return 1
    sess.script.skip = n
    return 0


def _source(argv, sess):
    if len(argv) < 2:
        complain(argv[0], "usage: %s FILE [ARG...]" % argv[0])
        return 2
    path = fspath.abspath(argv[1], sess.cwd)
    if not fspath.isfile(path):
        path = resolve(argv[1], sess) or path
    saved = sess.args
    if len(argv) > 2:
        sess.args = [argv[1]] + argv[2:]
    try:
        import script
        return script.run(path, sess, execute)
    except OSError as e:
        report(argv[0], OSError("%s: %s" % (argv[1], _strerror(e))))
        return 1
    finally:
        sess.args = saved


def _shift(argv, sess):
    try:
        n = _count_arg(argv) if len(argv) > 1 else 1
    except ValueError as e:
        complain("sh", str(e))
        return 2
    args = sess.positional()
    if n > len(args) - 1:
        complain("shift", "can't shift that many")
        return 1
    sess.args = args[:1] + args[1 + n:]
    return 0


def _internal(argv, sess):
    import kernel
    return kernel.internal(argv[0], argv[1:])


_BUILTINS = {
    "exit": _exit, "return": _return, "break": _loop_control,
    "continue": _loop_control, "goto": _goto, "skip": _skip, "source": _source,
    ".": _source, "shift": _shift, "loadconfig": _internal, "loadboard": _internal,
    ":": lambda argv, sess: 0, "true": lambda argv, sess: 0,
    "false": lambda argv, sess: 1,
    "run": lambda argv, sess: run(argv[1:], sess) if len(argv) > 1 else 0,
}


def _strerror(e):
    import cmdargs
    return cmdargs.strerror(e)


def locate(name, sess):
    """(the program file name stands for, why it cannot run or None)."""
    path = resolve(name, sess)
    if path is None:
        return None, "command not found"
    if fspath.is_protected(path):
        return path, "not a command: %s is part of the system" % path
    return path, None


def resolve(name, sess):
    """The file a command name stands for, or None. Names with a / are
    paths (the extension may be left out); others are looked up in each
    folder of $PATH."""
    if "/" in name:
        return _program_file(fspath.abspath(name, sess.cwd))
    for folder in sess.getenv("PATH", "/bin").split(":"):
        if folder:
            path = fspath.abspath(folder + "/" + name, sess.cwd)
            if not fspath.is_protected(path):
                found = _program_file(path)
                if found:
                    return found
    return None


def _program_file(path):
    for ext in EXTENSIONS:
        if path.endswith(ext):
            return path if fspath.isfile(path) else None
    for ext in EXTENSIONS:
        if fspath.isfile(path + ext):
            return path + ext
    return None


def command_name(path):
    """The name a program file is run by: /bin/ls.mpy -> ls."""
    name = fspath.basename(path)
    return name[:name.rfind(".")] if "." in name else name


def load(path):
    """Import the module at path as a fresh module object of its own."""
    folder, _ = fspath.split(path)
    name = command_name(path)
    with import_lock:
        shadowed = sys.modules.pop(name, None)
        sys.path.insert(0, folder)
        try:
            module = __import__(name)
        finally:
            sys.path.pop(0)
            sys.modules.pop(name, None)
            if shadowed is not None:
                sys.modules[name] = shadowed
    if getattr(module, "__file__", path) != path:
        raise ImportError("%s clashes with a built-in module" % name)
    return module


def _run_module(path, argv, sess):
    name = command_name(path)
    proc = process.Process(name, argv[1:], sess, process.current())
    proc.enter()
    module = None
    status = 1
    try:
        os.chdir(sess.cwd)
        module = load(path)
        main = getattr(module, "__main__", None)
        if main is None:
            complain(name, "not a program: %s has no __main__" % path)
            status = 126
        else:
            if hasattr(module, "proc"):
                module.proc = proc
            result = main(argv[1:])
            if type(result).__name__ in ("generator", "coroutine"):
                import jobs
                result = jobs.run_coroutine(result, proc)
            status = result if isinstance(result, int) else 0
    except SystemExit as e:
        status = system_exit_status(e)
    except KeyboardInterrupt:
        # The whole line stops, not just this command (a loop would go on).
        proc.stderr.write("^C\n")
        status = 130
        raise
    except Exception as e:
        status = _failed(name, module, e)
    finally:
        proc.exit(status)
        module = None
        gc.collect()
    return status


def _failed(name, module, exc):
    """Report what a command raised; returns its status. cmdargs is only
    imported here, when a command failed: the kernel itself needs none of it."""
    import cmdargs
    proc = process.current()
    if isinstance(exc, cmdargs.Help):
        proc.stdout.write(_usage(name, module, True))
        return 0
    if isinstance(exc, cmdargs.UsageError):
        complain(name, str(exc))
        proc.stderr.write(_usage(name, module, False))
        return 2
    report(name, exc)
    return 1


def _usage(name, module, full):
    text = getattr(module, "USAGE", "")
    if not full:
        text = text.split("\n")[0]
    return ("usage: %s %s" % (name, text)).rstrip() + "\n"


def system_exit_status(e):
    code = e.args[0] if e.args else 0
    return code if isinstance(code, int) else 1


def report(name, exc):
    """Report an exception from a command in one line; the traceback too
    when $DEBUG is set."""
    proc = process.current()
    if proc.session.getenv("DEBUG"):
        sys.print_exception(exc, proc.stderr)
    import cmdargs
    complain(name, cmdargs.strerror(exc))


def run_script(path, argv, sess):
    """Run a shell script as a process of its own, with its own positional
    parameters ($0 the script, $1... argv[1:]); `exit` ends the script,
    never the session."""
    import script
    proc = process.Process(command_name(path), argv[1:], sess, process.current())
    proc.enter()
    saved = sess.args
    sess.args = list(argv)
    status = 1
    try:
        status = script.run(path, sess, execute)
    except Exit as e:
        status = e.status
    except OSError as e:
        report(proc.name, e)
    finally:
        sess.args = saved
        proc.exit(status)
    sess.status = status
    return status
