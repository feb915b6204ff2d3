"""Command line of the munix host tools: ``munix sim|build|test|bench``."""

import argparse
import importlib
import re
import sys
from pathlib import Path

from munixtool import MunixError

# Subcommands whose arguments belong to another program (pytest, the benchmark):
# everything after the subcommand, -h included, lands in args.extra.
PASSTHROUGH = {"test", "bench"}


MIN_HEAP = 16 * 1024     # below this the unix port fails before running a line


def _heap_size(text: str) -> str:
    # MicroPython's own syntax: <n>[w][K|M], where w scales by the word size.
    match = re.fullmatch(r"(\d+)(w?)([kKmM]?)", text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 512k or 2M")
    number, words, unit = match.groups()
    size = int(number) * (8 if words else 1) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit.lower()]
    if size < MIN_HEAP:
        raise argparse.ArgumentTypeError(
            f"{text!r} is {size} bytes: below {MIN_HEAP // 1024}K MicroPython itself cannot start "
            "(give a unit: 64K, 2M)")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="munix", description=__doc__)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    sim = commands.add_parser("sim", help="boot the device tree on the MicroPython unix port")
    sim.add_argument("--fresh", action="store_true", help="wipe the flash and seed it again")
    sim.add_argument("--flash", type=Path, metavar="DIR", help="flash folder (default .sim/flash)")
    sim.add_argument(
        "--build",
        action="store_true",
        help="boot the compiled tree from build/ (flash .sim/flash-build)",
    )
    sim.add_argument(
        "--romfs",
        action="store_true",
        help="a fresh flash with the compiled lib/ and bin/ in a ROMFS partition",
    )
    sim.add_argument(
        "--pack",
        action="store_true",
        help="a fresh flash with the compiled lib/ and bin/ in one file, as `deploy --pack` leaves it",
    )
    sim.add_argument(
        "--heap", type=_heap_size, metavar="SIZE", help="MicroPython heap size, e.g. 2M"
    )
    sim.add_argument(
        "--serial",
        action="store_true",
        help="the board's console on a pseudo-terminal speaking the raw REPL (for mpremote)",
    )
    sim.add_argument(
        "--board", metavar="NAME", help="play a board's limits (esp32, esp32s3, esp32c3, "
        "esp32cam, rp2040, esp8266); see README, Boards"
    )
    sim.set_defaults(module="sim")

    build = commands.add_parser("build", help="compile the device tree to .mpy under build/")
    build.add_argument(
        "--arch", default="bytecode", metavar="ARCH",
        choices=["bytecode", "xtensawin", "xtensa", "armv6m", "rv32imc", "x64"],
        help="bytecode (default) or native code for xtensawin, xtensa, armv6m, rv32imc, x64",
    )
    build.add_argument("--compat", metavar="VERSION", help="for this MicroPython firmware, e.g. 1.22")
    build.add_argument("--romfs", type=Path, metavar="FILE",
                       help="also write lib/ and bin/ as a ROMFS image (for mpremote romfs deploy)")
    build.add_argument("--port", help="for the firmware of the board on this serial port")
    build.add_argument("--out", type=Path, metavar="DIR", help="output folder (default build/)")
    build.set_defaults(module="build")

    flash = commands.add_parser("flash", help="erase an ESP board and write MicroPython (esptool)")
    flash.add_argument("port", metavar="PORT")
    flash.add_argument("firmware", metavar="FIRMWARE.bin")
    flash.add_argument(
        "--chip", choices=["esp32", "esp32c3", "esp32s3", "esp32s2", "esp32c6", "esp8266"],
        help="the board's chip (default: ask the board)",
    )
    flash.add_argument("--baud", type=int, default=460800, help="serial speed (460800)")
    flash.add_argument("--dry-run", action="store_true", help="print the esptool commands only")
    flash.set_defaults(module="flash")

    deploy = commands.add_parser("deploy", help="put munix on a board with mpremote")
    deploy.add_argument("port", metavar="PORT", nargs="?", help="serial port (default: mpremote's auto)")
    deploy.add_argument("--source", action="store_true", help="copy .py sources, not compiled .mpy")
    deploy.add_argument("--force", action="store_true", help="overwrite files changed on the board")
    deploy.add_argument("--config", action="store_true", help="also overwrite system.conf, rc.local")
    deploy.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    deploy.add_argument("--no-reset", action="store_true", help="leave the board running as it is")
    deploy.add_argument("--pack", action="store_true",
                        help="lib/ and bin/ as one file, for a flash too small for them (Pico W)")
    deploy.set_defaults(module="deploy")

    mount = commands.add_parser("mount", help="mount a board's files over FTP (FUSE)")
    mount.add_argument("host", metavar="HOST")
    mount.add_argument("dir", metavar="DIR", type=Path)
    mount.add_argument("--user", default="root", help="FTP user (root)")
    mount.add_argument("--port", type=int, default=21, help="FTP port (21; 2121 for munix sim)")
    mount.add_argument("--password-file", type=Path, metavar="FILE", help="read the password here")
    mount.add_argument("--foreground", action="store_true", help="stay in the foreground")
    mount.set_defaults(module="mount")

    umount = commands.add_parser("umount", help="unmount what munix mount mounted")
    umount.add_argument("dir", metavar="DIR", type=Path)
    umount.set_defaults(module="mount", unmount=True)

    connect = commands.add_parser("connect", help="a telnet session with a board")
    connect.add_argument("host", metavar="HOST")
    connect.add_argument("--port", type=int, default=23, help="telnet port (23; 2323 for munix sim)")
    connect.set_defaults(module="connect")

    setup = commands.add_parser(
        "setup", help="fetch and build every MicroPython the simulator and the tests run on")
    setup.set_defaults(module="provision")

    test = commands.add_parser(
        "test", add_help=False,
        help="run the pytest suite (arguments go to pytest; --board NAME: on a board profile)"
    )
    test.set_defaults(module="testing")

    bench = commands.add_parser("bench", add_help=False, help="run the benchmarks")
    bench.set_defaults(module="bench")

    www = commands.add_parser("www", help="precompress the web desktop's assets (www/*.gz)")
    www.add_argument("--check", action="store_true", help="only check that they match the sources")
    www.add_argument("--dir", type=Path, metavar="DIR", help="the web root (default www/)")
    www.set_defaults(module="webassets")

    release = commands.add_parser("release", help="build a signed release for `upgrade`")
    release.add_argument("--new-key", action="store_true", help="make a signing key pair")
    release.add_argument("--key", type=Path, help="private key (default .keys/release.pem)")
    release.add_argument("--out", type=Path, metavar="DIR", help="release folder (release/)")
    release.add_argument("--tree", type=Path, metavar="DIR", help="device tree (the checkout)")
    release.add_argument("--source", action="store_true", help="ship sources, not .mpy")
    release.add_argument("--replace", action="append", default=[], metavar="PATH",
                         help="a file of etc/ that boards replace even when changed there")
    release.set_defaults(module="release")

    # Its options (fleet.add_verbs) only when it is the command: building
    # them imports the MQTT client and TLS, for every other command too.
    fleet = commands.add_parser("fleet", add_help=False,
                                help="the boards whose fleetd reports to an MQTT broker")
    fleet.set_defaults(module="fleet")
    parser.commands = commands
    return parser


def _load(module: str):
    """The subcommand's module; a missing one (say, bench not written yet) is a plain error."""
    name = f"munixtool.{module}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        raise MunixError(f"{name} does not exist yet") from None


def main(argv: list[str] | None = None) -> int:
    """Parse argv and run the subcommand; the process exit status."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "fleet":
        from munixtool import fleet
        fleet.add_verbs(parser.commands.choices["fleet"])
        args, extra = parser.parse_known_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if extra and args.command not in PASSTHROUGH:
        # The command's own usage, which says what it does take.
        parser.commands.choices[args.command].error("unrecognized arguments: " + " ".join(extra))
    args.extra = extra
    try:
        return _load(args.module).main(args)
    except MunixError as error:
        for line in str(error).splitlines():
            print(f"munix: {line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
