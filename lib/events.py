"""Events: a command run when a pin changes (irq) or every so many seconds
(every), and the feeding of the watchdog (wdt). One asyncio task, eventd,
in the OS's loop (asyncloop.py) keeps them all; it starts with the first
and ends with the last.

A pin's interrupt handler only counts the edge and wakes eventd: commands
never run inside it. eventd starts each command as a quiet background job
of the session that set the event up, in a thread of its own while the
board has one free; else (an RP2040, whose one thread is the loop's) in
the loop's own thread, one at a time. A command still running when its
event comes again is not started twice: the event counts a miss.

The watchdog, once started, is fed by eventd while the OS is healthy: its
loop turns and the process table can be had. A deadlock, a hung loop or
eventd stopped (kill) ends the feeding, and the board resets.
"""
import asyncio
import time
from micropython import const

import jobctl
import logsession
import process
import threadctl
import system

_FEEDS = const(4)    # feeds per watchdog timeout: a slow turn of the loop is not a hang
IDLE_MS = 1000      # eventd's longest sleep with nothing due
LOG = "/tmp/eventd.log"

_lock = system.allocate_lock()     # eventd's start and end, and what it serves
_events = {}        # number -> Event
_flag = [None]      # wakes eventd: a ThreadSafeFlag, set from interrupt handlers
_eventd = [None]    # eventd's process while it runs
_wdt = [None, 0, 0]     # the machine.WDT, its timeout, ticks_ms of the last feed
_asked = [None, None]   # a timeout for eventd to start the watchdog with; what came of it
_ASK_MS = const(3000)


class Event:
    """What an event does, and how it went: runs started, runs missed
    (the previous one still running), and for an irq the edges seen."""

    def __init__(self, kind, command, sess, by):
        self.number = max(list(_events) + [0]) + 1
        self.kind = kind
        self.command = command
        self.session = sess
        self.by = by
        self.proc = None
        self.runs = 0
        self.missed = 0
        self.gpio = None
        self.pin = None
        self.trigger = None
        self.debounce = 0
        self.edges = 0
        self.seen = 0
        self.last = 0
        self.period = 0
        self.due = 0

    def describe(self):
        if self.kind == "every":
            return "every %s s" % _seconds(self.period)
        import pins
        return "%s %s%s" % (pins.name(self.gpio), self.trigger,
                           " debounce %d ms" % self.debounce if self.debounce else "")

    def edge(self, pin):
        """The pin's interrupt handler: count the edge, wake eventd."""
        now = time.ticks_ms()
        if self.debounce and self.edges and time.ticks_diff(now, self.last) < self.debounce:
            return
        self.last = now
        self.edges += 1
        _flag[0].set()


