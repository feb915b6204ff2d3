"""The simulated board's serial port: ``munix sim --serial``.

A pseudo-terminal stands for the board's USB serial port; whatever opens its
device (mpremote, ``munix deploy``, a terminal program) talks to the board
as to a real one. Behind it, MicroPython runs on the simulated flash
(tools/sim/serial_board.py): after a reset it runs /boot.py and /main.py,
which boots munix on the console; when munix is left (Ctrl-C at its prompt,
``exit``), the MicroPython REPL takes over the port.

The unix port of MicroPython 1.25 has no raw REPL, so the REPL is done here,
byte for byte as shared/runtime/pyexec.c does it on boards:

- friendly REPL: ``>>>`` prompt with echo and backspace, ``...`` for
  continuation lines, Ctrl-A raw REPL, Ctrl-B banner, Ctrl-C cancel,
  Ctrl-D soft reset, Ctrl-E paste mode;
- raw REPL: ``raw REPL; CTRL-B to exit``, code ends with Ctrl-D, reply
  ``OK`` + output + ``\\x04`` + error + ``\\x04`` + ``>``; Ctrl-D on an empty
  line soft-resets, Ctrl-B goes back to the friendly REPL;
- raw-paste (``\\x05A\\x01``): ``R\\x01``, a window of 128 bytes, a ``\\x01``
  for each window consumed, Ctrl-D ends the code, ``\\x04`` acknowledges it;
- soft reset: ``MPY: soft reboot``, a fresh MicroPython that runs /boot.py,
  and /main.py too unless it happened in the raw REPL; ``machine.reset()``
  is a hard reset: back to the friendly REPL mode, munix boots.

The code itself runs in that MicroPython process, with Ctrl-C sent to it as
SIGINT while code runs, as a board's interrupt character does.
"""

import errno
import fcntl
import os
import secrets
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
import tty
from pathlib import Path

from munixtool import micropython, paths, sim

PASTE_WINDOW = 128  # pyexec.c: half of MICROPY_REPL_STDIN_BUFFER_MAX
RESET_STATUS = 100  # tools/sim/rom/machine.py: machine.reset()
# Output waiting for a reader of the port; beyond it the board waits, as
# with flow control.
OUT_LIMIT = 1 << 16
# A Ctrl-C for munix waits until munix has read what came before it and has
# gone quiet, so that "\r\x03" leaves munix at its prompt rather than
# interrupting the empty line; at most INTERRUPT_WAIT.
QUIET = 0.05
INTERRUPT_WAIT = 2.0
# After a Ctrl-C to munix, what follows waits for munix to leave (it was at
# its prompt) or to go on (it was running a command), at most this long.
HOLD = 0.5

RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"
COMPOUND = ("if", "while", "for", "try", "with", "def", "class", "async")


def continue_with_input(text: str) -> bool:
    """pyexec's mp_repl_continue_with_input: does the REPL want more lines?"""
    first = text.split(None, 1)[0] if text.strip() else ""
    compound = text.startswith("@") or first.rstrip(":") in COMPOUND
    depth = 0
    quote = None  # the open quote: ' " ''' or """
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif text.startswith(quote, i):
                i += len(quote) - 1
                quote = None
        elif c in "'\"":
            quote = c * 3 if text.startswith(c * 3, i) else c
            i += len(quote) - 1
        elif c == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        i += 1
    if quote and len(quote) == 3:
        return True
    if depth > 0 and not quote:
        return True
    if text.endswith("\\"):
        return True
    return compound and not text.endswith("\n")


def _banner() -> bytes:
    answer = micropython._probe(
        sim.board_runtime(),
        "import sys;print('MicroPython v%d.%d.%d; %s' % (sys.implementation.version[:3]"
        " + (sys.implementation._machine,)))",
    )
    return (answer or "MicroPython").encode() + b'\r\nType "help()" for more information.\r\n'


