"""The shell: runs command lines for a session.

run_line() parses a line (shellplain.py when it is plain, else
shellparse.py, loaded then) and runs it: lists with ; && || and
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
from micropython import const

import errors
import fspath
import process
import shellplain
import system
from shellflow import Exit, Goto, LoopControl, Return

# A list, not a tuple, of names: a tuple of constants is compiled into one
# object whose strings take a block of heap each for as long as the module
# is loaded; a list's items are interned names, many the runtime's own.
BUILTINS = ["exit", "return", "break", "continue", "goto", "skip", "source", ".",
            "shift", "run", "[", ":", "true", "false", "loadconfig", "loadboard",
            "set", "local", "eval", "readonly", "trap", "type", "command", "exec"]

import_lock = system.import_lock  # programs load under it
# What programs import that keeps nothing from one program to the next:
# on a small heap it goes after each program (drop). Left out, `setauth`,
# `gpio` and `sensors` left up to 7 KiB of the esp32 profile's heap
# loaded beside the daemons for good. One string of names (system.listed),
# not a list: each name of a list was interned for good as the shell
# loaded, some 40 names a board had no other use for (on a ROMFS the
# string takes no heap at all).
HELPERS = (" cmdargs fileops munix munixsh crontable textin textcopy wordops httpclient "
           "httprequest intvar inet regex jobcmd jobctl jobthread daemonctl clock logfile fsguard "
           "logsession procctl threadctl netctl analog auth passwd hmacsha loginblock pins "
           "boardinfo buses sensing sht3x ssd1306 leds sleepmodes serialterm signature upgrade "
           "upgradeboot cmdlong errwords sysconf vieditor linecomplete lending ")
# What a line that is not plain loads (shellplain.py), as much heap again
# as the rest of the shell: on a small heap it goes too, once a session is
# back at its prompt and no line runs anywhere (idle()).
PARSER = (" cmdfail plainredir plainvars shellparse shellsyntax wordparse expansion shellcompound "
          "redirect shellpipes arith wildcard shellbuiltins shellstate shelltrap pyline "
          "streams reader script ifsplit ")
_LOW = const(49152)     # free heap below which they go
# A program found the heap above _LOW as it ended (run()): the thread that
# ran it, and how many modules were loaded then. idle() believes it while
# nothing was loaded since, rather than read the whole heap's table again:
# gc.mem_free() took twice a collection's time on the esp32 profile.
_roomy = [None, 0]
_lines = {}             # thread ident -> lines it runs now
_lines_lock = system.allocate_lock()
_SELF = sys.modules[__name__]   # what the built-ins (shellbuiltins.py) are given to run commands
# The folder is the runtime's, one for every thread: counting the shell's
# own moves tells a program's os.chdir from another thread's program start.
_moves = 0


def run_line(line, sess, more=None, typed=False):
    """Run one line in session sess (more() gives continuation lines of
    an unfinished if/while/for or quote); returns its status. typed: a
    line typed at a prompt, after which the session is idle (idle())."""
    parser = None
    me = system.thread_ident()
    _roomy[0] = None
    with _lines_lock:
        _lines[me] = _lines.get(me, 0) + 1
    try:
        aliases = system.conf.get("alias")
        node = shellplain.node(line, aliases)
        if node is None:
            import shellparse
            parser = shellparse.Parser(line, more, aliases)
        while True:
            if parser is not None:
                node = parser.command()
                if node is None:
                    break
            execute(node, sess)
            if parser is None or parser.line_done():
                break
    except Goto as jump:
        errors.complain("goto", "%s: not in a script" % jump.label)
        sess.status = 1
    except (Return, LoopControl) as e:
        # A program's line (munix.run) in a function or loop: it ends
        # there, as a subshell does.
        sess.status = e.status
    except Exit:
        raise
    except Exception as e:
        errors.report("sh", e)
        sess.status = 1
        if errors.shell_error(e):
            sess.status = e.status
            if sess.scripted:
                raise Exit(sess.status)
    finally:
        with _lines_lock:
            if _lines[me] > 1:
                _lines[me] -= 1
            else:
                del _lines[me]
    if typed:
        # A Ctrl-C the command ended on without printing: 130 too.
        interrupted(sess)
        idle()
    return sess.status


# What the layers below reach the shell by (munix.run, munixsh).
system.shell = _SELF


def idle():
    """A session is back at its prompt: on a small heap that is low, or
    while a daemon runs, what its lines loaded goes, unless a line runs in
    another session (one that ignores its stop does not count: see drop).
    A daemon's clients may come at any time: on the rp2040 profile the
    helpers of the line that started the daemons (cmdargs, daemonctl, the
    program API, 8 KiB) stayed, the heap above the mark then, and a job
    started next kept them for as long as it ran, beside every client.
    A job waiting for a thread starts now if one can."""
    if process.waiting:
        import procctl
        procctl.start_waiting()
    if not system.SMALL_HEAP:
        return
    with _lines_lock:
        threads = list(_lines)
    for ident in threads:
        if not process.ignoring_in(ident):
            return
    roomy = _roomy[0] == system.thread_ident() and _roomy[1] == len(sys.modules)
    _roomy[0] = None
    # The collection stays, as the figure spares only a reading: it frees
    # what the line left after its last program's end.
    gc.collect()
    if _serving() or not roomy and gc.mem_free() < _LOW:
        drop(HELPERS, PARSER)


def _serving():
    for p in process.table():
        if p.kind == "daemon":
            return True
    return False


def serve(sess, line=None):
    """Run the shell of session sess as the process that owns it
    (sess.owner): the lines its input gives until exit or end of input,
    or only line. Returns the session's last status. The one way a
    session gets its shell, with begin() and end() for a session whose
    lines are read by the OS's loop (telnet): the console's (kernel),
    /api/run, sessions over any stream."""
    proc = begin(sess)
    try:
        proc.enter()
        if line is None:
            sess.interact(_SELF)
        else:
            run_line(line, sess)
    except Exit as e:
        sess.status = e.status
    finally:
        end(sess)
    return sess.status


def begin(sess):
    """The shell process that owns session sess, made sess.owner."""
    proc = process.Process("sh", [], sess)
    sess.owner = proc
    return proc


def end(sess):
    """The session's shell has ended."""
    sess.status = exit_trap(sess, sess.status)
    sess.owner.exit(sess.status)
    if process.waiting:
        import procctl
        procctl.hang_up(sess)
    # A shell that ends is idle as one back at its prompt: on a small board
    # the parser an /api/run line loaded took the heap the daemon's next
    # requests needed.
    idle()