def _seconds(ms):
    return "%d" % (ms // 1000) if ms % 1000 == 0 else "%g" % (ms / 1000)


def starter(sess):
    """Who sets an event up: the script running (init.sh), else the
    session (console, telnet ...)."""
    import fspath
    script = sess.args[0] if sess.args else None
    return fspath.basename(script) if script else sess.name


def add_irq(gpio, trigger, debounce, command, sess, force=False):
    """Run command at each edge of trigger ("rising", "falling" or
    "both") on gpio, edges closer than debounce ms to the last one
    ignored; books the pin. Returns the Event; PinError when the pin
    cannot be had."""
    import machine
    import pins
    pins.check(gpio, force=force)
    ev = Event("irq", command, sess, starter(sess))
    ev.gpio, ev.trigger, ev.debounce = gpio, trigger, debounce
    with _lock:
        pins.book(gpio, "irq %d (started by %s)" % (ev.number, ev.by), 0)
        try:
            _ensure()
            ev.pin = machine.Pin(gpio, machine.Pin.IN)
            edges = {"rising": machine.Pin.IRQ_RISING, "falling": machine.Pin.IRQ_FALLING}
            ev.pin.irq(ev.edge, edges.get(trigger, machine.Pin.IRQ_RISING | machine.Pin.IRQ_FALLING))
        except BaseException:
            pins.release(gpio)
            raise
        _events[ev.number] = ev
    _flag[0].set()
    return ev


def add_every(ms, command, sess):
    """Run command every ms milliseconds, the first time ms from now."""
    ev = Event("every", command, sess, starter(sess))
    ev.period = ms
    ev.due = time.ticks_add(time.ticks_ms(), ms)
    with _lock:
        _ensure()
        _events[ev.number] = ev
    _flag[0].set()
    return ev


def remove(number):
    """End event number; False when there is none such."""
    ev = _events.pop(number, None)
    if ev is None:
        return False
    _drop(ev)
    if _flag[0] is not None:
        _flag[0].set()
    return True


def _drop(ev):
    if ev.pin is not None:
        import pins
        ev.pin.irq(None)
        ev.pin = None
        pins.release(ev.gpio)


def get(number):
    return _events.get(number)


def listing(kind=None):
    """The events (of kind, when given), by number."""
    return [_events[n] for n in sorted(_events) if kind in (None, _events[n].kind)]


def eventd():
    """eventd's process while it runs; None otherwise."""
    return _eventd[0]


def watchdog(timeout=None):
    """Start the watchdog with timeout ms (or change it), fed by eventd
    from now on; returns (timeout, eventd's process), timeout 0 when it
    was never started."""
    if timeout is not None:
        # eventd makes it: an ESP32's watchdog watches the task that made
        # it, and only that task's feeding counts.
        with _lock:
            _ensure()
            _asked[0], _asked[1] = timeout, None
        _flag[0].set()
        start = time.ticks_ms()
        while _asked[0] is not None:
            if time.ticks_diff(time.ticks_ms(), start) > _ASK_MS:
                raise OSError("eventd does not answer")
            time.sleep_ms(10)
        if _asked[1] is not None:
            raise _asked[1]
    return _wdt[1], _eventd[0]


def _make_watchdog():
    import machine
    try:
        _wdt[0] = machine.WDT(timeout=_asked[0])
        _wdt[1] = _asked[0]
        _wdt[2] = time.ticks_ms()
    except (ValueError, OSError) as e:
        _asked[1] = e
    _asked[0] = None


def _ensure():
    """Start eventd unless it runs (called under _lock, which eventd takes
    to end); threadctl.NoThread when it cannot."""
    if _eventd[0] is not None:
        return
    if _flag[0] is None:
        _flag[0] = asyncio.ThreadSafeFlag()
    sess = logsession.new("eventd", LOG)
    _eventd[0] = jobctl.spawn_task(sess, "eventd", [], _serve(), log=LOG, quiet=True,
                                   kind="daemon")


async def _serve():
    try:
        while True:
            with _lock:
                if not _events and _wdt[0] is None and _asked[0] is None:
                    _eventd[0] = None
                    return
            if _asked[0] is not None:
                _make_watchdog()
            wait = IDLE_MS
            now = time.ticks_ms()
            for ev in list(_events.values()):
                if ev.kind == "every":
                    left = time.ticks_diff(ev.due, now)
                    if left <= 0:
                        # Late by more than a period (a long command inline):
                        # the missed turns are not made up.
                        ev.due = time.ticks_add(ev.due if -left < ev.period else now, ev.period)
                        _start(ev)
                        left = time.ticks_diff(ev.due, time.ticks_ms())
                    wait = min(wait, max(left, 1))
                elif ev.edges != ev.seen:
                    ev.seen = ev.edges
                    _start(ev)
            if _wdt[0] is not None:
                wait = min(wait, _feed())
            try:
                await asyncio.wait_for_ms(_flag[0].wait(), wait)
            except asyncio.TimeoutError:
                pass
    finally:
        # Stopped (kill): its events end with it.
        with _lock:
            for ev in list(_events.values()):
                _drop(ev)
            _events.clear()
            _eventd[0] = None


def _feed():
    """Feed the watchdog if a part of its timeout has passed and the OS is
    healthy; the ms until the next feed."""
    part = _wdt[1] // _FEEDS
    left = part - time.ticks_diff(time.ticks_ms(), _wdt[2])
    if left > 0:
        return left
    # A deadlock on the process table holds eventd here: not fed, the
    # board resets.
    process.table()
    _wdt[0].feed()
    _wdt[2] = time.ticks_ms()
    return part


def _start(ev):
    if ev.proc is not None and ev.proc.alive():
        ev.missed += 1
        return
    import shell
    words = ev.command.split()
    try:
        try:
            ev.proc = jobctl.background(ev.session, words[0], words[1:], shell.run_line,
                                        (ev.command, ev.session), quiet=True)
        except threadctl.NoThread:
            # No thread free: the command runs here, in the loop's thread.
            ev.proc = None
            shell.run_line(ev.command, ev.session)
    except Exception as e:  # noqa: BLE001  (out of memory ...) eventd and the other events go on
        ev.missed += 1
        print("eventd: event %d: %s" % (ev.number, e))
        return
    ev.runs += 1
