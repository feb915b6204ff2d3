"""Jobs: commands run in the background, and asyncio programs.

background() runs a command line in a thread of its own as a job of the
session (the thread runs jobthread's code, so that this module can go
once the job has started), and start() so runs the shell's `CMD &`; spawn_task() runs a
coroutine as a job in the OS's asyncio loop (asyncloop.py), without a
thread; run_coroutine() runs the coroutine an asyncio program's __main__
returned and waits for it.

A job's output goes to its session's terminal; once the session has ended
(process.py notices), or when the terminal fails, to a log file under /tmp
that never grows past its bound (logfile.py). What the job commands do to
them is jobcmd.py's.
"""

from micropython import const

import logsession
import process
import procctl
import threadctl
import system
from procctl import GRACE_MS

_POLL_MS = const(10)
_BEGIN_MS = const(3000)  # how long spawn_task waits for the task's first step
_THREAD_WAIT_MS = const(500)  # how long a refused `CMD &` waits for a thread to end
_DAEMON_ROOM = const(4096)  # heap a job leaves a running daemon for a request


def _new_job(sess, name, args, kind, log):
    proc = process.Process(name, args, sess, by=process.current())
    try:
        proc.kind = kind
        proc.log = log
        proc.stdin = logsession.NoInput()
        if log is None:
            import jobthread
            proc.stdout = jobthread.Output(proc, sess.stdout)
            proc.stderr = jobthread.Output(proc, sess.stderr)
        else:
            # A daemon's job, or a daemon (crond): its log from the start,
            # through a stream that keeps logsession, which the daemon keeps
            # anyway, not jobctl, which goes once the job started.
            proc.stdout = proc.stderr = logsession.Output(log)
        procctl.forget_old_jobs()
        numbers = [p.job for p in process.table(True) if p.session is sess]
        proc.job = max(numbers) + 1
    except BaseException:
        # A full heap: a job that never ran must not stay listed as running.
        proc.discard()
        raise
    return proc


def _announce(proc, quiet):
    # A script's jobs go untold, as in dash and bash: only a shell a person
    # types to says `[job] pid`.
    if not quiet and proc.session.script is None:
        try:
            proc.session.stdout.write("[%d] %d\n" % (proc.job, proc.pid))
        except OSError:
            # The session ended (an /api/run request answered): no one
            # to tell, and the job runs all the same.
            pass


def background(sess, name, args, body, body_args, log=None, quiet=False, waits=False):
    """Run body(*body_args) (it runs a command line, returns its status) in a new
    thread, as a job of sess; prints `[job] pid` unless quiet, returns the
    job's process. A quiet job is a daemon's (cron's, eventd's): no shell
    waits for it, and it leaves the table as it ends. log: a log file for
    its output from the start. waits: where no thread can start now, the
    job waits for one (procctl.start_or_wait). Raises
    NoThread (an OSError), leaving nothing behind, when no thread
    can start (nor be waited for)."""
    if process.current().stopping():
        # A stop request ends what runs and what it would start: killall
        # wins over a script that keeps starting itself.
        raise threadctl.NoThread("stopping: no new job")
    # A user's job leaves the daemons room to answer their next client: a
    # fork bomb through /api/run took the heap its next requests needed,
    # and they were cut off unanswered.
    heap = 0
    if not quiet:
        for p in process.table():
            if p.kind == "daemon":
                heap = _DAEMON_ROOM
                break
    proc = _new_job(sess, name, args, "thread", log)
    go = system.allocate_lock()
    go.acquire()
    started = False
    try:
        import jobthread
        run = (proc, body, body_args, go, quiet)
        if waits:
            procctl.start_or_wait(proc, jobthread.run, run, heap)
        else:
            threadctl.start_thread(jobthread.run, run, heap)
        started = True
        _announce(proc, quiet)
    except BaseException:
        if not started:
            proc.discard()
        raise
    finally:
        # The job waits for this, whatever failed here (memory too).
        go.release()
    return proc


