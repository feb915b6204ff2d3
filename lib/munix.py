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
    munix.run(LINE)       run a command line in this session; its status
    munix.save_conf(D)    set D's keys in /etc/system.conf and the running configuration
    munix.reset(END)      restart the board, after /etc/end.sh when END
    munix.shutdown()      /etc/end.sh, then stop what runs (before a deep sleep)
    munix.unload(NAME)    take module NAME out of sys.modules so that it is freed
                          (`del sys.modules[NAME]` leaves it in the heap);
                          hold munixsh.import_lock while at sys.modules
    munix.NAME, VERSION   the system's name and version

A well-behaved loop in a program: `while munix.sleep(500): work()`.

print() and input() already go to the process's streams. What only the
shell's own commands need (scripts, command lookup) is munixsh's.
"""
import fspath
import process
import system
from system import NAME, VERSION, unload, uptime_ms  # noqa: F401


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


def is_name(text):
    import shellplain
    return shellplain.is_name(text)


def loaded(name):
    """Module name if it is loaded (imported, its code run), else None:
    another thread may be importing it."""
    return system.import_lock.get(name)


def conf():
    return system.conf


def board():
    return system.board


def run(line):
    """Run a command line in this session, as the shell reads it; its
    status. The shell lives above this API: it puts itself in system.shell
    as it loads."""
    return system.shell.run_line(line, session())


def which(name):
    """The file the command name runs, found as the shell finds it (on
    $PATH: /bin, then /rom/bin on a board with munix in ROMFS or a
    pack); None when there is none."""
    return system.shell.resolve(name, session())


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