def _background(node, sess):
    """CMD &: the status of starting node as a job. The job runs on
    jobthread's code: on a small heap jobctl goes once it has started,
    where drop() keeps every helper while a job runs (2.7 KiB of the
    esp32 profile's heap, beside the daemons' clients)."""
    import jobctl
    status = jobctl.start(node, sess, _SELF)
    jobctl = None
    system.let_go(["jobctl"])
    return status


def execute(node, sess, testing=0, checked=False):
    """Run a parsed node (see shellparse.py); returns its status, also kept
    as $?. testing (1): a command whose status is tested (if, while, &&
    ||), which set -e does not end the shell for. checked: a list's
    command, whose failure set -e ends the shell for."""
    if testing:
        sess.testing += 1
    try:
        # What runs last in a node, the last command of a list or of &&
        # and ||, the body of { } or of the if branch taken, runs in this
        # call, not in one more: each Python call costs a board's C stack,
        # and scripts nesting loops, ifs and $(...) overflowed an RP2040's
        # 8 KiB. checked: set -e looks at the status of what runs last, as
        # a list's command.
        while True:
            kind = node[0]
            if kind == "nop":
                status = sess.status
            elif kind == "argv" or kind == "glob":
                # A plain line's words (shellplain.py): nothing to expand but
                # a glob's patterns.
                sess.substituted = None
                words = node[1]
                if kind == "glob" and "f" not in sess.flags:
                    import wildcard
                    words = wildcard.words(words, sess.cwd)
                if "x" in sess.flags:
                    process.current().stderr.write("+ %s\n" % " ".join(words))
                if len(node) > 2 and node[2]:
                    import redirect
                    status = redirect.redirected(node[2], sess, words)
                else:
                    status = run(words, sess)
            elif kind == "simple":
                import expansion
                status = expansion.simple(node, sess)
            elif kind == "list":
                status = 0
                items = node[1]
                last = len(items) - 1
                for i in range(last + 1):
                    item, background = items[i]
                    if i:
                        # A Ctrl-C during a command stops the line, as in a shell.
                        interrupted(sess)
                    if background:
                        # $? at once, for the list's next command too.
                        status = sess.status = _background(item, sess)
                    elif i == last:
                        break
                    else:
                        status = execute(item, sess, 0, not (item[0] == "pipe" and item[2]))
                else:
                    break
                node = item
                checked = checked or not (item[0] == "pipe" and item[2])
                continue
            elif kind == "andor":
                parts = node[1]
                status = execute(parts[0], sess, 1)
                for i in range(1, len(parts), 2):
                    if (parts[i] == "&&") == (status == 0):
                        if i + 2 == len(parts):
                            break
                        status = execute(parts[i + 1], sess, 1)
                else:
                    # The last command did not run: the status is one set -e
                    # ignores (POSIX 2.14 set -e: `false && x` ends no script).
                    checked = False
                    break
                node = parts[-1]
                continue
            elif kind == "pipe":
                import shellpipes
                if node[2]:
                    sess.testing += 1
                try:
                    status = shellpipes.pipeline(node, sess, _SELF)
                finally:
                    if node[2]:
                        sess.testing -= 1
            elif kind == "uif":
                import expansion
                if expansion.upyos_if(node, sess):
                    node = node[4]
                    continue
                status = 0
            elif kind == "py":
                import pyline
                status = pyline.run(node[1], sess)
            elif kind == "function":
                sess.functions[node[1]] = node[2]
                status = 0
            elif not node[-1]:
                # A compound command without redirections: { }'s body, and the
                # branch if and case take, run here (shellcompound returns them).
                if kind == "group":
                    node = node[1]
                    continue
                if kind == "subshell":
                    import shellpipes
                    status = shellpipes.subshell(node[1], sess, _SELF)
                    break
                import shellcompound
                status = shellcompound.run(node, sess, _SELF, _words(kind))
                if type(status) is tuple:
                    node = status
                    continue
            else:
                # Its redirections (the last item) around it.
                import redirect
                saved = redirect.apply(node[-1], sess)
                if saved is None:
                    status = 1
                    break
                try:
                    if kind == "group":
                        status = execute(node[1], sess)
                    elif kind == "subshell":
                        import shellpipes
                        status = shellpipes.subshell(node[1], sess, _SELF)
                    else:
                        import shellcompound
                        status = shellcompound.run(node, sess, _SELF, _words(kind))
                        if type(status) is tuple:
                            status = execute(status, sess)
                finally:
                    redirect.restore(saved)
            break
        sess.status = status
        if checked and status and "e" in sess.flags and not sess.testing:
            raise Exit(status)
        return status
    finally:
        if testing:
            sess.testing -= 1


