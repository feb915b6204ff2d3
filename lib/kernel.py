"""The kernel: boots munix and serves the console.

boot() brings the system up (startup.py: configuration, board file,
/etc/init.sh), then runs the console shell. recovery() boots without
init.sh, for a board whose init.sh hangs or crashes: `import kernel;
kernel.recovery()` at the MicroPython REPL. A boot that never finished
init.sh (a crash or a reset during it) leaves a marker file behind; the next
boot finds it and starts in recovery by itself.

What is needed only to start up lives in startup.py, loaded for the
occasion and dropped afterwards: the resident kernel stays small.
"""
import sys
import time

import shell

NAME = "munix"
VERSION = "0.1.0"
END = "/etc/end.sh"

conf = {}
board = {}
console = None
booted = time.ticks_ms()


def boot(recovery=False):
    """Boot the OS on the console; returns when the console shell ends,
    after /etc/end.sh when it ended with exit or end of input."""
    global console
    console = _startup("start", recovery)
    if console.interact(shell) == "exit":
        shutdown()


def recovery():
    """Boot without running /etc/init.sh."""
    boot(recovery=True)


def shutdown():
    """Run /etc/end.sh, as before any exit or reboot."""
    try:
        shell.run_script(END, [END], console)
    except OSError:
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


def internal(name, args):
    """The internal commands loadconfig and loadboard; returns a status."""
    return _startup(name, args)


def _startup(function, arg):
    import startup
    try:
        return getattr(startup, function)(arg)
    finally:
        for module in ("startup", "sysconf"):
            sys.modules.pop(module, None)


def uptime_ms():
    return time.ticks_diff(time.ticks_ms(), booted)
