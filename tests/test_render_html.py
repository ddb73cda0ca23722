"""report.html in a real headless Chromium (Debian's chromium), driven over the DevTools
protocol on --remote-debugging-pipe (no driver, no extra package): every image decodes, no
console error, no request leaves the file, every link lands, the 3D viewer runs, and a
building named `<script>alert(1)</script>` is shown as text."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
         # software WebGL for the embedded 3D viewer (there is no GPU here)
         "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--remote-debugging-pipe"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed "
                                "(bash scripts/setup.sh installs it)")


class Chromium:
    """A headless Chromium and one page, spoken to with CDP messages over fds 3/4."""

    def __init__(self):
        self.profile = tempfile.TemporaryDirectory()
        cmd_r, self.cmd_w = os.pipe()
        self.resp_r, resp_w = os.pipe()
        # move the child's ends above 3/4 so dup2 below cannot clobber them
        child_r = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)
        child_w = fcntl.fcntl(resp_w, fcntl.F_DUPFD, 10)
        os.close(cmd_r)
        os.close(resp_w)

        def fds():
            os.dup2(child_r, 3)
            os.dup2(child_w, 4)

        self.proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={self.profile.name}",
                                      "about:blank"], preexec_fn=fds, pass_fds=(3, 4),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(child_r)
        os.close(child_w)
        self.buf, self.next_id, self.events, self.session = b"", 0, [], None

    def send(self, method: str, params: dict | None = None, timeout: float = 60):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session:
            msg["sessionId"] = self.session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self._read(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer")
            if select.select([self.resp_r], [], [], left)[0]:
                chunk = os.read(self.resp_r, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\0")
        return json.loads(line)

    def wait_for(self, method: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for m in self.events:
                if m.get("method") == method:
                    return m
            self.events.append(self._read(deadline))

    def open(self, path: Path, width: int = 1400, height: int = 1000) -> None:
        self.session = None
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                         "deviceScaleFactor": 1, "mobile": False})
        self.events = []
        self.send("Page.navigate", {"url": path.resolve().as_uri()})
        self.wait_for("Page.loadEventFired")

    def js(self, expression: str):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": True})
        assert "exceptionDetails" not in r, r
        return r["result"].get("value")

    def screenshot(self) -> bytes:
        return base64.b64decode(self.send("Page.captureScreenshot", {"format": "png"})["data"])

    def problems(self, page: Path) -> dict:
        """Console errors, exceptions, dialogs and requests to anything but the file or data:."""
        uri = page.resolve().as_uri()
        out = {"errors": [], "requests": [], "dialogs": []}
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out["errors"].append(p)
            elif m == "Runtime.exceptionThrown":
                out["errors"].append(p["exceptionDetails"])
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                out["errors"].append(p["entry"])
            elif m == "Network.requestWillBeSent":
                url = p["request"]["url"]
                if url != uri and not url.startswith("data:"):
                    out["requests"].append(url)
            elif m == "Page.javascriptDialogOpening":
                out["dialogs"].append(p)
        return out

    def close(self) -> None:
        try:
            self.session = None
            self.send("Browser.close", timeout=10)
        except Exception:  # noqa: BLE001 - closing a browser that is already gone
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self.cmd_w)
        os.close(self.resp_r)
        self.profile.cleanup()


@pytest.fixture(scope="module")
def browser():
    b = Chromium()
    yield b
    b.close()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "plancheck", *args], capture_output=True,
                          text=True, timeout=600, cwd=REPO)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The bundled sample checked with the default formats (report.json, figures, model, html)."""
    out = tmp_path_factory.mktemp("sample")
    proc = run_cli("check", "samples/huangpu-residential.dxf", "--out", str(out), "-q")
    assert proc.returncode == 1, proc.stderr    # the sample has failing findings
    return out


