"""plancheck.geom: the numba spacing kernels against analytic answers and against shapely (1e-9).

Real footprints are read from ../shared/realdata/footprints at test time (OSM data: © OpenStreetMap
contributors, ODbL 1.0; CityJSON subsets from tudelft3d/cjio, MIT); nothing is copied into the repo.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Point, Polygon, box

from plancheck.geom import (Rings, closest_points, extents_along, overlap_length, pack, pairs_between,
                            pairs_within)
from plancheck.geom.reference import (closest_points_ref, extents_along_ref, pairs_between_ref,
                                      pairs_within_ref)

TOL = 1e-9
FOOTPRINTS = Path(__file__).resolve().parents[1].parent / "shared" / "realdata" / "footprints"


# -- helpers -------------------------------------------------------------------------------------

def rect(cx: float, cy: float, w: float, h: float, deg: float = 0.0) -> Polygon:
    """A w x h rectangle centred on (cx, cy), rotated deg about its centre."""
    return _place(np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2, cx, cy, deg)


def lshape(cx: float, cy: float, w: float, h: float, cut_w: float, cut_h: float, deg: float = 0.0) -> Polygon:
    """A w x h rectangle with its top-right cut_w x cut_h corner removed (0 < cut < 1, fractions)."""
    cw, ch = w * cut_w, h * cut_h
    xy = np.array([[0, 0], [w, 0], [w, h - ch], [w - cw, h - ch], [w - cw, h], [0, h]]) - [w / 2, h / 2]
    return _place(xy, cx, cy, deg)


def _place(xy: np.ndarray, cx: float, cy: float, deg: float) -> Polygon:
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return Polygon(np.c_[cx + c * xy[:, 0] - s * xy[:, 1], cy + s * xy[:, 0] + c * xy[:, 1]])


def assert_same_pairs(got: tuple, ref: tuple) -> None:
    gi, gj, gd = got
    ri, rj, rd = ref
    assert gi.dtype == np.int64 and gj.dtype == np.int64 and gd.dtype == np.float64
    got, want = set(zip(gi, gj)), set(zip(ri, rj))
    assert np.array_equal(gi, ri) and np.array_equal(gj, rj), f"extra {got - want}, missing {want - got}"
    if len(rd):
        assert np.max(np.abs(gd - rd)) <= TOL


def assert_witness(a: Polygon, b: Polygon, res: tuple) -> None:
    """d matches shapely; the witness points lie on the outlines (inside both when d = 0) and are d apart."""
    d, pa, pb = res
    assert abs(d - shapely.distance(a, b)) <= TOL
    assert abs(math.dist(pa, pb) - d) <= TOL
    if d > 0:
        assert a.boundary.distance(Point(pa)) <= TOL and b.boundary.distance(Point(pb)) <= TOL
    else:
        assert a.distance(Point(pa)) <= TOL and b.distance(Point(pa)) <= TOL


def check_all(polys: list | np.ndarray, max_dist: float) -> None:
    """pairs_within (both cell orders), pairs_between and witness points against the references."""
    arr = np.asarray(polys, dtype=object)
    rings = pack(arr)
    ref = pairs_within_ref(arr, max_dist)
    assert_same_pairs(pairs_within(rings, max_dist, cell_sort=True), ref)
    assert_same_pairs(pairs_within(rings, max_dist, cell_sort=False), ref)
    half = len(arr) // 2
    ref_ab = pairs_between_ref(arr[:half], arr[half:], max_dist)
    assert_same_pairs(pairs_between(pack(arr[:half]), pack(arr[half:]), max_dist), ref_ab)
    assert_same_pairs(pairs_between(arr[:half], arr[half:], max_dist), ref_ab)     # b pre-filtered by bbox
    few = arr[: max(1, half // 10)]
    assert_same_pairs(pairs_between(few, arr, max_dist), pairs_between_ref(few, arr, max_dist))
    for i, j in list(zip(ref[0], ref[1]))[:200]:
        assert_witness(arr[i], arr[j], closest_points(rings, i, j))


# -- analytic cases ------------------------------------------------------------------------------

SQ = box(0, 0, 1, 1)


@pytest.mark.parametrize("other, expected", [
    (box(4, 0, 5, 1), 3.0),                      # 3 m apart
    (box(1, 0, 2, 1), 0.0),                      # shared edge
    (box(1, 1, 2, 2), 0.0),                      # shared corner
    (box(0.5, 0.5, 2, 2), 0.0),                  # overlapping
    (box(-1, -1, 3, 3), 0.0),                    # contains the square
    (box(0.25, 0.25, 0.75, 0.75), 0.0),          # inside the square
    (box(3, 0.5, 4, 2), 2.0),                    # collinear-ish, offset
    (box(1, 0.5, 3, 2), 0.0),                    # partly shared edge (collinear overlap)
    (box(3, 0, 4, 1), 2.0),                      # collinear bottom edges
    (box(4, 5, 5, 6), 5.0),                      # corner to corner, 3-4-5
    (box(0.5, -2, 0.7, 3), 0.0),                 # crossing, no vertex inside the other
])
def test_pair_distance_analytic(other: Polygon, expected: float) -> None:
    for a, b in ((SQ, other), (other, SQ)):
        d, pa, pb = closest_points([a, b], 0, 1)
        assert abs(d - expected) <= TOL
        assert_witness(a, b, (d, pa, pb))
        i, j, dd = pairs_within([a, b], expected + 0.5)
        assert list(zip(i, j)) == [(0, 1)] and abs(dd[0] - expected) <= TOL


def test_rotated_collinear_edges() -> None:
    """Rotated rectangles end to end (long edges collinear up to rounding) and side by side (sharing an edge),
    far from the origin: float orientation signs are noise there, and must not turn a gap into a crossing."""
    rng = np.random.default_rng(7)
    for _ in range(300):
        deg, length, width = rng.uniform(0, 360), rng.uniform(5, 40), rng.uniform(2, 15)
        gap = float(rng.choice([0.0, 1e-7, 0.5, 3.0]))
        c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
        x0, y0 = rng.uniform(-1e4, 1e4, 2)
        polys = [rect(x0, y0, length, width, deg),
                 rect(x0 + c * (length + gap), y0 + s * (length + gap), length, width, deg),
                 rect(x0 - s * (width + gap), y0 + c * (width + gap), length, width, deg)]
        for j in (1, 2):
            assert_witness(polys[0], polys[j], closest_points(polys, 0, j))
        md = 1.5 * gap + 1e-9
        assert_same_pairs(pairs_within(polys, md), pairs_within_ref(np.array(polys, dtype=object), md))


def test_threshold_is_inclusive() -> None:
    polys = [SQ, box(4, 0, 5, 1)]
    assert len(pairs_within(polys, 3.0)[0]) == 1
    assert len(pairs_within(polys, 2.999)[0]) == 0
    assert len(pairs_within([SQ, box(1, 0, 2, 1), box(3, 0, 4, 1)], 0.0)[0]) == 1   # max_dist 0: touching


def test_witness_points_square_gap() -> None:
    d, (ax, ay), (bx, by) = closest_points([SQ, box(4, 0, 5, 1)], 0, 1)
    assert d == 3.0 and ax == 1.0 and bx == 4.0 and ay == by and 0 <= ay <= 1


def test_polygon_in_courtyard_hole_is_not_at_zero() -> None:
    court = Polygon([(0, 0), (20, 0), (20, 20), (0, 20)], [[(5, 5), (15, 5), (15, 15), (5, 15)]])
    polys = [court, box(8, 8, 12, 12), box(5, 9, 6, 10), box(4, 12, 6, 13), box(30, 0, 31, 1)]
    rings = pack(polys)
    assert rings.n_rings == 6 and list(rings.poly_offsets) == [0, 2, 3, 4, 5, 6]
    assert abs(closest_points(rings, 0, 1)[0] - 3.0) <= TOL          # standing in the courtyard
    assert closest_points(rings, 0, 2)[0] == 0.0                      # touching the courtyard wall
    assert closest_points(rings, 0, 3)[0] == 0.0                      # straddling it
    assert_same_pairs(pairs_within(rings, 3.0), pairs_within_ref(np.array(polys, dtype=object), 3.0))
    assert_witness(court, polys[1], closest_points(rings, 0, 1))


def test_l_shape_notch() -> None:
    ell = Polygon([(0, 0), (10, 0), (10, 4), (4, 4), (4, 10), (0, 10)])
    inner = box(6, 6, 8, 8)                                           # in the notch, 2 m from both arms
    res = closest_points([ell, inner], 0, 1)
    assert abs(res[0] - 2.0) <= TOL
    assert_witness(ell, inner, res)


def test_multipolygon_and_even_odd_parts() -> None:
    two = MultiPolygon([box(0, 0, 1, 1), box(10, 0, 11, 1)])
    polys = [two, box(12, 0, 13, 1), box(5, 5, 6, 6), box(10.2, 0.2, 10.8, 0.8)]
    check_all(polys, 6.0)
    assert closest_points(polys, 0, 3)[0] == 0.0                      # inside the second part


def test_pairs_between_basics() -> None:
    proposed = [box(0, 0, 10, 10), box(100, 0, 110, 10)]
    context = [box(15, 0, 20, 10), box(0, 30, 10, 40), box(5, 5, 6, 6), box(200, 0, 201, 1)]
    i, j, d = pairs_between(proposed, context, 20.0)
    assert list(zip(i, j)) == [(0, 0), (0, 1), (0, 2)]
    assert np.allclose(d, [5.0, 20.0, 0.0], atol=TOL, rtol=0)
    for x in (pairs_between([], context, 5.0), pairs_between(proposed, [], 5.0)):
        assert all(len(a) == 0 for a in x)


def test_extents_and_overlap() -> None:
    polys = [SQ, rect(10, 0, 4, 2, 90), box(0, 0, 3, 3)]
    lo, hi = extents_along(polys, 1.0, 0.0)
    assert np.allclose(lo, [0, 9, 0]) and np.allclose(hi, [1, 11, 3])
    u = 1 / math.sqrt(2)
    lo, hi = extents_along(polys, u, u)
    rlo, rhi = extents_along_ref(np.array(polys, dtype=object), u, u)
    assert np.max(np.abs(lo - rlo)) <= TOL and np.max(np.abs(hi - rhi)) <= TOL
    assert abs(hi[0] - math.sqrt(2)) <= TOL
    assert overlap_length(0.0, 2.0, 1.0, 5.0) == 1.0
    assert overlap_length(0.0, 1.0, 1.0, 5.0) == 0.0
    assert overlap_length(0.0, 1.0, 3.0, 5.0) == 0.0
    assert np.array_equal(overlap_length(np.array([0.0, 0.0]), 2.0, np.array([1.0, 3.0]), 4.0), [1.0, 0.0])
    with pytest.raises(ValueError):
        extents_along(polys, 1.0, 1.0)


def test_edge_cases_and_errors() -> None:
    assert all(len(a) == 0 for a in pairs_within([], 10.0))
    assert all(len(a) == 0 for a in pairs_within([SQ], 10.0))
    for bad in (-1.0, math.inf, math.nan):
        with pytest.raises(ValueError):
            pairs_within([SQ, SQ], bad)
    with pytest.raises(ValueError):
        pack([SQ, Polygon()])
    with pytest.raises(TypeError):
        pack([SQ, Point(0, 0)])
    with pytest.raises(TypeError):
        pack([SQ, None])
    with pytest.raises(IndexError):
        closest_points(pack([SQ]), 0, 1)


def test_pack_layout_and_round_trip() -> None:
    court = Polygon([(0, 0), (20, 0), (20, 20), (0, 20)], [[(5, 5), (15, 5), (15, 15), (5, 15)]])
    hole_at_start = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(0, 0), (4, 2), (2, 4), (0, 0)]])
    polys = [SQ, court, MultiPolygon([box(30, 0, 31, 1), box(40, 0, 41, 1)]), lshape(0, 0, 10, 8, 0.5, 0.5),
             hole_at_start]
    r = pack(polys)
    assert isinstance(r, Rings) and len(r) == 5 and r.n_rings == 8
    assert list(r.poly_offsets) == [0, 1, 3, 5, 6, 8]
    assert np.array_equal(r.bbox, shapely.bounds(np.array(polys, dtype=object)))
    back = r.to_shapely()
    for a, b in zip(polys, back):
        assert shapely.equals(a, b)
    # a ring that passes through its first point again (invalid) is still one ring, not split there
    bowtie = Polygon([(0, 0), (4, 0), (2, 2), (0, 0), (0, 4), (-2, 2)])
    assert list(np.diff(pack([bowtie, SQ]).ring_offsets)) == [7, 5]
    with pytest.raises(ValueError):
        Rings(r.xy[:-1].copy(), r.ring_offsets, r.poly_offsets, r.bbox)


def test_disable_jit_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    polys = [rect(0, 0, 10, 20, 30), lshape(25, 0, 12, 12, 0.4, 0.5, 10), box(0, 30, 5, 35)]
    jit = pairs_within(polys, 30.0)
    monkeypatch.setenv("PLANCHECK_DISABLE_JIT", "1")
    assert_same_pairs(pairs_within(polys, 30.0), jit)
    assert abs(closest_points(polys, 0, 1)[0] - jit[2][0]) <= TOL


# -- random and property-based -------------------------------------------------------------------

coord = st.floats(-60, 60, allow_nan=False, allow_infinity=False)
size = st.floats(0.5, 30, allow_nan=False, allow_infinity=False)
frac = st.floats(0.2, 0.8)
angle = st.floats(0, 360)


@st.composite
def footprint(draw: st.DrawFn) -> Polygon:
    if draw(st.booleans()):
        return rect(draw(coord), draw(coord), draw(size), draw(size), draw(angle))
    return lshape(draw(coord), draw(coord), draw(size), draw(size), draw(frac), draw(frac), draw(angle))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(footprint(), footprint())
def test_random_pair_matches_shapely(a: Polygon, b: Polygon) -> None:
    res = closest_points([a, b], 0, 1)
    assert_witness(a, b, res)
    ref = closest_points_ref(a, b)
    assert abs(res[0] - ref[0]) <= TOL
    d = ref[0]
    for md in (d * 1.001 + 1e-6, d * 0.999 - 1e-6):
        if md >= 0:
            assert_same_pairs(pairs_within([a, b], md), pairs_within_ref(np.array([a, b], dtype=object), md))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(footprint(), min_size=2, max_size=40), st.floats(0, 40))
def test_random_sets_match_shapely(polys: list[Polygon], max_dist: float) -> None:
    check_all(polys, max_dist)


def random_scene(n: int, seed: int, extent: float) -> np.ndarray:
    """Overlapping, touching and nested rectangles / L-shapes / courtyards, plus a few huge podiums (which the
    grid keeps apart as oversized)."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        cx, cy = rng.uniform(0, extent, 2)
        w, h = rng.uniform(4, 40, 2)
        deg = rng.uniform(0, 360) if k % 3 else 0.0
        kind = k % 7
        if kind == 6:
            out.append(shapely.Polygon(rect(cx, cy, w * 2, h * 2, deg).exterior, [rect(cx, cy, w, h, deg).exterior]))
        elif kind % 2:
            out.append(lshape(cx, cy, w, h, *rng.uniform(0.2, 0.8, 2), deg))
        else:
            out.append(rect(cx, cy, w, h, deg))
    for k in range(3):
        out.append(rect(*rng.uniform(0, extent, 2), 400, 60, 15.0 * k))
    out.append(box(0, 0, 10, 10))
    out.append(box(10, 0, 20, 10))               # shares an edge with the previous one
    return np.array(out, dtype=object)


