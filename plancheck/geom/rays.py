"""Numba kernel for sunlight: which vertical prism, if any, first blocks each sun ray.

A building mass is a vertical prism: a footprint (any simple polygon, concave, with holes) extruded from `base`
to `top`. A sun ray rises monotonically, so it never needs triangles: along the horizontal distance s from its
origin the ray is at z(s) = z0 + s·tan(el); it meets a prism when its 2D half-line crosses the footprint over
some [a, b] and z(a) <= top and z(b) >= base. Podium + tower masses, raised masses (bridges) and the receiver's
own building (self-shading) are all just prisms.

How it is fast (benchmarks/README.md, `sunlight.py`: 500 buildings, 10,000 facade points x 100 suns):

* Facing mask first: a sun behind the facade (dot(normal, sun_xy) <= 0) or at/below the horizon is never
  traced (-2), about half the rays of a day.
* Culling: per origin, `_reach` gives the steepest slope any prism subtends in each sun's direction (each
  prism's padded bbox as a sector of pseudo-angles, at its nearest point and its top; prisms lower than the
  origin or behind its facade left out, its own wall only for rays grazing it); a steeper ray is lit without
  a walk. Conservative: `test_rays.py` holds the results identical to tracing every ray. Upper floors that
  see over their neighbours cost almost nothing (the sample traces in about a third of the time).
* Warm start: each origin's rays try the previous sun's blocker first (the sun moves little in a step); its
  entry bounds the walk from the start, so prisms beyond it are pruned by their bbox (~15 % on the 50-slab
  grid). The nearest blocker is the same: every nearer prism has its entry in a cell the walk still visits.
* Broad phase: a uniform 2D grid (CSR: cell -> prism ids; each prism in every cell its bbox, padded by
  `_PAD`, touches), walked along the ray with a 2D DDA from the origin. The walk stops once the ray is above the
  highest roof, or once the nearest blocker is certain: after the cell in which a blocker was found, when its
  entry distance is no further than that cell's exit. A prism spanning several cells is tested once per ray
  (mailbox) over its whole footprint, so its entry may lie in a later cell than the one that found it: the walk
  goes on until no untested prism can be nearer (`test_rays.py::test_blocker_spanning_cells`).
* Behind the facade: a prism whose every vertex lies behind the receiver's facade line cannot block any of its
  (facing) rays. That is mostly the receiver's own building, which every ray would otherwise test first (its
  bbox holds the origin); the check runs once per origin and prism, and skipping it halves the narrow phase.
* Narrow phase per prism: bbox slab test, roof/base and best-so-far rejects, then one pass over the edges:
  the side of each vertex of the 2D ray line (a cross product) and the edge crossings, sorted; the crossings
  pair up into the footprint's intervals along the line (even-odd rule, so holes need no flags).

Conventions (the same in `reference.first_blockers_reference`, which the tests hold this to):

* Prisms are closed: touching blocks. A ray along a wall, through a corner or over a roof edge at exactly roof
  height is blocked, so no ray slips along the seam between two masses sharing a wall. A vertex exactly on the
  ray line is decided both ways (counted on either side of the line) and the union taken: that is the closed
  footprint. Near-degenerate cases (a vertex 1e-15 m off the line) follow float64 rounding.
* Origins: callers push receiver points `SUN_ORIGIN_OFFSET_M` out of their wall. Here the same distance is a
  skin: an interval that ends within it of the origin (horizontally) does not block, so a point given exactly on
  its wall is not shaded by its own building. An origin deeper inside a prism is blocked by it, distance 0.
* Nearest: by entry distance along the ray; entries within `SUN_TIE_M` (1e-9 m) are a tie (masses sharing a
  wall, met at the same point but computed from different edges) and go to the smaller prism index.
* A sun straight overhead (no horizontal component) is not analysed (-2): it never occurs outside the tropics.
* A zero normal (0, 0) means "no facade" (a ground point): every sun above the horizon is traced.

All jitted code lives in this module (numba validates a cache only against the caller's own file); no fastmath
(the comparisons must round the same way as the reference's). `_trace` releases the GIL (`nogil`): a large
call is split into interleaved blocks of origins, each with its own scratch (stamp, seen, buffer), traced on
`_threads()` threads; every origin's row is independent, so the result is the same on any number of threads.
(A numba `prange` was measured slower on the shared 2-core machine and would start numba's own thread pool,
which `render/figures.py` must not fork beside.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numba import njit

from plancheck.geom.rings import pack
from plancheck.tolerances import SUN_ORIGIN_OFFSET_M, SUN_TIE_M

_INF = np.inf
#: Prisms go into every cell their bbox grown by this touches, and bbox rejects use bboxes grown by it: far
#: above float64 rounding of site coordinates (1e-11 m at 100 km), far below anything drawn.
_PAD = 1e-6
#: Most cells a grid may have; the cell grows beyond `cell_m` when a sparse site would need more.
_MAX_CELLS = 1 << 20


class Prisms(NamedTuple):
    """Vertical prisms as flat arrays plus a uniform 2D grid over them (build with `build_prisms`)."""

    xy: np.ndarray            # (V, 2) float64 ring coordinates, each ring closed
    ring_offsets: np.ndarray  # (R+1,) int64
    poly_offsets: np.ndarray  # (P+1,) int64: prism p owns rings poly_offsets[p]:poly_offsets[p+1]
    bbox: np.ndarray          # (P, 4) float64 minx, miny, maxx, maxy
    base: np.ndarray          # (P,) float64 metres
    top: np.ndarray           # (P,) float64 metres
    grid_x0: float            # grid origin (lower left) and square cell side, metres
    grid_y0: float
    cell: float
    ncx: int
    ncy: int
    cell_start: np.ndarray    # (ncx*ncy+1,) int64 CSR offsets; cell (ix, iy) is iy*ncx + ix
    cell_items: np.ndarray    # int64 prism ids, per cell in ascending order
    zmax: float               # highest roof (-inf without prisms)
    max_edges: int            # most edges of one prism (size of the crossing buffers)
    polygons: np.ndarray      # object array of the input polygons (the reference / no-JIT path)


def build_prisms(polygons: Sequence, base: np.ndarray, top: np.ndarray, cell_m: float = 30.0) -> Prisms:
    """Prisms from shapely Polygons (holes allowed; MultiPolygons are one prism of several parts), each from
    base[i] to top[i] metres, with a `cell_m` grid. Raises ValueError on empty or non-finite input."""
    polys = np.asarray(polygons, dtype=object).reshape(-1)
    base = np.ascontiguousarray(base, dtype=np.float64).reshape(-1)
    top = np.ascontiguousarray(top, dtype=np.float64).reshape(-1)
    n = len(polys)
    if len(base) != n or len(top) != n:
        raise ValueError(f"{n} polygons but {len(base)} bases and {len(top)} tops")
    if not (np.all(np.isfinite(base)) and np.all(np.isfinite(top))):
        raise ValueError("prism base and top must be finite")
    if np.any(top < base):
        raise ValueError("a prism's top is below its base")
    if not (math.isfinite(cell_m) and cell_m > 0):
        raise ValueError(f"cell_m must be > 0, got {cell_m}")
    if n == 0:
        return Prisms(np.zeros((0, 2)), np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros((0, 4)),
                      base, top, 0.0, 0.0, float(cell_m), 1, 1, np.zeros(2, np.int64), np.zeros(0, np.int64),
                      -_INF, 0, polys)
    for k, p in enumerate(polys):
        if getattr(p, "geom_type", None) not in ("Polygon", "MultiPolygon") or p.is_empty:
            raise ValueError(f"prism {k}: expected a non-empty Polygon, got {getattr(p, 'geom_type', type(p))}")
    rings = pack(polys)
    bb = rings.bbox
    if not np.all(np.isfinite(bb)):
        raise ValueError("prism footprints must have finite coordinates")
    x0, y0 = float(bb[:, 0].min()) - 2 * _PAD, float(bb[:, 1].min()) - 2 * _PAD
    w, h = float(bb[:, 2].max()) - x0 + 2 * _PAD, float(bb[:, 3].max()) - y0 + 2 * _PAD
    cell = float(cell_m)
    while (int(w / cell) + 1) * (int(h / cell) + 1) > _MAX_CELLS:
        cell *= 1.5
    ncx, ncy = int(w / cell) + 1, int(h / cell) + 1
    ix0 = np.clip(np.floor((bb[:, 0] - _PAD - x0) / cell), 0, ncx - 1).astype(np.int64)
    ix1 = np.clip(np.floor((bb[:, 2] + _PAD - x0) / cell), 0, ncx - 1).astype(np.int64)
    iy0 = np.clip(np.floor((bb[:, 1] - _PAD - y0) / cell), 0, ncy - 1).astype(np.int64)
    iy1 = np.clip(np.floor((bb[:, 3] + _PAD - y0) / cell), 0, ncy - 1).astype(np.int64)
    start, items = _bucket(ix0, ix1, iy0, iy1, ncx, ncy)
    ro, po = rings.ring_offsets, rings.poly_offsets
    edges = np.diff(ro[po]) - np.diff(po)              # points minus one closing point per ring
    return Prisms(rings.xy, ro, po, bb, base, top, x0, y0, cell, ncx, ncy, start, items, float(top.max()),
                  int(edges.max()), polys)


def first_blockers(prisms: Prisms, origins: np.ndarray, normals: np.ndarray, suns: np.ndarray,
                   cull: bool = True) -> np.ndarray:
    """int32 (N, M): for origin i and sun j, -2 not analysed (sun at/below the horizon, overhead, or behind the
    facade: dot(normals[i], suns[j, :2]) <= 0), -1 lit, k >= 0 the nearest blocking prism. With `cull`, the
    rays no prism can reach are lit without being traced (`_reach`); the result is the same.

    origins (N, 3) points already offset out of their wall (`SUN_ORIGIN_OFFSET_M`); normals (N, 2) outward
    horizontal unit normals of their facade, or (0, 0) for none; suns (M, 3) ENU unit vectors towards the sun.
    """
    origins = np.ascontiguousarray(origins, dtype=np.float64).reshape(-1, 3)
    normals = np.ascontiguousarray(normals, dtype=np.float64).reshape(-1, 2)
    suns = np.ascontiguousarray(suns, dtype=np.float64).reshape(-1, 3)
    if len(normals) != len(origins):
        raise ValueError(f"{len(origins)} origins but {len(normals)} normals")
    for name, a in (("origins", origins), ("normals", normals), ("suns", suns)):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} must be finite")
    from plancheck.geom import jit_enabled
    if not jit_enabled():
        from plancheck.geom.reference import first_blockers_reference
        return first_blockers_reference(prisms.polygons, prisms.base, prisms.top, origins, normals, suns)
    out = np.empty((len(origins), len(suns)), np.int32)

    def block(rows) -> None:
        o, n = np.ascontiguousarray(origins[rows]), np.ascontiguousarray(normals[rows])
        res = np.empty((len(o), len(suns)), np.int32)
        _trace(prisms.xy, prisms.ring_offsets, prisms.poly_offsets, prisms.bbox, prisms.base, prisms.top,
               prisms.grid_x0, prisms.grid_y0, prisms.cell, prisms.ncx, prisms.ncy, prisms.cell_start,
               prisms.cell_items, prisms.zmax, SUN_ORIGIN_OFFSET_M, SUN_TIE_M, o, n, suns, res,
               np.empty(max(prisms.max_edges, 2)), np.full(len(prisms.base), -1, np.int64),
               np.full(len(prisms.base), -1, np.int64), cull)
        out[rows] = res

    threads = _threads() if out.size >= _THREADED_RAYS else 1
    if threads == 1:
        block(slice(None))
        return out
    from concurrent.futures import ThreadPoolExecutor

    # interleaved blocks: neighbouring origins (one floor, one facade) cost alike, so each
    # thread gets some of every floor
    k = threads * 4
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(block, [slice(b, None, k) for b in range(k)]))
    return out


#: Rays (origins x suns) from which a call is traced on several threads: below it, starting
#: them costs more than it saves.
_THREADED_RAYS = 200_000


def _threads() -> int:
    """Cores this process may run on (at most 4), or PLANCHECK_THREADS."""
    import os

    env = os.environ.get("PLANCHECK_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(4, cores))


# ---------------------------------------------------------------------------------------------------------------
# jitted


@njit(cache=True)
def _bucket(ix0: np.ndarray, ix1: np.ndarray, iy0: np.ndarray, iy1: np.ndarray, ncx: int,
            ncy: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR of prism ids per cell: prism p goes into every cell of [ix0[p], ix1[p]] x [iy0[p], iy1[p]]."""
    start = np.zeros(ncx * ncy + 1, np.int64)
    for p in range(len(ix0)):
        for iy in range(iy0[p], iy1[p] + 1):
            for ix in range(ix0[p], ix1[p] + 1):
                start[iy * ncx + ix + 1] += 1
    for c in range(ncx * ncy):
        start[c + 1] += start[c]
    pos = start[:-1].copy()
    items = np.empty(start[-1], np.int64)
    for p in range(len(ix0)):
        for iy in range(iy0[p], iy1[p] + 1):
            for ix in range(ix0[p], ix1[p] + 1):
                c = iy * ncx + ix
                items[pos[c]] = p
                pos[c] += 1
    return start, items


