"""The HTML report's sunlight section in a real headless Chromium: figures, the analysed
windows coloured in the WebGL model, and a click on a window showing its sunlit intervals and
the building that shades it."""

from __future__ import annotations

import pytest

from test_render_html import CHROMIUM, Chromium

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")

SKETCH = {"site": [[-20, -20], [100, -20], [100, 90], [-20, 90]],
          "buildings": [
              {"name": "1#", "use": "residential", "masses": [{"rect": [0, 0, 60, 12], "floors": 20, "height": 60}]},
              {"name": "2#", "use": "residential", "masses": [{
                  "rect": [0, 52, 60, 64], "floors": 6, "height": 18,
                  "windows": [{"from": [29.1, 52], "to": [30.9, 52], "unit": "101"}]}]}]}


def decode(c: dict) -> list[dict]:
    """The page's compact window data (sunlight_html.compact_windows) decoded as sunlight.js
    decodes it: one object per window."""
    t = c["tables"]
    out = []
    for i in range(c["count"]):
        rc, fa = t["receivers"][c["rc"][i]], t["facades"][c["fa"][i]]
        out.append({"p": c["p"][3 * i:3 * i + 3], "n": list(fa[2]), "b": rc[0], "f": c["f"][i], "o": fa[1],
                    "fc": fa[0], "w": c["w"][i], "u": t["units"][c["u"][i]], "c": c["c"][i], "cu": c["cu"][i],
                    "r": rc[1], "m": rc[2], "s": t["statuses"][c["s"][i]], "why": t["reasons"][c["why"][i]],
                    "lit": [t["lit"][k][:2] for k in c["lit"][i]],
                    "bjt": [t["lit"][k][2:] for k in c["lit"][i]],
                    "sh": [{"from": t["shaded"][k][0], "to": t["shaded"][k][1], "by": list(t["shaded"][k][2])}
                           for k in c["sh"][i]]})
    return out


def assert_windows_of_records(got: list[dict], report: dict) -> None:
    """`got` (decoded windows of the page) are the windows of `window_records`, in order (up
    to MAX_PICK), each with everything the page shows: its centre in the viewer's frame
    (x east, y up, z south, from the model's origin) and outward normal (x, z), its building,
    floor, orientation, facade, window, unit, minutes, requirement, status, reason, sunlit
    intervals (true solar and Beijing time) and shaded intervals with what shades them."""
    import math

    from plancheck.render.massing import origin
    from plancheck.render.sunlight_html import MAX_PICK
    from plancheck.sunlight.output import window_records

    recs = window_records(report["sunlight"])[:MAX_PICK]
    assert recs and len(got) == len(recs)
    ox, oy = origin(report)
    north = float(report["drawing"].get("north_deg", 90.0))
    for g, r in zip(got, recs):
        assert set(g) == {"p", "n", "b", "f", "o", "fc", "w", "u", "c", "cu", "r", "m", "s", "lit", "bjt",
                          "sh", "why"}, g
        (x0, y0), (x1, y1) = r["line"]
        want = [(x0 + x1) / 2 - ox, r["sill_z_m"] + 0.75, -((y0 + y1) / 2 - oy)]
        assert all(abs(a - b) <= 0.0005 + 1e-9 for a, b in zip(g["p"], want)), (g["p"], want)
        a = math.radians(north - float(r.get("azimuth_deg", 180.0)))
        assert abs(g["n"][0] - math.cos(a)) <= 5e-5 + 1e-9 and abs(g["n"][1] + math.sin(a)) <= 5e-5 + 1e-9
        assert (g["b"], g["f"], g["o"], g["fc"], g["w"], g["u"]) == \
            (r["building"], r["floor"], r["orientation"], r["facade"], r["window"], r["unit"])
        assert (g["c"], g["cu"], g["r"], g["m"], g["s"], g["why"]) == \
            (r["continuous_minutes"], r["cumulative_minutes"], r["required_minutes"], r["measure"],
             r["status"], r.get("reason"))
        assert g["lit"] == [list(x) for x in r["lit"]] and g["bjt"] == [list(x) for x in r["lit_bjt"]]
        assert g["sh"] == [{"from": x["from"], "to": x["to"], "by": list(x["by"])} for x in r["shaded"]]


def test_compact_window_data_decodes_to_the_window_records(sample_full_report):
    """The sample's windows (two measures, units, sampled and drawn windows, several
    receivers) survive the compact encoding: decoded as sunlight.js decodes them they are
    window_records, and the encoding is several times smaller than an object per window."""
    import json

    from plancheck.render.massing import origin
    from plancheck.render.sunlight_html import MAX_PICK, compact_windows
    from plancheck.sunlight.output import window_records

    report = sample_full_report
    wins = window_records(report["sunlight"])[:MAX_PICK]
    data = compact_windows(wins, float(report["drawing"].get("north_deg", 90.0)), *origin(report))
    got = decode(json.loads(json.dumps(data)))
    assert {g["m"] for g in got} == {"continuous", "cumulative"} and any(g["u"] for g in got)
    assert_windows_of_records(got, report)
    assert len(json.dumps(data, ensure_ascii=False)) * 3 < len(json.dumps(got, ensure_ascii=False))


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from plancheck.pipeline import Options, check
    from plancheck.render.formats import RenderContext, render
    from plancheck.sketch import write_dxf

    out = tmp_path_factory.mktemp("sunhtml")
    write_dxf(SKETCH, out / "s.dxf")
    r = check(out / "s.dxf", Options(zone="other"))
    render(r.report, out, ("json", "html"), RenderContext(r, "en"))
    return out / "report.html", r.report, {**r.report, "sunlight": r.sunlight}   # (the full document)


@needs_chromium
def test_sunlight_section_and_window_click(page):
    path, report, _ = page
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
            var d = window.plancheckSunlight.windows[0].p;
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
        wins = b.js("window.plancheckSunlight.windows.map(w => w.f)")
        assert len(set(wins)) > 3
        for k, floor in enumerate(wins):
            xy = b.js(f"""(function () {{
                var d = window.plancheckSunlight.windows[{k}].p;
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


@needs_chromium
def test_a_sunlight_findings_3d_link_shows_its_worst_window(page):
    path, report, _ = page
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


@needs_chromium
def test_default_camera_shows_the_failing_floors(page):
    """With a sunlight fail, the viewer opens (and a double-click returns) on the failing
    windows: each projects inside the canvas, seen from outside their facade, from above the
    building that shades them."""
    path, report, _ = page
    from plancheck.sunlight.output import window_records

    fails = [w for w in window_records(report["sunlight"]) if w["status"] == "fail"]
    assert fails
    b = Chromium()
    try:
        b.open(path)
        inside = b.js("""(function () {
            var v = window.plancheckViewer, m = v.mvp(), c = v.canvas;
            var ws = window.plancheckSunlight.windows
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


@needs_chromium
def test_the_page_decodes_its_windows_to_the_window_records(page):
    """What the page's script decodes from its compact window data (the objects a click, a
    finding's 3D link and the opening view read) is the window_records of the full sunlight
    document, with everything the panel shows."""
    path, _, full = page
    b = Chromium()
    try:
        b.open(path)
        got = b.js("window.plancheckSunlight.windows")
        assert_windows_of_records(got, full)
        assert not b.problems(path)["errors"]
    finally:
        b.close()
