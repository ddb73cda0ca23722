"""The sample's sunlight is the same after the end-to-end speed-up (issue #19) as before it:
every window's minutes, lit intervals (true solar and Beijing time), shading buildings, every
receiver's verdict and worst window, and the 等时线 grid. The values before were computed on
commit cb10df0 (tests/data/sunlight-sample-before.json.gz: digests of sunlight.json's parts and
each window's minutes in plain form, so a difference names the window)."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from plancheck.pipeline import sunlight

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "samples" / "huangpu-residential.dxf"


def _digest(x) -> str:
    return hashlib.sha256(json.dumps(x, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@pytest.fixture(scope="module")
def before():
    with gzip.open(HERE / "data" / "sunlight-sample-before.json.gz", "rt", encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def doc():
    """The sample's sunlight document, its windows read as one dict each (the layout before
    plancheck.sunlight/2's columns)."""
    from plancheck.sunlight.output import window_records

    d = sunlight(SAMPLE)[0]
    return {**d, "windows": window_records(d),
            "receivers": [{k: v for k, v in r.items() if k != "worst_row"} for r in d["receivers"]]}


def test_every_windows_minutes_are_the_ones_before(doc, before):
    now = [[w["building"], w["floor"], w["facade"], w["window"], w["continuous_minutes"],
            w["cumulative_minutes"]] for w in doc["windows"]]
    assert len(now) == len(before["minutes"]) == 14586
    diff = [(a, b) for a, b in zip(now, before["minutes"]) if a != b]
    assert not diff, diff[:5]
    assert doc["rays"] == before["rays"]


def test_intervals_shading_and_receivers_are_the_ones_before(doc, before):
    assert _digest(doc["windows"]) == before["windows_sha256"]
    # receivers since gained `worst.before` (不得恶化: the minutes without the proposed buildings,
    # held to a separate analysis in test_sunlight_evidence.py); all else is as before
    receivers = [{**r, "worst": {k: v for k, v in r["worst"].items() if k != "before"}}
                 if r.get("worst") else r for r in doc["receivers"]]
    assert _digest(receivers) == before["receivers_sha256"]
    # (the 等时线 grid is not compared: `plancheck sunlight` now uses the check's grid, so one
    # drawing gives one isochrone plan; test_sunlight_evidence.py holds the two identical)


def test_beijing_time_labels_in_one_call_match_the_one_instant_solver():
    """The labels of every step boundary, solved together, read as each solved alone."""
    from datetime import date

    from plancheck.sunlight.sun import bjt_labels, tst_to_bjt

    day = date(2001, 12, 22)
    tst = 540.0 + np.arange(0, 361, 7.0)
    labels = bjt_labels(day, 121.4667, tst)
    assert labels == [tst_to_bjt(day, 121.4667, float(m)) for m in tst]


