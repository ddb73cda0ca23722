"""Pair geometry for the building-spacing rules: which masses are near each other, how they stand.

Model frame: metres, +Y = true north, angles in degrees counter-clockwise from east.

- `mass_geoms(outlines, point_ratio)`: each mass's effective long axis (a point building's is
  east-west, so that its main orientation is north-south), length and gable width B.
- `candidate_pairs(polys, proposed, reach)`: mass pairs with at least one proposed mass whose
  distance is within the pair's reach (numba kernels of `plancheck.geom`).
- `placements(geoms, i, j, ...)`: how each pair stands (vectorised over the pairs; `[k]` gives
  one `Placement`; `placement(a, b, ...)` does one pair of outlines), in the frame of the
  pair's long axis:
  * frame: the bisector of the two axes for a parallel pair (axes <= `parallel_max_deg`
    apart), else the axis of the longer mass;
  * relation `v` (facing: extents along the axis overlap, the pair is separated across it),
    `u` (end to end: extents across the axis overlap, not along it) or `diag` (neither);
  * for each separation direction: `facing` (both main facades), `gable` (both gables) or
    `perp` (one mass's gable toward the other's main facade), its compass `ns` / `ew`
    (the separation within `ns_max_deg` of north-south, inclusive, is `ns`), which mass lies
    south / west, and the gap between the extents along it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plancheck import tolerances as tol
from plancheck.model.orientation import orientation

#: Angles closer than this (degrees) to a class boundary count as on it.


@dataclass(frozen=True)
class MassGeoms:
    """Per-mass orientation data, as arrays (one row per mass)."""

    axis_deg: np.ndarray   # effective long axis in [0, 180): east-west for a point building
    length_m: np.ndarray   # long side of the minimum rotated rectangle
    gable_m: np.ndarray    # extent across the effective axis: the gable width B
    point: np.ndarray      # bool: 点式
    hull: np.ndarray       # (n, k, 2) convex-hull vertices, NaN-padded: extents along any direction

    def __len__(self) -> int:
        return len(self.axis_deg)


def mass_geoms(outlines, point_ratio: float) -> MassGeoms:
    import shapely

    polys = np.asarray(outlines, dtype=object).reshape(-1)
    n = len(polys)
    axis, length, point = np.zeros(n), np.zeros(n), np.zeros(n, dtype=bool)
    for k, poly in enumerate(polys):
        o = orientation(poly, point_ratio)
        axis[k] = 0.0 if o.point else o.long_axis_deg
        length[k], point[k] = o.length_m, o.point
    xy, idx = shapely.get_coordinates(shapely.convex_hull(polys), return_index=True)
    counts = np.bincount(idx, minlength=n)
    hull = np.full((n, max(int(counts.max(initial=1)), 1), 2), np.nan)
    pos = np.arange(len(idx)) - np.repeat(np.cumsum(counts) - counts, counts)
    hull[idx, pos] = xy
    nx, ny = -np.sin(np.radians(axis)), np.cos(np.radians(axis))
    t = hull[..., 0] * nx[:, None] + hull[..., 1] * ny[:, None]
    gable = np.nanmax(t, axis=1) - np.nanmin(t, axis=1)
    return MassGeoms(axis, length, gable, point, hull)


def candidate_pairs(polys, proposed: np.ndarray, reach: np.ndarray,
                    bucket_m: float = 10.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, d) with i < j, at least one of them proposed, d <= max(reach[i], reach[j]).

    `polys` are the mass outlines (shapely), `reach` each mass's own reach (what the
    strictest rule could ask of a pair it is in). Masses are grouped by reach rounded up to
    `bucket_m`, so one tall tower does not widen the search for every low house: proposed
    masses search all masses within their own reach, and every mass reaching farther than
    the shortest reach searches the proposed ones.
    """
    from plancheck.geom import pack, pairs_between

    polys = np.asarray(polys, dtype=object).reshape(-1)
    n = len(polys)
    prop = np.flatnonzero(proposed)
    if n < 2 or len(prop) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    everything = pack(polys)
    sub = (lambda idx: everything if len(idx) == n else pack(polys[idx]))
    buckets = np.ceil(reach / bucket_m) * bucket_m
    base = float(buckets.min())
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for radius in np.unique(buckets):
        sel = prop[buckets[prop] == radius]
        if len(sel):     # proposed masses of this reach against everything
            i, j, d = pairs_between(sub(sel), everything, float(radius))
            found.append((sel[i], j, d))
        if radius > base:   # farther-reaching masses (proposed or not) against the proposed
            sel = np.flatnonzero(buckets == radius)
            i, j, d = pairs_between(sub(sel), sub(prop), float(radius))
            found.append((sel[i], prop[j], d))
    if not found:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    i, j, d = (np.concatenate(c) for c in zip(*found))
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    keep = (lo != hi) & (d <= np.maximum(reach[lo], reach[hi]))
    lo, hi, d = lo[keep], hi[keep], d[keep]
    _, first = np.unique(lo * n + hi, return_index=True)
    return lo[first], hi[first], d[first]


