"""Figures: deterministic 3D views compared with a stored reference image, dimension lines drawn
exactly where the finding's geometry says (3D and plan), and a clear error instead of a VTK
segfault when the machine has no off-screen OpenGL library."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest


REF = Path(__file__).parent / "data" / "render" / "spacing_view.png"
#: 南楼 18 m high, 北楼 13 m north of it: 1.2 x 18 = 21.6 m required, 13 m measured -> fail
FINDING = {"id": "F0001", "rule": "SH-23-1", "clause": "第二十三条（一）1", "family": "spacing",
           "status": "fail", "subjects": ["北楼", "南楼"], "measured": 13.0, "required": 21.6,
           "unit": "m", "message": "北楼–南楼 间距 13.00 m，小于南侧建筑高度 18.00 m 的 1.2 倍 (21.60 m)",
           "geometry": {"from": [50.0, 45.0], "to": [50.0, 32.0]}}


def _rect(x0, y0, x1, y1):
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def make_report() -> dict:
    """A report.json fragment per the contract (hand-written, independent of the ruleset)."""
    def bldg(name, rect, h, floors):
        return {"name": name, "status": "proposed", "use": "residential", "height_m": h,
                "floors": floors, "height_class": "multi",
                "masses": [{"outline": _rect(*rect), "holes": [], "height_m": h, "floors": floors}]}

    setback = {"id": "F0002", "rule": "SH-33-1", "clause": "第三十三条（一）", "family": "setback",
               "status": "pass", "subjects": ["南楼"], "measured": 20.0, "required": 10.8,
               "unit": "m", "message": "南楼 离界距离 20.00 m", "geometry": {"from": [20.0, 20.0],
                                                                           "to": [20.0, 0.0]}}
    return {"drawing": {"path": "two.dxf", "north_deg": 90.0}, "site": {"outline": _rect(0, 0, 120, 100)},
            "buildings": [bldg("南楼", (20, 20, 80, 32), 18.0, 6), bldg("北楼", (20, 45, 80, 57), 18.0, 6)],
            "roads": [], "greens": [], "rivers": [], "findings": [FINDING, setback]}


def _gl_or_skip():
    from plancheck.render import scene3d

    if not scene3d.gl_available():
        pytest.skip("no off-screen OpenGL library (Debian libosmesa6): 3D figures cannot render")


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _project(mapping: dict, x: float, y: float, z: float = 0.0) -> tuple[float, float]:
    """Drawing coordinates -> pixel (column, row from the top), from the figure's own mapping."""
    if mapping["type"] == "affine2d":
        (a, b, c), (d, e, f) = mapping["matrix"]
        return a * x + b * y + c, d * x + e * y + f
    m = np.array(mapping["matrix"])
    X, Y, _, W = m @ np.array([x, y, z, 1.0])
    w, h = mapping["viewport"]
    return (X / W + 1) / 2 * w, (1 - Y / W) / 2 * h


def _has_colour_near(img: np.ndarray, px: float, py: float, rgb, radius: int = 2, tol: int = 40) -> bool:
    r, c = int(round(py)), int(round(px))
    patch = img[max(r - radius, 0):r + radius + 1, max(c - radius, 0):c + radius + 1]
    return bool((np.abs(patch - np.array(rgb)).max(axis=-1) <= tol).any())


@pytest.fixture(scope="module")
def views():
    _gl_or_skip()
    from plancheck.render import scene3d

    return scene3d.render_views(make_report(), "zh")


def test_finding_view_matches_reference_and_is_deterministic(views):
    from plancheck.render import scene3d

    (view,) = [f for f in views if f.key == "F0001"]
    assert view.findings == ["F0001"] and (view.width, view.height) == scene3d.WINDOW
    img = _pixels(view.png)
    if os.environ.get("PLANCHECK_UPDATE_REFERENCE"):
        REF.parent.mkdir(parents=True, exist_ok=True)
        REF.write_bytes(view.png)
    ref = _pixels(REF.read_bytes())
    assert img.shape == ref.shape
    diff = np.abs(img - ref).max(axis=-1)
    # pytest-pyvista style tolerance: small anti-aliasing/font differences only
    assert diff.mean() < 2.0 and (diff > 60).mean() < 0.005, (diff.mean(), (diff > 60).mean())
    again = scene3d.render_views(make_report(), "zh")
    assert np.array_equal(_pixels(again[1].png), img)   # same report, same pixels


