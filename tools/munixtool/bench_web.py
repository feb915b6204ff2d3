"""The web desktop's figures for ``munix bench``, on the compiled tree,
uhttpd started with -i (no login: the figures are the daemon's, not the
password hash's):

- page load through Chromium (headless, when installed): from asking for
  the page to the dashboard filled in, first load (the browser's cache
  emptied) and cached, median of LOADS each, and the bytes transferred;
- requests per second for a static file (1 KB), /api/sys and a WebSocket
  echo (a keystroke sent to the terminal, /api/term, until its echo is
  back), next to microdot (from PyPI) serving the same file, the same JSON
  and a WebSocket echo from a plain script on the same MicroPython. The
  two servers run at once and are measured in turns, ROUNDS times, so
  that a machine busy with something else slows both alike.
"""

import base64
import os
import shutil
import socket
import statistics
import struct
import subprocess
import tempfile
import time
from pathlib import Path

from munixtool import bench_net, portbuild

TIMEOUT = 30
ROUNDS = 3
LOADS = 5
ECHOES = 300
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


class WebSocketClient:
    """The client side of RFC 6455 on a plain socket: masked text frames
    out, frames in (no fragmentation: the servers here send none)."""

    def __init__(self, port: int, path: str):
        self.sock = bench_net._connect(port)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nOrigin: http://127.0.0.1:%d\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n" % (path, port, port, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise RuntimeError("%s: connection closed during the upgrade" % path)
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise RuntimeError("%s: %r" % (path, head.split(b"\r\n")[0]))
        self.buf = b""

    def send(self, text: str) -> None:
        data = text.encode()
        mask = os.urandom(4)
        if len(data) < 126:
            head = struct.pack("!BB", 0x81, 0x80 | len(data))
        else:
            head = struct.pack("!BBH", 0x81, 0x80 | 126, len(data))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("WebSocket closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def receive(self) -> str:
        """The next text frame's text."""
        while True:
            first, second = self._read(2)
            size = second & 0x7F
            if size == 126:
                size = struct.unpack("!H", self._read(2))[0]
            elif size == 127:
                size = struct.unpack("!Q", self._read(8))[0]
            data = self._read(size)
            if first & 0x0F == 0x8:
                raise RuntimeError("WebSocket closed by the server")
            if first & 0x0F in (0x1, 0x2):
                return data.decode("utf-8", "replace")

    def until(self, text: str) -> str:
        got = ""
        while text not in got:
            got += self.receive()
        return got

    def close(self) -> None:
        self.sock.close()


def _echoes_per_second(client: WebSocketClient) -> float:
    """Round trips per second: a character out, its echo back (typed and
    erased in turns, so that the terminal's line stays short)."""
    start = time.perf_counter()
    for i in range(ECHOES):
        client.send("x" if i % 2 == 0 else "\x7f")
        client.receive()
    return ECHOES / (time.perf_counter() - start)


def _terminal(port: int) -> WebSocketClient:
    client = WebSocketClient(port, "/api/term")
    client.sock.settimeout(TIMEOUT)
    client.until("$: ")
    return client


MICRODOT_APP = bench_net.MICRODOT_APP.replace(
    "app.run(", """from microdot.websocket import with_websocket

@app.route("/ws")
@with_websocket
async def echo(request, ws):
    while True:
        await ws.send(await ws.receive())

app.run(""")


class Microdot:
    """microdot's script on the same MicroPython, in the background."""

    def __init__(self, tmp: Path):
        import microdot
        self.port = bench_net.free_port()
        small = tmp / "md-small.txt"
        small.write_bytes(b"x" * bench_net.SMALL_FILE)
        app = tmp / "md-app.py"
        app.write_text(MICRODOT_APP % {"lib": os.path.dirname(os.path.dirname(microdot.__file__)),
                                       "file": os.fspath(small), "port": self.port})
        self.child = subprocess.Popen(
            portbuild.default_runtime() + ["-X", "heapsize=2M", os.fspath(app)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        bench_net._connect(self.port).close()

    def echo(self) -> WebSocketClient:
        client = WebSocketClient(self.port, "/ws")
        client.sock.settimeout(TIMEOUT)
        return client

    def close(self) -> None:
        self.child.terminate()
        self.child.wait(TIMEOUT)
        self.child.stderr.close()


def _page_loads(port: int, profile: Path) -> dict | None:
    """Milliseconds to the filled dashboard, first (cache emptied) and
    cached, and the bytes the first load transferred; None without
    Chromium or selenium."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError:
        return None
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        return None
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--user-data-dir=%s" % profile):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    url = "http://127.0.0.1:%d/" % port
    filled = "return document.getElementById('d-board').textContent !== ''"
    try:
        driver.set_page_load_timeout(TIMEOUT)
        times = {"first": [], "cached": []}
        transferred = None
        for kind in ["first", "cached"] * LOADS:
            if kind == "first":
                driver.execute_cdp_cmd("Network.clearBrowserCache", {})
            driver.get("about:blank")
            start = time.perf_counter()
            driver.get(url)
            WebDriverWait(driver, TIMEOUT, 0.005).until(lambda d: d.execute_script(filled))
            times[kind].append((time.perf_counter() - start) * 1000)
            if kind == "first" and transferred is None:
                transferred = driver.execute_script(
                    "return performance.getEntries().filter(e => e.transferSize !== undefined"
                    " && !e.name.includes('/api/')).reduce((n, e) => n + e.transferSize, 0)")
        return {"first ms": statistics.median(times["first"]),
                "cached ms": statistics.median(times["cached"]), "bytes": transferred}
    finally:
        driver.quit()


def figures(tree: Path) -> dict:
    port = bench_net.free_port()
    result = {"uhttpd": {}, "microdot": {}}
    with tempfile.TemporaryDirectory(prefix="munix-bench-") as tmp:
        flash = bench_net._flash(tmp, tree, {"http": {"port": port, "sessions": 8}})
        (flash / "www" / "small.txt").write_bytes(b"x" * bench_net.SMALL_FILE)
        board = bench_net.RunningOS(flash)
        md = None
        clients = []
        try:
            board.run("uhttpd -i start")
            result["page"] = _page_loads(port, Path(tmp) / "chromium")
            try:
                md = Microdot(Path(tmp))
            except ImportError:
                md = None
            servers = [("uhttpd", port, lambda: _terminal(port))]
            if md is not None:
                servers.append(("microdot", md.port, md.echo))
            runs = {name: {"file": [], "sys": [], "ws": []} for name, _, _ in servers}
            for _ in range(ROUNDS):
                for name, p, open_ws in servers:
                    runs[name]["file"].append(bench_net._requests_per_second(p, "/small.txt"))
                    runs[name]["sys"].append(bench_net._requests_per_second(p, "/api/sys"))
                    try:
                        client = open_ws()
                    except (RuntimeError, OSError) as e:
                        result["ws refused"] = "%s: %s" % (name, e)
                        continue
                    clients.append(client)
                    runs[name]["ws"].append(_echoes_per_second(client))
                    client.close()
            for name, got in runs.items():
                result[name] = {k: statistics.median(v) if v else None for k, v in got.items()}
            board.run("uhttpd stop")
        finally:
            for client in clients:
                client.close()
            if md is not None:
                md.close()
            board.close()
            shutil.rmtree(Path(tmp) / "chromium", ignore_errors=True)
    return result


def report(tree: Path) -> None:
    """Measure and print the web desktop's figures."""
    f = figures(tree)
    print("\nweb desktop (compiled tree, uhttpd -i)")
    page = f["page"]
    if page is None:
        print("  page load: no Chromium (apt install chromium chromium-driver; pip install selenium)")
    else:
        print("  page load to the filled dashboard: %.0f ms first, %.0f ms cached; %d bytes "
              "transferred (page, script, style)" % (page["first ms"], page["cached ms"], page["bytes"]))
    print("  per second, %d rounds in turns:        %d B file   /api/sys  WebSocket echo"
          % (ROUNDS, bench_net.SMALL_FILE))
    for name in ("uhttpd", "microdot"):
        got = f[name]
        if not got:
            print("    microdot: not installed (pip install microdot)")
            continue
        label = name if name == "uhttpd" else "microdot " + bench_net._microdot_version()
        ws = "%10.0f" % got["ws"] if got["ws"] is not None else "%10s" % "-"
        print("    %-35s %10.0f %10.0f %s" % (label, got["file"], got["sys"], ws))
    if "ws refused" in f:
        print("    WebSocket refused: %s" % f["ws refused"])
    print("  (uhttpd's echo is a keystroke through the terminal's shell session and line editor;")
    print("  microdot's, a message sent straight back)")