@njit(cache=True)
def _cross_at(dp: float, sp: float, dq: float, sq: float) -> float:
    """Distance along the ray where the edge p -> q (sides dp, dq; projections sp, sq) crosses its line; a
    vertex on the line gives its own projection exactly, so both edges at a touched corner agree."""
    if dp == 0.0:
        return sp
    if dq == 0.0:
        return sq
    return sp + (sq - sp) * (dp / (dp - dq))


@njit(cache=True)
def _intervals_entry(buf: np.ndarray, n: int, z0: float, t: float, base: float, top: float, skin: float) -> float:
    """Sort the n crossings in buf, pair them into intervals [a, b] along the ray and return the entry distance
    into the first one that blocks (inf if none): b beyond the skin, z(a) <= top, z(b) >= base."""
    for i in range(1, n):                            # insertion sort: n is 2 for convex footprints
        v = buf[i]
        k = i - 1
        while k >= 0 and buf[k] > v:
            buf[k + 1] = buf[k]
            k -= 1
        buf[k + 1] = v
    for q in range(0, n - 1, 2):
        b = buf[q + 1]
        if b <= skin:
            continue
        a = max(buf[q], 0.0)
        za = z0 + a * t
        if za > top:
            return _INF                              # later intervals start higher still
        if z0 + b * t < base:
            continue
        if za >= base:
            return a
        return (base - z0) / t
    return _INF


