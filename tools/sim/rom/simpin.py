"""machine.Pin of the simulated board (see machine.py): levels from the
workbench's wiring and inputs (simbench.py), IRQs from a watcher thread."""
import time

import simbench

_BOARD = simbench.BOARD


def _gpios():
    if _BOARD == "rp2040":
        return set(range(30))
    if _BOARD == "esp8266":
        return {0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16}
    if _BOARD == "esp32c3":
        return set(range(22))
    if _BOARD == "esp32s3":
        return set(range(22)) | set(range(26, 49))
    return set(range(40)) - {20, 24, 28, 29, 30, 31, 37, 38}


_GPIOS = _gpios()
_INPUT_ONLY = {34, 35, 36, 39} if _BOARD in ("esp32", "esp32cam") else set()


class Pin:
    """A GPIO. Its level: what it drives as an output; else what drives it
    from outside (inputs.json), or an output wired to it (wiring.json), or
    its pull resistor; a floating input reads 0."""
    IN = 1
    OUT = 3
    OPEN_DRAIN = 7
    PULL_UP = 2
    PULL_DOWN = 1
    IRQ_RISING = 1
    IRQ_FALLING = 2
    _all = {}
    _watched = []

    def __init__(self, id, mode=-1, pull=-1, *, value=None, drive=None, alt=None):
        if _BOARD == "rp2040" and id in ("LED", "WL_GPIO0"):
            id = "LED"
        elif not isinstance(id, int) or id not in _GPIOS:
            raise ValueError("invalid pin")
        self.id = id
        known = Pin._all.get(id)
        if known is None:
            known = Pin._all[id] = {"mode": Pin.IN, "pull": None, "out": 0}
        self._s = known
        self.init(mode, pull, value=value)

    def init(self, mode=-1, pull=-1, *, value=None, drive=None, alt=None):
        if mode not in (-1, Pin.IN, Pin.OUT, Pin.OPEN_DRAIN):
            raise ValueError("invalid pin mode")
        if mode in (Pin.OUT, Pin.OPEN_DRAIN) and self.id in _INPUT_ONLY:
            raise ValueError("pin can only be input")
        if value is not None:
            self._s["out"] = 1 if value else 0
        if mode != -1:
            self._s["mode"] = mode
        if pull != -1:
            if pull not in (None, Pin.PULL_UP, Pin.PULL_DOWN):
                raise ValueError("invalid pull")
            self._s["pull"] = pull
        self._publish()

    def value(self, level=None):
        if level is None:
            return _level(self.id)
        self._s["out"] = 1 if level else 0
        self._publish()

    __call__ = value

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def toggle(self):
        self.value(1 - self._s["out"])

    def mode(self, mode=None):
        if mode is None:
            return self._s["mode"]
        self.init(mode)

    def pull(self, pull=-1):
        if pull == -1:
            return self._s["pull"]
        self.init(pull=pull)

    def irq(self, handler=None, trigger=IRQ_FALLING | IRQ_RISING, *, priority=1, wake=None,
            hard=False):
        """Calls handler(pin) at each edge of trigger, from a watcher thread
        that looks every 5 ms (a board calls it from its interrupt)."""
        Pin._watched[:] = [w for w in Pin._watched if w[0].id != self.id]
        if handler is not None:
            Pin._watched.append([self, handler, trigger, _level(self.id)])
            _watch()
        return _Irq(self)

    def _publish(self):
        s = self._s
        simbench.state["pins"][str(self.id)] = {
            "mode": {Pin.IN: "in", Pin.OUT: "out", Pin.OPEN_DRAIN: "open_drain"}[s["mode"]],
            "pull": {Pin.PULL_UP: "up", Pin.PULL_DOWN: "down"}.get(s["pull"]),
            "out": s["out"]}
        simbench.changed()

    def __repr__(self):
        return "Pin(%s)" % self.id


class _Irq:
    def __init__(self, pin):
        self.pin = pin

    def trigger(self):
        for w in Pin._watched:
            if w[0].id == self.pin.id:
                return w[2]
        return 0


def _drives(pin_id):
    """The level an output pin puts on its wires; None when it puts none."""
    s = Pin._all.get(pin_id)
    if s is None or s["mode"] == Pin.IN:
        return None
    if s["mode"] == Pin.OUT or s["out"] == 0:
        return s["out"]
    return None


def _level(pin_id):
    own = _drives(pin_id)
    if own is not None:
        return own
    key = str(pin_id)
    outside = simbench.inputs("pins").get(key)
    if outside is not None:
        return 1 if outside else 0
    for a, b in simbench.wiring.get("connect", ()):
        other = b if a == pin_id else a if b == pin_id else None
        if other is not None:
            level = _drives(other)
            if level is not None:
                return level
    s = Pin._all.get(pin_id)
    pull = s and s["pull"]
    if pull is None:
        pull = {"up": Pin.PULL_UP, "down": Pin.PULL_DOWN}.get(simbench.wiring.get("pull", {}).get(key))
    return 1 if pull == Pin.PULL_UP else 0


_watcher = [False]


def _watch():
    if _watcher[0]:
        return
    try:
        import _thread
    except ImportError:
        return
    # A board's interrupts need no thread; the rp2040 profile's one thread
    # may be taken ("core1 in use"): the irq() that wanted it fails.
    _thread.start_new_thread(_watch_loop, ())
    _watcher[0] = True


def _watch_loop():
    while Pin._watched:
        for w in list(Pin._watched):
            pin, handler, trigger, before = w
            now = _level(pin.id)
            if now != before:
                w[3] = now
                if trigger & (Pin.IRQ_RISING if now else Pin.IRQ_FALLING):
                    try:
                        handler(pin)
                    except Exception as e:  # noqa: BLE001  a board prints it and goes on
                        print("irq handler:", repr(e))
        time.sleep_ms(5)
    _watcher[0] = False
