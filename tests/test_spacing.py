"""Building spacing: the pair geometry (spacing_pairs) and the rule logic on hand cases.

The rule fixtures (rulesets/shanghai/fixtures/SH-2x/3x.yaml) are run by test_rule_fixtures.py;
here: placement classification, the pair search, and whole-evaluation properties that the
one-clause fixtures cannot show (one finding per building pair, reach, speed).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from shapely import affinity
from shapely.geometry import box

from plancheck.evaluate import spacing_pairs as sp
from plancheck.evaluate.clauses import load_ruleset
from plancheck.evaluate.engine import Evaluation, evaluate
from plancheck.model.indicators import compute
from plancheck.model.site import Building, Mass, SiteModel, Source
from plancheck.read.context import Context

SPACING = {"SH-23-1", "SH-23-2", "SH-23-3", "SH-25", "SH-26", "SH-27", "SH-28", "SH-29",
           "SH-30", "SH-31"}


def rect(cx: float, cy: float, length: float, width: float, axis_deg: float = 0.0):
    """A length × width rectangle centred at (cx, cy), its long side at axis_deg."""
    r = box(cx - length / 2, cy - width / 2, cx + length / 2, cy + width / 2)
    return affinity.rotate(r, axis_deg, origin=(cx, cy))


def place(a, b, parallel_max=45.0, ns_max=45.0):
    return sp.placement(a, b, 1.5, parallel_max, ns_max)


# -- mass orientation ------------------------------------------------------------------------------

def test_slab_axis_and_gable_width():
    g = sp.mass_geoms([box(0, 0, 12, 60), box(0, 0, 60, 12)], 1.5)
    assert g.axis_deg[0] == pytest.approx(90.0) and g.axis_deg[1] == pytest.approx(0.0)
    assert g.gable_m == pytest.approx([12.0, 12.0])
    assert not g.point.any()


def test_point_building_faces_north_south_whatever_its_long_side():
    # 16 wide, 20 deep: long side north-south, but long/short 1.25 <= 1.5
    g = sp.mass_geoms([box(0, 0, 16, 20)], 1.5)
    assert g.point[0] and g.axis_deg[0] == 0.0
    assert g.gable_m[0] == pytest.approx(20.0)      # its north-south extent


# -- placement --------------------------------------------------------------------------------------

def test_facing_north_south():
    p = place(box(0, 0, 60, 12), box(10, 32, 70, 44))
    assert p.parallel and p.relation == "v"
    (d,) = p.dirs
    assert (d.kind, d.compass, d.lower) == ("facing", "ns", 0)
    assert d.gap_m == pytest.approx(20.0) and d.w == pytest.approx((0.0, 1.0))


def test_lower_is_the_southern_mass_whatever_the_order():
    p = place(box(0, 32, 60, 44), box(0, 0, 60, 12))
    assert p.dirs[0].lower == 1


def test_end_to_end_is_gable_to_gable():
    p = place(box(0, 0, 60, 12), box(65, 0, 125, 12))
    assert p.relation == "u"
    (d,) = p.dirs
    assert (d.kind, d.compass, d.lower) == ("gable", "ew", 0) and d.gap_m == pytest.approx(5.0)


def test_diagonal_judges_both_offsets():
    p = place(box(0, 0, 60, 12), box(70, 20, 130, 32))
    assert p.relation == "diag"
    v, u = p.dirs
    assert (v.kind, v.compass, v.gap_m) == ("facing", "ns", pytest.approx(8.0))
    assert (u.kind, u.compass, u.gap_m) == ("gable", "ew", pytest.approx(10.0))


def test_touching_extents_are_not_overlapping():
    # corners meet diagonally: no facing and no gable relation
    assert place(box(0, 0, 60, 12), box(60, 12, 120, 24)).relation == "diag"


def test_perpendicular_gable_showing_mass_and_width():
    slab, gable_end = box(0, 0, 60, 12), box(20, 26, 32, 66)   # 12 × 40 running north-south
    p = place(slab, gable_end)
    assert not p.parallel and p.relation == "v"
    (d,) = p.dirs
    assert (d.kind, d.compass, d.lower, d.gable) == ("perp", "ns", 0, 1)
    assert d.gable_m == pytest.approx(12.0) and d.gap_m == pytest.approx(14.0)


def test_perpendicular_along_the_longer_axis_the_longer_shows_its_gable():
    # 1# (60 long, east-west) points its east gable at 2# (north-south, 40 long)
    p = place(box(0, 0, 60, 12), box(70, -14, 82, 26))
    assert p.relation == "u"
    (d,) = p.dirs
    assert (d.kind, d.compass, d.gable) == ("perp", "ew", 0) and d.gap_m == pytest.approx(10.0)


@pytest.mark.parametrize("angle, parallel", [(45.0, True), (45.5, False), (30.0, True), (80.0, False)])
def test_parallel_up_to_45_degrees_inclusive(angle, parallel):
    p = place(rect(0, 0, 60, 12, 0.0), rect(0, 60, 60, 12, angle))
    assert p.parallel is parallel


def test_parallel_frame_is_the_bisector():
    p = place(rect(0, 0, 60, 12, 170.0), rect(0, 60, 60, 12, 10.0))
    assert p.parallel and min(p.frame_deg, 180 - p.frame_deg) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("axis, compass", [(45.0, "ns"), (44.0, "ns"), (46.0, "ew")])
def test_south_north_up_to_45_degrees_inclusive(axis, compass):
    # two slabs along `axis`, facing each other across it: the separation is axis + 90°
    n = (-math.sin(math.radians(axis)), math.cos(math.radians(axis)))
    a = rect(0, 0, 60, 12, axis)
    b = rect(30 * n[0], 30 * n[1], 60, 12, axis)
    (d,) = place(a, b).dirs
    assert d.kind == "facing" and d.compass == compass


def test_placements_vectorised_match_single_pairs():
    outlines = [box(0, 0, 60, 12), box(0, 32, 60, 44), box(65, 0, 125, 12), rect(100, 80, 40, 12, 75),
                box(20, 26, 32, 66)]
    g = sp.mass_geoms(outlines, 1.5)
    i, j = np.array([0, 0, 1, 2, 3, 0]), np.array([1, 2, 2, 3, 4, 4])
    many = sp.placements(g, i, j, 45.0, 45.0)
    for k in range(len(i)):
        assert many[k] == place(outlines[i[k]], outlines[j[k]])


def test_component_segment_points_toward_the_other_mass():
    p = place(box(70, 20, 130, 32), box(0, 0, 60, 12))
    u = p.dirs[1]
    a, b = sp.component_segment((70.0, 20.0), u, (60.0, 12.0))
    assert b == pytest.approx((60.0, 20.0))


# -- the pair search --------------------------------------------------------------------------------

def test_candidate_pairs_skip_existing_pairs_and_use_each_reach():
    polys = [box(0, 0, 10, 10), box(20, 0, 30, 10), box(40, 0, 50, 10), box(200, 0, 210, 10)]
    proposed = np.array([True, False, False, False])
    reach = np.array([15.0, 15.0, 15.0, 250.0])
    i, j, d = sp.candidate_pairs(polys, proposed, reach)
    # 0–1 within 15 m; 1–2 both existing; 0–2 is 30 m; 0–3 is 190 m but 3 reaches 250 m
    assert list(zip(i.tolist(), j.tolist())) == [(0, 1), (0, 3)]
    assert d.tolist() == pytest.approx([10.0, 190.0])


# -- whole evaluations ------------------------------------------------------------------------------

def _model(buildings):
    out = []
    for n, (name, status, masses) in enumerate(buildings):
        ms = tuple(Mass(outline=o, status=status, source=Source(f"{n}{k}", "PC-BLDG", "LWPOLYLINE"),
                        name=name, use=use, height_m=h, floors=None)
                   for k, (o, use, h) in enumerate(masses))
        out.append(Building(name, status, ms))
    return SiteModel(site=box(-500, -500, 5000, 5000), buildings=tuple(out))


def _run(model, zone="other", lang="zh", detached=False):
    # the spacing stage alone, the sunlight analysis off: 第二十七条-path pairs stay unknown
    # (judging them with the analysis is tested in test_sunlight.py and the rule fixtures)
    ev = Evaluation(model, compute(model), Context(zone=zone, detached_house_area=detached),
                    load_ruleset("shanghai"), lang, sunlight=False)
    return [f for f in evaluate(ev, SPACING)]


def test_one_finding_per_building_pair_the_worst_mass_pair_governs():
    model = _model([
        ("1#", "proposed", [(box(0, 0, 60, 20), "commercial", 15.0),
                            (box(20, 4, 40, 16), "residential", 90.0)]),
        ("2#", "proposed", [(box(0, 40, 60, 52), "residential", 18.0)]),
    ])
    fs = _run(model)
    assert [(f.rule, f.status, f.measured, f.required) for f in fs] == \
        [("SH-27", "fail", pytest.approx(24.0), pytest.approx(45.0))]
    a, b = fs[0].geometry["from"], fs[0].geometry["to"]     # tower's north face -> 2#'s south face
    assert a[1] == pytest.approx(16.0) and b[1] == pytest.approx(40.0) and a[0] == b[0]


def test_a_sunlight_path_pair_without_the_analysis_carries_both_thresholds():
    model = _model([("1#", "proposed", [(box(0, 0, 60, 12), "residential", 60.0)]),
                    ("2#", "proposed", [(box(0, 52, 60, 64), "residential", 60.0)])])
    (f,) = _run(model)
    assert (f.rule, f.status, f.clause) == ("SH-27", "unknown", "第二十七条")
    assert "sunlight" not in f.extra          # the analysis is off (--no-sunlight)
    assert f.extra["coefficient_required"] == pytest.approx(72.0)
    assert f.extra["sunlight_path_required"] == pytest.approx(30.0)
    assert "需日照分析" in f.message


def test_diagonal_geometry_is_the_judged_offset():
    model = _model([("1#", "proposed", [(box(0, 0, 60, 12), "residential", 18.0)]),
                    ("2#", "proposed", [(box(70, 20, 130, 32), "residential", 18.0)])])
    (f,) = _run(model)
    assert (f.rule, f.status, f.measured) == ("SH-25", "pass", pytest.approx(10.0))
    a, b = f.geometry["from"], f.geometry["to"]
    assert math.dist(a, b) == pytest.approx(10.0) and a[1] == pytest.approx(b[1])


def test_existing_pairs_are_not_checked_and_english_messages():
    model = _model([("A", "existing", [(box(0, 0, 60, 12), "residential", 18.0)]),
                    ("B", "existing", [(box(0, 15, 60, 27), "residential", 18.0)]),
                    ("C", "proposed", [(box(0, 47, 60, 59), "residential", 18.0)])])
    fs = _run(model, lang="en")
    # A–B (both existing, 3 m apart) is not checked; A–C (35 m) is within reach and passes
    assert [(f.subjects, f.status) for f in fs] == [(["A", "C"], "pass"), (["B", "C"], "fail")]
    assert "is less than the required 21.60 m" in fs[1].message


def test_non_residential_perpendicular_pairs_are_left_to_fire_spacing():
    model = _model([("1#", "proposed", [(box(0, 0, 60, 12), "office", 18.0)]),
                    ("2#", "proposed", [(box(20, 14, 32, 54), "office", 18.0)])])
    assert _run(model) == []


def test_detached_house_area_replaces_the_coefficient():
    model = _model([("1#", "proposed", [(box(0, 0, 20, 12), "residential", 9.0)]),
                    ("2#", "proposed", [(box(0, 24, 20, 36), "residential", 9.0)])])
    (f,) = _run(model, detached=True)
    assert (f.rule, f.status, f.required) == ("SH-26", "fail", pytest.approx(12.6))
    (g,) = _run(model, detached=False)
    assert (g.rule, g.status, g.required) == ("SH-23-1", "pass", pytest.approx(10.8))


def test_every_spacing_clause_is_reachable():
    """Each spacing clause gives findings for some model (no dead clause)."""
    seen = set()
    cases = [
        [("1#", [(box(0, 0, 60, 12), "residential", 18.0)]), ("2#", [(box(0, 32, 60, 44), "residential", 18.0)])],
        [("1#", [(box(0, 0, 12, 60), "residential", 18.0)]), ("2#", [(box(27, 0, 39, 60), "residential", 18.0)])],
        [("1#", [(box(0, 0, 60, 12), "residential", 18.0)]), ("2#", [(box(20, 26, 32, 66), "residential", 18.0)])],
        [("1#", [(box(0, 0, 60, 12), "residential", 18.0)]), ("2#", [(box(65, 0, 125, 12), "residential", 18.0)])],
        [("1#", [(box(0, 0, 60, 12), "residential", 60.0)]), ("2#", [(box(0, 52, 60, 64), "residential", 60.0)])],
        [("1#", [(box(0, 0, 20, 10), "residential", 5.0)]), ("2#", [(box(0, 15.5, 20, 25.5), "residential", 5.0)])],
        [("1#", [(box(0, 0, 60, 12), "residential", 18.0)]), ("2#", [(box(0, 21, 60, 33), "office", 18.0)])],
        [("1#", [(box(0, 0, 60, 12), "residential", 18.0)]), ("2#", [(box(0, 32, 60, 44), "school", 16.0)])],
        [("1#", [(box(0, 0, 60, 12), "office", 18.0)]), ("2#", [(box(0, 21, 60, 33), "office", 18.0)])],
    ]
    for bs in cases:
        zone = "puxi-inner" if bs[0][1][0][2] == 5.0 else "other"
        seen |= {f.rule for f in _run(_model([(n, "proposed", m) for n, m in bs]), zone=zone)}
    seen |= {f.rule for f in _run(_model([(n, "proposed", m) for n, m in cases[0]]), detached=True)}
    assert seen == SPACING


@pytest.mark.slow
def test_five_thousand_masses_all_pass():
    """The issue's grid: 5,000 3-storey homes at 22 m pitch (12 m north-south, 6 m gable gaps):
    every pair passes. (How long it takes is measured by benchmarks/spacing.py, not here.)"""
    cols = 71
    masses = []
    for k in range(5000):
        x, y = 20 + (k % cols) * 22, 20 + (k // cols) * 22
        masses.append((f"{k + 1}#", "proposed", [(box(x, y, x + 16, y + 10), "residential", 9.9)]))
    model = _model(masses)
    fs = _run(model)
    assert {f.status for f in fs} == {"pass"}
    # north-south neighbours (SH-23-1), gable and diagonal neighbours (SH-25)
    assert {f.rule for f in fs} == {"SH-23-1", "SH-25"}
    assert len(fs) > 19_000          # ~4 neighbours each: N, E, NE, NW
