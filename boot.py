# MicroPython runs this file first, at every reset; munix itself starts in
# main.py, so that a broken OS never stops the board from reaching its REPL.
import os

try:
    os.stat("/munix.romfs")
except OSError:
    pass
else:
    # munix in one file, its pack (lib/packfs.py), mounted at /rom.
    try:
        __import__("packfs").mount()
    except OSError as e:
        print("munix: /munix.romfs is not a pack (%s)" % e)
del os
