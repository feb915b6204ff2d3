"""Boot munix on MicroPython's unix port as if it were a board.

Run by `tools/munix sim` on the MicroPython it built, which has it
frozen as a board has its boot in its firmware: micropython [-i] -c BOOT
FLASH tty|pipe [ROM] (munix sim's BOOT imports this module, then runs the
boot files as below; ROM is the stand-ins' folder, given without a board
profile); with a micropython from PATH as: micropython [-i] start.py FLASH
tty|pipe. FLASH is the flash folder munix sim opened for it
(/proc/self/fd/9, flash.py).

The folder FLASH is mounted at / as the board's flash, and the stand-ins for
the modules only boards have (rom/: os.uname, machine.Pin, network ...) at
/rom, where MicroPython boards keep their ROM filesystem; they load on
import, like a board's built-in modules (flash.py: also a ROMFS partition,
and a mend of asyncio). Then /boot.py and /main.py run as on a board.

With `pipe` (standard input is not a terminal) the console reads plain
lines without a prompt or echo, and ends at end of input. With
`tty` the console's line editor reads the terminal a character at a time,
as on a board's serial console: while it edits a line, the terminal is
switched out of its line mode, its echo and its signal keys (Ctrl-C comes
as a key, not as an interrupt that could strike mid-edit), and back to its
own mode when the line is read: commands run, and Ctrl-C interrupts them,
as before; and the terminal is as it was at exit.
"""
import builtins
import sys

flash_root, mode = sys.argv[1], sys.argv[2]
here = sys.argv[0].rsplit("/", 1)[0]

try:
    import flash    # frozen in a board profile's MicroPython
except ImportError:
    sys.path.insert(0, here)
    import flash

# The stand-ins' folder: beside this file, or named after the mode by
# munix sim where this module is frozen.
flash.mount(flash_root, sys.argv[3] if len(sys.argv) > 3 else here + "/rom")
del sys.modules["flash"]


def _read_piped_line(prompt=""):
    # As the board's console does: the loop it hosts runs until input comes
    # (munix's; upyOS, which the bench boots too, has no module system).
    system = sys.modules.get("system")
    if system is not None:
        system.wait_input(sys.stdin)
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line.rstrip("\n")


# struct termios of Linux: c_lflag at byte 12, c_cc from byte 17.
_LFLAG = 12
_CC = 17
_VTIME = 5
_VMIN = 6
_ISIG = 0o1
_ICANON = 0o2
_ECHO = 0o10
_ECHONL = 0o100
_IEXTEN = 0o100000


def _terminal_modes():
    """console_mode(editing) for the session module: the terminal in
    character mode without echo or signals while editing, its own mode
    otherwise."""
    import ffi
    libc = ffi.open("libc.so.6")
    tcgetattr = libc.func("i", "tcgetattr", "ip")
    tcsetattr = libc.func("i", "tcsetattr", "iip")
    own = bytearray(64)     # sizeof(struct termios) is 60
    edit = bytearray(64)
    saved = [False]

    def console_mode(editing):
        if not editing:
            if saved[0]:
                tcsetattr(0, 0, own)
            return
        saved[0] = tcgetattr(0, own) == 0
        if saved[0]:
            edit[:] = own
            lflag = int.from_bytes(edit[_LFLAG:_LFLAG + 4], sys.byteorder)
            lflag &= ~(_ISIG | _ICANON | _ECHO | _ECHONL | _IEXTEN)
            edit[_LFLAG:_LFLAG + 4] = lflag.to_bytes(4, sys.byteorder)
            edit[_CC + _VMIN] = 1
            edit[_CC + _VTIME] = 0
            tcsetattr(0, 0, edit)   # TCSANOW: keep what was typed ahead

    return console_mode


if mode == "pipe":
    builtins.input = _read_piped_line

BOOT = ("/boot.py", "/main.py")


def code(start_file):
    """What the board runs of start_file: its code, or nothing when it is
    missing. A firmware runs the file by its name; the ESP8266's Python has
    no compile() to name it with. On a terminal, session is given the
    terminal's modes before main.py runs."""
    if start_file == "/main.py" and mode != "pipe":
        # Once boot.py has run, which may have mounted the OS's pack
        # (lib/packfs.py).
        import session
        session.console_mode = _terminal_modes()
    try:
        with open(start_file) as f:
            source = f.read()
    except OSError:
        return ""
    return compile(source, start_file, "exec") if hasattr(builtins, "compile") else source


# What a board has built into its firmware, as C: its stand-ins here are
# frozen Python, whose objects (up to 12 KiB with every class of machine)
# would take heap that the board's modules do not. Not espnow's, which
# takes a socket as it loads (0.9 KiB of heap, charged when a program
# imports it).
_BUILT_IN = ("machine", "network", "neopixel", "esp32", "rp2", "camera")


def firmware(board_heap):
    """On a board profile, munix sim gives the runtime more heap than the
    board's (board_heap bytes): the built-in modules' stand-ins load now,
    a ballast fills the rest of what was added, and gc.mem_alloc() counts
    neither. The OS finds what the board leaves it, free and in one
    piece."""
    import gc
    path = sys.path[:]
    sys.path[:] = [".frozen"]   # never a module of the flash's in a firmware's place
    gc.collect()
    before = gc.mem_alloc()
    for name in _BUILT_IN:
        try:
            module = __import__(name)
        except ImportError:
            continue
        for cls in getattr(module, "_LAZY", ()):
            getattr(module, cls)
    sys.path[:] = path
    gc.collect()
    added = gc.mem_alloc() + gc.mem_free() - _pool(board_heap)
    ballast = added - (gc.mem_alloc() - before) - _ARRAY
    if ballast < 0:
        raise SystemExit("start: the stand-ins take %d bytes more than munix sim adds"
                         % -ballast)
    global _ballast
    _ballast = bytearray(ballast)
    gc.firmware(added)


# A bytearray's own object (its bytes are a block of their own).
_ARRAY = 4 * 4


def _pool(heap):
    """The bytes gc_init (py/gc.c) makes blocks of in a heap of heap bytes,
    beside its tables: a byte of allocation table for each 4 blocks of 16
    bytes, a byte of finaliser table for each 8."""
    table = (heap - 1) * 8 // (8 + 4 + 32 * 16)
    return table * 4 * 16


def booted():
    if "kernel" not in sys.modules:
        # main.py could not boot the OS (it said why): the board would sit
        # at its REPL; the simulator reports it by its exit status.
        sys.exit(1)


# Frozen, this module is imported by the lines of munix sim's BOOT, which
# run these from the runtime's top level, as a file's would: run inside
# the import, the OS had less C stack than a board's main.py has.
if __name__ == "__main__":
    for start_file in BOOT:
        exec(code(start_file), {"__name__": "__main__"})
    booted()
