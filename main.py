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
except (MemoryError, ImportError) as e:
    # One line, then the REPL: a heap this small cannot hold the OS. The
    # simulator tells it by the kernel missing from sys.modules.
    import gc
    import sys
    if not isinstance(e, MemoryError):
        # An import the heap cut short reads "no module named" (errors).
        gc.collect()
        import errors
        if not errors.heap_ran_out(e):
            raise e
        e = "memory allocation failed; %s" % e
    sys.modules.pop("kernel", None)
    print("munix: the heap is too small for the OS (%s); %d bytes free" % (e, gc.mem_free()),
          file=sys.stderr)
