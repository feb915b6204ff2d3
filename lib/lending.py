"""Modules lent for a call (lend): loaded for it and gone after, unless
they were loaded before; told by the module object, not its name. Loaded
by the daemons, crond and fleetd that lend them (a helper the shell drops
once none of them holds it), not with the console: in
system, which every board keeps from its boot, they took 0.5 KiB of the
heap after boot (x64)."""
import sys

import system


def loaded(names):
    """The modules of names (a tuple) in sys.modules now, None for those
    not, for unload_new()."""
    modules = sys.modules
    return [modules.get(m) for m in names]


def unload_new(names, before):
    """Take out of sys.modules (under system.import_lock) the modules of
    names loaded since loaded(names) gave before. Told by the module, not by its
    name: one a shell dropped meanwhile (its line done) and this work
    loaded again is new too; kept, it stayed for good."""
    modules = sys.modules
    for i in range(len(names)):
        now = modules.get(names[i])
        if now is not None and now is not before[i]:
            system.unload(names[i])


def lend(names, function, *args, hold=False):
    """Module names' function called with args (names: a module's name, or
    a tuple of names whose first is that module's), the module loaded for
    the call; it and what else of names the call loaded go after, unless
    they were loaded before (unload_new): a helper that a daemon or crond
    uses now and then does not stay beside their clients. hold: the call
    too under system.import_lock (its lazy imports, while the shell drops
    modules). Called where the work is asked, not through a wrapper: on a
    board whose console hosts the loop (an RP2040's 8 KiB stack) one call
    more made cron's start of a job exceed the stack."""
    if isinstance(names, str):
        names = (names,)
    before = None
    if hold:
        system.import_lock.__enter__()
    try:
        before = loaded(names)
        return getattr(system.import_module(names[0]), function)(*args)
    finally:
        if before is not None:
            with system.import_lock:
                unload_new(names, before)
            before = None
        if hold:
            system.import_lock.__exit__(None, None, None)