# -- placement ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Direction:
    """One separation direction of a pair."""

    kind: str                  # "facing", "gable" or "perp"
    compass: str               # "ns" or "ew"
    w: tuple[float, float]     # unit vector, pointing north (ns) or east (ew)
    lower: int                 # 0/1: the mass lying south (ns) or west (ew) along w
    gap_m: float               # gap between the two extents along w (>= 0)
    gable: int | None = None   # "perp": the mass showing its gable
    gable_m: float | None = None  # "perp": that mass's gable width B


@dataclass(frozen=True)
class Placement:
    parallel: bool
    angle_deg: float           # between the two effective axes, in [0, 90]
    frame_deg: float           # the frame's axis u
    relation: str              # "v" (facing), "u" (end to end) or "diag"
    dirs: tuple[Direction, ...]  # the direction(s) the pair is judged in (v first)


RELATIONS = ("v", "u", "diag")


@dataclass(frozen=True)
class Placements:
    """`placements` for many pairs at once; `[k]` gives pair k's `Placement`."""

    parallel: np.ndarray       # (p,) bool
    angle: np.ndarray          # (p,)
    frame: np.ndarray          # (p,) degrees
    relation: np.ndarray       # (p,) 0 = v, 1 = u, 2 = diag
    longer: np.ndarray         # (p,) 0/1: the longer mass (perpendicular frames)
    ns: np.ndarray             # (2, p) bool: direction v / u is 南北向
    w: np.ndarray              # (2, p, 2) oriented unit vectors of v / u
    lower: np.ndarray          # (2, p) 0/1: the mass lying south / west along v / u
    gap: np.ndarray            # (2, p) gap between the extents along v / u
    gable_m: np.ndarray        # (2, p) in a perpendicular pair: B of the gable-showing mass

    def __len__(self) -> int:
        return len(self.parallel)

    def __getitem__(self, k: int) -> Placement:
        rel = RELATIONS[int(self.relation[k])]
        par = bool(self.parallel[k])
        dirs = []
        for d in ((0,) if rel == "v" else (1,) if rel == "u" else (0, 1)):
            if par:
                kind, gable, b = ("facing" if d == 0 else "gable"), None, None
            else:
                longer = int(self.longer[k])
                kind, gable = "perp", (1 - longer if d == 0 else longer)
                b = float(self.gable_m[d, k])
            dirs.append(Direction(kind, "ns" if self.ns[d, k] else "ew",
                                  (float(self.w[d, k, 0]), float(self.w[d, k, 1])),
                                  int(self.lower[d, k]), float(self.gap[d, k]), gable, b))
        return Placement(par, float(self.angle[k]), float(self.frame[k]), rel, tuple(dirs))


