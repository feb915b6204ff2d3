"""The ESP32-CAM's camera on the esp32cam profile (its camera module is
the workbench's, giving real JPEG frames): the camera command, and
uhttpd's snapshot and MJPEG stream behind the API's login."""
import base64
import http.client
import io
import json

import pytest
from PIL import Image

import hw_support
from conftest import PASSWORD, USER, DaemonBoard
from munixtool import sim as simulator

flash = hw_support.flash
CAM = "loadboard /etc/boards/esp32-cam.board"
on_esp32cam = pytest.mark.skipif(simulator.board_name() != "esp32cam",
                                 reason="the camera module is the esp32cam profile's")
BASIC = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()


def picture(data):
    """The decoded JPEG: (size, its comment, its grey level)."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.size, image.info.get("comment", b"").decode(), image.getextrema()


def test_help(sim):
    out, err, status = sim.run("camera --help")
    assert status == 0 and out.startswith("usage: camera") and not err


@on_esp32cam
def test_camera_captures_jpeg_files_with_its_settings(sim):
    out, err, status = sim.run(CAM, "camera", "camera init -s vga -q 20 -f both", "camera",
                               "camera capture /tmp/a.jpg", "camera capture b.jpg",
                               "camera init -s qqvga -f none", "camera capture c.jpg",
                               "camera off", "camera")
    assert status == 0, err
    lines = out.splitlines()
    # init says what it set.
    assert lines == ["camera: off, qvga, quality 12, flip none",
                     "camera: on, vga, quality 20, flip both",
                     "camera: on, vga, quality 20, flip both",
                     "/tmp/a.jpg: %d bytes" % sim.path("/tmp/a.jpg").stat().st_size,
                     "b.jpg: %d bytes" % sim.path("/b.jpg").stat().st_size,
                     "camera: on, qqvga, quality 20, flip none",
                     "c.jpg: %d bytes" % sim.path("/c.jpg").stat().st_size,
                     "camera: off, qqvga, quality 20, flip none"]
    size, comment, _ = picture(sim.path("/tmp/a.jpg").read_bytes())
    assert size == (640, 480) and comment.endswith("640x480 q 20 flip 1 mirror 1")
    size, comment2, _ = picture(sim.path("/b.jpg").read_bytes())
    assert comment2.split()[3] != comment.split()[3]     # another frame
    assert picture(sim.path("/c.jpg").read_bytes())[0] == (160, 120)


@on_esp32cam
def test_camera_refuses_bad_input(sim):
    out, err, status = sim.run(CAM, "camera init -s huge", "echo $?", "camera init -q 5", "echo $?",
                               "camera init -f sideways", "echo $?", "camera capture", "echo $?",
                               "camera snap", "echo $?", "camera capture /nodir/x.jpg", "echo $?",
                               "camera")
    assert out.splitlines()[:6] == ["1", "1", "2", "2", "2", "1"]
    errors = [line for line in err.splitlines() if not line.startswith("usage:")]
    assert errors[0].startswith("camera: huge: not a frame size (96x96, qqvga")
    assert errors[1:] == ["camera: 5: not a quality (10 best to 63)",
                          "camera: sideways: not a flip (none, vflip, hflip, both)",
                          "camera: missing FILE", "camera: snap: not init, capture, off or status",
                          "camera: /nodir/x.jpg: No such file or directory"]
    # The settings refused changed nothing; capture switched it on.
    assert out.splitlines()[-1] == "camera: on, qvga, quality 12, flip none"


@pytest.mark.skipif(simulator.board_name() == "esp8266",
                    reason="loadboard's description and camera do not fit the esp8266 profile's heap at once")
def test_camera_needs_a_camera(sim):
    out, err, status = sim.run("loadboard /etc/boards/esp32-devkitc.board", "camera init")
    assert status == 1
    assert err == "camera: ESP32 DevKitC has no camera in its board file\n"


class CamBoard(DaemonBoard):
    SECTION, COMMAND = "http", "uhttpd"

    def __init__(self, flash):
        super().__init__(flash, start=False)
        self.run(CAM)
        assert "listening" in self.run("uhttpd start")

    def get(self, path, login=True):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request("GET", path, headers={"Authorization": BASIC} if login else {})
        return c, c.getresponse()


@on_esp32cam
def test_uhttpd_serves_snapshots_and_a_stream_behind_the_login(flash):
    board = CamBoard(flash)
    try:
        c, r = board.get("/api/cam/snapshot.jpg", login=False)
        assert r.status == 401
        c.close()
        c, r = board.get("/api/cam/snapshot.jpg")
        assert r.status == 200 and r.getheader("Content-Type") == "image/jpeg"
        assert picture(r.read())[0] == (320, 240)
        c.close()
        board.run("camera init -s cif")
        c, r = board.get("/api/cam")
        assert json.loads(r.read()) == {"size": "cif", "quality": 12, "vflip": 0, "hflip": 0,
                                        "on": True}
        c.close()
        c, r = board.get("/api/cam/stream.mjpg")
        assert r.status == 200
        assert r.getheader("Content-Type") == "multipart/x-mixed-replace; boundary=munixframe"
        frames = []
        for _ in range(3):
            assert r.fp.readline() == b"--munixframe\r\n"
            assert r.fp.readline() == b"Content-Type: image/jpeg\r\n"
            length = int(r.fp.readline().split(b":")[1])
            assert r.fp.readline() == b"\r\n"
            frames.append(picture(r.fp.read(length)))
            assert r.fp.readline() == b"\r\n"
        c.close()
        assert [f[0] for f in frames] == [(400, 296)] * 3
        assert len(set(f[1] for f in frames)) == 3      # three frames, each its own
        c, r = board.get("/api/cam/nothing")
        assert r.status == 404
        c.close()
        # The daemon serves on after a client left a stream.
        c, r = board.get("/api/cam/snapshot.jpg")
        assert r.status == 200
        c.close()
    finally:
        board.close()


def status_of(flash, addr):
    """The answer's status byte, read again while the target is busy."""
    for _ in range(200):
        status = hw_support.i2c_transfer(flash, addr, read=1)[0]
        if status != 102:
            return status
    raise AssertionError("the target stayed busy")


