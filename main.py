# MicroPython runs this file after boot.py: it boots munix. A pending step
# of an upgrade (install, probation, rollback) runs first, before any other
# part of the OS is loaded: a new version that cannot even load its kernel
# is still rolled back, at the next boot.
import os

try:
    os.stat("/.upgrade/state")
except OSError:
    pass
else:
    __import__("upgradeboot").at_boot()
try:
    import kernel
    kernel.boot()
except MemoryError as e:
    # One line, then the REPL: a heap this small cannot hold the OS. The
    # simulator tells it by the kernel missing from sys.modules.
    import gc
    import sys
    sys.modules.pop("kernel", None)
    print("munix: the heap is too small for the OS (%s); %d bytes free" % (e, gc.mem_free()),
          file=sys.stderr)