class SerialBoard:
    """The simulated board behind a pseudo-terminal; serve() runs it."""

    def __init__(self, flash: Path, heap: str | None = None, log=sys.stderr):
        self.flash = Path(flash).resolve()
        self.heap = heap
        self.log = log
        self.master, self.slave = os.openpty()
        # Raw, so that the board's output is never echoed back to it; kept
        # open, so that the port survives its clients coming and going.
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        self.device = os.ttyname(self.slave)
        self.console, self.console_slave = os.openpty()
        os.set_blocking(self.console, False)
        self._console_modes()
        self.workdir = Path(tempfile.mkdtemp(prefix="munix-serial-"))
        self.fifo = self.workdir / "commands"
        os.mkfifo(self.fifo)
        # Read-write, so that opening never blocks and the board never sees
        # the end of the FIFO while the port lives.
        self.commands = os.open(self.fifo, os.O_RDWR)
        self.mark = b"\x1b_munix-" + secrets.token_hex(8).encode() + b":"
        self.mark_len = len(self.mark) + 3
        self.banner = _banner()
        self.mode = "friendly"  # pyexec_mode_kind: survives soft resets
        self.state = "off"
        self.process = None
        self.pending = bytearray()  # from the port, not yet taken
        self.out = bytearray()  # for the port, not yet written
        self.board_out = bytearray()  # from the board, not yet scanned for notices
        self.line = bytearray()
        self.lines: list[str] = []  # continuation lines of the friendly REPL
        self.escape = b""
        self.window = 0
        self.last_output = 0.0
        self.interrupt_since = None
        self.hold_until = 0.0
        self.editing = False  # munix is editing a line: Ctrl-C is a key
        self.keys = b""  # given to the REPL by the board, for when it reads
        self.stopped = False

    # --- plumbing -------------------------------------------------------

    def _console_modes(self) -> None:
        """The console as a board's UART: bytes in as they come (no line
        mode, no echo, no signals), "\\n" out as "\\r\\n"."""
        tty.setraw(self.console_slave)
        attrs = termios.tcgetattr(self.console_slave)
        attrs[1] |= termios.OPOST | termios.ONLCR
        termios.tcsetattr(self.console_slave, termios.TCSANOW, attrs)

    def write(self, data: bytes) -> None:
        self.out += data

    def _flush_out(self) -> None:
        try:
            written = os.write(self.master, self.out)
        except BlockingIOError:
            return
        del self.out[:written]

    def _unread_console_input(self) -> int:
        buf = fcntl.ioctl(self.console_slave, termios.FIONREAD, b"\0\0\0\0")
        return struct.unpack("i", buf)[0]

    # --- the board process ----------------------------------------------

    def _boot(self) -> None:
        """Start MicroPython after a reset, in the current REPL mode."""
        termios.tcflush(self.console_slave, termios.TCIFLUSH)
        self._console_modes()
        argv = [*sim.with_flash(self.flash), *sim.board_runtime(self.heap)]
        script = paths.repo_root() / "tools" / "sim" / "serial_board.py"
        argv += [os.fspath(script), sim.FLASH, self.mode, os.fspath(self.fifo),
                 self.mark.decode()]
        self.process = subprocess.Popen(
            argv, stdin=self.console_slave, stdout=self.console_slave,
            stderr=self.console_slave, start_new_session=True,
        )
        self.state = "running"
        self.running = "boot"
        self.editing = False
        self.hold_until = 0.0
        self.interrupt_since = None

    def _stop_board(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.process = None
        self.board_out.clear()
        self._drain_console(relay=False)

    def _drain_console(self, relay: bool) -> None:
        while True:
            ready, _, _ = select.select([self.console], [], [], 0.02)
            if not ready:
                return
            try:
                data = os.read(self.console, 65536)
            except OSError:
                return
            if relay:
                self._board_output(data)

    def _soft_reset(self) -> None:
        self._stop_board()
        self.write(b"MPY: soft reboot\r\n")
        self._boot()

    def _board_exited(self) -> None:
        process = self.process
        self._drain_console(relay=True)
        if self.process is not process:
            return  # its last words asked for a soft reset, now done
        status = process.returncode
        self.process = None
        if status != RESET_STATUS:
            print(f"sim: the board's MicroPython ended with status {status}; resetting",
                  file=self.log)
            time.sleep(0.5)
        self.mode = "friendly"
        self._boot()

    def _board_output(self, data: bytes) -> None:
        """Relay what the board printed, acting on the notices in it."""
        self.last_output = time.monotonic()
        buf = self.board_out
        buf += data
        while True:
            at = buf.find(self.mark)
            if at < 0:
                # Keep a tail that may be the start of a notice.
                keep = next((n for n in range(min(len(buf), len(self.mark)), 0, -1)
                             if self.mark.startswith(bytes(buf[-n:]))), 0)
                self.write(bytes(buf[:len(buf) - keep]))
                del buf[:len(buf) - keep]
                return
            if len(buf) < at + self.mark_len:
                self.write(bytes(buf[:at]))
                del buf[:at]
                return
            self.write(bytes(buf[:at]))
            kind = chr(buf[at + len(self.mark)])
            del buf[:at + self.mark_len]
            self._notice(kind)

    def _notice(self, kind: str) -> None:
        if kind < " ":
            # A key given to the REPL (os.dupterm): read once the REPL is.
            self.keys += kind.encode()
            return
        if kind in "EC":
            self.editing = kind == "E"
        elif kind == "S":
            self._soft_reset()
            return
        elif self.mode == "raw":
            self.state = "raw"
            self.write(RAW_BANNER + b">" if self.running == "boot" else b">")
        else:
            self.state = "friendly"
            self.write(self.banner + b">>> " if self.running == "boot" else b">>> ")
        if self.state != "running" and self.keys:
            self.pending[:0] = self.keys
            self.keys = b""

    def _run(self, kind: str, code: bytes) -> None:
        """Hand code to the board; its output and notice follow."""
        self.state = "running"
        self.running = kind
        os.write(self.commands, b"%s %d\n" % (kind.encode(), len(code)) + code)

    # --- input from the port --------------------------------------------

    def _take(self) -> None:
        """Act on the bytes from the port, as far as the board's state allows."""
        while self.pending and not self.stopped:
            if self.state == "running":
                if not self._take_running():
                    return
                continue
            c = self.pending.pop(0)
            if self.state == "friendly":
                self._friendly(c)
            elif self.state == "paste":
                self._paste(c)
            elif self.state == "raw":
                self._raw(c)
            elif self.state == "rawpaste":
                self._raw_paste(c)

    def _take_running(self) -> bool:
        """Bytes for code that runs: to its standard input, Ctrl-C as SIGINT.
        False when the rest has to wait."""
        now = time.monotonic()
        if now < self.hold_until:
            return False
        at = self.pending.find(b"\x03")
        if at != 0:
            data = self.pending if at < 0 else self.pending[:at]
            try:
                written = os.write(self.console, bytes(data))
            except BlockingIOError:
                return False  # the code does not read its input now
            del self.pending[:written]
            return True
        if self.running == "boot":
            # munix's turn: first let it take in what came before.
            if self.interrupt_since is None:
                self.interrupt_since = now
            settled = self._unread_console_input() == 0 and now - self.last_output >= QUIET
            if not settled and now - self.interrupt_since < INTERRUPT_WAIT:
                return False
            self.interrupt_since = None
            self.hold_until = now + HOLD
            if self.editing:
                # munix's line editor takes Ctrl-C as a key (and leaves at an empty line).
                os.write(self.console, b"\x03")
                del self.pending[:1]
                return True
        del self.pending[:1]
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)
        return True

    def _friendly(self, c: int) -> None:
        """One key for the friendly REPL's line editor."""
        if self.escape:
            # An escape sequence (arrows ...): ignored, as editing is plain here.
            self.escape += bytes([c])
            if len(self.escape) > 2 and 0x40 <= c <= 0x7E or len(self.escape) == 2 and c not in b"[O":
                self.escape = b""
            return
        empty = not self.line
        if self.lines:
            if c == 3:
                self.write(b"\r\n")
                self._prompt()
            elif c == 4:
                self._run_friendly()
            elif c == 13:
                self.write(b"\r\n")
                self._line_done()
            else:
                self._edit(c)
            return
        if c == 1 and empty:
            self.write(b"\r\n")
            self.mode = self.state = "raw"
            self.line.clear()
            self.write(RAW_BANNER + b">")
        elif c == 2 and empty:
            self.write(b"\r\n" + self.banner)
            self._prompt()
        elif c == 3:
            self.write(b"\r\n")
            self._prompt()
        elif c == 4 and empty:
            self.write(b"\r\n")
            self._soft_reset()
        elif c == 5 and empty:
            self.write(b"\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ")
            self.state = "paste"
        elif c == 13:
            self.write(b"\r\n")
            self._line_done()
        else:
            self._edit(c)

    def _edit(self, c: int) -> None:
        if c in (8, 127):
            if self.line:
                # Remove a whole UTF-8 character.
                while self.line and self.line.pop() & 0xC0 == 0x80:
                    pass
                self.write(b"\b \b")
        elif c == 27:
            self.escape = b"\x1b"
        elif c >= 32:
            self.line.append(c)
            self.write(bytes([c]))

    def _prompt(self) -> None:
        self.line.clear()
        self.lines.clear()
        self.state = "friendly"
        self.write(b">>> ")

    def _line_done(self) -> None:
        line = self.line.decode("utf-8", "replace")
        self.line.clear()
        if not self.lines and not line:
            self._prompt()
            return
        self.lines.append(line)
        if continue_with_input("\n".join(self.lines) + ("\n" if not line else "")):
            self.write(b"... ")
            return
        self._run_friendly()

    def _run_friendly(self) -> None:
        code = "\n".join(self.lines).encode()
        self.lines.clear()
        self.line.clear()
        self._run("single", code)

    def _paste(self, c: int) -> None:
        if c == 3:
            self.write(b"\r\n")
            self._prompt()
        elif c == 4:
            self.write(b"\r\n")
            code = bytes(self.line).replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            self.line.clear()
            self._run("paste", code)
        else:
            self.line.append(c)
            self.write(b"\r\n=== " if c == 13 else bytes([c]))

    def _raw(self, c: int) -> None:
        line = self.line
        if c == 1:
            if len(line) == 2 and line[0] == 5:
                kind = line[1]
                line.clear()
                if kind != ord("A"):
                    self.write(b"R\x00>")
                    return
                self.write(b"R\x01" + struct.pack("<H", PASTE_WINDOW) + b"\x01")
                self.window = PASTE_WINDOW
                self.state = "rawpaste"
                return
            line.clear()
            self.write(RAW_BANNER + b">")
        elif c == 2:
            line.clear()
            self.write(b"\r\n")
            self.mode = "friendly"
            self.write(self.banner)
            self._prompt()
        elif c == 3:
            line.clear()
        elif c == 4:
            self.write(b"OK")
            if not line:
                self.write(b"\r\n")
                self._soft_reset()
                return
            code = bytes(line)
            line.clear()
            self._run("exec", code)
        else:
            line.append(c)

    def _raw_paste(self, c: int) -> None:
        if c == 3:
            self.line.clear()
            self.write(b"\x04\x04KeyboardInterrupt: \r\n\x04>")
            self.state = "raw"
        elif c == 4:
            self.write(b"\x04")
            code = bytes(self.line)
            self.line.clear()
            self._run("exec", code)
        else:
            self.line.append(c)
            self.window -= 1
            if self.window == 0:
                self.write(b"\x01")
                self.window = PASTE_WINDOW

    # --- the loop -------------------------------------------------------

    def serve(self) -> None:
        """Run the board until stop() (or a signal) ends it."""
        self._boot()
        while not self.stopped:
            readers = [self.master]
            if len(self.out) < OUT_LIMIT:
                readers.append(self.console)
            writers = [self.master] if self.out else []
            waiting = self.pending and self.state == "running"
            ready, can_write, _ = select.select(readers, writers, [], 0.005 if waiting else 0.05)
            if self.master in ready:
                try:
                    self.pending += os.read(self.master, 65536)
                except OSError as error:
                    if error.errno not in (errno.EAGAIN, errno.EIO):
                        raise
            if self.console in ready:
                try:
                    data = os.read(self.console, 65536)
                except OSError:
                    data = b""
                if data:
                    self._board_output(data)
            if self.process is not None and self.process.poll() is not None:
                self._board_exited()
            self._take()
            if self.out:
                self._flush_out()

    def stop(self) -> None:
        self.stopped = True

    def close(self) -> None:
        self._stop_board()
        for fd in (self.commands, self.console, self.console_slave, self.master, self.slave):
            os.close(fd)
        shutil.rmtree(self.workdir, ignore_errors=True)


def serve(flash: Path, heap: str | None = None) -> int:
    """``munix sim --serial``: print the port's device, serve until Ctrl-C or SIGTERM."""
    board = SerialBoard(flash, heap)
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: board.stop())
    print(f"sim: serial port {board.device} (flash {board.flash}); Ctrl-C ends", flush=True)
    try:
        board.serve()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        board.close()
    return 0
