import cmdargs

USAGE = """[-asnrvmp]
  -a  all of the following, in this order
  -s  the OS name (the default)
  -n  the host name
  -r  the OS release
  -v  the MicroPython version
  -m  the machine
  -p  the MicroPython port"""
ABOUT = "print the OS name and what it runs on"

ORDER = "snrvmp"


def __main__(args):
    opts, rest = cmdargs.parse(args, "a" + ORDER, operands=0)
    fields = _fields()
    wanted = ORDER if "a" in opts else [c for c in ORDER if c in opts] or "s"
    print(" ".join([fields[c] for c in wanted]))


def _fields():
    import sys
    import munix
    port = sys.platform
    node = ""
    version = "v%d.%d.%d" % sys.implementation.version[:3]
    machine = getattr(sys.implementation, "_machine", sys.platform)
    try:
        import os
        u = os.uname()
        port, node, version, machine = u.sysname, u.nodename, u.version, u.machine
    except (ImportError, AttributeError):
        pass
    return {
        "s": munix.NAME,
        "n": munix.conf().get("hostname") or node or "-",
        "r": munix.VERSION,
        "v": version,
        "m": machine,
        "p": port,
    }
