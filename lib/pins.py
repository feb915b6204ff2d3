"""Pins by name, and who is using them.

One convention: GPIO numbers, with the board's labels (LED, SDA, D4 ...,
from its board file: boardinfo.py) as names for them. A pin that a driver,
a daemon, an IRQ or a job holds is booked by it; anyone else who wants it
is refused with the owner named, until the owner lets it go or ends (a
booking by a process that has ended lapses by itself). Pins the board
reserves (flash, PSRAM, the console) are refused unless forced.

Its code goes after each command on a small heap (shell.HELPERS); the
bookings stay, in system.pin_state.
"""
import boardinfo
import process
import system

if system.pin_state is None:
    system.pin_state = ({}, {}, system.allocate_lock())
_booked, outputs, _lock = system.pin_state


class PinError(ValueError):
    """A pin that cannot be had: the message says why, in one line."""


def number(name, board=None):
    """The GPIO a pin name means: a number (4, GPIO4, GP4) or one of the
    board's labels, any case. rp2's "LED" stays a name, as Pin() takes it."""
    board = board or boardinfo.describe()
    text = str(name).upper()
    for label, gpio in board["pins"].items():
        if label.upper() == text:
            return gpio
    digits = text[4:] if text.startswith("GPIO") else text[2:] if text.startswith("GP") else text
    try:
        gpio = int(digits)
    except ValueError:
        raise PinError("%s: no such pin on %s" % (name, board.get("name", "this board")))
    gpios = board.get("gpio")
    if gpio < 0 or gpios is not None and gpio not in gpios and str(gpio) not in board.get(
            "reserved", {}):
        raise PinError("GPIO%d: not a pin of %s" % (gpio, board.get("name", "this board")))
    return gpio


def name(gpio):
    return "GPIO%d" % gpio if isinstance(gpio, int) else gpio


def check(gpio, board=None, output=False, force=False):
    """Refuse (PinError) a pin the board reserves, an input-only pin to
    drive, or a pin booked by another process than the current one."""
    board = board or boardinfo.describe()
    why = board.get("reserved", {}).get(str(gpio))
    if why and not force:
        raise PinError("%s is reserved for the %s (-f to use it anyway)" % (name(gpio), why)
                       if why in ("flash", "PSRAM", "camera") else
                       "%s is reserved: %s (-f to use it anyway)" % (name(gpio), why))
    if output and gpio in board.get("input_only", ()):
        raise PinError("%s is an input only" % name(gpio))
    held = owner(gpio)
    if held and held[1] != process.current().pid:
        raise PinError("%s is used by %s" % (name(gpio), held[0]))


def book(gpio, what, pid=None):
    """Book gpio for what ("irq 1 (started by init.sh)"), for the process
    pid (the current one by default; 0: until released, as an output left
    running); PinError when someone else has it."""
    pid = process.current().pid if pid is None else pid
    with _lock:
        held = owner(gpio)
        if held and held[1] != pid:
            raise PinError("%s is used by %s" % (name(gpio), held[0]))
        _booked[gpio] = (what, pid)


def release(gpio=None, pid=None):
    """Let go of gpio, or of every pin pid booked."""
    with _lock:
        for g in list(_booked):
            if g == gpio or _booked[g][1] == pid:
                del _booked[g]


def owner(gpio):
    """(what, pid) that has gpio booked; None when nobody alive does."""
    held = _booked.get(gpio)
    if held and held[1] and not _alive(held[1]):
        _booked.pop(gpio, None)
        return None
    return held


def bookings():
    """[(gpio, what, pid)] of the pins booked now, in GPIO order."""
    found = [(g, owner(g)) for g in list(_booked)]
    return sorted([(g, held[0], held[1]) for g, held in found if held],
                  key=lambda b: (isinstance(b[0], str), b[0]))


def _alive(pid):
    import process
    return any(p.pid == pid for p in process.table())



def wake_on(gpio, level, force=False):
    """Make a level (0 or 1) on gpio wake the board from light or deep
    sleep (ESP32's EXT0; PinError on boards that wake by timer only)."""
    import machine
    try:
        import esp32
        wake = esp32.wake_on_ext0
    except (ImportError, AttributeError):
        raise PinError("%s wakes by timer only" % boardinfo.describe().get("name", "this board"))
    check(gpio, force=force)
    wake(machine.Pin(gpio, machine.Pin.IN), esp32.WAKEUP_ANY_HIGH if level else esp32.WAKEUP_ALL_LOW)
