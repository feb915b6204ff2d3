"""What a background job's thread runs: its body, between the process's
start and end, and the stream its output goes through. Apart from the
rest of jobctl because a function keeps its module in the heap for as
long as it runs: a job held all of jobctl (2.7 KiB of the esp32 profile's
heap), and a cron job cron's work module too, for as long as it ran; now
those go once the job has started, and a job keeps only this."""

import process
import system
from shellflow import Exit


class Output:
    """A job's output stream: its session's terminal, then its log."""

    def __init__(self, job, stream):
        self.job = job
        self.stream = stream

    def write(self, text):
        job = self.job
        if job.log is None:
            try:
                return self.stream.write(text)
            except OSError:
                job.log = "/tmp/job%d.log" % job.pid
        import logfile
        logfile.append(job.log, text)


def run(proc, body, args, go, quiet):
    """The job's thread: body(*args) as process proc, once go is released
    (the `[job] pid` line comes first)."""
    status = 1
    try:
        # Inside the try: a job that fails even to begin (no memory left)
        # still ends, rather than staying in the table as running.
        proc.enter()
        go.acquire()
        go.release()
        status = body(*args)
    except SystemExit as e:
        import errors
        status = errors.exit_status(e)
    except Exit as e:
        # `exit` in the job, or a stop request its shell code obeyed.
        status = e.status
    except Exception as e:
        import errors
        errors.report(proc.name, e)
    finally:
        # A quiet job (cron's) leaves the table as it ends: no one waits
        # for it. Here, not by procctl.reap: imported for that, procctl
        # stayed beside the daemons for as long as a job ran.
        proc.exit(status if isinstance(status, int) else 0, quiet)
    # A job that ended is idle as a shell back at its prompt: on a small
    # heap, what its lines loaded goes (the parser a cron job's line needed
    # stayed until someone typed a line), unless a line runs elsewhere.
    shell = system.shell
    if shell is not None:
        shell.idle()


def in_subshell(sh, node, sub):
    """`CMD &`'s body: the command node run by the shell sh in subshell sub."""
    try:
        return sh.execute(node, sub)
    finally:
        process.subshell_ended(sub)


def line_in_subshell(line, sess):
    """A cron job's body: line run in a copy of crond's session sess, made
    as it starts (jobs due together changed each other's folder, variables
    and $?, and the sessions of every job after them)."""
    return system.shell.run_line(line, sess.subshell())