@njit(cache=True)
def _prism_entry(p: int, xy: np.ndarray, ro: np.ndarray, po: np.ndarray, base: float, top: float, ox: float,
                 oy: float, z0: float, ux: float, uy: float, t: float, skin: float, buf: np.ndarray) -> float:
    """Entry distance of the ray into the closed prism p, inf when it does not block."""
    n = 0
    on_line = False
    for r in range(po[p], po[p + 1]):
        k0 = ro[r]
        px = xy[k0, 0] - ox
        py = xy[k0, 1] - oy
        dp = ux * py - uy * px                       # side of the ray line (+ left)
        sp = ux * px + uy * py                       # distance along the ray of the vertex's projection
        for k in range(k0 + 1, ro[r + 1]):
            qx = xy[k, 0] - ox
            qy = xy[k, 1] - oy
            dq = ux * qy - uy * qx
            sq = ux * qx + uy * qy
            if dq == 0.0:
                on_line = True
            if (dp >= 0.0) != (dq >= 0.0):            # a vertex on the line counts as left of it
                buf[n] = _cross_at(dp, sp, dq, sq)
                n += 1
            dp = dq
            sp = sq
    e = _intervals_entry(buf, n, z0, t, base, top, skin)
    if not on_line:
        return e
    # a vertex exactly on the line: count it on the right as well; the closed footprint is the union
    n = 0
    for r in range(po[p], po[p + 1]):
        k0 = ro[r]
        px = xy[k0, 0] - ox
        py = xy[k0, 1] - oy
        dp = ux * py - uy * px
        sp = ux * px + uy * py
        for k in range(k0 + 1, ro[r + 1]):
            qx = xy[k, 0] - ox
            qy = xy[k, 1] - oy
            dq = ux * qy - uy * qx
            sq = ux * qx + uy * qy
            if (dp > 0.0) != (dq > 0.0):
                buf[n] = _cross_at(dp, sp, dq, sq)
                n += 1
            dp = dq
            sp = sq
    return min(e, _intervals_entry(buf, n, z0, t, base, top, skin))


