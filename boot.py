# MicroPython runs this file first, at every reset; munix itself starts in
# main.py, so that a broken OS never stops the board from reaching its REPL.
