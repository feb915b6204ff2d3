"""What the irq, every and wdt commands share: whether eventd can run at
all, listing and removing events, and the command line of an event's
words. Loaded by them only: eventd (events.py) stays small.
"""
import cmdargs

TRIGGERS = ("rising", "falling", "both")
SPECIAL = " \t\n'\"\\;&|<>()$`*?[]#~{}"     # what the shell would take for more than a word


def refused():
    """Why eventd cannot run on this board (no thread for the asyncio
    loop), before anything big is loaded for it; None when it can."""
    import munix
    try:
        __import__("_thread")
    except ImportError:
        return _unloaded("no thread free: this port has no threads")
    if munix.board().get("threads") == 0:
        return _unloaded("no thread free: this board runs none")
    return None


def _unloaded(result):
    """result, this module gone from memory: where eventd never runs,
    a small board's heap is better without it."""
    import sys
    sys.modules.pop(__name__, None)
    return result


def command(kind, args):
    """The -l and -d N of irq and every: (status, None) when args asked
    for one of them, else (None, the words left: the event to add)."""
    # Where eventd cannot run there are no events, and nothing is loaded.
    import munix
    events = munix.loaded("events")
    if args[:1] == ["-l"]:
        if len(args) > 1:
            raise cmdargs.UsageError("extra operand %s" % args[1])
        if events is None:
            return _unloaded(0), None
        for ev in events.listing(kind):
            print("%-3d %-28s %s  (by %s; %d run%s%s)" % (
                ev.number, ev.describe(), ev.command, ev.by, ev.runs, "" if ev.runs == 1 else "s",
                ", %d missed" % ev.missed if ev.missed else ""))
        return 0, None
    if args[:1] == ["-d"]:
        if len(args) < 2:
            raise cmdargs.UsageError("option -d needs a value")
        status = 0
        for spec in args[1:]:
            n = cmdargs.number(spec, "event number")
            ev = events.get(n) if events else None
            if ev is None or ev.kind != kind:
                status = cmdargs.error(None, "%d: no such event" % n)
            else:
                events.remove(n)
        return status, None
    cmdargs.parse(args[:1])     # --help, and unknown options
    return None, args


def line(words):
    """The command line of words: one word is a line of its own (a quoted
    `led toggle; echo hi`); more are quoted back where they need it."""
    if len(words) == 1:
        return words[0]
    return " ".join(w if w and not any(c in SPECIAL for c in w)
                    else "'" + w.replace("'", "'\\''") + "'" for w in words)