@pytest.mark.parametrize("n, extent, max_dist", [(1500, 2000.0, 50.0), (800, 300.0, 12.0), (300, 5000.0, 0.0)])
def test_random_scene_matches_shapely(n: int, extent: float, max_dist: float) -> None:
    check_all(random_scene(n, n, extent), max_dist)


# -- real footprints -----------------------------------------------------------------------------

def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared real data not present: {path} (expected ../shared beside the checkout)")
    return path


def geojson_footprints(path: Path) -> np.ndarray:
    """Building polygons of a WGS84 GeoJSON, in local metres (equirectangular about the data's centre:
    plenty for a distance comparison), valid ones only."""
    feats = json.loads(_need(path).read_text(encoding="utf-8"))["features"]
    geoms = [shapely.geometry.shape(f["geometry"]) for f in feats
             if f["geometry"]["type"] in ("Polygon", "MultiPolygon")]
    arr = np.array(geoms, dtype=object)
    b = shapely.total_bounds(arr)
    lon0, lat0 = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    kx, ky = 111_320.0 * math.cos(math.radians(lat0)), 110_574.0
    arr = shapely.transform(arr, lambda c: (c - [lon0, lat0]) * [kx, ky])
    return arr[shapely.is_valid(arr) & ~shapely.is_empty(arr)]


