"""The program API: what a program in /bin uses of the OS.

    import munix
    munix.proc()          this run's process: name, args, pid, stdin/stdout/stderr
    munix.session()       the session it runs in: cwd, variables, streams
    munix.getenv(NAME)    a variable (None when unset); setenv, unsetenv
    munix.path(P)         P made absolute against the session's directory
    munix.conf()          the system configuration (/etc/system.conf)
    munix.board()         the board description (the board file)

print() and input() already go to the process's streams.
"""
import fspath
import process


def proc():
    return process.current()


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
