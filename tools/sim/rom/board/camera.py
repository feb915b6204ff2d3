"""Stand-in for the camera module of ESP32-CAM firmwares (munix sim --board
esp32cam), with the API of the common driver (micropython-camera-driver):
init, deinit, capture, framesize, quality, flip, mirror.

capture() returns a real baseline JPEG picture of the frame size set:
a grey field whose brightness changes from frame to frame, and a comment
(COM segment) saying "munix sim frame N WxH q Q flip F mirror M", so a
test can tell the frames and the settings apart.
"""
JPEG = 4
GRAYSCALE = 2
PSRAM = 1
DRAM = 2
# esp32-camera's framesize_t.
FRAME_96X96 = 0
FRAME_QQVGA = 1
FRAME_QCIF = 2
FRAME_HQVGA = 3
FRAME_240X240 = 4
FRAME_QVGA = 5
FRAME_CIF = 6
FRAME_HVGA = 7
FRAME_VGA = 8
FRAME_SVGA = 9
FRAME_XGA = 10
FRAME_HD = 11
FRAME_SXGA = 12
FRAME_UXGA = 13
_SIZES = ((96, 96), (160, 120), (176, 144), (240, 176), (240, 240), (320, 240), (400, 296),
          (480, 320), (640, 480), (800, 600), (1024, 768), (1280, 720), (1280, 1024),
          (1600, 1200))

_state = {"on": False, "size": FRAME_QVGA, "quality": 12, "flip": 0, "mirror": 0, "frame": 0}

# The headers of a one-component (grey) baseline JPEG: JFIF, a flat
# quantisation table, the standard luminance Huffman tables (DC, AC).
_JFIF = bytes.fromhex("ffe000104a46494600010100000100010000")
_DHT = bytes.fromhex(
    "ffc4001f0000010501010101010100000000000000000102030405060708090a0b"
    "ffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114"
    "328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a4344"
    "45464748494a535455565758595a636465666768696a737475767778797a838485868788898a9293"
    "9495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7"
    "d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa")
_SOS = bytes.fromhex("ffda0008010100003f00")
# Standard DC luminance codes by size category: (code, its length).
_DC = ((0b00, 2), (0b010, 3), (0b011, 3), (0b100, 3), (0b101, 3), (0b110, 3), (0b1110, 4),
       (0b11110, 5), (0b111110, 6))
_EOB = (0b1010, 4)


def init(id=0, format=JPEG, framesize=None, quality=None, fb_location=PSRAM, **kw):
    if _state["on"]:
        raise OSError("camera already initialised")
    _state["on"] = True
    if framesize is not None:
        _set_size(framesize)
    if quality is not None:
        _set_quality(quality)
    return True


def deinit():
    _state["on"] = False
    return True


def _on():
    if not _state["on"]:
        raise OSError("camera not initialised")


def _set_size(size):
    _on()
    if not 0 <= size < len(_SIZES):
        raise ValueError("invalid frame size")
    _state["size"] = size


def _set_quality(q):
    _on()
    if not 10 <= q <= 63:
        raise ValueError("quality must be 10-63")
    _state["quality"] = q


framesize = _set_size
quality = _set_quality


def flip(on):
    _on()
    _state["flip"] = 1 if on else 0


def mirror(on):
    _on()
    _state["mirror"] = 1 if on else 0


def capture():
    _on()
    _state["frame"] += 1
    n = _state["frame"]
    width, height = _SIZES[_state["size"]]
    comment = ("munix sim frame %d %dx%d q %d flip %d mirror %d" % (
        n, width, height, _state["quality"], _state["flip"], _state["mirror"])).encode()
    q = _state["quality"]
    dqt = b"\xff\xdb\x00\x43\x00" + bytes([q]) * 64
    sof = b"\xff\xc0\x00\x0b\x08" + bytes([height >> 8, height & 255, width >> 8, width & 255]) + \
        b"\x01\x01\x11\x00"
    com = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return b"\xff\xd8" + _JFIF + com + dqt + sof + _DHT + _SOS + _scan(
        ((width + 7) // 8) * ((height + 7) // 8), (n * 37) % 200 - 100) + b"\xff\xd9"


def _scan(blocks, dc):
    """The entropy-coded data of blocks 8x8 blocks, all of the level dc:
    the first block's DC difference is dc, every other one's 0, and no AC
    coefficient anywhere (each block ends at once)."""
    out = bytearray()
    acc = 0
    bits = 0
    size = 0
    magnitude = abs(dc)
    while magnitude:
        size += 1
        magnitude >>= 1
    extra = dc if dc >= 0 else dc - 1 + (1 << size)
    # Every block after the first: DC difference 0 ("00"), then EOB.
    same = ((_DC[0][0] << _EOB[1]) | _EOB[0], _DC[0][1] + _EOB[1])
    first = ((((_DC[size][0] << size) | (extra & ((1 << size) - 1))) << _EOB[1]) | _EOB[0],
             _DC[size][1] + size + _EOB[1])
    for i in range(blocks):
        code, length = same if i else first
        acc = (acc << length) | code
        bits += length
        while bits >= 8:
            bits -= 8
            byte = (acc >> bits) & 0xFF
            out.append(byte)
            if byte == 0xFF:
                out.append(0)
        acc &= (1 << bits) - 1
    if bits:
        byte = ((acc << (8 - bits)) | ((1 << (8 - bits)) - 1)) & 0xFF
        out.append(byte)
        if byte == 0xFF:
            out.append(0)
    return bytes(out)