def cityjson_footprints(path: Path) -> np.ndarray:
    """Footprint of each (part of a) building: the union of its GroundSurface polygons, projected to x, y
    (vertices kept in the file's scaled integer frame, i.e. without the translate: local metres)."""
    c = json.loads(_need(path).read_text(encoding="utf-8"))
    v = np.asarray(c["vertices"], float) * np.asarray(c.get("transform", {}).get("scale", [1.0, 1.0, 1.0]))
    out = []
    for obj in c["CityObjects"].values():
        for g in obj.get("geometry", [])[:1]:
            sem = g.get("semantics")
            if g["type"] != "MultiSurface" or not sem:
                continue
            kinds = [sem["surfaces"][i]["type"] if i is not None else None for i in sem["values"]]
            parts = [shapely.Polygon(v[s[0], :2], [v[h, :2] for h in s[1:]])
                     for s, kind in zip(g["boundaries"], kinds) if kind == "GroundSurface"]
            parts = [p for p in parts if p.is_valid and p.area > 1e-6]
            if parts:
                fp = shapely.union_all(parts)
                if fp.geom_type in ("Polygon", "MultiPolygon") and fp.is_valid:
                    out.append(fp)
    return np.array(out, dtype=object)


@pytest.mark.parametrize("name, max_dist", [
    ("shangHai.buildings.geojson", 30.0),
    ("buildSet.buildings.geojson", 30.0),
    ("rotterdam_subset.json", 15.0),
    ("zurich_subset_lod2.json", 25.0),
])
def test_real_footprints_match_shapely(name: str, max_dist: float) -> None:
    path = FOOTPRINTS / name
    polys = geojson_footprints(path) if name.endswith(".geojson") else cityjson_footprints(path)
    assert len(polys) >= 15
    check_all(polys, max_dist)
    rings = pack(polys)
    lo, hi = extents_along(rings, 0.6, 0.8)
    rlo, rhi = extents_along_ref(polys, 0.6, 0.8)
    assert np.max(np.abs(lo - rlo)) <= TOL and np.max(np.abs(hi - rhi)) <= TOL