def placements(g: MassGeoms, i: np.ndarray, j: np.ndarray, parallel_max_deg: float,
               ns_max_deg: float, chunk: int = 4096) -> Placements:
    """How each pair (i[k], j[k]) stands; see the module docstring."""
    i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    a, b = g.axis_deg[i] % 180.0, g.axis_deg[j] % 180.0
    diff = np.abs(a - b) % 180.0
    angle = np.minimum(diff, 180.0 - diff)
    parallel = angle <= parallel_max_deg + tol.ANGLE_EPS_DEG
    longer = np.where(g.length_m[i] >= g.length_m[j], 0, 1)
    frame = np.where(parallel, _bisector(a, b), np.where(longer == 0, a, b)) % 180.0
    rad = np.radians(frame)
    u = np.stack([np.cos(rad), np.sin(rad)], axis=-1)
    v = np.stack([-u[:, 1], u[:, 0]], axis=-1)
    w = np.stack([v, u])                                   # (2, p, 2)
    # 南北向 when the direction lies within ns_max_deg of north-south (inclusive)
    from_ew = np.degrees(np.arctan2(np.abs(w[..., 1]), np.abs(w[..., 0])))
    ns = from_ew >= 90.0 - ns_max_deg - tol.ANGLE_EPS_DEG
    flip = np.where(ns, w[..., 1] < 0, w[..., 0] < 0)
    w = np.where(flip[..., None], -w, w)
    lo_a, hi_a, lo_b, hi_b = (np.empty((2, len(i))) for _ in range(4))
    step = max(1, chunk * 16 // max(g.hull.shape[1], 1))
    for s in range(0, len(i), step):
        sl = slice(s, s + step)
        for d in (0, 1):
            lo_a[d, sl], hi_a[d, sl] = _extents(g.hull[i[sl]], w[d, sl])
            lo_b[d, sl], hi_b[d, sl] = _extents(g.hull[j[sl]], w[d, sl])
    over = np.minimum(hi_a, hi_b) - np.maximum(lo_a, lo_b) > tol.COMPARE_M
    relation = np.where(over[1], 0, np.where(over[0], 1, 2))
    lower = np.where(lo_a + hi_a <= lo_b + hi_b, 0, 1)
    gap = np.maximum(0.0, np.where(lower == 0, lo_b - hi_a, lo_a - hi_b))
    # perpendicular: across the longer mass's axis (v) the shorter shows its gable, along it the longer
    shorter_b = np.where(longer == 0, g.gable_m[j], g.gable_m[i])
    longer_b = np.where(longer == 0, g.gable_m[i], g.gable_m[j])
    gable_m = np.stack([shorter_b, longer_b])
    return Placements(parallel, angle, frame, relation, longer, ns, w, lower, gap, gable_m)


def placement(a, b, point_ratio: float, parallel_max_deg: float, ns_max_deg: float) -> Placement:
    """How two outlines stand (one pair; for tests and reading)."""
    g = mass_geoms([a, b], point_ratio)
    return placements(g, np.array([0]), np.array([1]), parallel_max_deg, ns_max_deg)[0]


def _extents(hull: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = hull[..., 0] * w[:, None, 0] + hull[..., 1] * w[:, None, 1]
    return np.nanmin(t, axis=1), np.nanmax(t, axis=1)


def _bisector(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Axis halfway between two undirected axes in [0, 180), elementwise."""
    far = np.abs(a - b) > 90.0
    a2 = np.where(far & (a < b), a + 180.0, a)
    b2 = np.where(far & (b < a), b + 180.0, b)
    return ((a2 + b2) / 2.0) % 180.0


def component_segment(p: tuple[float, float], d: Direction, toward: tuple[float, float]):
    """A dimension line of length `d.gap_m` from `p` along d.w, toward the point `toward`."""
    wx, wy = d.w
    s = 1.0 if (toward[0] - p[0]) * wx + (toward[1] - p[1]) * wy >= 0 else -1.0
    return p, (p[0] + s * d.gap_m * wx, p[1] + s * d.gap_m * wy)