def test_3d_dimension_line_lies_on_the_finding_geometry(views):
    from plancheck.render.figures import STATUS_RGB
    from plancheck.render.scene3d import DIM_Z, SUBJECT_RGB

    (view,) = [f for f in views if f.key == "F0001"]
    img = _pixels(view.png)
    (ax, ay), (bx, by) = FINDING["geometry"]["from"], FINDING["geometry"]["to"]
    red = STATUS_RGB["fail"]
    for t in (0.15, 0.3, 0.7, 0.85):
        px, py = _project(view.mapping, ax + t * (bx - ax), ay + t * (by - ay), DIM_Z)
        assert _has_colour_near(img, px, py, red), (t, px, py, img[int(py), int(px)])
    # and not somewhere else: 60 px sideways of the line there is no dimension red
    mx, my = _project(view.mapping, (ax + bx) / 2, (ay + by) / 2, DIM_Z)
    assert not _has_colour_near(img, mx + 60, my, red, radius=1, tol=25)
    # the subject 北楼 is highlighted: its roof centre is subject orange (shaded)
    rx, ry = _project(view.mapping, 50.0, 51.0, 18.0)
    r, g, b = img[int(ry), int(rx)]
    assert r > 200 and 100 < g < 180 and b < 80, (r, g, b)


def test_overview_draws_passing_dimensions_green(views):
    from plancheck.render.figures import STATUS_RGB
    from plancheck.render.scene3d import DIM_Z

    overview = views[0]
    assert overview.key == "overview" and set(overview.findings) == {"F0001", "F0002"}
    img = _pixels(overview.png)
    for t in (0.3, 0.7):   # the passing setback 南楼 -> site boundary, (20,20) -> (20,0)
        px, py = _project(overview.mapping, 20.0, 20.0 - 20.0 * t, DIM_Z)
        assert _has_colour_near(img, px, py, STATUS_RGB["pass"], radius=2), (t, px, py)


def test_plan_dimension_lines_at_their_geometry():
    from plancheck.render.figures import STATUS_RGB
    from plancheck.render.plan import HEIGHT_PX, WIDTH_PX, plan_figure

    fig = plan_figure(make_report(), "zh")
    img = _pixels(fig.png)
    assert img.shape == (HEIGHT_PX, WIDTH_PX, 3) and fig.findings == ["F0001", "F0002"]
    for f, colour in ((FINDING, "fail"), (make_report()["findings"][1], "pass")):
        (ax, ay), (bx, by) = f["geometry"]["from"], f["geometry"]["to"]
        for t in (0.2, 0.8):
            px, py = _project(fig.mapping, ax + t * (bx - ax), ay + t * (by - ay))
            assert _has_colour_near(img, px, py, STATUS_RGB[colour]), (f["id"], t)
    # site corner (120, 100) is on the dash-dot red boundary line or its gap: check a corner
    # of a building instead, which is a solid outline: (80, 57) is dark
    px, py = _project(fig.mapping, 80.0, 57.0)
    assert _has_colour_near(img, px, py, (34, 34, 34), radius=2, tol=60)
    # same report, same bytes
    assert plan_figure(make_report(), "zh").png == fig.png


NO_GL = ("import ctypes.util, os, sys; ctypes.util.find_library = lambda name: None; "
         "os.environ.pop('VTK_DEFAULT_OPENGL_WINDOW', None); sys.argv = ['plancheck'] + sys.argv[1:]; "
         "from plancheck.cli import main; main()")


