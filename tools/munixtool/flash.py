"""``munix flash PORT FIRMWARE.bin``: put MicroPython on an Espressif board with esptool.

The flash is erased, then the firmware written at the offset its chip boots
from (MicroPython's own instructions for each chip). Without --chip, esptool
asks the board which chip it is first.
"""

import os
import subprocess
import sys
from pathlib import Path

from munixtool import MunixError

# Where each chip's MicroPython firmware image starts in flash.
OFFSETS = {
    "esp32": 0x1000,
    "esp32s2": 0x1000,
    "esp32c3": 0x0,
    "esp32s3": 0x0,
    "esp32c6": 0x0,
    "esp8266": 0x0,
}
DEFAULT_BAUD = 460800
# Connection attempts when asking the chip: each is about 0.75 s of syncing
# (plus a reset on a serial port), so a silent port fails within seconds.
DETECT_ATTEMPTS = 3


def esptool_command(port: str, chip: str, baud: int, *command: str) -> list[str]:
    """The argv of one esptool (v5) command."""
    return [sys.executable, "-m", "esptool", "--chip", chip, "--port", port, "--baud",
            str(baud), *command]


def plan(port: str, firmware: Path, chip: str, baud: int = DEFAULT_BAUD) -> list[list[str]]:
    """The esptool runs that erase the board and write the firmware."""
    return [
        esptool_command(port, chip, baud, "erase-flash"),
        esptool_command(port, chip, baud, "write-flash", hex(OFFSETS[chip]), os.fspath(firmware)),
    ]


def chip_key(name: str) -> str:
    """esptool's chip name ("ESP32-C3") as our key ("esp32c3")."""
    return name.lower().replace("-", "")


def detect(port: str) -> str:
    """Ask the board on port which chip it is; say so on one line."""
    try:
        import esptool
        from esptool.logger import log
    except ImportError as error:
        raise MunixError("esptool is not installed (pip install esptool)") from error
    # esptool narrates its connection; munix reports the outcome in one line.
    log.set_verbosity("silent")
    try:
        loader = esptool.detect_chip(port, connect_attempts=DETECT_ATTEMPTS)
    except Exception as error:  # noqa: BLE001  esptool raises many kinds; one line for the user
        raise MunixError(f"cannot detect the chip on {port}: {_first_line(str(error))}") from None
    finally:
        log.set_verbosity("normal")
    with loader:  # closes the port for esptool's own runs
        name = loader.CHIP_NAME
    key = chip_key(name)
    if key not in OFFSETS:
        raise MunixError(f"{name} on {port}: not a chip munix knows ({', '.join(OFFSETS)})")
    print(f"{name} on {port}")
    return key


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "failed")


def _one_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # esptool ends with "ERROR: A fatal error occurred: why" (and hints after it).
    fatal = [line for line in lines if line.startswith("ERROR:")]
    line = (fatal or lines or ["failed"])[-1].removeprefix("ERROR:").strip()
    return line.removeprefix("A fatal error occurred:").strip()


def run(argv: list[str]) -> None:
    """Run esptool, showing its output; its failure as a one-line MunixError."""
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, text=True, errors="replace")
    output = []
    for line in process.stdout:
        sys.stdout.write(line)
        output.append(line)
    if process.wait() != 0:
        raise MunixError(f"esptool {argv[argv.index('--baud') + 2]}: {_one_line(''.join(output))}")


def main(args) -> int:
    """Entry point of ``munix flash``."""
    firmware = Path(args.firmware)
    if not firmware.is_file():
        raise MunixError(f"{firmware}: no such firmware file")
    if args.baud <= 0:
        raise MunixError(f"--baud {args.baud}: not a baud rate")
    chip = args.chip or detect(args.port)
    for argv in plan(args.port, firmware, chip, args.baud):
        if args.dry_run:
            print(" ".join(["esptool", *argv[3:]]))
        else:
            run(argv)
    return 0