@njit(cache=True)
def _behind(p: int, xy: np.ndarray, ro: np.ndarray, po: np.ndarray, ox: float, oy: float, nx: float,
            ny: float) -> bool:
    """Does all of prism p lie behind the facade line through (ox, oy) with normal n (by more than _PAD)?
    Every point of a footprint is a convex combination of its vertices, and every traced ray moves to the
    front (dot(u, n) > 0), so such a prism can only meet the ray at its origin: it never blocks."""
    for k in range(ro[po[p]], ro[po[p + 1]]):
        if (xy[k, 0] - ox) * nx + (xy[k, 1] - oy) * ny > -_PAD:
            return False
    return True


@njit(cache=True)
def _pseudo_angle(dx: float, dy: float) -> float:
    """A monotonic stand-in for atan2(dy, dx) in [0, 4) (counter-clockwise from +x, one unit a quadrant,
    the opposite direction two units on), without a transcendental call."""
    ax = abs(dx)
    ay = abs(dy)
    if ax + ay == 0.0:
        return 0.0
    if dy >= 0.0:
        return dy / (ax + ay) if dx >= 0.0 else 1.0 + ax / (ax + ay)
    return 2.0 + ay / (ax + ay) if dx < 0.0 else 3.0 + ax / (ax + ay)