def test_without_gl_png_is_a_clear_error_and_default_leaves_it_out(draw, tmp_path):
    """No OpenGL library: --format png exits 2 with one line naming the package (VTK would
    segfault); the default formats still write report.json, report.html and model.glb."""
    path = draw({"site": [[0, 0], [100, 0], [100, 100], [0, 100]], "buildings": [
        {"name": "1#", "use": "residential", "masses": [{"rect": [20, 20, 80, 32], "floors": 6,
                                                         "height": 18}]}]})
    asked = subprocess.run([sys.executable, "-c", NO_GL, "check", str(path), "--format", "png",
                            "--out", str(tmp_path / "a")], capture_output=True, text=True, timeout=300)
    assert asked.returncode == 2, asked.stderr
    lines = [ln for ln in asked.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "libosmesa6" in lines[0] and "Traceback" not in asked.stderr
    default = subprocess.run([sys.executable, "-c", NO_GL, "check", str(path), "-q",
                              "--out", str(tmp_path / "b")], capture_output=True, text=True, timeout=300)
    assert default.returncode in (0, 1), default.stderr
    written = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert {"report.json", "report.html", "model.glb"} <= set(written) and "figures" not in written


def test_fails_get_their_3d_views_before_unknowns():
    """A real drawing can put hundreds of unknown pairs before its one fail in report order;
    the view cap must not cost the fail its view."""
    from plancheck.render.figures import MAX_FINDING_VIEWS, view_findings

    report = make_report()
    unknowns = [dict(FINDING, id=f"F{i:04d}", status="unknown", measured=None, required=None)
                for i in range(3, 3 + MAX_FINDING_VIEWS + 10)]
    report["findings"] = unknowns + report["findings"]      # the fail F0001 comes last
    views = view_findings(report)
    assert views[0]["id"] == "F0001" and len(views) == MAX_FINDING_VIEWS + 11
    assert [v["id"] for v in views[1:]] == [u["id"] for u in unknowns]   # report order kept
    # passes have views only on request (`--figures all`), after every fail and unknown
    assert "F0002" not in {v["id"] for v in views}
    everything = view_findings(report, "all")
    assert [v["id"] for v in everything] == [v["id"] for v in views] + ["F0002"]


# --- labels: never overlapping; fails and unknowns always labelled --------------------------------

def _overlaps(boxes) -> list:
    """Pairs of boxes with a positive-area intersection (an independent O(n²) check)."""
    b = np.asarray(boxes, dtype=float).reshape(-1, 4)
    x0, y0, x1, y1 = (b[:, k][:, None] for k in range(4))
    hit = (x0 < x1.T) & (x0.T < x1) & (y0 < y1.T) & (y0.T < y1)
    np.fill_diagonal(hit, False)
    return [(i, j) for i, j in zip(*np.nonzero(np.triu(hit)))]


def _sample_report() -> dict:
    from plancheck.pipeline import check

    return check(Path(__file__).resolve().parents[1] / "samples" / "huangpu-residential.dxf").report


def _figures_json(report: dict, out: Path) -> dict:
    """figures/figures.json as `--format png` writes it (the plan alone without a GL stack)."""
    from plancheck.render import figures, scene3d

    if scene3d.gl_available():
        figures.render_png(report, out)
        return json.loads((out / "figures" / "figures.json").read_text("utf-8"))
    from plancheck.render.plan import plan_figure

    f = plan_figure(report, "zh")
    return {"figures": [{"key": "plan", "width": f.width, "height": f.height, "findings": f.findings,
                         "labels": f.labels, "unlabelled": f.unlabelled}]}


def _must(report: dict) -> set[str]:
    """What the plan has to label, from report.json alone: failing/unknown findings with a
    dimension line, and failing/unknown capacity findings about one building."""
    from plancheck.render.figures import DISTANCE_FAMILIES

    names = {b["name"] for b in report["buildings"]}
    out = set()
    for f in report["findings"]:
        if f["status"] == "pass":
            continue
        g = f.get("geometry") or {}
        if f["family"] in DISTANCE_FAMILIES and "from" in g:
            out.add(f["id"])
        elif f["family"] == "capacity" and f["subjects"] and f["subjects"][0] in names:
            out.add(f["id"])
    return out


@pytest.mark.parametrize("which", ["sample", "grid200"])
def test_labels_never_overlap_and_fails_are_always_labelled(which, tmp_path, request):
    report = request.getfixturevalue("sample_report" if which == "sample" else "crowded_grid")
    index = _figures_json(report, tmp_path)
    for fig in index["figures"]:
        boxes = [lab["box"] for lab in fig["labels"]]
        assert boxes and _overlaps(boxes) == [], (fig["key"], _overlaps(boxes)[:3])
        for x0, y0, x1, y1 in boxes:
            assert 0 <= x0 < x1 <= fig["width"] and 0 <= y0 < y1 <= fig["height"], fig["key"]
    plan = next(f for f in index["figures"] if f["key"] == "plan")
    must = _must(report)
    fails = {f["id"] for f in report["findings"] if f["status"] == "fail"} & must
    # the sample: 4 of its 6 fails have a dimension line (V1's SH-27, V2's two: SH-34 and
    # SH-49-1, its edge being a red line that 第三十三条 leaves alone; V3); its sunlight findings
    # (SH-SUN-27 1#, SH-SUN-9 E2) have none, and its two 第三十条 unknowns are settled by the
    # sunlight analysis: pass
    assert len(fails) == (4 if which == "sample" else 7) and len(must) >= (4 if which == "sample" else 20)
    on_plan = {fid for lab in plan["labels"] if lab["kind"] in ("dimension", "callout")
               for fid in lab["findings"]}
    assert plan["unlabelled"] == [] and must <= on_plan, sorted(must - on_plan)
    # a numbered marker on the plan has its entry, same number, in the list beside it
    markers = {(lab["text"], tuple(lab["findings"])) for lab in plan["labels"] if lab["kind"] == "callout"}
    listed = {(lab["text"], tuple(lab["findings"])) for lab in plan["labels"]
              if lab["kind"] == "callout-list" and "text" in lab}
    assert markers == listed
    # passing dimensions: labelled where room is left, so some but (on the dense grid) not all
    passing = {f["id"] for f in report["findings"] if f["status"] == "pass" and f["id"] in plan["findings"]}
    labelled_pass = on_plan & passing
    assert labelled_pass and (which == "sample" or len(labelled_pass) < len(passing) / 2)
    assert {lab["text"] for lab in plan["labels"] if lab["kind"] == "building"} >= \
        ({"1#", "10#", "E4"} if which == "sample" else {"1#", "200#"})
    for fig in index["figures"]:
        if fig["key"] not in ("plan", "overview"):      # a finding's own view labels it
            assert any(fig["key"] in lab["findings"] for lab in fig["labels"]), fig["key"]


def test_plan_is_deterministic_for_the_sample(sample_report):
    from plancheck.render.plan import plan_figure

    report = sample_report
    a, b = plan_figure(report, "zh"), plan_figure(report, "zh")
    assert a.png == b.png and a.labels == b.labels


def test_crowded_fails_go_to_numbered_callouts():
    """Forty failing and unknown dimensions crossing in a few metres cannot all carry their
    text: the ones without room become numbered markers listed beside the plan, fails first,
    and still no two labels overlap."""
    from plancheck.render.plan import plan_figure

    report = make_report()
    report["site"]["outline"] = _rect(0, 0, 600, 500)     # a big site: the crowd is small on it
    crowd = []
    for k in range(40):
        y = 40.0 + (k % 8) * 0.6
        x = 30.0 + (k // 8) * 3.0
        crowd.append(dict(FINDING, id=f"F{k + 10:04d}", status="fail" if k % 3 == 0 else "unknown",
                          measured=1.0 + k, geometry={"from": [x, y], "to": [x + 1.5, y + 0.4]}))
    report["findings"] += crowd
    fig = plan_figure(report, "zh")
    assert _overlaps([lab["box"] for lab in fig.labels]) == []
    callouts = [lab for lab in fig.labels if lab["kind"] == "callout"]
    listed = [lab for lab in fig.labels if lab["kind"] == "callout-list" and "text" in lab]
    assert callouts and sorted(c["text"] for c in callouts) == sorted(e["text"] for e in listed)
    on_plan = {fid for lab in fig.labels if lab["kind"] in ("dimension", "callout")
               for fid in lab["findings"]}
    assert {f["id"] for f in crowd} <= on_plan and fig.unlabelled == []
    # the list is numbered fails first
    first = [lab for lab in listed if lab["text"] == "1"][0]
    assert first["status"] == "fail"


def test_compare_reads_as_a_comparison_with_its_operator():
    """Measured against required with the operator the limit has: distance minima ≥ (< when
    short), height and ratio limits ≤ (> when over); no `35.00 / 0.00` for a clause without a
    minimum; ratios in %; the sunlight minutes of a settled pair follow the distance."""
    from plancheck.render.figures import compare, is_upper

    dist = {"family": "spacing", "status": "fail", "measured": 20.0, "required": 21.6, "unit": "m",
            "clause": "第二十三条（一）1"}
    assert compare(dist) == "20.00 m < 21.60 m"
    assert compare(dist, clause=True) == "20.00 m < 21.60 m（第二十三条（一）1）"
    assert compare(dict(dist, status="pass", measured=21.6 - 1e-9)) == "21.60 m ≥ 21.60 m"
    height = {"family": "road-height", "status": "fail", "measured": 87.0, "required": 78.0, "unit": "m"}
    assert is_upper(height) and compare(height) == "87.00 m > 78.00 m"
    assert compare(dict(height, measured=54.0, status="pass")) == "54.00 m ≤ 78.00 m"
    assert compare({"family": "setback", "status": "pass", "measured": 35.0, "required": 0.0,
                    "unit": "m"}) == "35.00 m"
    assert compare({"family": "spacing", "status": "unknown", "measured": None, "required": 30.0,
                    "unit": "m"}) == "— ≥ 30.00 m"
    density = {"family": "capacity", "metric": "building_density", "status": "pass",
               "measured": 0.2244, "required": 0.25, "unit": ""}
    green = dict(density, metric="green_ratio", measured=0.3633, required=0.35)
    assert compare(density) == "22.44 % ≤ 25.00 %" and compare(green) == "36.33 % ≥ 35.00 %"
    settled = dict(dist, measured=31.0, required=30.0, sunlight={"receivers": [
        {"worst": {"minutes": 49.0, "required": 60.0}}]})
    assert compare(settled) == "31.00 m ≥ 30.00 m；日照 49 < 60 分钟"
    assert compare(settled, lang="en") == "31.00 m ≥ 30.00 m; sun 49 < 60 min"
    minutes = {"family": "sunlight", "status": "fail", "measured": 49.0, "required": 60.0, "unit": "min"}
    assert compare(minutes) == "49 分钟 < 60 分钟"
    assert compare(minutes, lang="en") == "49 min < 60 min"


def test_sunlight_finding_view_shows_the_shaded_facade_and_its_windows(request):
    """F0134 (1# short of sun): the 3D view shows 1# as 客体 (blue) with its analysed windows
    in their verdict colours and its worst window's own label, not a plain box."""
    _gl_or_skip()
    from plancheck.render import scene3d
    from plancheck.render.figures import STATUS_RGB

    report = request.getfixturevalue("sample_full_report")   # check(the sample), shared
    (f,) = [f for f in report["findings"] if f["rule"] == "SH-SUN-27" and f["status"] == "fail"]
    scene = scene3d.Scene(report, "zh")
    try:
        view = scene.finding_view(f)
    finally:
        scene.close()
    img = _pixels(view.png)
    flat = img.reshape(-1, 3)

    def near(rgb, tol=30):
        return int((np.abs(flat - np.array(rgb)).max(axis=1) <= tol).sum())

    blue = (flat[:, 2] > flat[:, 0] + 80) & (flat[:, 2] > flat[:, 1] + 40)
    assert blue.mean() > 0.05                                      # the shaded building (客体) fills it
    assert near(STATUS_RGB["pass"]) > 300                          # its passing windows, green
    assert near(STATUS_RGB["fail"]) > 50                           # its failing ones (and label)
    kinds = [lab["kind"] for lab in view.labels]
    assert kinds.count("role") == 2                                # 主体（遮挡）3#, 客体（受遮挡）1#


def test_the_figures_worker_answers_or_the_figures_are_drawn_here():
    """The matplotlib figures' worker (a fork) never loses a figure nor hangs the check: a
    worker that fails or does not answer in time is given up and the figures are drawn here;
    with another thread running, no fork is taken at all."""
    import threading
    import time

    from plancheck.render import figures as F

    parent = os.getpid()

    def where():
        return "here" if os.getpid() == parent else "worker"

    def fails_there():
        if os.getpid() != parent:
            raise RuntimeError("the worker failed")
        return "here"

    def hangs_there():
        if os.getpid() != parent:
            time.sleep(120)
        return "here"

    job = F._start(where)
    assert F._finish(job, where) == ("worker" if job is not None else "here")
    assert F._finish(F._start(fails_there), fails_there) == "here"
    job = F._start(hangs_there)
    assert F._finish(job, hangs_there, timeout=0.5) == "here"
    if job is not None:
        assert not job[0].is_alive()
    # the facade sheets: each index drawn once, by whichever process takes it first
    claims = F._Claims()

    def take_all():
        return list(iter(lambda: claims.take(50), None))

    job = F._start(take_all)
    here = take_all()
    there = F._finish(job, list) if job is not None else []
    assert sorted(here + there) == list(range(50))
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert F._start(where) is None
    finally:
        stop.set()
        other.join()
