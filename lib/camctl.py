"""The board's camera (an ESP32-CAM's OV2640, through the camera module of
its firmware): on and off, its settings, pictures. Shared by the camera
command, uhttpd's camera pages (camweb.py) and the I2C target (camtarget);
a lock keeps their captures apart.
"""
import system

_SIZES = ("96x96", "qqvga", "qcif", "hqvga", "240x240", "qvga", "cif", "hvga", "vga", "svga",
         "xga", "hd", "sxga", "uxga")
# The camera module's constants by our names (FRAME_QVGA ...).
_CONSTS = {"96x96": "FRAME_96X96", "240x240": "FRAME_240X240"}

settings = {"size": "qvga", "quality": 12, "vflip": 0, "hflip": 0}
_on = [False]
_cam = [None]       # the camera module, once checked
_lock = system.allocate_lock()


class CameraError(ValueError):
    """No camera, or a bad setting: the message says which."""


def _module():
    if _cam[0] is not None:
        return _cam[0]
    import boardinfo
    board = boardinfo.describe()
    if not board.get("camera"):
        raise CameraError("%s has no camera in its board file" % board.get("name", "this board"))
    try:
        import camera
    except ImportError:
        raise CameraError("this firmware has no camera module (an ESP32-CAM build has)")
    _cam[0] = camera
    return camera


def is_on():
    return _on[0]


def start(**changes):
    """Switch the camera on (if off) with the settings changed as asked:
    size (_SIZES), quality (10 best to 63), vflip, hflip (0 or 1)."""
    camera = _module()
    new = dict(settings)
    new.update(changes)
    if new["size"] not in _SIZES:
        raise CameraError("%s: not a frame size (%s)" % (new["size"], ", ".join(_SIZES)))
    if not 10 <= new["quality"] <= 63:
        raise CameraError("%d: not a quality (10 best to 63)" % new["quality"])
    with _lock:
        if not _on[0]:
            try:
                camera.init(0, format=camera.JPEG, fb_location=getattr(camera, "PSRAM", 1))
            except OSError:
                # A camera left on by a program: start it afresh.
                camera.deinit()
                camera.init(0, format=camera.JPEG, fb_location=getattr(camera, "PSRAM", 1))
            _on[0] = True
        size = getattr(camera, _CONSTS.get(new["size"], "FRAME_" + new["size"].upper()))
        camera.framesize(size)
        camera.quality(new["quality"])
        camera.flip(new["vflip"])
        camera.mirror(new["hflip"])
        settings.update(new)


def stop():
    with _lock:
        if _on[0]:
            _module().deinit()
            _on[0] = False


def capture():
    """A JPEG picture (bytes), the camera switched on first if it was off."""
    if not _on[0]:
        start()
    with _lock:
        picture = _module().capture()
    if not picture:
        raise OSError(5)
    return picture
