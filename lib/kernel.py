"""The kernel: boots munix and serves the console.

boot() brings the system up (startup.py: configuration, board file,
/etc/init.sh), then runs the console shell. recovery() boots without
init.sh, for a board whose init.sh hangs or crashes: `import kernel;
kernel.recovery()` at the MicroPython REPL. A boot that never finished
init.sh (a crash or a reset during it) leaves a marker file behind; the next
boot finds it and starts in recovery by itself.

What is needed only to start up lives in startup.py, loaded for the
occasion and dropped afterwards: the resident kernel stays small. The
facts every layer reads (name, version, configuration, board) are
system.py's.
"""
import builtins
import gc
import time
from micropython import const

# Collect after every eighth of the heap is allocated, not only when it is
# full: long-lived objects (modules, the interned names' pools) then pack low
# instead of being strewn among dead ones, and large blocks stay free. The
# pool of names grows by doubling, a block of several KiB that, once no hole
# is that large, fails every later import for good.
gc.threshold(gc.mem_free() // 8)

import errors
import fspath
import process
import shell
import system

# No __file__ on the ESP8266, whose heap cannot compile the OS anyway.
if system.SMALL_HEAP and globals().get("__file__", "").endswith(".py"):
    # From source, the parser is compiled when it loads, which takes large
    # blocks: on a small heap that is done now, while the heap is clean.
    # Compiled with the first line that needs it, after the boot, a
    # 2,000-line script needed 165 KiB of heap instead of 120.
    import expansion
    import shellparse

END = "/etc/end.sh"
_STOP_MS = const(2000)  # how long what still runs at shutdown has to end


def boot(recovery=False):
    """Boot the OS on the console; returns when the console shell ends,
    after /etc/end.sh when it ended with exit or end of input; at once,
    what runs left running, when it ended for the raw REPL."""
    console = _start(recovery)
    why = console.interact(shell)
    if why == "exit":
        shell.exit_trap(console, console.status)
        shutdown()
    # MicroPython's REPL follows on a terminal (a board's, or the
    # simulator's with -i), not after piped input: its banner cannot say
    # how to come back, so this line before it does.
    if console.stdin.read_line is builtins.input:
        print("munix: left for the MicroPython REPL; machine.soft_reset()"
              " (or Ctrl-D on a board) starts it again")
    if why == "raw":
        import replkey
        replkey.give(b"\x01")


def _start(recovery):
    # A function of its own: its frame, which holds the startup module,
    # is gone before the console runs, and so is the module.
    import startup
    try:
        return startup.start(recovery)
    finally:
        # Loaded again should a script run later: boot scripts are over.
        # A list: a tuple of constant strings would take a block of heap
        # for each as long as the kernel is loaded.
        for module in ["startup", "sysconf", "script"]:
            system.unload(module)


def recovery():
    """Boot without running /etc/init.sh."""
    boot(recovery=True)


system.recovery = recovery


def shutdown():
    """Run /etc/end.sh, as before any exit or reboot; then stop what still
    runs (jobs, crond, daemons end.sh left running, the asyncio loop) and
    wait for it, a while at most: a board's reset would cut it short, and
    the unix port must not exit under running threads."""
    try:
        shell.run_script(END, [END], system.console)
    except OSError:
        pass
    except MemoryError as e:
        _said(END, e)
    # Only what is loaded can be running: nothing more is loaded here,
    # where the heap may be nearly full.
    try:
        left = []
        for p in process.table():
            if p.job or p.kind == "daemon":
                left.append(p)
        if left:
            import procctl
            for p in left:
                procctl.stop(p)
            procctl.wait(left, procctl.GRACE_MS)
    except MemoryError as e:
        _said("shutdown", e)
    loop = system.import_lock.get("asyncloop")
    if loop is not None:
        loop.end()
    # The threads the OS started: waited for here, where naming their
    # module (threadctl) would intern a name more at every boot, the one
    # that made the esp8266 profile's pool of names grow by a block its
    # heap did not have.
    ms = _STOP_MS
    while process.threads[0] and ms > 0:
        time.sleep_ms(10)
        ms -= 10
    fspath.discard(system.RUNNING)


def _said(name, e):
    """A step of the shutdown that found the heap full, said in one line
    if there is room for it; the shutdown goes on. Left to boot(), the
    MemoryError ended the OS with main.py's "the heap is too small for the
    OS", what ran left running and /etc/.running kept."""
    gc.collect()
    try:
        errors.report(name, e)
    except MemoryError:
        pass


def reset(after_end_sh):
    """Reset the board, after /etc/end.sh if asked; returns only when the
    port cannot reset (the unix port outside the simulator)."""
    try:
        import machine
        restart = machine.reset
    except (ImportError, AttributeError):
        return
    if after_end_sh:
        shutdown()
        time.sleep_ms(100)  # let the console send out what was printed
    restart()


# munix.reset and munix.shutdown reach them here: the program API lives below.
system.reset = reset
system.shutdown = shutdown
