"""A stand-in for an Espressif chip's serial bootloader, on a loopback TCP port.

Host-side test equipment for `munix flash` (CPython, never deployed). esptool
and pyserial take a port named ``socket://127.0.0.1:PORT``; behind it this
module answers as the chip chosen (esp32, esp32s2, esp32s3, esp32c3, esp32c6,
esp8266, or esp32h2, a chip munix does not support) would in download mode.

What esptool sends, and what is answered (SLIP frames; a request is
``<BBHI`` direction 0, command, length, checksum, then the data; a reply is
direction 1, the command, length, a value, then the data and status bytes):

- SYNC: eight replies, as the ROM gives; value 0 once the flasher stub runs.
- READ_REG / WRITE_REG: a register file. The chip-detect magic word
  (0x40001000) holds each older chip's own value; a write that starts a
  user command on the SPI flash controller runs it (RDID answers a 4 MB
  flash, other commands read zero).
- GET_SECURITY_INFO: the chip ID on ESP32-S3 and later, a short answer
  without it on ESP32-S2, "invalid message" on ESP32 and ESP8266, whose ROMs
  lack the command (ESP8266's ROM knows none past READ_REG).
- MEM_BEGIN / MEM_DATA / MEM_END: the flasher stub's upload. Its code is not
  run: from MEM_END on, this stand-in speaks the stub's protocol instead
  (greeting "OHAI", two status bytes, ERASE_FLASH and ERASE_REGION).
- FLASH_BEGIN / DATA / END and their compressed FLASH_DEFL_* forms write the
  flash image (a bytearray, erased as the ROM or stub erases); SPI_FLASH_MD5
  digests it; SPI_ATTACH, SPI_SET_PARAMS, CHANGE_BAUDRATE are acknowledged.

A new connection is the chip reset into download mode: ROM again, register
file reset, the flash image kept. A silent stand-in (a board not in download
mode) reads everything and answers nothing.

Run as a script it prints its port's URL and serves until interrupted:
``python tools/sim/esprom.py --chip esp32s3 [--flash IMAGE] [--silent]``
(``--flash``: the image file, read at start and written after each
connection).
"""
import argparse
import collections
import hashlib
import signal
import socket
import struct
import threading
import zlib

FLASH_SIZE = 4 * 1024 * 1024
SECTOR = 0x1000
# RDID of a 4 MB Winbond flash: manufacturer, memory type, capacity (2**0x16).
FLASH_JEDEC_ID = 0x1640EF
CHIP_DETECT_MAGIC_REG = 0x40001000
SPI_CMD_USR = 1 << 18
SYNC_DATA = b"\x07\x07\x12\x20" + 32 * b"\x55"

# Status codes of a failed command (second status byte).
INVALID_MESSAGE = 0x05
FAILED = 0x06
BAD_CHECKSUM = 0x07

SYNC, READ_REG, WRITE_REG = 0x08, 0x0A, 0x09
MEM_BEGIN, MEM_END, MEM_DATA = 0x05, 0x06, 0x07
FLASH_BEGIN, FLASH_DATA, FLASH_END = 0x02, 0x03, 0x04
FLASH_DEFL_BEGIN, FLASH_DEFL_DATA, FLASH_DEFL_END = 0x10, 0x11, 0x12
SPI_SET_PARAMS, SPI_ATTACH, CHANGE_BAUDRATE = 0x0B, 0x0D, 0x0F
SPI_FLASH_MD5, GET_SECURITY_INFO = 0x13, 0x14
ERASE_FLASH, ERASE_REGION = 0xD0, 0xD1  # the stub's own

