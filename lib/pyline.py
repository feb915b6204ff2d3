"""Python lines, as upyOS runs them: `> statement` runs Python, `< args`
prints as print(args) does (`< a, b, end=""`), in a namespace of the
session's own that lasts as long as the session. In both, outside the
Python strings, `\\n` separates statements and `$NAME` (${NAME}, $1, $?)
is the variable's value as a string literal ("" when unset). sys, os and
time are at hand, and so are upyOS's sdata and utls, loaded the first
time a line names them.

A line runs as a process of its own (`ps` lists it), and its time.sleep()
and time.sleep_ms() end at a stop request (Ctrl-C over telnet, the daemon
stopping). Nothing else can end Python that runs in a thread other than
the console's: MicroPython delivers an interrupt to the main thread only,
so `> while True: pass` in a telnet session runs on, listed as ignoring.
"""
import os
import sys
import time

import errors
import process
import system

_SPECIAL = "?#!$@*-"


def run(text, sess):
    """Run a Python statement (> line) or print (< line) in the session's
    own namespace."""
    if sess.pyns is None:
        sess.pyns = {"sys": sys, "os": os}
    code = _prepare(text[1:].strip(), sess)
    if text[0] == "<":
        code = "print(%s)" % code
    ns = sess.pyns
    if "sdata" in code and "sdata" not in ns:
        import sdata
        ns["sdata"] = sdata
    if "utls" in code and "utls" not in ns:
        import utls
        ns["utls"] = utls
    proc = process.Process(text[0], [text[1:].strip()], sess, process.current())
    status = 1
    before = None
    # Whatever fails from here on, the heap's end too, the process ends
    # (shell.run says why).
    try:
        proc.enter()
        before = list(sys.modules)
        # Put back after the line: kept in the session, _Time would keep this
        # module once the shell has dropped it. A time of the user's own stays.
        if ns.get("time", time) is time:
            ns["time"] = _Time()
        exec(code, ns)
        status = 0 if not system.SMALL_HEAP else _undo_if_full(before, ns)
    except SystemExit as e:
        status = errors.exit_status(e)
    except KeyboardInterrupt:
        status = 130
    except Exception as e:
        if isinstance(e, MemoryError) and before is not None:
            # What it loaded goes: an import the heap cut short left
            # ftpd's auth and asyncio, and every command after failed.
            system.shell.forget(before, ns.values())
        errors.report("python", e)
    finally:
        if isinstance(ns.get("time"), _Time):
            ns["time"] = time
        proc.exit(status)
    return status


def _undo_if_full(before, ns):
    """The status of a line that ran: 1 when it left the heap less than
    system.SHELL_ROOM with modules it loaded, which then go, with the
    names bound to them, and it says so in one line; 0 otherwise."""
    import gc
    # A collection only when what is free looks too little: not one a line.
    if gc.mem_free() >= system.SHELL_ROOM:
        return 0
    gc.collect()
    free = gc.mem_free()
    if free >= system.SHELL_ROOM:
        return 0
    new = [m for m in sys.modules if m not in before]
    if not new:
        return 0
    for name in [k for k, v in ns.items() if type(v) is type(sys) and v.__name__ in new]:
        del ns[name]
    system.shell.forget(before)
    errors.complain("python", "%s left %d bytes of heap free, too few to go on: unloaded"
                    % (" ".join(sorted(new)), free))
    return 1


class _Time:
    """time for Python lines, its sleeps ending at a stop request."""

    def __getattr__(self, name):
        return getattr(time, name)

    def sleep(self, s):
        self.sleep_ms(int(s * 1000))

    def sleep_ms(self, ms):
        if not process.current().sleep(ms):
            raise KeyboardInterrupt


def _prepare(code, sess):
    """code with, outside its strings and comment, \\n made a line break
    and each $NAME the variable's value as a string literal."""
    out = []
    i = 0
    n = len(code)
    quote = None
    while i < n:
        c = code[i]
        if quote is not None:
            if c == "\\":
                out.append(code[i:i + 2])
                i += 2
                continue
            if code.startswith(quote, i):
                out.append(quote)
                i += len(quote)
                quote = None
                continue
            out.append(c)
            i += 1
        elif c == "#":
            out.append(code[i:])
            break
        elif c in "'\"":
            quote = c * 3 if code.startswith(c * 3, i) else c
            out.append(quote)
            i += len(quote)
        elif c == "\\" and code[i + 1:i + 2] == "n":
            out.append("\n")
            i += 2
        elif c == "$":
            name, i = _name(code, i + 1)
            if name is None:
                out.append("$")
            else:
                out.append(repr(sess.getenv(name, "")))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _name(code, i):
    """The variable name a $ before code[i] gives and where the text goes
    on; (None, i) when what follows names none."""
    c = code[i:i + 1]
    if c == "{":
        end = code.find("}", i)
        if end > i + 1:
            return code[i + 1:end], end + 1
        return None, i
    if c and c in _SPECIAL or c.isdigit():
        return c, i + 1
    j = i
    while j < len(code) and (code[j].isalpha() or code[j].isdigit() or code[j] == "_"):
        j += 1
    if j == i or code[i].isdigit():
        return None, i
    return code[i:j], j
