"""The session of a daemon (crond, eventd) and of the jobs it starts: it
reads no terminal and writes to the daemon's log file.

Its own module: in jobctl, a daemon kept jobctl loaded for as long as it
ran; in logfile, every network daemon, which logs through it, kept this
too (an FTP client's `kill` then ran out of the esp32 profile's heap).
"""
import session


class NoInput:
    """The input of a job or a daemon: it never reads a terminal."""

    def input(self, prompt=""):
        raise EOFError

    def read(self, n=-1):
        return ""

    def readline(self):
        return ""


class Output:
    """A stream writing to the log file path."""

    def __init__(self, path):
        self.path = path

    def write(self, text):
        import logfile
        logfile.append(self.path, text)


def new(name, path):
    """A session of its own for daemon name, its output going to the log
    file path: in the session of the user who started it, it was a job
    there, and `wait` waited for it for ever."""
    out = Output(path)
    return session.Session(name, NoInput(), out, out)
