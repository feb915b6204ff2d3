"""The words' vocabulary that the parser (shellparse.py), a plain line's
variables (plainvars.py) and expansion share: a module of its own, so
that the parser does not load plainvars (1.1 KiB of the esp32 profile's
heap) for them, nor plainvars the parser.

A word is a list of parts (kind, text); even kinds are unquoted, odd kinds
quoted (shellparse.py says what each holds).
"""
LIT = 0
QLIT = 1
VAR = 2
QVAR = 3
SUB = 4
QSUB = 5
SPECIAL = "?#@*$!-0123456789"   # the parameters of one character after $
UPYOS_OPS = ("==", "!=", "<", "<=", ">", ">=", "in")   # upyOS's `if A OP B ACTION`