# magic: the word at CHIP_DETECT_MAGIC_REG (chips without a chip ID);
# chip_id: in GET_SECURITY_INFO's answer (None: a 12-byte answer without it);
# security: whether the ROM has GET_SECURITY_INFO;
# rom_status: status bytes of a ROM reply; spi: the SPI flash controller's
# base address and the offsets of its USR2 (command) and W0 (data) registers;
# registers: other words esptool reads (the UART clock divider at 115200 baud
# of the chips whose crystal it infers from it: 26 MHz ESP8266, 40 MHz ESP32).
Chip = collections.namedtuple("Chip", "name magic chip_id security rom_status spi registers")
CHIPS = {
    "esp8266": Chip("ESP8266", 0xFFF0C101, None, False, 2, (0x60000200, 0x24, 0x40),
                    {0x60000014: 52_000_000 // 115200}),
    "esp32": Chip("ESP32", 0x00F01D83, None, False, 4, (0x3FF42000, 0x24, 0x80),
                  {0x3FF40014: 40_000_000 // 115200}),
    "esp32s2": Chip("ESP32-S2", 0x000007C6, None, True, 4, (0x3F402000, 0x20, 0x58), {}),
    "esp32s3": Chip("ESP32-S3", 0, 9, True, 4, (0x60002000, 0x20, 0x58), {}),
    "esp32c3": Chip("ESP32-C3", 0, 5, True, 4, (0x60002000, 0x20, 0x58), {}),
    "esp32c6": Chip("ESP32-C6", 0, 13, True, 4, (0x60003000, 0x20, 0x58), {}),
    "esp32h2": Chip("ESP32-H2", 0, 16, True, 4, (0x60003000, 0x20, 0x58), {}),
}


class Failed(Exception):
    """A command the chip refuses; args[0] is its status code."""


def slip(packet):
    """One SLIP frame."""
    return b"\xc0" + packet.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc") + b"\xc0"


def unslip(frame):
    return frame.replace(b"\xdb\xdc", b"\xc0").replace(b"\xdb\xdd", b"\xdb")


def checksum(data):
    state = 0xEF
    for byte in data:
        state ^= byte
    return state


class EspRom:
    """The stand-in: listens on a free loopback port, answers once started
    (as a context manager). chip: a key of CHIPS, or a Chip of one's own."""

    def __init__(self, chip="esp32", flash=None, silent=False):
        self.chip = CHIPS[chip] if isinstance(chip, str) else chip
        self.flash = bytearray(b"\xff" * FLASH_SIZE) if flash is None else flash
        self.silent = silent
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self.url = f"socket://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.serve, daemon=True)
        self.on_disconnect = None

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._listener.close()

    def serve(self):
        """Answer one connection after another until closed."""
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(0.1)
                self._session(conn)
            if self.on_disconnect:
                self.on_disconnect(self)

    def _session(self, conn):
        self._reset()
        pending = b""
        while not self._stop.is_set():
            try:
                data = conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            if self.silent:
                continue
            *frames, pending = (pending + data).split(b"\xc0")
            for frame in frames:
                if len(frame) >= 8:
                    out = self._answer(unslip(frame))
                    try:
                        conn.sendall(out)
                    except OSError:
                        return

    def _reset(self):
        """Power-on in download mode: the ROM loader, registers as at boot."""
        self.stub = False
        self.registers = dict(self.chip.registers)
        self.registers[CHIP_DETECT_MAGIC_REG] = self.chip.magic
        self._write = None

    def _answer(self, packet):
        """The reply frames to one request."""
        _, op, size, check = struct.unpack("<BBHI", packet[:8])
        data = packet[8:8 + size]
        rom = not self.stub
        try:
            value, payload = self._command(op, data, check)
            status = b"\0\0"
        except Failed as failure:
            value, payload, status = 0, b"", bytes([1, failure.args[0]])
        if rom and self.chip.rom_status == 4:
            status += b"\0\0"
        body = payload + status
        reply = slip(struct.pack("<BBHI", 1, op, len(body), value) + body)
        if op == SYNC:
            return reply * 8
        if op == MEM_END and rom and self.stub:
            return reply + slip(b"OHAI")  # the stub's greeting once it runs
        return reply

    def _command(self, op, data, check):
        """Run one command: (value, response data), or raise Failed."""
        if self.chip.name == "ESP8266" and not self.stub and op > READ_REG:
            raise Failed(INVALID_MESSAGE)  # its ROM has only the first commands
        if op == SYNC:
            if data != SYNC_DATA:
                raise Failed(INVALID_MESSAGE)
            return (0 if self.stub else 0x20120707), b""
        if op == READ_REG:
            (address,) = struct.unpack("<I", data[:4])
            return self.registers.get(address, 0), b""
        if op == WRITE_REG:
            address, value, mask, _ = struct.unpack("<IIII", data[:16])
            old = self.registers.get(address, 0)
            self.registers[address] = value & mask | old & ~mask
            self._spi_run(address)
            return 0, b""
        if op == GET_SECURITY_INFO and self.chip.security:
            # flags, flash_crypt_cnt, 7 key purposes[, chip ID, API version]
            info = struct.pack("<I8B", 0, *bytes(8))
            if self.chip.chip_id is not None:
                info += struct.pack("<II", self.chip.chip_id, 0)
            return 0, info
        if op in (SPI_SET_PARAMS, SPI_ATTACH, CHANGE_BAUDRATE, MEM_BEGIN, FLASH_END,
                  FLASH_DEFL_END):
            return 0, b""
        if op == MEM_DATA:
            self._checked(data, check)
            return 0, b""
        if op == MEM_END:
            no_entry, _ = struct.unpack("<II", data[:8])
            self.stub = self.stub or not no_entry
            return 0, b""
        if op in (FLASH_BEGIN, FLASH_DEFL_BEGIN):
            size, _, block, offset = struct.unpack("<IIII", data[:16])
            self._erase(offset, size)
            inflate = zlib.decompressobj() if op == FLASH_DEFL_BEGIN else None
            self._write = [offset, block, inflate]
            return 0, b""
        if op in (FLASH_DATA, FLASH_DEFL_DATA) and self._write:
            block = self._checked(data, check)
            offset, block_size, inflate = self._write
            (seq,) = struct.unpack("<I", data[4:8])
            if inflate:
                block = inflate.decompress(block)
                self._write[0] += len(block)
            else:
                offset += seq * block_size
            self._store(offset, block)
            return 0, b""
        if op == SPI_FLASH_MD5:
            address, size = struct.unpack("<II", data[:8])
            self._in_flash(address, size)
            digest = hashlib.md5(self.flash[address:address + size])
            return 0, digest.digest() if self.stub else digest.hexdigest().encode()
        if op == ERASE_FLASH and self.stub:
            self._erase(0, len(self.flash))
            return 0, b""
        if op == ERASE_REGION and self.stub:
            self._erase(*struct.unpack("<II", data[:8]))
            return 0, b""
        raise Failed(INVALID_MESSAGE)

    def _checked(self, data, check):
        """The data of a MEM_DATA or FLASH_*DATA request, its checksum verified."""
        size = struct.unpack("<I", data[:4])[0]
        block = data[16:16 + size]
        if len(block) != size or checksum(block) != check:
            raise Failed(BAD_CHECKSUM)
        return block

    def _in_flash(self, offset, size):
        if offset + size > len(self.flash):
            raise Failed(FAILED)

    def _erase(self, offset, size):
        end = -(-(offset + size) // SECTOR) * SECTOR
        offset -= offset % SECTOR
        self._in_flash(offset, end - offset)
        self.flash[offset:end] = b"\xff" * (end - offset)

    def _store(self, offset, data):
        self._in_flash(offset, len(data))
        self.flash[offset:offset + len(data)] = data

    def _spi_run(self, address):
        """A user command started on the SPI flash controller: run it now."""
        base, usr2, w0 = self.chip.spi
        if address != base or not self.registers[base] & SPI_CMD_USR:
            return
        command = self.registers.get(base + usr2, 0) & 0xFF
        self.registers[base + w0] = FLASH_JEDEC_ID if command == 0x9F else 0
        self.registers[base] &= ~SPI_CMD_USR


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chip", choices=sorted(CHIPS), default="esp32")
    parser.add_argument("--flash", metavar="IMAGE", help="flash image file (kept across runs)")
    parser.add_argument("--silent", action="store_true", help="answer nothing")
    args = parser.parse_args()
    flash = None
    if args.flash:
        try:
            with open(args.flash, "rb") as file:
                flash = bytearray(file.read().ljust(FLASH_SIZE, b"\xff"))
        except FileNotFoundError:
            pass
    rom = EspRom(args.chip, flash, args.silent)
    if args.flash:
        def save(rom):
            with open(args.flash, "wb") as file:
                file.write(rom.flash)
        rom.on_disconnect = save
    print(rom.url, flush=True)
    # Terminated as if interrupted: the connection under way ends (its image saved).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with rom:
        try:
            rom._thread.join()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
