import sys

import cmdargs

USAGE = ""
ABOUT = "system info: board, MicroPython, CPU, flash, memory, uptime"


def __main__(args):
    opts, rest = cmdargs.parse(args, operands=0)
    # Each line on its own: what a port lacks is left out, never an error.
    for label, get in (("OS", _os), ("Board", _board), ("Platform", _platform),
                       ("MicroPython", _micropython), ("CPU", _cpu),
                       ("Unique id", _uid), ("Flash", _flash),
                       ("Memory", _memory), ("Uptime", _uptime)):
        try:
            value = get()
        except Exception:
            value = None
        if value:
            print("%-12s %s" % (label + ":", value))


def _os():
    import munix
    return "%s %s (host %s)" % (munix.NAME, munix.VERSION, munix.conf().get("hostname", "-"))


def _board():
    import munix
    b = munix.board()
    name = b.get("name")
    if not name:
        import os
        name = os.uname().machine
    return name


def _platform():
    return sys.platform


def _micropython():
    text = "%d.%d.%d" % sys.implementation.version[:3]
    try:
        import os
        text += " (%s)" % os.uname().version
    except (ImportError, AttributeError):
        pass
    return text


def _cpu():
    import machine
    hz = machine.freq()
    if isinstance(hz, tuple):
        hz = hz[0]
    return "%d MHz" % (hz // 1000000)


def _uid():
    import machine
    return "".join(["%02x" % b for b in machine.unique_id()])


def _flash():
    import os
    st = os.statvfs("/")
    block = st[1] or st[0]
    total = st[2] * block
    free = st[4] * block
    return _sizes(total, total - free, free)


def _memory():
    return _sizes(*cmdargs.memory())


def _sizes(total, used, free):
    h = cmdargs.human
    return "%s total, %s used, %s free" % (h(total), h(used), h(free))


def _uptime():
    import munix
    return cmdargs.duration(munix.uptime_ms() // 1000)
