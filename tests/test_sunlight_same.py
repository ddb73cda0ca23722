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
    return sunlight(SAMPLE)[0]


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


@pytest.mark.parametrize("seed", range(6))
def test_vectorised_post_equals_the_plain_reference(seed):
    """Runs, minutes, lit intervals and the buildings shading each unlit run: `_post` (all
    windows at once) equals `_post_reference` (one run at a time) on random blocker matrices
    with several windows, shared end points, masses of one building and untraced rays."""
    from test_sunlight import _rules

    from plancheck.sunlight.analysis import _post, _post_reference
    from plancheck.sunlight.receivers import Facade, Samples, WindowSpec

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
    smp = Samples(0, np.zeros((P, 3)), np.zeros((P, 2)), ends, specs, False)
    names = ["A", "B", "A", "C", "B"]
    got, want = _post(smp, blk, tst, s, names), _post_reference(smp, blk, tst, s, names)
    assert len(got) == len(want) == W
    for g, w in zip(got, want):
        assert (g.continuous, g.cumulative) == (w.continuous, w.cumulative)
        assert g.lit == w.lit
        assert g.shade == w.shade
        assert all(isinstance(x, float) for iv in g.lit for x in iv)


def test_sunlight_figures_render_once_per_document(tmp_path, sample_report):
    """`check` writes the facade sheets as files and embeds them in report.html: the second
    call with the same document returns the figures already rendered (the same bytes objects),
    and a facade sheet draws its windows as collections, not a patch per window."""
    from plancheck.render import sunlight_figures as F

    report = sample_report                   # check(SAMPLE, Options()), shared by the session
    doc = report["sunlight"]
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
