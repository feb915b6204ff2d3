"""The board behind the simulator's serial port (`munix sim --serial`).

Run by tools/munixtool/serialport.py as:
    micropython serial_board.py FLASH MODE COMMANDS MARK

MicroPython on the simulated flash, as a board after a reset: the flash
folder mounted at /, the stand-ins of rom/ at /rom, then /boot.py and, in
the friendly REPL mode (MODE `friendly`), /main.py, which boots munix on the
console (this process's standard streams, the pseudo-terminal the driver
relays to the serial port). In MODE `raw` only /boot.py runs, as on a board
soft-reset in its raw REPL.

The REPL itself (reading keys, raw and raw-paste protocols) is the driver's
work: it hands this process each piece of code to run through the FIFO
COMMANDS, as a line `KIND LENGTH` and LENGTH bytes of code. KIND `exec` is
raw-REPL code (its output framed by \\x04 as pyexec.c does), `single` a
friendly-REPL line (values of expressions printed), `paste` a friendly
paste. Everything runs in one namespace, __main__'s, as on a board.

Notices to the driver go on the console stream itself, framed by MARK, so
that they arrive after everything printed before them: R (ready for code),
D (code done), S (soft reset asked for, by SystemExit), E and C (munix's
console starts and stops editing a line: Ctrl-C is a key, not an interrupt,
meanwhile; see session.console_mode), and control characters: keys given to
the REPL through os.dupterm (the Ctrl-A munix hands on for the raw REPL).
"""
import builtins
import io
import sys

flash_root, mode, commands_path, mark = sys.argv[1:5]
here = sys.argv[0].rsplit("/", 1)[0]
me = '"%s"' % sys.argv[0]

# Opened before the flash takes the place of the host's /.
commands = open(commands_path, "rb")

# The frozen flash driver, in every MicroPython munix setup builds: not
# the file beside this one, whose folder the runtime puts first on
# sys.path for a script. Its imports (the os stand-in, simconsole) looked
# there first too, and that folder's path with a module's name passed the
# boards' 128-byte path limit where munix is installed deep (a pip
# install's site-packages): an empty RuntimeError at every boot.
del sys.path[0]
try:
    import flash
except ImportError:
    sys.path.insert(0, here)
    import flash

flash.mount(flash_root, here + "/rom")
del sys.modules["flash"]

main_globals = {"__name__": "__main__"}


def notice(kind, before=""):
    # One write: a Ctrl-C arriving now cannot split the frame.
    sys.stdout.write(before + mark + kind + "\x1b\\")


def traceback_text(exc):
    """The exception as the board prints it: without this file's frames."""
    buf = io.StringIO()
    sys.print_exception(exc, buf)
    return "".join(line + "\n" for line in buf.getvalue().split("\n")[:-1] if me not in line)


def console_mode(editing):
    """session.console_mode: the driver sends Ctrl-C as a key while munix
    edits a line, as an interrupt otherwise (a board's kbd_intr); the
    interrupt character itself stays on, SIGINT being the driver's to send."""
    notice("E" if editing else "C")


def run_file(path):
    """pyexec_file_if_exists: False when the file asked for a soft reset."""
    try:
        with open(path) as f:
            source = f.read()
    except OSError:
        return True
    try:
        exec(_compiled(source, path.lstrip("/"), "exec"), main_globals)
    except SystemExit:
        return False
    except BaseException as e:  # noqa: B036  the board prints every error
        sys.stdout.write(traceback_text(e))
    return True


def read_command():
    header = commands.readline()
    if not header:
        sys.exit(0)
    kind, length = header.split()
    length = int(length)
    code = b""
    while len(code) < length:
        chunk = commands.read(length - len(code))
        if not chunk:
            sys.exit(0)
        code += chunk
    return kind.decode(), code.decode()


def _compiled(source, name, mode):
    """What exec runs: the code compiled under its name, or the text itself
    where Python has no compile() (the ESP8266's), as its firmware does."""
    if hasattr(builtins, "compile"):
        return compile(source, name, mode)
    return source


def run_command(kind, code):
    """Run one piece of code; the notice that ends it ("D" or "S")."""
    framed = kind == "exec"
    try:
        exec(_compiled(code, "<stdin>", "single" if kind == "single" else "exec"), main_globals)
    except SystemExit:
        return "\x04\x04" if framed else "", "S"
    except BaseException as e:  # noqa: B036
        text = traceback_text(e)
        return ("\x04" + text + "\x04" if framed else text), "D"
    return "\x04\x04" if framed else "", "D"


def serve():
    notice("R")
    while True:
        try:
            kind, code = read_command()
        except KeyboardInterrupt:
            # A Ctrl-C that came after the code it was meant for had ended.
            continue
        try:
            tail, kind = run_command(kind, code)
        except KeyboardInterrupt:
            tail, kind = ("\x04KeyboardInterrupt: \n\x04" if kind == "exec" else ""), "D"
        notice(kind, tail)
        if kind == "S":
            return


def keys(data):
    """simconsole.keys: keys given to the board's REPL (os.dupterm), for the
    driver to take once the REPL reads: one notice each."""
    for c in data:
        notice(chr(c))


import simconsole  # noqa: E402

simconsole.keys = keys

booted = run_file("/boot.py")
if booted and mode == "friendly":
    # After boot.py, which may have mounted the OS's pack (lib/packfs.py).
    try:
        import session

        session.console_mode = console_mode
    except ImportError:
        pass
    booted = run_file("/main.py")
if booted:
    serve()
else:
    notice("S")