def _words(kind):
    """What shellcompound.run expands words with: for's and case's only
    have words (while, until and if loaded expansion, 3 KiB of the esp32
    profile's heap, for `while true; do sleep 1; done`)."""
    if kind == "for" or kind == "case":
        import expansion
        return expansion
    return None


def interrupted(sess):
    """Between commands: a terminal that takes Ctrl-C as data (telnet)
    raises KeyboardInterrupt here once its user pressed it, as a board's
    console does by itself, so a loop of quiet commands stops too. A stop
    request (kill) to the process running them ends them all, as SIGTERM
    ends a shell (status 143), once the action of a TERM trap ran: a loop
    in a job went on, each of its commands stopped at once, and spun."""
    check = getattr(sess.stdout, "check_interrupt", None)
    if check is not None:
        check()
    if process.current().stopping():
        if sess.traps is not None:
            import shelltrap
            return shelltrap.stopped(sess, _SELF)
        raise Exit(143)


def run(argv, sess, functions=True):
    """Run the command argv[0] with arguments argv[1:]; returns its status.
    A shell function of that name comes first unless functions is False."""
    name = argv[0]
    if name in BUILTINS:
        # true, false and [ here: shellbuiltins, with cmdargs, took 8 KiB of
        # the esp32 profile's heap for them (`while true`, `true &`), and 5
        # KiB more than test's own for `if [ -f x ]`.
        if name == "true" or name == "false":
            return 1 if name == "false" else 0
        if name == "exec":
            # Without redirections (expansion gives exec those): the
            # command in the shell's stead, which ends with it.
            if len(argv) == 1:
                return 0
            raise Exit(run(argv[1:], sess))
        if name != "[":
            import shellbuiltins
            return shellbuiltins.run(argv, sess, _SELF)
        if argv[-1] != "]":
            errors.complain("[", "missing ]")
            return 2
        # test runs from here, not through a call of run(): each Python
        # call costs a board's C stack.
        argv = ["test"] + argv[1:-1]
        name = "test"
    body = sess.functions.get(name) if functions else None
    if body is not None:
        import shellcompound
        return shellcompound.call(body, argv, sess, _SELF)
    path, problem = locate(name, sess)
    if problem:
        errors.complain(name, problem)
        return 127 if path is None else 126
    if path.endswith(".sh"):
        return run_script(path, argv, sess)
    name = command_name(path)
    # munix's own incr, decr and sh, found on $PATH, run here: POSIX lets a
    # shell build in what it finds there. Loading the program was most of
    # a counting loop's turn, and sh's, with the program API, took 3 KiB
    # of the esp8266's heap and 4 calls of its C stack from every script.
    # So do reboot and reset without operands: past the board's pool of
    # interned names (its next block may find no room in a heap in
    # pieces) every program with a name not yet interned failed, theirs
    # too, and only unplugging the board helped.
    if name == "incr" or name == "decr" or name == "sh" or name == "reboot" or name == "reset":
        folder = path[:path.rfind("/")]
        if folder == "/bin" or folder == "/rom/bin":
            if name == "reboot" or name == "reset":
                if len(argv) == 1:
                    # Returns only where the port cannot reset: the program says so.
                    system.reset(name == "reboot")
            elif name != "sh":
                import intvar
                status = intvar.run(argv, sess, 1 if name == "incr" else -1)
                if status is not None:
                    return status
            elif len(argv) > 1:
                if argv[1] == "-c" and len(argv) > 2:
                    return run_lines(argv[2], argv[3:] or ["sh"], sess)
                script = script_file(argv[1], sess) if argv[1][:1] != "-" else None
                if script is not None:
                    return run_script(script, argv[1:], sess)
    # The program runs here, not in a function of its own: each Python
    # call costs a board's C stack.
    proc = process.Process(name, argv[1:], sess, process.current())
    module = None
    status = 1
    loaded = None
    global _moves
    # Whatever fails from here on, the heap's end too, the process ends: one
    # left in the table stayed its thread's current process, and through
    # its parents kept the whole line that ran it, for good.
    try:
        proc.enter()
        if system.SMALL_HEAP:
            loaded = list(sys.modules)
        try:
            os.chdir(sess.cwd)
        except OSError:
            # The session's folder was removed (by another session, say),
            # or its filesystem enters only its root (a ROMFS): every
            # command failed, `cd /` too. Programs run from / then; munix's
            # take their paths from the session anyway.
            os.chdir("/")
        _moves += 1
        moves = _moves
        start = os.getcwd()
        module = load(path)
        main = getattr(module, "__main__", None)
        if main is None:
            errors.complain(name, "not a program: %s has no __main__" % path)
            status = 126
        else:
            if hasattr(module, "proc"):
                module.proc = proc
            result = main(argv[1:])
            kind = type(result).__name__
            if kind == "generator" or kind == "coroutine":
                import jobctl
                result = jobctl.run_coroutine(result, proc)
            status = result & 255 if isinstance(result, int) else 0
        # upyOS's programs move the session with os.chdir (its cd does).
        here = os.getcwd()
        if here != start and moves == _moves:
            sess.cwd = here
    except SystemExit as e:
        status = errors.exit_status(e)
    except KeyboardInterrupt:
        # The whole line stops, not just this command (a loop would go on).
        proc.stderr.write("^C\n")
        status = 130
        raise
    except Exception as e:
        if errors.heap_ran_out(e):
            # Said by what is resident: cmdfail and cmdargs, loaded on a
            # full heap, ended the whole line (the esp8266's fleetd start).
            module = main = None
            if loaded is not None:
                forget(loaded)
            errors.report(name, e)
        else:
            import cmdfail
            status = cmdfail.failed(name, module, e)
    finally:
        proc.exit(status)
        module = main = None
        # The collection closes the files and sockets the program left open
        # (their finalisers), as a process's end does.
        gc.collect()
        if system.SMALL_HEAP:
            if system.HEAP < _LOW or gc.mem_free() < _LOW:
                drop(HELPERS)
            else:
                _roomy[0] = system.thread_ident()
                _roomy[1] = len(sys.modules)
    return status


