"""The HTML report's sunlight section in a real headless Chromium: figures, the analysed
windows coloured in the WebGL model, and a click on a window showing its sunlit intervals and
the building that shades it."""

from __future__ import annotations

import pytest

from test_render_html import CHROMIUM, Chromium

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")

SKETCH = {"site": [[-20, -20], [100, -20], [100, 90], [-20, 90]],
          "buildings": [
              {"name": "1#", "use": "residential", "masses": [{"rect": [0, 0, 60, 12], "floors": 20, "height": 60}]},
              {"name": "2#", "use": "residential", "masses": [{
                  "rect": [0, 52, 60, 64], "floors": 6, "height": 18,
                  "windows": [{"from": [29.1, 52], "to": [30.9, 52], "unit": "101"}]}]}]}


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from plancheck.pipeline import Options, check
    from plancheck.render.formats import RenderContext, render
    from plancheck.sketch import write_dxf

    out = tmp_path_factory.mktemp("sunhtml")
    write_dxf(SKETCH, out / "s.dxf")
    r = check(out / "s.dxf", Options(zone="other"))
    render(r.report, out, ("json", "html"), RenderContext(r, "en"))
    return out / "report.html", r.report


def test_sunlight_section_and_window_click(page):
    path, report = page
    from plancheck.sunlight.output import window_records

    wins = window_records(report["sunlight"])
    assert wins and all(w["building"] == "2#" for w in wins)
    b = Chromium()
    try:
        b.open(path)
        assert b.js("document.querySelectorAll('#sunlight figure img').length") == 2
        assert b.js("document.querySelector('#sunlight table.findings').textContent.includes('2#')")
        # the sunlight finding links to its figure
        fid = next(f["id"] for f in report["findings"] if f["rule"] == "SH-SUN-27")
        assert b.js(f"document.getElementById('{fid}').querySelector('.figs a').getAttribute('href')") \
            .startswith("#sunlight-")
        # click the window where the viewer projects it, once the viewer has drawn its opening
        # view (its camera matrix is set on the next animation frame: on a busy machine the
        # frame may not have run yet when the page's load event fires)
        b.js("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        xy = b.js("""(function () {
            var d = JSON.parse(document.getElementById('sunlight-data').textContent).windows[0].p;
            var v = window.plancheckViewer, m = v.mvp(), c = v.canvas, r = c.getBoundingClientRect();
            c.scrollIntoView();
            r = c.getBoundingClientRect();
            var x = m[0]*d[0] + m[4]*d[1] + m[8]*d[2] + m[12], y = m[1]*d[0] + m[5]*d[1] + m[9]*d[2] + m[13];
            var w = m[3]*d[0] + m[7]*d[1] + m[11]*d[2] + m[15];
            return [r.left + (x / w + 1) / 2 * r.width, r.top + (1 - y / w) / 2 * r.height];
        })()""")
        for kind in ("mousePressed", "mouseReleased"):
            b.send("Input.dispatchMouseEvent", {"type": kind, "x": xy[0], "y": xy[1],
                                                 "button": "left", "clickCount": 1})
        text = b.js("document.getElementById('sunlight-window').textContent")
        assert "2#" in text and "101" in text and "1#" in text      # shaded by 1#
        # the panel is beside the viewer, not far below it
        canvas, panel = b.js("[document.getElementById('viewer-canvas'), document.getElementById('sunlight-window')]"
                             ".map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })")
        assert panel[0] >= canvas[2] and canvas[1] - 1 <= panel[1] < canvas[3], (canvas, panel)
        # a click on each floor's window shows that floor (not the one above or below)
        wins = b.js("JSON.parse(document.getElementById('sunlight-data').textContent).windows.map(w => w.f)")
        assert len(set(wins)) > 3
        for k, floor in enumerate(wins):
            xy = b.js(f"""(function () {{
                var d = JSON.parse(document.getElementById('sunlight-data').textContent).windows[{k}].p;
                var v = window.plancheckViewer, m = v.mvp(), r = v.canvas.getBoundingClientRect();
                var x = m[0]*d[0] + m[4]*d[1] + m[8]*d[2] + m[12], y = m[1]*d[0] + m[5]*d[1] + m[9]*d[2] + m[13];
                var w = m[3]*d[0] + m[7]*d[1] + m[11]*d[2] + m[15];
                return [r.left + (x / w + 1) / 2 * r.width, r.top + (1 - y / w) / 2 * r.height];
            }})()""")
            for kind in ("mousePressed", "mouseReleased"):
                b.send("Input.dispatchMouseEvent", {"type": kind, "x": xy[0], "y": xy[1],
                                                     "button": "left", "clickCount": 1})
            head = b.js("document.querySelector('#sunlight-window .head').textContent")
            assert f"· {floor} floor ·" in head, (floor, head)
        assert not b.problems(path)["errors"]
    finally:
        b.close()


def test_a_sunlight_findings_3d_link_shows_its_worst_window(page):
    path, report = page
    f = next(f for f in report["findings"] if f["rule"] == "SH-SUN-27")
    b = Chromium()
    try:
        b.open(path)
        b.js(f"document.querySelector('#{f['id']} a[data-sun-window]').click()")
        b.js("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        head = b.js("document.querySelector('#sunlight-window .head').textContent")
        assert f"{f['worst']['building']} · {f['worst']['floor']} floor ·" in head, head
        assert not b.problems(path)["errors"]
    finally:
        b.close()


def test_default_camera_shows_the_failing_floors(page):
    """With a sunlight fail, the viewer opens (and a double-click returns) on the failing
    windows: each projects inside the canvas, seen from outside their facade, from above the
    building that shades them."""
    path, report = page
    from plancheck.sunlight.output import window_records

    fails = [w for w in window_records(report["sunlight"]) if w["status"] == "fail"]
    assert fails
    b = Chromium()
    try:
        b.open(path)
        inside = b.js("""(function () {
            var v = window.plancheckViewer, m = v.mvp(), c = v.canvas;
            var ws = JSON.parse(document.getElementById('sunlight-data').textContent).windows
                .filter(function (w) { return w.s === 'fail'; });
            return ws.map(function (w) {
                var d = w.p, x = m[0]*d[0] + m[4]*d[1] + m[8]*d[2] + m[12], y = m[1]*d[0] + m[5]*d[1] + m[9]*d[2] + m[13];
                var q = m[3]*d[0] + m[7]*d[1] + m[11]*d[2] + m[15];
                return q > 0 && Math.abs(x / q) < 0.9 && Math.abs(y / q) < 0.9;
            });
        })()""")
        assert inside and all(inside), inside
        home = b.js("window.plancheckViewer.home()")
        assert home["pitch"] >= 0.9 and abs(home["yaw"]) < 0.1        # from the south, above 1#
    finally:
        b.close()
