"""Board detection at first boot, the board files, loadboard."""
import json

import pytest
from conftest import ROOT
import hw_support

from munixtool import sim as simulator

# What each board profile (munix test --board NAME) must be taken for.
DETECTED = {None: None, "esp32": "esp32-devkitc", "esp32s3": "esp32s3-devkitc",
            "esp32c3": "esp32c3-supermini", "esp32cam": "esp32-cam", "rp2040": "pico-w",
            "esp8266": "nodemcu-esp8266"}
FILES = sorted((ROOT / "etc" / "boards").glob("*.board"))

flash = hw_support.flash     # the fixture, esp8266's in ROMFS


def test_first_boot_writes_the_board_file_of_the_board_found(sim):
    out, err, status = sim.run("cat /etc/default.board")
    assert status == 0, err
    board = json.loads(out)
    wanted = DETECTED[simulator.board_name()]
    if wanted is None:
        assert "file" not in board
        assert board["name"].startswith("munix simulator")
    else:
        assert board["file"] == "/etc/boards/%s.board" % wanted
        described = json.loads((ROOT / "etc" / "boards" / (wanted + ".board")).read_text())
        assert board["name"] == described["name"]
        assert board.get("threads") == described.get("threads")
        if described["mcu"] == "esp32":
            assert board["psram"] == described["psram"]


@hw_support.needs_machine
def test_lshw_names_the_detected_board_and_a_board_loaded_by_hand(sim):
    out, err, status = sim.run("lshw", "loadboard /etc/boards/pico-w.board", "lshw")
    assert status == 0, err
    first, second = out.split("board:   ")[1:]
    wanted = DETECTED[simulator.board_name()]
    if wanted:
        name = json.loads((ROOT / "etc" / "boards" / (wanted + ".board")).read_text())["name"]
        assert first.startswith(name + "\n")
    assert second.startswith("Raspberry Pi Pico W\n")
    assert "i2c0:    scl=GPIO9 sda=GPIO8" in second
    assert "led:     LED" in second


def test_a_missing_board_description_gives_a_generic_board_file(sim):
    for f in (sim.flash / "etc" / "boards").iterdir():
        f.unlink()
    out, err, status = sim.run("cat /etc/default.board")
    assert status == 0, err
    assert "file" not in json.loads(out)


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_board_files_are_consistent(path):
    board = json.loads(path.read_text())
    assert board["id"] == path.stem
    assert board["mcu"] in ("esp32", "rp2", "esp8266")
    usable = set(board["gpio"]) | {int(p) for p in board["reserved"]} | {"LED"}
    for label, gpio in board["pins"].items():
        assert gpio in usable, label
    for kind in ("i2c", "spi", "uart"):
        for wiring in board[kind].values():
            assert set(wiring.values()) <= usable
    for part in ("led", "rgb"):
        if part in board:
            assert board[part]["pin"] in usable
    assert set(board["input_only"]) <= set(board["gpio"])
    assert set(board["strapping"]) <= usable


@hw_support.needs_machine
def test_lshw_p_lists_labels_reserved_and_strapping_pins(sim):
    out, err, status = sim.run("loadboard /etc/boards/esp32c3-supermini.board", "lshw -p")
    assert status == 0, err
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert rows["GPIO8"].split()[1] == "LED,SDA"
    assert rows["GPIO8"].endswith("strapping")
    assert rows["GPIO12"].endswith("reserved: flash")
    assert rows["GPIO18"].endswith("reserved: USB D-")
    assert rows["GPIO10"].endswith("free")
