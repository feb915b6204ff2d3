"""uhttpd's camera pages, an extension of httpd.py (the ESP32-CAM's board
file names it), behind the API's login:

    GET /api/cam                 the camera's settings, JSON
    GET /api/cam/snapshot.jpg    a picture
    GET /api/cam/stream.mjpg     pictures as they come (MJPEG: multipart/
                                 x-mixed-replace), until the client leaves

The camera is switched on with its settings (camctl.py) if it was off.
"""
import asyncio
from micropython import const

import camctl
import httpd

PREFIX = "/cam"
_BOUNDARY = "munixframe"
_FRAME_MS = const(100) # at most ten pictures a second: other clients get their turn


async def answer(conn, method, path, headers, keep):
    if method not in ("GET", "HEAD"):
        raise httpd.Error(405, "only GET here", "GET, HEAD")
    try:
        if path in ("", "/"):
            await conn.json(200, dict(camctl.settings, on=camctl.is_on()), keep,
                            head_only=method == "HEAD")
        elif path == "/snapshot.jpg":
            picture = _picture()
            await conn.head(200, [("Cache-Control", "no-store")], len(picture), keep, "image/jpeg")
            if method == "GET":
                await conn.send(picture)
        elif path == "/stream.mjpg":
            await _stream(conn, method == "HEAD")
        else:
            raise httpd.Error(404, "no such API: /api/cam%s" % path)
    except camctl.CameraError as e:
        raise httpd.Error(404, str(e))


def _picture():
    try:
        return camctl.capture()
    except OSError as e:
        raise httpd.Error(503, "the camera failed: %s" % e)


async def _stream(conn, head_only):
    picture = _picture()
    await conn.head(200, [("Cache-Control", "no-store")], None, False,
                    "multipart/x-mixed-replace; boundary=" + _BOUNDARY)
    if head_only:
        return
    daemon = conn.server.daemon
    while not daemon.stopping:
        # A client gone makes send() fail (OSError): the stream ends there.
        await conn.send(("--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % (
            _BOUNDARY, len(picture))).encode())
        await conn.send(picture)
        await conn.send(b"\r\n")
        await asyncio.sleep_ms(_FRAME_MS)
        # A failure now cannot be answered: the stream ends (OSError).
        picture = camctl.capture()
    raise OSError("stopping")
