import errno

import cmdargs
import munix

USAGE = """[FILE]
  Edit FILE full-screen, at the console or over telnet (a VT100/ANSI
  terminal). Normal mode: h j k l or the arrows, 0 $ ^, w b, gg G, Ctrl-F
  Ctrl-B (PgDn PgUp) move, a count before repeats (3dd, 5j, 12G); x, D, dd,
  yy, p, P; u undoes, Ctrl-R redoes; /TEXT searches (plain text), n and N
  go on. i a I A o O insert; Esc back to normal mode. Ex commands: :w,
  :w NAME (:w! NAME over an existing file), :q, :q! (quit without saving),
  :wq, :x or ZZ, :N goes to line N, :set nu and :set nonu show and hide
  line numbers. Saving writes a temporary file renamed over FILE, so a
  failed save leaves it as it was. System files (/lib, /boot.py, /main.py)
  are shown read only. Files too large for the free memory are refused."""
ABOUT = "edit a text file full-screen"


def __main__(args):
    _, rest = cmdargs.parse(args, "", "", operands=1)
    import sys
    import vieditor
    try:
        return _edit(vieditor, rest[0] if rest else None)
    finally:
        # The editor is not needed once it is done: free the heap.
        sys.modules.pop("vieditor", None)


def _edit(vieditor, name):
    keys = vieditor.terminal(munix.proc().stdin)
    if keys is None:
        return cmdargs.error(None, "not a terminal")
    if name == "":
        return cmdargs.error("''", OSError(errno.ENOENT))
    path = munix.path(name) if name else None
    ed = vieditor.Editor(keys, path, name)
    problem = ed.load()
    if problem:
        return cmdargs.error(name, problem)
    try:
        ed.run()
    except EOFError:
        return cmdargs.error(name, "input ended: changes not saved")
    return 0
