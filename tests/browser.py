"""Open a local HTML file in headless Debian Chromium with networking disabled, and report
what a meeting-room laptop would see: console errors, network requests, DOM counts and a
screenshot.

No Python dependency: Chromium is driven over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: commands on fd 3, replies on fd 4, NUL-separated JSON).
Networking is off three ways: DevTools offline emulation, a proxy that goes nowhere and a
host resolver that resolves nothing; every request except the page's own file is recorded
so tests can assert there were none.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium_path() -> str | None:
    for c in CHROMIUM_CANDIDATES:
        if os.path.exists(c) and os.access(c, os.X_OK):
            return c
    return None


@dataclass
class PageReport:
    errors: list[str] = field(default_factory=list)     # console errors, exceptions, log errors
    requests: list[str] = field(default_factory=list)   # URLs other than the page and data:
    counts: dict[str, int] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)
    screenshot: bytes = b""


class _Pipe:
    def __init__(self, proc_pid: int, wfd: int, rfd: int):
        self.pid = proc_pid
        self.wfd, self.rfd = wfd, rfd
        self.buf = b""
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 30.0) -> dict:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.wfd, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            for m in self._read(deadline):
                if m.get("id") == self.next_id:
                    if "error" in m:
                        raise RuntimeError(f"{method}: {m['error']}")
                    return m.get("result", {})
                self.events.append(m)

    def pump(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for m in self._read(deadline, block=False):
                self.events.append(m)
            time.sleep(0.02)

    def _read(self, deadline: float, block: bool = True) -> list[dict]:
        out = []
        while b"\0" not in self.buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if block:
                    raise TimeoutError("Chromium did not answer in time")
                return out
            r, _, _ = select.select([self.rfd], [], [], min(remaining, 0.05 if not block else remaining))
            if not r:
                if not block:
                    return out
                continue
            chunk = os.read(self.rfd, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buf += chunk
        *msgs, self.buf = self.buf.split(b"\0")
        for raw in msgs:
            if raw:
                out.append(json.loads(raw))
        return out


def open_page(html_file: Path, *, selectors: dict[str, str] | None = None,
              expressions: dict[str, str] | None = None, width: int = 1600, height: int = 1000,
              ready_expression: str = "document.readyState === 'complete'",
              settle_seconds: float = 0.6, timeout: float = 60.0) -> PageReport:
    """Load ``html_file`` offline and return errors, requests, ``selectors`` counts,
    ``expressions`` values and a PNG screenshot of the viewport."""
    exe = chromium_path()
    if exe is None:
        raise FileNotFoundError("Chromium is not installed (/usr/bin/chromium)")
    url = Path(html_file).resolve().as_uri()
    profile = tempfile.mkdtemp(prefix="consortia-chromium-")
    args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-extensions", "--mute-audio",
            "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
            "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}",
            "--remote-debugging-pipe", f"--window-size={width},{height}", "about:blank"]
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()
    log = open(os.path.join(profile, "chromium.log"), "wb")
    actions = [(os.POSIX_SPAWN_DUP2, to_chrome_r, 3), (os.POSIX_SPAWN_DUP2, from_chrome_w, 4),
               (os.POSIX_SPAWN_DUP2, log.fileno(), 1), (os.POSIX_SPAWN_DUP2, log.fileno(), 2)]
    pid = os.posix_spawn(exe, args, os.environ, file_actions=actions)
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    pipe = _Pipe(pid, to_chrome_w, from_chrome_r)
    report = PageReport()
    try:
        target = pipe.send("Target.createTarget", {"url": "about:blank"}, timeout=timeout)
        session = pipe.send("Target.attachToTarget", {"targetId": target["targetId"],
                                                       "flatten": True})["sessionId"]
        for m in ("Runtime.enable", "Log.enable", "Network.enable", "Page.enable"):
            pipe.send(m, session=session)
        pipe.send("Network.emulateNetworkConditions", {"offline": True, "latency": 0,
                                                       "downloadThroughput": -1,
                                                       "uploadThroughput": -1}, session=session)
        pipe.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                         "deviceScaleFactor": 1, "mobile": False},
                  session=session)
        pipe.send("Page.navigate", {"url": url}, session=session, timeout=timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            res = pipe.send("Runtime.evaluate", {"expression": f"!!({ready_expression})",
                                                 "returnByValue": True}, session=session)
            if res.get("result", {}).get("value") is True:
                break
            pipe.pump(0.1)
        else:
            report.errors.append(f"page not ready after {timeout}s: {ready_expression}")
        pipe.pump(settle_seconds)
        for name, sel in (selectors or {}).items():
            res = pipe.send("Runtime.evaluate", {
                "expression": f"document.querySelectorAll({json.dumps(sel)}).length",
                "returnByValue": True}, session=session)
            report.counts[name] = int(res.get("result", {}).get("value", -1))
        for name, expr in (expressions or {}).items():
            res = pipe.send("Runtime.evaluate", {"expression": expr, "returnByValue": True},
                            session=session)
            if "exceptionDetails" in res:
                report.errors.append(f"evaluating {name}: {res['exceptionDetails'].get('text')}")
            report.values[name] = res.get("result", {}).get("value")
        shot = pipe.send("Page.captureScreenshot", {"format": "png"}, session=session)
        report.screenshot = base64.b64decode(shot["data"])
        pipe.pump(0.1)
    finally:
        try:
            pipe.send("Browser.close", timeout=5)
        except Exception:
            pass
        for _ in range(50):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.1)
        else:
            try:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        os.close(to_chrome_w)
        os.close(from_chrome_r)
        log.close()
        shutil.rmtree(profile, ignore_errors=True)

    for ev in pipe.events:
        method, params = ev.get("method"), ev.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            report.errors.append("console: " + " ".join(str(a.get("value", a.get("description", "")))
                                                        for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            d = params.get("exceptionDetails", {})
            report.errors.append("exception: " + str(d.get("exception", {}).get("description")
                                                     or d.get("text")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            report.errors.append("log: " + params["entry"].get("text", ""))
        elif method == "Network.requestWillBeSent":
            req_url = params.get("request", {}).get("url", "")
            if req_url != url and not req_url.startswith(("data:", "about:")):
                report.requests.append(req_url)
    return report


def is_blank(png: bytes, min_colours: int = 8) -> bool:
    """True when the screenshot is (almost) one colour."""
    import io

    import numpy as np
    from matplotlib import image

    img = image.imread(io.BytesIO(png), format="png")
    flat = (img[..., :3].reshape(-1, 3) * 255).astype(int)
    colours = np.unique(flat[:: max(1, len(flat) // 200_000)], axis=0)
    return len(colours) < min_colours


class Session:
    """A headless Chromium tab kept open for an interactive test of a page on a loopback server.

    Unlike :func:`open_page`, the network is not emulated offline (the page must reach its own
    server), but every name resolves to nothing and every non-loopback request goes to a proxy
    that does not exist; ``requests`` records every URL the page asked for.
    """

    def __init__(self, width: int = 1600, height: int = 1000):
        exe = chromium_path()
        if exe is None:
            raise FileNotFoundError("Chromium is not installed (/usr/bin/chromium)")
        self.profile = tempfile.mkdtemp(prefix="consortia-chromium-")
        args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", "--mute-audio",
                "--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                f"--user-data-dir={self.profile}", "--remote-debugging-pipe",
                f"--window-size={width},{height}", "about:blank"]
        to_r, self._to_w = os.pipe()
        self._from_r, from_w = os.pipe()
        self._log = open(os.path.join(self.profile, "chromium.log"), "wb")
        actions = [(os.POSIX_SPAWN_DUP2, to_r, 3), (os.POSIX_SPAWN_DUP2, from_w, 4),
                   (os.POSIX_SPAWN_DUP2, self._log.fileno(), 1), (os.POSIX_SPAWN_DUP2, self._log.fileno(), 2)]
        self.pid = os.posix_spawn(exe, args, os.environ, file_actions=actions)
        os.close(to_r)
        os.close(from_w)
        self.pipe = _Pipe(self.pid, self._to_w, self._from_r)
        target = self.pipe.send("Target.createTarget", {"url": "about:blank"}, timeout=60)
        self.session = self.pipe.send("Target.attachToTarget", {"targetId": target["targetId"],
                                                                "flatten": True})["sessionId"]
        for m in ("Runtime.enable", "Log.enable", "Network.enable", "Page.enable"):
            self.send(m)
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                         "deviceScaleFactor": 1, "mobile": False})

    def send(self, method: str, params: dict | None = None, timeout: float = 30.0) -> dict:
        return self.pipe.send(method, params, session=self.session, timeout=timeout)

    def goto(self, url: str) -> None:
        self.send("Page.navigate", {"url": url})

    def eval(self, expression: str):
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                             "awaitPromise": True})
        if "exceptionDetails" in res:
            details = res["exceptionDetails"]
            text = details.get('exception', {}).get('description') or details.get('text')
            raise RuntimeError(f"{expression}: {text}")
        return res.get("result", {}).get("value")

    def wait(self, expression: str, timeout: float = 20.0):
        """Wait until ``expression`` is truthy (in JavaScript's sense)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.eval(f"!!({expression})"):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"still false after {timeout} s: {expression}")
            self.pipe.pump(0.1)

    def click(self, selector: str) -> None:
        """A real mouse click in the middle of the first element ``selector`` matches."""
        box = self.eval(f"(function(){{var el=document.querySelector({json.dumps(selector)});"
                        "if(!el) return null; el.scrollIntoView({block:'center'});"
                        "var r=el.getBoundingClientRect(); return [r.left+r.width/2, r.top+r.height/2];})()")
        if box is None:
            raise LookupError(f"nothing matches {selector}")
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1], "button": "left",
                                                   "clickCount": 1})

    def choose(self, selector: str, value: str) -> None:
        """Pick ``value`` in a <select> as a user would (the change event fires)."""
        self.eval(f"(function(){{var el=document.querySelector({json.dumps(selector)});el.value={json.dumps(value)};"
                  "el.dispatchEvent(new Event('change',{bubbles:true}));})()")

    def type(self, selector: str, text: str) -> None:
        self.eval(f"(function(){{var el=document.querySelector({json.dumps(selector)});el.focus();"
                  f"el.value={json.dumps(text)};el.dispatchEvent(new Event('input',{{bubbles:true}}));}})()")

    def screenshot(self) -> bytes:
        return base64.b64decode(self.send("Page.captureScreenshot", {"format": "png"})["data"])

    def requests(self) -> list[str]:
        self.pipe.pump(0.05)
        return [ev["params"]["request"]["url"] for ev in self.pipe.events
                if ev.get("method") == "Network.requestWillBeSent"
                and not ev["params"]["request"]["url"].startswith("data:")]

    def errors(self) -> list[str]:
        self.pipe.pump(0.05)
        out = []
        for ev in self.pipe.events:
            method, params = ev.get("method"), ev.get("params", {})
            if method == "Runtime.exceptionThrown":
                d = params.get("exceptionDetails", {})
                out.append(str(d.get("exception", {}).get("description") or d.get("text")))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                out.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        return out

    def close(self) -> None:
        try:
            self.pipe.send("Browser.close", timeout=5)
        except Exception:
            pass
        for _ in range(50):
            done, _ = os.waitpid(self.pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.1)
        else:
            try:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        os.close(self._to_w)
        os.close(self._from_r)
        self._log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
