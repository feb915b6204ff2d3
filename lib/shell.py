"""The shell: runs command lines for a session.

run_line() runs one line: a Python line (starting with > or <) or commands
separated by ;. run() runs one command: an internal one (exit, loadconfig,
loadboard) or a program found by path or through $PATH, either a .py/.mpy
module with __main__(args) or a .sh script. Each program runs as its own
process, and its module is dropped once it ends, so memory does not grow
with use and an edited command takes effect on its next run.
"""
import gc
import os
import sys
import _thread

import cmdline
import fspath
import process

EXTENSIONS = (".py", ".mpy", ".sh")

import_lock = _thread.allocate_lock()


class Exit(Exception):
    """`exit` ran: it ends the script, or the session, it ran in."""

    def __init__(self, status):
        self.status = status


def run_line(line, sess):
    """Run one line in session sess; returns and records the last status."""
    text = line.strip()
    if text[:1] in (">", "<"):
        import pyline
        sess.status = pyline.run(text, sess)
        return sess.status
    try:
        commands = cmdline.parse(text)
    except cmdline.ParseError as e:
        complain("sh", "syntax error: %s" % e)
        sess.status = 2
        return 2
    for words in commands:
        if cmdline.assignment(words[0]) and all(cmdline.assignment(w) for w in words):
            _assign(words, sess)
            sess.status = 0
            continue
        argv = cmdline.expand(words, sess.getenv)
        if argv:
            sess.status = run(argv, sess)
    return sess.status


def _assign(words, sess):
    for word in words:
        name = cmdline.assignment(word)
        head = word[0][1][len(name) + 1:]
        sess.setenv(name, cmdline.expand_word([(cmdline.LIT, head)] + word[1:], sess.getenv))


def complain(name, message):
    """Print `name: message` on the current process's error stream."""
    process.current().stderr.write("%s: %s\n" % (name, message))


def run(argv, sess):
    """Run the command argv[0] with arguments argv[1:]; returns its status."""
    name = argv[0]
    if name == "exit":
        raise Exit(_exit_status(argv, sess))
    if name in ("loadconfig", "loadboard"):
        import kernel
        return kernel.internal(name, argv[1:])
    path, problem = locate(name, sess)
    if problem:
        complain(name, problem)
        return 127 if path is None else 126
    if path.endswith(".sh"):
        return run_script(path, argv, sess)
    return _run_module(path, argv, sess)


def _exit_status(argv, sess):
    if len(argv) < 2:
        return sess.status
    try:
        return int(argv[1])
    except ValueError:
        complain("exit", "%s: numeric argument required" % argv[1])
        return 2


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
            status = result if isinstance(result, int) else 0
    except SystemExit as e:
        status = system_exit_status(e)
    except KeyboardInterrupt:
        proc.stderr.write("^C\n")
        status = 130
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
    """Run a shell script line by line, as a process of its own; `exit`
    ends the script, never the session."""
    proc = process.Process(command_name(path), argv[1:], sess, process.current())
    proc.enter()
    status = 0
    try:
        with open(path) as f:
            for line in f:
                status = run_line(line, sess)
    except Exit as e:
        status = e.status
    except OSError as e:
        report(proc.name, e)
        status = 1
    finally:
        proc.exit(status)
    sess.status = status
    return status