#: Slack of the culling test (`_reach`), in pseudo-angle units and relative slope: far beyond float64
#: rounding, so a ray it calls out of reach is one the walk would find lit.
_REACH_EPS = 1e-9


@njit(cache=True)
def _reach(xy: np.ndarray, ro: np.ndarray, po: np.ndarray, bb: np.ndarray, top: np.ndarray, ox: float,
           oy: float, z0: float, nx: float, ny: float, facade: bool, spa: np.ndarray, tmin: float,
           skin: float, reach: np.ndarray) -> float:
    """For one origin, reach[r] = the steepest slope (tan of the elevation) any prism subtends in the
    direction of the r-th sun in `spa` order (sun pseudo-angles, ascending): a ray whose slope is above it
    meets no prism (conservative: each prism is taken as its padded bbox, at its nearest point, at its
    top). Prisms lower than the origin or behind its facade never block (as in `_trace`); one whose
    subtended slope is below every sun's (`tmin`) changes nothing. The origin's own wall (a prism whose
    bbox holds the origin and which lies behind the facade line within _PAD) can only block a ray grazing
    the wall: returns the facing (dot of the ray's horizontal direction and the normal) below which a ray
    must be traced all the same."""
    m = len(spa)
    for r in range(m):
        reach[r] = -_INF
    graze = 0.0
    for p in range(len(top)):
        h = top[p] - z0
        if h < 0.0:
            continue
        x0 = bb[p, 0] - 2 * _PAD - ox
        x1 = bb[p, 2] + 2 * _PAD - ox
        y0 = bb[p, 1] - 2 * _PAD - oy
        y1 = bb[p, 3] + 2 * _PAD - oy
        dx = max(x0, 0.0, -x1)
        dy = max(y0, 0.0, -y1)
        d = math.sqrt(dx * dx + dy * dy)
        if d > 0.0 and h / d * (1.0 + _REACH_EPS) < tmin:
            continue
        if facade and _behind(p, xy, ro, po, ox, oy, nx, ny):
            continue
        if d <= 0.0:                                   # the origin is at or in its bbox
            front = -_INF
            if facade:
                for k in range(ro[po[p]], ro[po[p + 1]]):
                    front = max(front, (xy[k, 0] - ox) * nx + (xy[k, 1] - oy) * ny)
            if facade and front <= _PAD:
                # its wall: a ray facing it by c crosses the 2 _PAD sliver in front within 2 _PAD / c,
                # inside the skin unless c < 2 _PAD / skin (ten times that, to be sure)
                graze = max(graze, 20.0 * _PAD / skin)
                continue
            for r in range(m):                         # anything else: every direction
                reach[r] = _INF
            return graze
        slope = h / d * (1.0 + _REACH_EPS) + _REACH_EPS
        # the bbox's sector (under 180 degrees: the origin is outside it) from its corners' pseudo-angles;
        # when it holds the +x direction it wraps: [its upper corners, 4) and [0, its lower corners]
        wraps = x1 > 0.0 and y0 <= 0.0 <= y1
        lo = 4.0
        hi = 0.0
        for cx, cy in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)):
            a = _pseudo_angle(cx, cy)
            if wraps and a >= 2.0:
                lo = min(lo, a)
            elif wraps:
                hi = max(hi, a)
            else:
                lo = min(lo, a)
                hi = max(hi, a)
        if wraps:
            _raise(reach, spa, lo - _REACH_EPS, 4.0, slope)
            _raise(reach, spa, -1.0, hi + _REACH_EPS, slope)
        else:
            _raise(reach, spa, lo - _REACH_EPS, hi + _REACH_EPS, slope)
    return graze