def drop(names, more=""):
    """Drop the modules of names and more (system.listed), loaded again
    when next needed, unless a
    program of another thread runs, which may be using them. One that a
    module staying loaded imported stays: dropped, it would only be loaded
    twice."""
    me = system.thread_ident()
    for p in process.table():
        # A job counts before its thread has begun (its thread is still ours).
        # One that ignores its stop does not: Python that looks at nothing
        # of munix's (`> while True: pass`) runs on for good, and the
        # modules every later line loads stayed loaded meanwhile, until the
        # heap had no room for a command (a module it still used, if any,
        # it keeps: loaded again, it is there twice).
        if (p.kind != "daemon" and (p.job or p.parent is not None and p.thread != me)
                and not process.ignoring(p)):
            return
    # Under the lock for imports: a thread ending (a job just done) may be
    # importing, and a board without a GIL crashed when sys.modules
    # changed under it.
    with import_lock:
        system.forget_failed_imports()
        system.unload_unused(names, more)


def forget(before, keep=()):
    """A program or Python line ran out of heap: the modules loaded since
    before (a list of names) go but for those in keep, unless a daemon
    runs, which may be using them. An import the heap cut short left those
    it had loaded first (uftpd's asyncio, 3 KiB of an ESP8266's 38)."""
    try:
        with import_lock:
            for p in process.table():
                if p.kind == "daemon":
                    return
            drop([m for m in sys.modules if m not in before and sys.modules.get(m) not in keep])
    except MemoryError:
        pass


