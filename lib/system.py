"""The facts about the running system that every layer reads: its name
and version, the configuration (/etc/system.conf) and board file once
loaded, the console session, how long it has been up; locks that work on
ports with and without threads (import_lock: see importlock.py).

The lowest layer of the OS: it imports nothing of munix but fspath, which
imports nothing of munix either.
"""
import gc
import sys
import time
from micropython import const

NAME = "munix"
VERSION = "0.1.0"
# There while the OS runs: found at boot, the last run ended without a
# shutdown (startup.py).
RUNNING = "/etc/.running"
# The cron table: crontable parses it, crond and the dashboard read it
# without loading that parser.
CRONTAB = "/etc/crontab"

conf = {}
board = {}
console = None
def settings(name):
    """The section name of /etc/system.conf, a dict ({} when missing)."""
    section = conf.get(name)
    return section if isinstance(section, dict) else {}


def setting(section, key, default):
    """An int setting of a section, default when missing or not a number."""
    try:
        return int(section.get(key, default))
    except (TypeError, ValueError):
        return default

# The heap's size decides what the OS keeps loaded. Under 256 KiB (an
# ESP32 without PSRAM, an RP2040, an ESP8266) it looks at what is left free
# after each command, and drops helpers when that is low: gc.mem_free()
# reads the whole heap's table, 0.2 ms a command on a 2 MiB heap. From 512
# KiB (PSRAM, the simulator) a daemon keeps its protocol's code a second
# after its last client: a client that opened a connection per request
# found it gone at nearly each one, and loading it again cost more than
# serving a small file. HEAP: the heap's size, in bytes.
HEAP = gc.mem_free() + gc.mem_alloc()
SMALL_HEAP = HEAP < 262144
ROOMY_HEAP = HEAP >= 524288
# Heap a line must leave free on a small heap: less, and the next command
# finds none (an ESP8266's `> import telnetd` left 1.7 KiB, after which
# nothing ran and the OS could not even shut down).
SHELL_ROOM = const(8192)


def heap_free(need):
    """Bytes free in the heap, after a collection when fewer than need look
    free (a collection reads the whole heap: not one a call)."""
    free = gc.mem_free()
    if free < need:
        gc.collect()
        free = gc.mem_free()
    return free

# time.ticks_ms() wraps every 2**30 ms (12.4 days) on boards, and a tick
# difference means something for half of that: uptime is kept as a sum of
# tick differences, added up at every reading (each process start, ps,
# uptime); a longer silence between readings is bridged with the wall
# clock, once it is set.
_PERIOD = 1 << 30
# 2024-01-01 in the port's epoch: a clock before it was never set (uptime,
# the TLS check of certificates, fleetd's signed commands).
CLOCK_SET = time.mktime((2024, 1, 1, 0, 0, 0, 0, 0))
_up = [time.ticks_ms(), 0, 0]          # ticks at the last reading, ms up then, wall clock then


def uptime_ms():
    """Milliseconds since boot, wrap-safe."""
    now = time.ticks_ms()
    ms = _up[1] + time.ticks_diff(now, _up[0])
    wall = time.time()
    last = _up[2]
    if last > CLOCK_SET and wall - last > _PERIOD // 2000:
        ms += round(((wall - last) * 1000 - (ms - _up[1])) / _PERIOD) * _PERIOD
    _up[0], _up[1], _up[2] = now, ms, wall
    return ms


def recovery(*args):
    """Boot again without /etc/init.sh (upyOS's utls.recovery()); the
    kernel puts its own here when it loads, since it lives above, and so
    for reset(after_end_sh) and shutdown() (munix.py's)."""
    raise OSError("the kernel is not loaded: import kernel")


reset = shutdown = recovery


def idle(ms, full=False):
    """Let ms milliseconds pass: every wait of the console's thread comes
    here. Where that thread hosts the OS's loop (asyncloop: a board with no
    thread to spare for it), the loop puts its own here, which serves the
    loop's clients meanwhile; full (the heap ran out, and the caller holds
    none of it), there, until the heap has room again."""
    time.sleep_ms(ms)


def wait_input(stream):
    """Return once stream has something to read (the console's keys); the
    hosted loop's (see idle) serves the loop's clients meanwhile."""


# The shell module, once loaded: it puts itself here, since it lives above
# (munix.run, munixsh, sdata's run_cmd).
shell = None


try:
    from _thread import allocate_lock, get_ident as thread_ident
except ImportError:
    # A port without threads (ESP8266): locks that nothing can contend.
    class allocate_lock:
        def acquire(self, *args):
            return True

        def release(self):
            pass

        def locked(self):
            return False

        def __enter__(self):
            return self

        def __exit__(self, exc_type, exc, tb):
            pass

    def thread_ident():
        return 0


# Failed logins (auth's, made at its first check): by address and user,
# what the console was last told, their lock. Kept here, as they must
# outlive the code of auth and of the daemons, which a small heap drops
# between logins.
logins = None

# The pins' bookings and what outputs left running keep (a PWM, an RGB
# LED's colour), for pins.py, whose code goes after each command on a
# small heap: ({GPIO: (owner, pid)}, {GPIO: state}, their lock).
pin_state = None


