import cmdargs

USAGE = """[init [-s SIZE] [-q QUALITY] [-f FLIP] | capture FILE | off | status]
  The board's camera (ESP32-CAM):
  init     switch it on, or change its settings while on:
           -s SIZE     frame size: 96x96, qqvga (160x120), qcif, hqvga,
                       240x240, qvga (320x240), cif, hvga, vga (640x480),
                       svga (800x600), xga, hd, sxga, uxga (1600x1200)
           -q QUALITY  JPEG quality, 10 (best, largest) to 63
           -f FLIP     none, vflip (upside down), hflip (mirrored) or both
  capture FILE  take a JPEG picture into FILE (the camera switched on
           first if off); FILE is replaced only once complete
  off      switch it off
  status   whether it is on, and its settings (the default)
  uhttpd serves /api/cam/snapshot.jpg and /api/cam/stream.mjpg too."""
ABOUT = "take pictures with the board's camera"

_FLIPS = {"none": (0, 0), "vflip": (1, 0), "hflip": (0, 1), "both": (1, 1)}


def __main__(args):
    opts, rest = cmdargs.parse(args, "", "sqf", anywhere=True)
    action = rest[0] if rest else "status"
    if action not in ("init", "capture", "off", "status"):
        raise cmdargs.UsageError("%s: not init, capture, off or status" % action)
    if opts and action != "init":
        raise cmdargs.UsageError("options go with init")
    if len(rest) != (2 if action == "capture" else 1 if rest else 0):
        raise cmdargs.UsageError("missing FILE" if action == "capture" and len(rest) < 2
                                 else "extra operand %s" % rest[-1])
    import camctl
    try:
        if action == "init":
            camctl.start(**_changes(opts))
        elif action == "capture":
            return _capture(camctl, rest[1])
        elif action == "off":
            camctl.stop()
            return 0
        s = camctl.settings
        flip = [k for k, v in _FLIPS.items() if v == (s["vflip"], s["hflip"])][0]
        print("camera: %s, %s, quality %d, flip %s" % (
            "on" if camctl.is_on() else "off", s["size"], s["quality"], flip))
        return 0
    except camctl.CameraError as e:
        return cmdargs.error(None, e)
    except OSError as e:
        return cmdargs.error(None, "the camera failed: %s" % cmdargs.strerror(e))


def _changes(opts):
    changes = {}
    if "s" in opts:
        changes["size"] = opts["s"].lower()
    if "q" in opts:
        changes["quality"] = cmdargs.number(opts["q"], "quality (10 to 63)")
    if "f" in opts:
        if opts["f"] not in _FLIPS:
            raise cmdargs.UsageError("%s: not a flip (none, vflip, hflip, both)" % opts["f"])
        changes["vflip"], changes["hflip"] = _FLIPS[opts["f"]]
    return changes


def _capture(camctl, name):
    import fspath
    import munix
    path = munix.path(name)
    picture = camctl.capture()
    try:
        fspath.write_file(path, picture)
    except OSError as e:
        fspath.discard(path + ".tmp")
        return cmdargs.error(name, cmdargs.strerror(e))
    print("%s: %d bytes" % (name, len(picture)))
    return 0