@njit(cache=True)
def _raise(reach: np.ndarray, spa: np.ndarray, lo: float, hi: float, slope: float) -> None:
    """reach[r] = max(reach[r], slope) for the suns whose pseudo-angle lies in [lo, hi]."""
    r = np.searchsorted(spa, lo)
    while r < len(spa) and spa[r] <= hi:
        if reach[r] < slope:
            reach[r] = slope
        r += 1


@njit(cache=True, nogil=True)
def _trace(xy: np.ndarray, ro: np.ndarray, po: np.ndarray, bb: np.ndarray, base: np.ndarray, top: np.ndarray,
           gx0: float, gy0: float, cell: float, ncx: int, ncy: int, cstart: np.ndarray, citems: np.ndarray,
           zmax: float, skin: float, tie: float, origins: np.ndarray, normals: np.ndarray, suns: np.ndarray,
           out: np.ndarray, buf: np.ndarray, stamp: np.ndarray, seen: np.ndarray, cull: bool) -> None:
    """Fill out (N, M). `stamp[p]` is the last ray that tested prism p (each prism once per ray); `seen[p]`
    is the last origin for which p was found behind its facade (then skipped by all that origin's rays:
    mostly the receiver's own building, which the bbox test cannot tell from a blocker). With `cull`, a
    ray steeper than every prism it could meet subtends from its origin (`_reach`) is lit untraced."""
    gx1 = gx0 + ncx * cell
    gy1 = gy0 + ncy * cell
    m = suns.shape[0]
    # per sun: the horizontal unit direction, its reciprocals and the slope tan(el); ok = above the horizon
    ux_ = np.empty(m)
    uy_ = np.empty(m)
    ix_ = np.empty(m)
    iy_ = np.empty(m)
    t_ = np.empty(m)
    ok = np.zeros(m, np.bool_)
    for j in range(m):
        sx = suns[j, 0]
        sy = suns[j, 1]
        if suns[j, 2] > 0.0 and (sx != 0.0 or sy != 0.0):
            ok[j] = True
            h = math.sqrt(sx * sx + sy * sy)
            ux_[j] = sx / h
            uy_[j] = sy / h
            t_[j] = suns[j, 2] / h
            ix_[j] = 1.0 / ux_[j] if ux_[j] != 0.0 else _INF
            iy_[j] = 1.0 / uy_[j] if uy_[j] != 0.0 else _INF
    # the suns in pseudo-angle order, for the culling test (rank[j]: sun j's place in it)
    pa = np.full(m, _INF)
    tmin = _INF
    for j in range(m):
        if ok[j]:
            pa[j] = _pseudo_angle(ux_[j], uy_[j])
            tmin = min(tmin, t_[j])
    order = np.argsort(pa)
    spa = pa[order]
    rank = np.empty(m, np.int64)
    for r in range(m):
        rank[order[r]] = r
    reach = np.empty(m)
    graze = 0.0
    ray = 0
    for i in range(origins.shape[0]):
        ox = origins[i, 0]
        oy = origins[i, 1]
        z0 = origins[i, 2]
        nx = normals[i, 0]
        ny = normals[i, 1]
        facade = nx != 0.0 or ny != 0.0
        prev = -1                                      # the last ray's blocker: tried first
        if cull and z0 <= zmax:
            graze = _reach(xy, ro, po, bb, top, ox, oy, z0, nx, ny, facade, spa, tmin, skin, reach)
        for j in range(m):
            if not ok[j] or (facade and not nx * suns[j, 0] + ny * suns[j, 1] > 0.0):
                out[i, j] = -2
                continue
            out[i, j] = -1
            if z0 > zmax:
                continue
            if cull and t_[j] > reach[rank[j]] and not (facade and nx * ux_[j] + ny * uy_[j] < graze):
                continue
            ux = ux_[j]
            uy = uy_[j]
            rx = ix_[j]
            ry = iy_[j]
            t = t_[j]
            # the part of the ray inside the grid and below the highest roof: [s_lo, s_hi] (bounds computed
            # with reciprocals: off by rounding, far inside the _PAD margins)
            s_lo = 0.0
            s_hi = (zmax - z0) / t + _PAD
            if ux != 0.0:
                a = (gx0 - ox) * rx
                b = (gx1 - ox) * rx
                s_lo = max(s_lo, min(a, b))
                s_hi = min(s_hi, max(a, b))
            elif ox < gx0 or ox > gx1:
                continue
            if uy != 0.0:
                a = (gy0 - oy) * ry
                b = (gy1 - oy) * ry
                s_lo = max(s_lo, min(a, b))
                s_hi = min(s_hi, max(a, b))
            elif oy < gy0 or oy > gy1:
                continue
            if s_lo > s_hi:
                continue
            ix = min(max(int(math.floor((ox + s_lo * ux - gx0) / cell)), 0), ncx - 1)
            iy = min(max(int(math.floor((oy + s_lo * uy - gy0) / cell)), 0), ncy - 1)
            stepx = 1 if ux > 0.0 else -1
            stepy = 1 if uy > 0.0 else -1
            offx = 1 if ux > 0.0 else 0
            offy = 1 if uy > 0.0 else 0
            ray += 1
            best = _INF
            best_id = -1
            if prev >= 0:
                # the sun moves little in a step: the last blocker most often blocks again, and with its
                # entry as the bound the walk prunes the prisms beyond it and stops at its cell
                stamp[prev] = ray
                if z0 <= top[prev]:
                    best = _prism_entry(prev, xy, ro, po, base[prev], top[prev], ox, oy, z0, ux, uy, t, skin,
                                        buf)
                    if best < _INF:
                        best_id = prev
            # distances to the current cell's next x / y boundary (stepped incrementally: the drift over a
            # walk is ~1e-11 m, far inside _PAD)
            tx = (gx0 + (ix + offx) * cell - ox) * rx if ux != 0.0 else _INF
            ty = (gy0 + (iy + offy) * cell - oy) * ry if uy != 0.0 else _INF
            dtx = cell * abs(rx)
            dty = cell * abs(ry)
            while True:
                c = iy * ncx + ix
                for k in range(cstart[c], cstart[c + 1]):
                    p = citems[k]
                    if stamp[p] == ray:
                        continue
                    stamp[p] = ray
                    zt = top[p]
                    if z0 > zt:
                        continue
                    # padded bbox slab test: [ea, eb] contains every point of p along the ray
                    ea = 0.0
                    eb = _INF
                    if ux != 0.0:
                        a = (bb[p, 0] - _PAD - ox) * rx
                        b = (bb[p, 2] + _PAD - ox) * rx
                        ea = max(ea, min(a, b))
                        eb = min(eb, max(a, b))
                    elif ox < bb[p, 0] - _PAD or ox > bb[p, 2] + _PAD:
                        continue
                    if uy != 0.0:
                        a = (bb[p, 1] - _PAD - oy) * ry
                        b = (bb[p, 3] + _PAD - oy) * ry
                        ea = max(ea, min(a, b))
                        eb = min(eb, max(a, b))
                    elif oy < bb[p, 1] - _PAD or oy > bb[p, 3] + _PAD:
                        continue
                    if ea > eb or eb <= skin or ea > best + tie or z0 + ea * t > zt or z0 + eb * t < base[p]:
                        continue
                    if facade:
                        if seen[p] == i:
                            continue
                        if _behind(p, xy, ro, po, ox, oy, nx, ny):
                            seen[p] = i
                            continue
                    e = _prism_entry(p, xy, ro, po, base[p], zt, ox, oy, z0, ux, uy, t, skin, buf)
                    if e < best - tie or (e <= best + tie and p < best_id):
                        best = e
                        best_id = p
                # leave the cell: the nearest is certain once it lies no further than this cell's exit
                s_exit = min(tx, ty)
                if best <= s_exit or s_exit > s_hi:
                    break
                if tx <= ty:
                    ix += stepx
                    tx += dtx
                    if ix < 0 or ix >= ncx:
                        break
                else:
                    iy += stepy
                    ty += dty
                    if iy < 0 or iy >= ncy:
                        break
            if best_id >= 0:
                out[i, j] = best_id
            prev = best_id
