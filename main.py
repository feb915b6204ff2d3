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
import kernel

kernel.boot()
