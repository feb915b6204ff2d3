"""Boot munix on MicroPython's unix port as if it were a board.

Run by `tools/munix sim` as: micropython [-i] start.py FLASH tty|pipe

The folder FLASH is mounted at / as the board's flash, and the stand-ins for
the modules only boards have (rom/: os.uname, machine.Pin, network ...) at
/rom, where MicroPython boards keep their ROM filesystem; they load on
import, like a board's built-in modules. Then /boot.py and /main.py run as
on a board. With `pipe` (standard input is not a terminal) the console
reads plain lines without a prompt or echo, and ends at end of input.
"""
import builtins
import os
import sys
import vfs

flash_root, mode = sys.argv[1], sys.argv[2]
here = sys.argv[0].rsplit("/", 1)[0]

sys.path.insert(0, here)
import flash  # noqa: E402

vfs.mount(flash.Flash(flash_root), "/")
vfs.mount(vfs.VfsPosix(here + "/rom"), "/rom")
os.chdir("/")
sys.path.clear()
sys.path.extend(["", ".frozen", "/rom", "/lib"])
del sys.modules["flash"]


def _read_piped_line(prompt=""):
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line.rstrip("\n")


if mode == "pipe":
    builtins.input = _read_piped_line

for start_file in ("/boot.py", "/main.py"):
    try:
        source = open(start_file).read()
    except OSError:
        continue
    exec(compile(source, start_file, "exec"), {"__name__": "__main__"})
    del source