class _Guard:
    """A lock its holder may take again (imports nest)."""

    def __init__(self):
        self._lock = allocate_lock()
        self.owner = None
        self.depth = 0

    def __enter__(self):
        me = thread_ident()
        if self.owner != me:
            self._lock.acquire()
            self.owner = me
        self.depth += 1
        return self

    # Its arguments named: *args made a tuple, and with the heap full (an
    # error leaving the block because of it) the call failed before it
    # began: the lock stayed taken, and every import of every thread
    # waited for ever.
    def __exit__(self, exc_type, exc, tb):
        self.depth -= 1
        if not self.depth:
            self.owner = None
            self._lock.release()

    def get(self, name):
        """Module name if it is loaded, else None, read under the lock:
        MicroPython lists a module before its code has run, and another
        thread may be importing it (wait read asynchost half made on an
        RP2040: "'module' object has no attribute 'held'")."""
        with self:
            return sys.modules.get(name)


# Imports made one at a time take it (importlock.py), and so does the shell
# when it loads a program.
import_lock = _Guard()


# MicroPython's dict keeps a removed entry's value in its table until the
# slot is used again: a module taken out of sys.modules stayed in the heap,
# where it had loaded, splitting the free space (on an ESP8266 no hole was
# then large enough for the pool of interned names to grow, and every later
# command failed). Its value is cleared before it goes. So is the value of
# a failed import of the name (the runtime takes it out as del does): set
# again, the name takes the first free slot on its way, which is that one
# unless a slot before it was freed since.
def unload(name):
    """Take module name out of sys.modules (under import_lock)."""
    modules = sys.modules
    modules[name] = None
    del modules[name]


def unload_unused(names, more=""):
    """Take the modules of names and of more (listed()) out of sys.modules
    (under import_lock), but one that a module staying loaded imported:
    dropped, it would only be loaded twice."""
    modules = sys.modules
    again = True
    while again:
        again = False
        for name in modules:
            helper = modules[name]
            if helper is None or not (listed(names, name) or listed(more, name)):
                continue
            # The dictionary, not getattr: a package's __getattr__
            # (asyncio's) would import.
            for key in modules:
                held = modules[key]
                if (held is not None and held.__dict__.get(name) is helper
                        and not (listed(names, key) or listed(more, key))):
                    break
            else:
                # sys.modules changed: looked at anew.
                unload(name)
                again = True
                break


def let_go(names):
    """On a small heap, the modules of names go now (unload_unused), not
    when the line ends: a line's end lets nothing go while a line runs
    elsewhere, and what it put off stayed until the console's next line."""
    if SMALL_HEAP:
        with import_lock:
            unload_unused(names)


def listed(names, name):
    """Is name one of names: a list or tuple of names, or a string of them,
    each between spaces? Asked without taking heap: it is asked as the heap
    runs low."""
    if not isinstance(names, str):
        return name in names
    i = names.find(name)
    while i > 0:
        end = i + len(name)
        if names.startswith(" ", i - 1) and names.startswith(" ", end):
            return True
        i = names.find(name, end)
    return False


# The slots of sys.modules' table while up to 127 modules are loaded at
# once (py/map.c's sizes), which no board comes near.
_SLOTS = const(127)
_NO_MODULE = "no module named '"


def import_module(name):
    """__import__(name) of one of the OS's modules: MemoryError, not
    ImportError, when the heap had no room to find it.
    MicroPython takes any failure of a filesystem's stat for "no such
    file", and a filesystem written in Python (packfs; the simulator's
    flash) fails one when the heap is full: USER, sent while a job held
    the heap, ended its FTP session ("no module named 'ftplogin'"), where
    a MemoryError is waited out. While threads run, importlock's guard
    does the same for every import."""
    try:
        return __import__(name)
    except ImportError as e:
        if import_cut_short(e):
            raise MemoryError
        raise


def import_cut_short(exc):
    """Whether the ImportError exc is the heap's end: the import ran out of
    heap as it looked for the file (import_module), and said so in words
    cut short in the emergency buffer, or of a module there after all."""
    try:
        text = str(exc)
        if _NO_MODULE.startswith(text):
            return True
        if not text.startswith(_NO_MODULE) or text[-1] != "'":
            return False
        import fspath
        return fspath.module_file(text[len(_NO_MODULE):-1]) is not None
    except MemoryError:
        return True


def forget_failed_imports():
    """Take out of sys.modules what imports that ran out of heap left
    (under import_lock). MicroPython enters a module's name before it makes
    the module: when the heap cannot give that, the name stays with no
    module, which get() takes for none, and every later use of the table
    or import of the name failed ("'dict' object isn't subscriptable"), on
    each line, until a reset. Takes no heap: its callers wait for a heap
    with room (netd.room_again)."""
    modules = sys.modules
    while True:
        for name in modules:
            if modules.get(name) is None:
                break
        else:
            break
        unload(name)
    # A module whose code failed (the heap ran out half-way) the runtime
    # takes out as del does, its value kept in its slot: ftpd's, 5 KiB of
    # an ESP8266's 38, and ps and help failed after it. An int key n takes
    # the first free slot from n on, so keys 0 to _SLOTS - 1 clear each
    # free slot of a table up to that size. A table with none grows for
    # the first key, and the heap may have no room for that: it has no
    # slot to clear either.
    try:
        for n in range(_SLOTS):
            modules[n] = None
            del modules[n]
    except MemoryError:
        pass
