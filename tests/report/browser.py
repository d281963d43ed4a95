"""Drive headless Chromium over the DevTools protocol on a pipe (stdlib only, no websocket client).

`--remote-debugging-pipe` makes Chromium read protocol messages on fd 3 and write on fd 4, each a
JSON object ended by a NUL byte (chromium/src content/browser/devtools/devtools_pipe_handler.cc). A
`sh` wrapper maps our stdin/stdout pipes onto fds 3 and 4. The page's console messages arrive
with their level (Runtime.consoleAPICalled), uncaught errors as Runtime.exceptionThrown, and
network/CSP/security problems as Log.entryAdded, which the plain `--enable-logging=stderr` output
does not distinguish (it logs every console message at INFO).
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import struct
import subprocess
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageRun:
    console: list[tuple[str, str]] = field(default_factory=list)
    """(type, text) of every console call: log, info, warning, error, ..."""
    exceptions: list[str] = field(default_factory=list)
    log_entries: list[tuple[str, str]] = field(default_factory=list)
    """(level, text) from the browser's Log domain (network, security, violations)."""
    values: dict[str, Any] = field(default_factory=dict)
    shots: dict[str, bytes] = field(default_factory=dict)

    @property
    def errors(self) -> list[str]:
        return ([f"console.{t}: {m}" for t, m in self.console if t in ("error", "assert")]
                + [f"exception: {e}" for e in self.exceptions]
                + [f"log.{lv}: {m}" for lv, m in self.log_entries if lv == "error"])


class _Pipe:
    def __init__(self, chromium: str, profile: str) -> None:
        cmd = ["sh", "-c", 'exec "$@" 3<&0 4>&1 0</dev/null 1>/dev/null', "sh", chromium, *FLAGS,
               f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.buf = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = 30) -> dict[str, Any]:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(msg).encode() + b"\0")
        self.proc.stdin.flush()
        want = self.next_id
        reply = self.wait(lambda m: m.get("id") == want, timeout)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait(self, pred: Any, timeout: float = 30) -> dict[str, Any]:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        end = time.monotonic() + timeout
        while True:
            while b"\0" in self.buf:
                raw, self.buf = self.buf.split(b"\0", 1)
                m = json.loads(raw)
                if "method" in m:
                    self.events.append(m)
                if pred(m):
                    return m
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the pipe")
                self.buf += chunk

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except Exception:  # closing anyway: the browser may already be gone
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            if f is not None:
                try:
                    f.close()
                except OSError:
                    pass


def run_page(chromium: str, url: str, *, width: int = 1280, height: int = 3000,
             expressions: dict[str, str] | None = None, clips: dict[str, str] | None = None) -> PageRun:
    """Load `url`, evaluate `expressions` (name -> JS) and screenshot `clips` (name -> CSS selector)."""
    out = PageRun()
    with tempfile.TemporaryDirectory(prefix="llmcost-chromium-") as profile:
        p = _Pipe(chromium, profile)
        try:
            target = p.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            s = p.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for dom in ("Runtime.enable", "Log.enable", "Page.enable"):
                p.send(dom, session=s)
            p.send("Emulation.setDeviceMetricsOverride",
                   {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=s)
            p.send("Page.navigate", {"url": url}, session=s)
            p.wait(lambda m: m.get("method") == "Page.loadEventFired" and m.get("sessionId") == s)
            for name, expr in (expressions or {}).items():
                r = p.send("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session=s)
                out.values[name] = r.get("result", {}).get("value")
            for name, selector in (clips or {}).items():
                box = p.send("Runtime.evaluate", {"expression": (
                    f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
                    " return [r.x + window.scrollX, r.y + window.scrollY, r.width, r.height]; })()"),
                    "returnByValue": True}, session=s)["result"]["value"]
                shot = p.send("Page.captureScreenshot", {"format": "png", "clip": {
                    "x": box[0], "y": box[1], "width": box[2], "height": box[3], "scale": 0.5}}, session=s)
                out.shots[name] = base64.b64decode(shot["data"])
            time.sleep(0.2)  # let late console messages arrive
            p.send("Runtime.evaluate", {"expression": "1"}, session=s)
        finally:
            p.close()
    for e in p.events:
        prm = e.get("params", {})
        if e["method"] == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in prm.get("args", []))
            out.console.append((prm.get("type", ""), text))
        elif e["method"] == "Runtime.exceptionThrown":
            d = prm.get("exceptionDetails", {})
            out.exceptions.append(d.get("exception", {}).get("description") or d.get("text", ""))
        elif e["method"] == "Log.entryAdded":
            entry = prm.get("entry", {})
            out.log_entries.append((entry.get("level", ""), entry.get("text", "")))
    return out


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def png_pixels(data: bytes) -> list[tuple[int, int, int]]:
    """RGB pixels of an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes)."""
    w, h = png_size(data)
    depth, ctype, interlace = data[24], data[25], data[28]
    assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
    bpp = 3 if ctype == 2 else 4
    pos, idat = 8, b""
    while pos < len(data):
        n = struct.unpack(">I", data[pos:pos + 4])[0]
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    pixels = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        pixels += [(line[i], line[i + 1], line[i + 2]) for i in range(0, stride, bpp)]
        prev = line
    return pixels