@pytest.mark.parametrize("seed", range(12))
def test_vectorised_post_equals_the_plain_reference(seed):
    """Runs, minutes, lit intervals and the buildings shading each unlit run: `_post` (the numba
    kernel, a window at a time) and `_post_numpy` (all windows at once) give identical arrays,
    and equal `reference.post` (one run at a time), on random blocker matrices with several
    windows, shared end points, masses of one building and untraced rays."""
    from test_sunlight import _rules

    from plancheck.sunlight.analysis import _post, _post_numpy
    from plancheck.sunlight.reference import post
    from plancheck.sunlight.receivers import Facade, Samples, Windows, WindowSpec

    rng = np.random.default_rng(seed)
    s = _rules().settings
    tst = np.arange(480.5, 960, 1.0)
    P, W = 9, 12
    facs = [Facade(0, e, (0.0, 0.0), (10.0, 0.0), (0.0, -1.0), 180.0, 0, win, True)
            for e, win in enumerate([(540.0, 900.0), (600.0, 840.0), (480.0, 960.0)])]
    specs = [WindowSpec(facs[i % 3], 1 + i // 3, f"w{i}", None, False, 0.0, 1.8, 0.9)
             for i in range(W)]
    ends = rng.integers(0, P, size=(W, 2))
    blk = np.full((P, len(tst)), -1, dtype=np.int32)
    for p in range(P):                 # blocky shade: runs of one mass, some noise, untraced
        for _ in range(rng.integers(0, 6)):
            s0 = int(rng.integers(0, len(tst)))
            blk[p, s0:s0 + int(rng.integers(1, 90))] = int(rng.integers(-2, 5))
        noise = rng.random(len(tst)) < 0.03
        blk[p, noise] = rng.integers(0, 5, size=int(noise.sum()))
    smp = Samples(0, np.zeros((P, 3)), np.zeros((P, 2)), ends, Windows.of(specs), False)
    names = ["A", "B", "A", "C", "B"]
    kern, plain = _post(smp, blk, tst, s, names), _post_numpy(smp, blk, tst, s, names)
    for x, y in ((kern.continuous, plain.continuous), (kern.cumulative, plain.cumulative)):
        assert np.array_equal(x, y)
    for r, q in ((kern.lit, plain.lit), (kern.shade, plain.shade)):
        assert all(np.array_equal(getattr(r, k), getattr(q, k)) for k in ("off", "start", "end"))
    assert np.array_equal(kern.shade.by_off, plain.shade.by_off)
    assert np.array_equal(kern.shade.by, plain.shade.by) and kern.names == plain.names
    got, want = kern.records(smp.windows), post(smp, blk, tst, s, names)
    assert len(got) == len(want) == W
    for g, w in zip(got, want):
        assert (g.continuous, g.cumulative) == (w.continuous, w.cumulative)
        assert g.lit == w.lit
        assert g.shade == w.shade
        assert all(isinstance(x, float) for iv in g.lit for x in iv)


def test_sunlight_figures_render_once_per_document(tmp_path, sample_full_report):
    """`check` writes the facade sheets as files and embeds them in report.html: the second
    call with the same document returns the figures already rendered (the same bytes objects),
    and a facade sheet draws its windows as collections, not a patch per window."""
    from plancheck.render import sunlight_figures as F

    report = sample_full_report              # check(SAMPLE, Options()), shared by the session
    doc = report["sunlight"]                 # the full document: the sheets draw every window
    first = F.figures(doc, "en", report)
    again = F.figures(doc, "en", report)
    assert [r for r, _, _ in first] == [r for r, _, _ in again] and len(first) >= 2
    assert all(a[2] is b[2] for a, b in zip(first, again))
    assert all(png.startswith(b"\x89PNG") for _, _, png in first)
    other = F.figures(doc, "zh", report)             # another language is another rendering
    assert all(a[2] is not b[2] for a, b in zip(first, other))


def test_report_html_holds_the_glb_once(tmp_path, sample_checked):
    """The 3D viewer and the download link share one embedded copy of model.glb (the link
    takes it as a blob in the page; without script it names model.glb beside the report)."""
    import base64
    import re

    from plancheck.render.formats import RenderContext, render

    r = sample_checked                       # check(SAMPLE, Options()), shared by the session
    render(r.report, tmp_path, ("json", "html"), RenderContext(r, "en"))
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    glb = (tmp_path / "model.glb").read_bytes() if (tmp_path / "model.glb").exists() else None
    m = re.search(r'<script type="application/octet-stream" id="model-glb">([^<]*)</script>', html)
    assert m and len(m.group(1)) > 1000
    assert html.count(m.group(1)) == 1
    assert "data:model/gltf-binary" not in html
    assert 'id="model-download" href="model.glb"' in html
    if glb is not None:
        assert base64.b64decode(m.group(1)) == glb


def _analysed(drawing, zone=None):
    """(model, rules, zone, after, before) of `plancheck sunlight` on a drawing."""
    from plancheck.evaluate.clauses import load_ruleset
    from plancheck.evaluate.engine import Evaluation
    from plancheck.model.indicators import compute
    from plancheck.pipeline import Options, read_site

    _, ctx, ext = read_site(Path(drawing), Options(zone=zone))
    ev = Evaluation(ext.model, compute(ext.model), ctx, load_ruleset(ctx.ruleset), "zh", sunlight=True)
    sun = ev.evidence("sunlight")
    sun.analyse_all()
    return ext.model, sun.rules, sun.zone, sun.after, sun.before


def _judging_matches_the_reference(model, rules, zone, after, before) -> int:
    """Every receiver judged by the vectorised code (statuses, reasons, homes, worst window,
    不得恶化) and by the plain per-window reference agree; returns the windows compared."""
    from plancheck.sunlight import analysis as A
    from plancheck.sunlight import reference as R

    n = 0
    for bi, res in after.items():
        got = rules.requirement(model, bi, zone, False)
        if got is None:
            continue
        req = got[1]
        recs = res.records()
        prior = before.get(bi)
        if prior is None:
            st, why = A.window_status(res, req)
            want = [R.window_status(r, req) for r in recs]
            hs = A.homes(res, st)
            ref_homes = R.homes(recs, req)
            assert [A.STATUSES[s] for s in hs.status.tolist()] == [h["status"] for h in ref_homes]
            assert [sorted(np.flatnonzero((hs.home == k) & hs.counted).tolist())
                    for k in range(len(ref_homes))] == [sorted(h["windows"]) for h in ref_homes]
            assert A.worst(res, req, hs) == R.worst(recs, req, ref_homes)
        else:
            st, why = A.no_worse_status(res, prior, req)
            want = [R.no_worse_status(a, b, req) for a, b in zip(recs, prior.records())]
            hs = A.each_alone(st)
            assert A.worst(res, req, hs) == R.worst(recs, req)
        assert [(A.STATUSES[s], w) for s, w in zip(st.tolist(), why)] == want
        n += len(recs)
    return n


def test_vectorised_judging_equals_the_reference_on_the_sample():
    """The sample: drawn windows with UNIT homes (1#), sampled windows, 第三十条 (9#), 不得恶化
    with `before` (E1, E2) and facades outside the table."""
    assert _judging_matches_the_reference(*_analysed(SAMPLE)) == 14586


@pytest.mark.parametrize("zone", [None, "other"])
def test_vectorised_judging_equals_the_reference_on_odd_cases(tmp_path, zone):
    """An obstruction without HEIGHT (minutes `upper`, unknown), a receiver without FLOORS,
    homes whose only windows are off the main facades, and (zone None) 第三十条 minutes
    between the two requirements."""
    from plancheck.sketch import write_dxf

    sk = {"site": [[-120, -60], [120, -60], [120, 120], [-120, 120]],
          "buildings": [
              {"name": "S", "use": "office", "masses": [{"rect": [-60, -12, 60, 0], "floors": 10,
                                                          "height": 30.0, "omit": ["height"]}]},
              {"name": "T", "use": "office", "masses": [{"rect": [30, 10, 50, 20], "floors": 8,
                                                          "height": 24.0}]},
              {"name": "R", "use": "residential", "masses": [{
                  "rect": [-20, 25, 20, 37], "floors": 3, "height": 9.0,
                  "windows": [{"from": [-0.9, 25], "to": [0.9, 25], "floors": "1-3", "unit": "01"},
                              {"from": [5, 25], "to": [7, 25], "floors": "1-2", "unit": "01"},
                              {"from": [20, 28], "to": [20, 30], "unit": "02"},
                              {"from": [12, 25], "to": [14, 25]}]}]},
              {"name": "K", "use": "school", "masses": [{"rect": [-40, 60, 0, 72], "floors": 3,
                                                        "height": 12.0}]},
              {"name": "N", "use": "residential", "masses": [{"rect": [40, 60, 80, 72], "floors": 4,
                                                             "height": 12.0, "omit": ["floors"]}]}]}
    write_dxf(sk, tmp_path / "odd.dxf")
    model, rules, zone_, after, before = _analysed(tmp_path / "odd.dxf", zone)
    assert any(r.upper is not None for r in after.values())
    assert _judging_matches_the_reference(model, rules, zone_, after, before) > 0
