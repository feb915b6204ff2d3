"""The program API: what a program in /bin uses of the OS.

    import munix
    munix.proc()          this run's process: name, args, pid, stdin/stdout/stderr
    munix.session()       the session it runs in: cwd, variables, streams
    munix.getenv(NAME)    a variable (None when unset); setenv, unsetenv
    munix.path(P)         P made absolute against the session's directory
    munix.conf()          the system configuration (/etc/system.conf)
    munix.board()         the board description (the board file)
    munix.sleep(MS)       wait MS ms, longer while held; False once asked to stop
    munix.stopping()      True once a stop was requested (kill): time to end
    munix.held()          True while held (hold); munix.sleep waits it out
    munix.localtime(S)    the local time tuple of S seconds (default now), tz applied
    munix.tz_seconds()    the configured offset from UTC, in seconds
    munix.uptime_ms()     milliseconds since boot
    munix.is_name(S)      True if S can name a shell variable
    munix.run(LINE, ARGS) run a command line in this session; its status. With
                          ARGS, as a script (sh -c): $0 ARGS[0], $1... the rest,
                          options and functions of its own, exit ending it;
                          LINE may then be lines (an iterable)
    munix.script(FILE, ARGS)  run the shell script FILE (else the .sh that a
                          command FILE is) as a process: $0 FILE, $1... ARGS;
                          its status, None when there is no such script
    munix.command(NAME)   (the file command NAME runs or None, why it cannot
                          run or None); a NAME with a / is a path; (None,
                          None) for the shell's built-in commands
    munix.program(FILE)   the module of program FILE, loaded alone (help)
    munix.save_conf(D)    set D's keys in /etc/system.conf and the running configuration
    munix.reset(END)      restart the board, after /etc/end.sh when END
    munix.shutdown()      /etc/end.sh, then stop what runs (before a deep sleep)
    munix.unload(NAME)    take module NAME out of sys.modules so that it is freed
                          (`del sys.modules[NAME]` leaves it in the heap);
                          hold munix.import_lock while at sys.modules
    munix.NAME, VERSION   the system's name and version

A well-behaved loop in a program: `while munix.sleep(500): work()`.

print() and input() already go to the process's streams.
"""
import fspath
import process
import system
from shellflow import Exit
from shellplain import is_name  # noqa: F401
from system import NAME, VERSION, import_lock, unload, uptime_ms  # noqa: F401


def proc():
    return process.current()


def sleep(ms):
    return process.current().sleep(ms)


def stopping():
    return process.current().stopping()


def held():
    return process.current().held()


def session():
    return process.current().session


def getenv(name, default=None):
    return session().getenv(name, default)


def setenv(name, value, export=False):
    session().setenv(name, value, export)


def unsetenv(name):
    session().unsetenv(name)


def path(p):
    return fspath.abspath(p, session().cwd)


def tz_seconds():
    import clock
    return clock.tz_seconds()


def localtime(secs=None):
    import clock
    return clock.localtime(secs)


def conf():
    return system.conf


def board():
    return system.board


# The shell lives above this API: it puts itself in system.shell as it loads.
def run(line, args=None):
    """Run a command line in this session, as the shell reads it; its
    status. With args, as a script runs: $0 args[0], $1... the rest,
    options and functions of its own; exit and a shell error end it. line
    may then be lines, an iterable (sh reading its input)."""
    sh = system.shell
    sess = session()
    if args is None:
        return sh.run_line(line, sess)
    saved = sh.scripted(sess, args, None)
    # The lines run from here: each Python call costs a board's C stack.
    try:
        status = 0
        for text in (line,) if isinstance(line, str) else line:
            status = sh.run_line(text, sess)
        return status & 255
    except Exit as e:
        return e.status
    finally:
        sh.scripted(sess, None, saved)


def script(name, args=()):
    """Run the shell script name (a file from this folder, else the .sh a
    command name stands for) as a process of its own, $0 name and $1...
    args; its status, None when there is no such script."""
    sh = system.shell
    sess = session()
    path = sh.script_file(name, sess)
    return None if path is None else sh.run_script(path, [name] + list(args), sess)


def command(name):
    """(the program file command name runs, None or why it cannot run):
    name is looked up along $PATH, or is a path when it has a /; (None,
    why) when there is none; (None, None) for a built-in command, which
    the shell runs itself, before any file and any shell function."""
    sh = system.shell
    if name in sh.BUILTINS:
        return None, None
    return sh.locate(name, session())


def program(path):
    """The module of the program file path (a .py or .mpy), loaded alone:
    sys.modules keeps nothing of it."""
    return system.shell.load(path)


def save_conf(changes):
    """Set the keys of changes in /etc/system.conf (written whole or not at
    all), then in the running configuration; OSError when the flash
    refuses, and nothing changed."""
    import sysconf
    conf = sysconf.load()
    conf.update(changes)
    sysconf.save(conf)
    system.conf.update(changes)


def reset(after_end_sh=True):
    """Restart the board, after /etc/end.sh when after_end_sh; returns only
    where the port cannot reset."""
    system.reset(after_end_sh)


def shutdown():
    """Run /etc/end.sh and stop what still runs, as before a reset."""
    system.shutdown()
