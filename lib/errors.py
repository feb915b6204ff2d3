"""How the shell and the OS report a failure: one line, `name: message`,
on the current process's error stream, in cmdargs.strerror's words.
Resident, so that a failure is reported even when the heap is exhausted."""
import sys

import process
import system
from shellflow import ShellError

_NO_MEMORY = "memory allocation failed"
# The shell's words for a full heap as a terminal is sent them, made in
# advance: said when there is no heap to make them (Session._out_of_memory).
SH_FULL = b"sh: memory allocation failed\r\n"
# How many failures for want of heap were reported: a pipeline ends at a
# stage that ran out (shellpipes.pipeline), as the next would read nothing
# and, on a heap that full, fail too, each with a line of its own.
heap_failures = 0


def complain(name, message):
    """Print `name: message` on the current process's error stream."""
    process.current().stderr.write("%s: %s\n" % (name, message))


def report(name, exc):
    """Report an exception in one line; the traceback too when $DEBUG is set."""
    proc = process.current()
    if proc.session.getenv("DEBUG"):
        sys.print_exception(exc, proc.stderr)
    if heap_ran_out(exc):
        global heap_failures
        heap_failures += 1
        # An import it cut short may have left its name in sys.modules
        # with no module (system.forget_failed_imports): gone before any
        # other line looks there.
        try:
            with system.import_lock:
                system.forget_failed_imports()
        except MemoryError:
            pass
    complain(name, words(exc))


def words(exc):
    """What to say of exc in one line: cmdargs.strerror's words; at the
    heap's end (heap_ran_out) its own, as there is no heap to load others
    with, unless the heap was too full to hold them whole (MicroPython then
    cuts them short in its emergency buffer: "memory allocation ")."""
    if heap_ran_out(exc):
        text = str(exc)
        return text if text.startswith(_NO_MEMORY) else _NO_MEMORY
    try:
        import cmdargs
        return cmdargs.strerror(exc)
    except Exception:
        # cmdargs could not load (the heap full: "no module named" then):
        # the exception's own words, as they are all that can be given.
        return str(exc)


def heap_ran_out(exc):
    """Whether exc is the heap's end: a MemoryError, or an ImportError that
    the heap's end made (system.import_cut_short)."""
    return isinstance(exc, MemoryError) or isinstance(exc, ImportError) and system.import_cut_short(exc)


def shell_error(exc):
    """Whether exc is a shell error (shellflow.ShellError), which has a
    status of its own and ends a script, unlike any exception that has a
    status (an HTTP error's)."""
    return isinstance(exc, ShellError)


def exit_status(e):
    """The status a SystemExit stands for, modulo 256 as a process's is."""
    code = e.args[0] if e.args else 0
    return code & 255 if isinstance(code, int) else 1