def locate(name, sess):
    """(the program file name stands for, why it cannot run or None)."""
    path = resolve(name, sess)
    if path is None:
        return None, "command not found"
    if fspath.is_protected(path):
        return path, "not a command: %s is %s" % (path, fspath.SYSTEM)
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


def script_file(name, sess):
    """The script a name given to sh or source stands for: the file name
    (from the current folder), else a .sh found as a command would be;
    None when there is neither."""
    path = fspath.abspath(name, sess.cwd)
    if fspath.isfile(path):
        return path
    found = resolve(name, sess)
    return found if found and found.endswith(".sh") else None


def _program_file(path):
    for ext in fspath.PROGRAMS:
        if path.endswith(ext):
            return path if fspath.isfile(path) else None
    for ext in fspath.PROGRAMS:
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
            system.unload(name)
            if shadowed is not None:
                sys.modules[name] = shadowed
    # A folder's / and the name's are one: a program in / is //x.py there.
    if getattr(module, "__file__", path).replace("//", "/") != path:
        raise ImportError("%s clashes with a built-in module" % name)
    return module


def run_script(path, argv, sess):
    """Run a shell script as a process of its own, with its own positional
    parameters ($0 the script, $1... argv[1:]), options and functions
    (it shares the session's variables, as in upyOS); `exit` ends the
    script, never the session."""
    import script
    proc = process.Process(command_name(path), argv[1:], sess, process.current())
    status = 1
    saved = None
    try:
        proc.enter()
        saved = scripted(sess, argv, None)
        # Run from here, not through a function of its own: each Python
        # call costs a board's C stack.
        status = script.run(path, sess, _SELF) & 255
    except Exit as e:
        status = e.status
    except OSError as e:
        errors.report(proc.name, e)
    finally:
        if saved is not None:
            try:
                status = exit_trap(sess, status)
            finally:
                scripted(sess, None, saved)
        proc.exit(status)
    sess.status = status
    return status


def run_lines(line, args, sess):
    """Run line (or lines: an iterable) in session sess as a script runs
    it (sh -c, sh reading its input): $0 args[0], $1... the rest, options
    and functions of its own; exit and a shell error end it. Its status."""
    saved = scripted(sess, args, None)
    # The lines run from here: each Python call costs a board's C stack.
    status = 0
    try:
        for text in (line,) if isinstance(line, str) else line:
            status = run_line(text, sess)
        status &= 255
    except Exit as e:
        status = e.status
    finally:
        try:
            status = exit_trap(sess, status)
        finally:
            scripted(sess, None, saved)
    return status


def scripted(sess, argv, saved):
    """Session sess set to run a script (a script, sh -c, sh reading its
    input): positional parameters argv ($0 argv[0]), options, functions
    and traps of its own, the session's variables (as in upyOS), and none of the
    caller's functions, loops or script, which return, break and continue
    in it cannot end; `exit` and a shell error (shellparse.ShellError) end
    it, with a status of 0-255 as a process's (`return 256` is 0 there).
    Returns what sess had, which scripted(sess, None, it) puts back (saved:
    not None)."""
    had = (sess.args, sess.flags, sess.functions, sess.frames, sess.loops, sess.script, sess.scripted,
           sess.traps)
    (sess.args, sess.flags, sess.functions, sess.frames, sess.loops, sess.script, sess.scripted,
     sess.traps) = saved or (list(argv), "", {}, [], 0, None, True, None)
    return had


def exit_trap(sess, status):
    """The status a shell (a script, sh -c, a subshell, a session) ends
    with, once the action of its EXIT trap ran: status, or what an `exit`
    in the action gives."""
    if sess.traps is None:
        return status
    import shelltrap
    return shelltrap.exit_trap(sess, status, _SELF)