@on_esp32cam
def test_camtarget_answers_an_i2c_controller_as_the_seed_describes(board, flash):
    board.run(CAM)
    board.run("camtarget &")
    # The seed's controller: capture, then get the picture 100 bytes at a time.
    hw_support.i2c_transfer(flash, 0x2c, write=b"ping")
    assert status_of(flash, 0x2c) == 200
    hw_support.i2c_transfer(flash, 0x2c, write=b"capture")
    assert status_of(flash, 0x2c) == 200
    data = b""
    while True:
        hw_support.i2c_transfer(flash, 0x2c, write=b"get")
        assert status_of(flash, 0x2c) == 201
        length = int.from_bytes(hw_support.i2c_transfer(flash, 0x2c, read=2), "little")
        if not length:
            break
        assert length <= 100
        data += hw_support.i2c_transfer(flash, 0x2c, read=length)
    assert picture(data)[0] == (320, 240)
    hw_support.i2c_transfer(flash, 0x2c, write=b"flash-on")
    assert status_of(flash, 0x2c) == 200
    assert hw_support.state(flash)["pins"]["4"]["out"] == 1
    hw_support.i2c_transfer(flash, 0x2c, write=b"selfie")
    assert status_of(flash, 0x2c) == 100
    assert "gpio: GPIO15 is used by camtarget (pid " in board.run("gpio 15 on")
    board.run("kill %1")
    board.run("wait")
    with pytest.raises(AssertionError, match="no I2C target"):
        hw_support.i2c_transfer(flash, 0x2c, write=b"ping")


@on_esp32cam
def test_camtarget_refuses_bad_input(sim):
    out, err, status = sim.run(CAM, "camtarget -a 0x99", "echo $?", "camtarget -b 3", "echo $?",
                               "camtarget now", "echo $?")
    assert out.split() == ["1", "1", "2"]
    errors = [line for line in err.splitlines() if not line.startswith("usage:")]
    assert errors == ["camtarget: 0x99: not an I2C address (0x08 to 0x77)",
                      "camtarget: no I2C bus 3 on AI-Thinker ESP32-CAM (buses: 0)",
                      "camtarget: extra operand now"]