def start(node, sess, sh):
    """CMD &: the command node, as the shell sh parsed it, run by sh as a
    job of its own; the status of starting it. Where no thread is free the
    job waits for one, unless a job starts it: a job that starts jobs (a
    fork bomb) would keep the jobs waiting, and the heap, full for good.
    One refused (the heap short, or a job's own) waits a moment for a
    thread to end (one about to: the job before it in a chain of jobs, an
    idle telnet worker giving its thread), then is refused."""
    import jobthread
    name, args = _describe(node, sh)
    sub = sess.subshell()
    p = process.current()
    while p is not None and not p.job:
        p = p.parent
    queued = p is None
    waited = False
    while True:
        running = process.threads[0]
        try:
            job = background(sess, name, args, jobthread.in_subshell, (sh, node, sub), waits=queued)
            break
        except OSError as e:
            if (isinstance(e, threadctl.NoThread) and not waited
                    and procctl.thread_ends(running, _THREAD_WAIT_MS)):
                waited = True
                continue
            import cmdargs
            import errors
            errors.complain("sh", "cannot start %s in the background: %s" % (name, cmdargs.strerror(e)))
            return 1
    sess.last_job = job.pid
    return 0


def _describe(node, sh):
    """The name and arguments a job is listed by, as written."""
    while node[0] in ("andor", "pipe", "list"):
        node = node[1][0]
        if isinstance(node, tuple) and node and isinstance(node[0], tuple):
            node = node[0]
    if node[0] == "argv" or node[0] == "glob":
        return sh.command_name(node[1][0]), node[1][1:]
    if node[0] != "simple" or not node[2]:
        return "sh", []
    # A ${x op word} part is a tuple (shellparse.py): named by its variable.
    words = ["".join([t if isinstance(t, str) else "${%s}" % t[0] for k, t in word]) for word in node[2]]
    return sh.command_name(words[0]), words[1:]


def spawn_task(sess, name, args, coro, log=None, quiet=False, kind="task"):
    """Run coro as a job of sess in the asyncio loop (no thread of its
    own); prints `[job] pid` unless quiet, returns the job's process. kind
    "daemon": a daemon's own task (crond's, eventd's), which runs no
    program: the helpers a program loaded may go while it runs."""
    proc = _new_job(sess, name, args, kind, log)
    try:
        import asyncloop
        # Ended by the process's own exit: a function of jobctl would keep
        # this module for as long as the task runs (crond's: for good).
        asyncloop.submit(proc, coro, process.Process.exit)
    except threadctl.NoThread:
        proc.discard()
        raise
    if not asyncloop.in_loop():
        # Said started once it has taken its first step (crond's first
        # read of its table): `crond start; crond status` counted no jobs.
        # Not in the loop's own thread, which would wait for itself.
        ms = _BEGIN_MS
        while (proc.task is None or proc.task is False) and proc.sts != process.DONE and ms > 0:
            system.idle(_POLL_MS)
            ms -= _POLL_MS
    _announce(proc, quiet)
    return proc


def run_coroutine(coro, proc):
    """Run the coroutine of proc's program in the asyncio loop and wait
    for it; returns its status. Ctrl-C while waiting cancels it."""
    import asyncloop
    result = []
    proc.kind = "task"
    try:
        asyncloop.submit(proc, coro, lambda p, status: result.append(status))
    except threadctl.NoThread:
        # No thread for the OS's loop (a board without threads, or its
        # one thread taken): the program's own loop, in this thread.
        return _run_here(coro)
    try:
        while not result:
            system.idle(_POLL_MS)
    except KeyboardInterrupt:
        asyncloop.cancel(proc)
        _wait_list(result, GRACE_MS)
        proc.stderr.write("^C\n")
        return 130
    return result[0]


def _run_here(coro):
    import asyncio
    import errors

    async def main():
        return await coro
    try:
        result = asyncio.run(main())
    except KeyboardInterrupt:
        process.current().stderr.write("^C\n")
        return 130
    except SystemExit as e:
        return errors.exit_status(e)
    return result if isinstance(result, int) else 0


def _wait_list(result, ms):
    while not result and ms > 0:
        system.idle(_POLL_MS)
        ms -= _POLL_MS
