"""Talking to a board on its serial port through mpremote: a transport at
MicroPython's REPL (the board brought there from munix's prompt first),
and what the board says of itself."""

import time

from munixtool import MunixError


def connect(port: str | None):
    """An mpremote transport to the board on port (default: the first USB serial port)."""
    from mpremote.transport import TransportError
    from mpremote.transport_serial import SerialTransport

    if port is None:
        import serial.tools.list_ports

        found = [p.device for p in sorted(serial.tools.list_ports.comports()) if p.vid is not None]
        if not found:
            raise MunixError("no board found on a USB serial port; give its PORT")
        port = found[0]
    try:
        transport = SerialTransport(port, baudrate=115200)
    except TransportError as error:
        raise MunixError(f"{port}: {error}") from None
    try:
        to_repl(transport.serial)
    except BaseException:
        transport.close()
        raise
    # mpremote reads a pseudo-terminal (the simulator's port) without a
    # timeout: a board that stops answering would hang it for ever.
    transport.serial.timeout = 1
    return transport


# What the board shows once at a REPL: the friendly prompt, or the raw
# REPL's (after a Ctrl-C there, or its banner).
REPL_ENDINGS = (b">>> ", b"\x04>", b"CTRL-B to exit\r\n>")
TO_REPL_TRIES = 12


def to_repl(port) -> None:
    """Bring the board to MicroPython's REPL, for mpremote to take over.

    A Ctrl-C ends what runs; a Ctrl-A at munix's prompt then leaves for the
    raw REPL (an older munix left at the Ctrl-C itself, and its REPL takes
    the Ctrl-A). mpremote sends them once, then waits
    (on a pseudo-terminal for ever): a Ctrl-C while munix boots only ends
    init.sh. So both are sent until a REPL prompt answers; when none does,
    mpremote tries as it would anyway."""
    timeout = port.timeout
    port.timeout = 0.05
    try:
        for _ in range(TO_REPL_TRIES):
            port.write(b"\r\x03\r\x01")
            seen = b""
            deadline = time.monotonic() + 0.25
            while time.monotonic() < deadline:
                seen += port.read(max(port.in_waiting, 1))
                if seen.endswith(REPL_ENDINGS) and not port.in_waiting:
                    return
    finally:
        port.timeout = timeout


def board_mpy(port: str | None) -> int:
    """The board's ``sys.implementation._mpy``."""
    transport = connect(port)
    try:
        transport.enter_raw_repl(soft_reset=False)
        mpy = transport.eval("__import__('sys').implementation._mpy")
        transport.exit_raw_repl()
    except Exception as error:  # noqa: BLE001  mpremote's errors vary; one line for the user
        raise MunixError(f"cannot ask the board its .mpy version: {error}") from None
    finally:
        transport.close()
    return int(mpy)
