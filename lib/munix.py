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

A well-behaved loop in a program: `while munix.sleep(500): work()`.

print() and input() already go to the process's streams.
"""
import fspath
import process


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


def conf():
    import kernel
    return kernel.conf


def board():
    import kernel
    return kernel.board
