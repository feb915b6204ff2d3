"""``munix setup``: fetch and build, once, every MicroPython the simulator,
the board profiles and the tests run on, so that no test downloads.

``munix test`` runs it first. What this machine cannot run (a 32-bit
program on a kernel without IA32 emulation) is said in one line and its
tests are skipped; what cannot be fetched or built stops the set-up with
one line naming it.
"""

import sys
import time
from functools import partial

from munixtool import boards, micropython, portbuild


def steps() -> list[tuple[str, object]]:
    """(what, how to get it), in the order the suite first needs them."""
    return ([("the simulator's MicroPython", portbuild.default_runtime),
             ("the 32-bit MicroPython", portbuild.plain32)]
            + [(f"the MicroPython of the {name} profile", partial(portbuild.runtime, name))
               for name in boards.BOARDS])


def provision(quiet: bool = False) -> None:
    """Every step done (a MunixError names the first that fails)."""
    for what, get in steps():
        started = time.monotonic()
        try:
            get()
        except micropython.Unsupported as error:
            print(f"munix setup: no {what} on this machine ({error}): its tests are skipped",
                  file=sys.stderr)
            continue
        took = time.monotonic() - started
        if not quiet or took >= 1:
            print(f"munix setup: {what}: ready ({took:.0f} s)", file=sys.stderr)


def main(args) -> int:
    provision()
    return 0