def test_sample_report_in_chromium(browser, sample):
    page = sample / "report.html"
    report = json.loads((sample / "report.json").read_text("utf-8"))
    browser.open(page)
    images = browser.js("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt])")
    figures = json.loads((sample / "figures" / "figures.json").read_text("utf-8"))["figures"] \
        if (sample / "figures").is_dir() else []
    assert len(images) == max(1, len(figures))
    assert all(done and width > 0 for done, width, _ in images), images
    # every in-page link lands on an element; every finding has a row
    dangling = browser.js("Array.from(document.querySelectorAll('a[href^=\"#\"]'))"
                          ".map(a => a.getAttribute('href').slice(1))"
                          ".filter(id => !document.getElementById(id))")
    assert dangling == []
    rows = browser.js("Array.from(document.querySelectorAll('tr.finding')).map(r => r.id)")
    assert sorted(rows) == sorted(f["id"] for f in report["findings"])
    # 图文对应: a failing distance finding links to its own 3D view, which links back to it
    failing = [f for f in report["findings"] if f["status"] == "fail" and f["geometry"]]
    assert failing
    if figures:
        for f in failing:
            links = browser.js(f"Array.from(document.getElementById('{f['id']}')"
                               ".querySelectorAll('td.figs a')).map(a => a.getAttribute('href'))")
            assert f"#fig-{f['id']}" in links and "#fig-plan" in links, links
            back = browser.js(f"Array.from(document.querySelectorAll('#fig-{f['id']} .shows a'))"
                              ".map(a => a.getAttribute('href'))")
            assert back == [f"#{f['id']}"]
    # the verdict and the indicators table
    assert browser.js("document.querySelector('.verdict').className") == "verdict verdict-fail"
    assert "1.950" in browser.js("document.getElementById('indicators').innerText")
    # the WebGL viewer parsed the embedded GLB and labelled the buildings
    labels = browser.js("Array.from(document.querySelectorAll('#viewer-labels span')).map(s => s.textContent)")
    assert {"1#", "10#", "E4"} <= set(labels), labels
    assert browser.js("document.getElementById('viewer-note').hidden") is True
    shot = browser.screenshot()
    browser.js("document.getElementById('fig-model').scrollIntoView({block: 'center'})")
    # two animation frames: the page has repainted after scrolling (an event, not a delay)
    browser.js("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(1))))")
    model_shot = browser.screenshot()
    for name, png in (("report.png", shot), ("report-model.png", model_shot)):
        assert png.startswith(b"\x89PNG") and len(png) > 20_000
        (sample / name).write_bytes(png)
        if os.environ.get("PLANCHECK_SCREENSHOT_DIR"):
            Path(os.environ["PLANCHECK_SCREENSHOT_DIR"], name).write_bytes(png)
    problems = browser.problems(page)
    assert problems == {"errors": [], "requests": [], "dialogs": []}, problems


NAMES = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(2)>"]


def test_drawing_text_is_shown_as_text_never_run(browser, draw, tmp_path):
    sk = {"site": [[0, 0], [200, 0], [200, 200], [0, 200]], "buildings": [
        {"name": NAMES[0], "use": "residential", "masses": [
            {"rect": [20, 20, 80, 32], "floors": 6, "height": 18}]},
        {"name": NAMES[1], "use": "residential", "carrier": "xdata", "masses": [
            {"rect": [20, 40, 80, 52], "floors": 6, "height": 18}]}]}
    path = draw(sk, context={"zone": "other"})
    out = tmp_path / "out"
    proc = run_cli("check", str(path), "--out", str(out), "--format", "json,html", "-q")
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert sorted(b["name"] for b in report["buildings"]) == sorted(NAMES)
    page = out / "report.html"
    browser.open(page)
    text = browser.js("document.body.innerText")
    for name in NAMES:
        assert name in text
    assert browser.js("document.querySelectorAll('script').length") == 4
    assert browser.js("document.querySelectorAll('img[src=\"x\"]').length") == 0
    labels = browser.js("Array.from(document.querySelectorAll('#viewer-labels span')).map(s => s.textContent)")
    assert set(NAMES) <= set(labels)
    problems = browser.problems(page)
    assert problems == {"errors": [], "requests": [], "dialogs": []}, problems
