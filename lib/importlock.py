"""Imports one at a time while threads run (procctl switches it on and
off): MicroPython puts a module in sys.modules before running its code, so
a second thread's import of it (a module loaded on demand, two sessions
using it first at once) would get it half made ("'module' object has no
attribute ..."), and a thread reading sys.modules while another's import
grows it may crash a runtime without a GIL: every import takes
system.import_lock. Loaded with the first thread: the console alone pays
nothing, and its imports no Python call more.
"""
import builtins
import sys

import strsplit
from system import import_cut_short, import_lock, thread_ident

_builtin_import = builtins.__import__
# The modules the lock's holder is importing, outermost first.
_loading = ()


def guard(on):
    """Imports one at a time (on), or straight to MicroPython's own."""
    builtins.__import__ = _import if on else _builtin_import


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    global _loading
    # Every import under the lock, a loaded module's too: finding it reads
    # sys.modules, and on the esp32 profile (no GIL) a thread doing so
    # while another's import grew it crashed the runtime (1 run in 6 of a
    # job killed as it ended).
    with import_lock:
        if level:
            name = _absolute(name, level)
        if name in sys.modules:
            return _builtin_import(name, None, None, fromlist, 0)
        outer = _loading
        _loading = outer + (name,)
        try:
            return _builtin_import(name, None, None, fromlist, 0)
        except ImportError as e:
            # A module there after all, which the heap had no room to find
            # (system.import_module): a lazy import deep in the OS's code
            # (cmdargs' of errwords, for an FTP command's error) ended a
            # session on a full heap, where a MemoryError is waited out.
            if import_cut_short(e):
                raise MemoryError
            raise
        finally:
            _loading = outer


def _absolute(name, level):
    """The absolute name of a relative import (asyncio's, a user's package):
    MicroPython gives __import__ no globals to find the importing package
    in. It is the package this thread is loading, if any (an import at the
    top of a package's module), else the first loaded package that has
    such a module (asyncio loading one of its parts when first used)."""
    mine = list(_loading) if import_lock.owner == thread_ident() else []
    mine.reverse()
    for outer in mine + [n for n in sys.modules if n not in mine]:
        package = outer if hasattr(sys.modules.get(outer), "__path__") else strsplit.rpartition(outer, ".")[0]
        for _ in range(level - 1):
            package = strsplit.rpartition(package, ".")[0]
        if not package:
            continue
        full = package + "." + name if name else package
        if outer in mine or full in sys.modules:
            return full
        try:
            _import(full)
            return full
        except ImportError:
            pass
    raise ImportError("can't perform relative import")
