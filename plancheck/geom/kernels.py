"""Numba kernels for building spacing: polygon-polygon minimum distance, neighbour pairs, projections.

Why numba and why written like this (measured on the 2-vCPU target, see benchmarks/README.md):

* GEOS spends ~1.1 us per exact polygon distance and ~2 us per `dwithin` test; the loops below do the same exact
  vertex/edge distance in ~0.1-0.2 us, so all pairs within 50 m of 100k footprints take ~0.1-0.2 s instead of 4 s.
* Bodies are plain loops over flat arrays (`Rings`): numpy slicing or reductions inside `@njit` cost seconds of
  JIT time. `cache=True` turns the ~5 s compile into a ~0.2 s cache load (+0.25 s `import numba`) for every
  later process. All jitted code stays in this one module on purpose: numba checks only the caller's own
  source file when validating its cache, so a jitted helper in another module could be edited without the
  callers being recompiled.
* No fastmath: the distances must match GEOS to ~1e-14, and the filters below rely on exact IEEE comparisons.
* Serial only: `prange` gains 0.8-1.9x on this VM, unreliably; the loops are written so it could be added.

Distance semantics (same as `shapely.distance` on valid polygons): 0 when the outlines touch or cross, or one
polygon lies inside the other (a point of one ring inside the other by the even-odd rule over all its rings, so a
polygon standing in another's courtyard hole is *not* inside it); otherwise the minimum over vertex-to-edge
distances in both directions.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from plancheck.geom.rings import Rings

_INF = np.inf


# ---------------------------------------------------------------------------------------------------------------
# primitives


@njit(cache=True)
def _seg_r(px: float, py: float, x0: float, y0: float, ex: float, ey: float) -> float:
    """Parameter r in [0, 1] of the point (x0, y0) + r*(ex, ey) of a segment closest to (px, py).

    The clamp is branch-free on purpose: which end (or the interior) is nearest is unpredictable, and the
    mispredicted branches of GEOS's formulation cost more than the division (about -15 % narrow-phase time).
    """
    l2 = ex * ex + ey * ey
    if l2 > 0.0:
        return min(max(((px - x0) * ex + (py - y0) * ey) / l2, 0.0), 1.0)
    return 0.0


@njit(cache=True)
def _seg_d2(px: float, py: float, x0: float, y0: float, x1: float, y1: float) -> float:
    """Squared distance from a point to a closed segment (agrees with GEOS to ~1e-14 relative)."""
    ex = x1 - x0
    ey = y1 - y0
    r = _seg_r(px, py, x0, y0, ex, ey)
    dx = px - x0 - r * ex
    dy = py - y0 - r * ey
    return dx * dx + dy * dy


@njit(cache=True)
def _box_d2(px: float, py: float, x0: float, y0: float, x1: float, y1: float) -> float:
    """Squared distance from a point to a bbox (0 inside): a lower bound of its distance to anything inside."""
    dx = max(x0 - px, px - x1, 0.0)
    dy = max(y0 - py, py - y1, 0.0)
    return dx * dx + dy * dy


@njit(cache=True)
def _orient(px: float, py: float, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float]:
    """(cross product, its rounding-error bound): which side of the line x0 -> x1 the point lies on; the
    sign is certain when |cross| > bound (Shewchuk's orient2d filter, with a 3x margin)."""
    t1 = (x1 - x0) * (py - y0)
    t2 = (y1 - y0) * (px - x0)
    return t1 - t2, 1e-15 * (abs(t1) + abs(t2))


@njit(cache=True)
def _seg_hit(ax0: float, ay0: float, ax1: float, ay1: float,
             bx0: float, by0: float, bx1: float, by1: float) -> tuple[bool, float, float]:
    """Do two closed segments meet? Returns (hit, x, y) with a meeting point.

    A proper crossing is only accepted when all four orientation signs are certain. When one is not, an end
    point lies within rounding of the other segment's line; then either the segments do not meet, or the
    vertex-to-edge distance that the caller computes next is itself ~1e-15 (an end point lies that close to
    the other segment), so the distance stays right. Accepting uncertain signs would let two collinear,
    end-to-end edges with a gap "cross", i.e. report 0 for a positive distance.
    """
    d1, e1 = _orient(ax0, ay0, bx0, by0, bx1, by1)
    d2, e2 = _orient(ax1, ay1, bx0, by0, bx1, by1)
    d3, e3 = _orient(bx0, by0, ax0, ay0, ax1, ay1)
    d4, e4 = _orient(bx1, by1, ax0, ay0, ax1, ay1)
    if abs(d1) > e1 and abs(d2) > e2 and abs(d3) > e3 and abs(d4) > e4 and \
            (d1 > 0.0) != (d2 > 0.0) and (d3 > 0.0) != (d4 > 0.0):
        s = d1 / (d1 - d2)
        return True, ax0 + s * (ax1 - ax0), ay0 + s * (ay1 - ay0)
    # touching: an end point exactly on the other segment's line and within its span (a product of
    # differences <= 0 means "between", without min/max)
    if d1 == 0.0 and (ax0 - bx0) * (ax0 - bx1) <= 0.0 and (ay0 - by0) * (ay0 - by1) <= 0.0:
        return True, ax0, ay0
    if d2 == 0.0 and (ax1 - bx0) * (ax1 - bx1) <= 0.0 and (ay1 - by0) * (ay1 - by1) <= 0.0:
        return True, ax1, ay1
    if d3 == 0.0 and (bx0 - ax0) * (bx0 - ax1) <= 0.0 and (by0 - ay0) * (by0 - ay1) <= 0.0:
        return True, bx0, by0
    if d4 == 0.0 and (bx1 - ax0) * (bx1 - ax1) <= 0.0 and (by1 - ay0) * (by1 - ay1) <= 0.0:
        return True, bx1, by1
    return False, 0.0, 0.0


@njit(cache=True)
def _inside(px: float, py: float, xy: np.ndarray, ro: np.ndarray, po: np.ndarray, p: int) -> bool:
    """Even-odd point-in-polygon over all rings of polygon p (holes and MultiPolygon parts need no flags)."""
    inside = False
    for r in range(po[p], po[p + 1]):
        for k in range(ro[r], ro[r + 1] - 1):
            y0 = xy[k, 1]
            y1 = xy[k + 1, 1]
            if (y0 > py) != (y1 > py):
                x0 = xy[k, 0]
                xi = x0 + (py - y0) * (xy[k + 1, 0] - x0) / (y1 - y0)
                if px < xi:
                    inside = not inside
    return inside


@njit(cache=True)
def _meet(xa: np.ndarray, ra: np.ndarray, pa: np.ndarray, ba: np.ndarray, ia: int,
          xb: np.ndarray, rb: np.ndarray, pb: np.ndarray, bb: np.ndarray, ib: int) -> tuple[bool, float, float]:
    """Do polygons ia (of A) and ib (of B) intersect? Only called when their bboxes overlap.

    Returns (hit, x, y): a common point (a crossing, or a vertex of one inside the other).
    """
    # a vertex of each ring inside the other polygon: enough, because if no outlines cross, every ring lies
    # wholly inside or outside the other polygon
    for r in range(pa[ia], pa[ia + 1]):
        k = ra[r]
        if _inside(xa[k, 0], xa[k, 1], xb, rb, pb, ib):
            return True, xa[k, 0], xa[k, 1]
    for r in range(pb[ib], pb[ib + 1]):
        k = rb[r]
        if _inside(xb[k, 0], xb[k, 1], xa, ra, pa, ia):
            return True, xb[k, 0], xb[k, 1]
    # edge crossings; edges of a wholly on one side of b's bbox cannot cross b
    bx0 = bb[ib, 0]
    by0 = bb[ib, 1]
    bx1 = bb[ib, 2]
    by1 = bb[ib, 3]
    for r in range(pa[ia], pa[ia + 1]):
        for k in range(ra[r], ra[r + 1] - 1):
            ax0 = xa[k, 0]
            ay0 = xa[k, 1]
            ax1 = xa[k + 1, 0]
            ay1 = xa[k + 1, 1]
            if (ax0 < bx0 and ax1 < bx0) or (ax0 > bx1 and ax1 > bx1) or \
                    (ay0 < by0 and ay1 < by0) or (ay0 > by1 and ay1 > by1):
                continue
            for r2 in range(pb[ib], pb[ib + 1]):
                for m in range(rb[r2], rb[r2 + 1] - 1):
                    hit, x, y = _seg_hit(ax0, ay0, ax1, ay1, xb[m, 0], xb[m, 1], xb[m + 1, 0], xb[m + 1, 1])
                    if hit:
                        return True, x, y
    return False, 0.0, 0.0


# ---------------------------------------------------------------------------------------------------------------
# witness points


@njit(cache=True)
def closest_kernel(xa: np.ndarray, ra: np.ndarray, pa: np.ndarray, ba: np.ndarray, ia: int,
                   xb: np.ndarray, rb: np.ndarray, pb: np.ndarray, bb: np.ndarray, ib: int,
                   out: np.ndarray) -> None:
    """out = [d, ax, ay, bx, by]: minimum distance between polygon ia of A and ib of B and a point on each
    outline realising it (unpruned vertex-to-edge search: called per reported pair, not per candidate).
    When they intersect, d = 0 and both points are one common point."""
    if ba[ia, 0] <= bb[ib, 2] and bb[ib, 0] <= ba[ia, 2] and ba[ia, 1] <= bb[ib, 3] and bb[ib, 1] <= ba[ia, 3]:
        hit, x, y = _meet(xa, ra, pa, ba, ia, xb, rb, pb, bb, ib)
        if hit:
            out[0] = 0.0
            out[1] = x
            out[2] = y
            out[3] = x
            out[4] = y
            return
    best = _INF
    for side in range(2):
        if side == 0:
            xs, rs, ps, s, xt, rt, pt, t = xa, ra, pa, ia, xb, rb, pb, ib
        else:
            xs, rs, ps, s, xt, rt, pt, t = xb, rb, pb, ib, xa, ra, pa, ia
        for r in range(ps[s], ps[s + 1]):
            for k in range(rs[r], rs[r + 1] - 1):
                px = xs[k, 0]
                py = xs[k, 1]
                for r2 in range(pt[t], pt[t + 1]):
                    for m in range(rt[r2], rt[r2 + 1] - 1):
                        x0 = xt[m, 0]
                        y0 = xt[m, 1]
                        d2 = _seg_d2(px, py, x0, y0, xt[m + 1, 0], xt[m + 1, 1])
                        if d2 < best:
                            best = d2
                            ex = xt[m + 1, 0] - x0
                            ey = xt[m + 1, 1] - y0
                            u = _seg_r(px, py, x0, y0, ex, ey)
                            qx = x0 + u * ex
                            qy = y0 + u * ey
                            if side == 0:
                                out[1], out[2], out[3], out[4] = px, py, qx, qy
                            else:
                                out[1], out[2], out[3], out[4] = qx, qy, px, py
    out[0] = math.sqrt(best)


# ---------------------------------------------------------------------------------------------------------------
# broad phase: a uniform grid over polygon centres


@njit(cache=True)
def _bucket(cid: np.ndarray, sel: np.ndarray, nc: int) -> tuple[np.ndarray, np.ndarray]:
    """Counting sort of polygons `sel` by cell id: CSR (cell_start, items), items in cell order."""
    start = np.zeros(nc + 1, np.int64)
    for k in range(len(cid)):
        start[cid[k] + 1] += 1
    for c in range(nc):
        start[c + 1] += start[c]
    pos = np.empty(nc, np.int64)
    for c in range(nc):
        pos[c] = start[c]
    items = np.empty(len(sel), np.int64)
    for k in range(len(sel)):
        c = cid[k]
        items[pos[c]] = sel[k]
        pos[c] += 1
    return start, items


@njit(cache=True)
def _cell_range(lo: float, hi: float, o: float, cell: float, n: int) -> tuple[int, int]:
    """Cells [i0, i1] whose span meets [lo, hi] (clamped to the grid; i0 > i1 when none)."""
    i0 = int(math.floor((lo - o) / cell))
    i1 = int(math.floor((hi - o) / cell))
    return max(i0, 0), min(i1, n - 1)


@njit(cache=True)
def _gather(xy: np.ndarray, ro: np.ndarray, po: np.ndarray, bb: np.ndarray,
            order: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Copy polygons into `order` (cell order) so neighbours sit next to each other in memory."""
    n = len(order)
    po2 = np.empty(n + 1, np.int64)
    bb2 = np.empty((n, 4))
    nr = 0
    for k in range(n):
        p = order[k]
        po2[k] = nr
        nr += po[p + 1] - po[p]
        for c in range(4):
            bb2[k, c] = bb[p, c]
    po2[n] = nr
    ro2 = np.empty(nr + 1, np.int64)
    m = 0
    r2 = 0
    for k in range(n):
        p = order[k]
        for r in range(po[p], po[p + 1]):
            ro2[r2] = m
            m += ro[r + 1] - ro[r]
            r2 += 1
    ro2[nr] = m
    xy2 = np.empty((m, 2))
    m = 0
    for k in range(n):
        p = order[k]
        for q in range(ro[po[p]], ro[po[p + 1]]):
            xy2[m, 0] = xy[q, 0]
            xy2[m, 1] = xy[q, 1]
            m += 1
    return xy2, ro2, po2, bb2


@njit(cache=True)
def _gap2(ax0: float, ay0: float, ax1: float, ay1: float, bx0: float, by0: float, bx1: float, by1: float) -> float:
    """Squared Euclidean gap between two bboxes (0 when they overlap): a lower bound of the polygon distance."""
    gx = bx0 - ax1
    t = ax0 - bx1
    if t > gx:
        gx = t
    gy = by0 - ay1
    t = ay0 - by1
    if t > gy:
        gy = t
    g = 0.0
    if gx > 0.0:
        g += gx * gx
    if gy > 0.0:
        g += gy * gy
    return g


@njit(cache=True)
def _sweep_within(bb: np.ndarray, start: np.ndarray, items: np.ndarray, big: np.ndarray,
                  ncx: int, ncy: int, x0: float, y0: float, cell: float, reach: float, bound2: float,
                  ca: np.ndarray, cb: np.ndarray) -> int:
    """Broad phase: visit every unordered pair once, keep those whose bbox gap is < bound2; returns the count.

    Gridded polygons look at later items of their own cell and at 4 forward neighbour cells; oversized ones
    scan the rows of a cell range, then each other. Pass 1 (empty `ca`) counts, pass 2 writes the candidates
    in visit order, so the narrow phase walks memory in cell order. (The mode is not a bool argument: a
    True/False constant passed from jitted code is a literal type of its own, i.e. a second compile.)
    Nothing here calls a function taking arrays: each such call costs atomic refcount updates per array,
    which at millions of calls dominates.
    """
    fill = len(ca) > 0
    w = 0
    for c in range(ncx * ncy):
        k0 = start[c]
        k1 = start[c + 1]
        if k0 == k1:
            continue
        cx = c % ncx
        cy = c // ncx
        for k in range(k0, k1):
            a = items[k]
            ax0 = bb[a, 0]
            ay0 = bb[a, 1]
            ax1 = bb[a, 2]
            ay1 = bb[a, 3]
            for q in range(5):
                if q == 0:
                    s, e = k + 1, k1
                elif q == 1:
                    if cx + 1 >= ncx:
                        continue
                    s, e = start[c + 1], start[c + 2]
                else:
                    if cy + 1 >= ncy or not 0 <= cx + q - 3 < ncx:
                        continue
                    c2 = c + ncx + q - 3
                    s, e = start[c2], start[c2 + 1]
                for k2 in range(s, e):
                    b = items[k2]
                    if _gap2(ax0, ay0, ax1, ay1, bb[b, 0], bb[b, 1], bb[b, 2], bb[b, 3]) < bound2:
                        if fill:
                            ca[w] = a
                            cb[w] = b
                        w += 1
    nb = len(big)
    for t in range(nb):
        a = big[t]
        ax0 = bb[a, 0]
        ay0 = bb[a, 1]
        ax1 = bb[a, 2]
        ay1 = bb[a, 3]
        ix0, ix1 = _cell_range(ax0 - reach, ax1 + reach, x0, cell, ncx)
        iy0, iy1 = _cell_range(ay0 - reach, ay1 + reach, y0, cell, ncy)
        nrow = iy1 - iy0 + 1 if ix0 <= ix1 and iy0 <= iy1 else 0
        for row in range(nrow + 1):
            # each row of the range is one contiguous run of items; the last round: later oversized ones
            if row < nrow:
                s, e = start[(iy0 + row) * ncx + ix0], start[(iy0 + row) * ncx + ix1 + 1]
            else:
                s, e = t + 1, nb
            for k2 in range(s, e):
                b = items[k2] if row < nrow else big[k2]
                if _gap2(ax0, ay0, ax1, ay1, bb[b, 0], bb[b, 1], bb[b, 2], bb[b, 3]) < bound2:
                    if fill:
                        ca[w] = a
                        cb[w] = b
                    w += 1
    return w


@njit(cache=True)
def _sweep_between(ba: np.ndarray, bb: np.ndarray, start: np.ndarray, items: np.ndarray,
                   big: np.ndarray, ncx: int, ncy: int, x0: float, y0: float, cell: float, reach: float,
                   bound2: float, ca: np.ndarray, cb: np.ndarray) -> int:
    """Broad phase A x B: each polygon of A scans the rows of B's cells its reach covers, then B's oversized
    polygons; counts (pass 1) or writes (pass 2) the candidates as in `_sweep_within`."""
    fill = len(ca) > 0
    w = 0
    nb = len(big)
    for a in range(len(ba)):
        ax0 = ba[a, 0]
        ay0 = ba[a, 1]
        ax1 = ba[a, 2]
        ay1 = ba[a, 3]
        ix0, ix1 = _cell_range(ax0 - reach, ax1 + reach, x0, cell, ncx)
        iy0, iy1 = _cell_range(ay0 - reach, ay1 + reach, y0, cell, ncy)
        nrow = iy1 - iy0 + 1 if ix0 <= ix1 and iy0 <= iy1 else 0
        for row in range(nrow + 1):
            if row < nrow:
                s, e = start[(iy0 + row) * ncx + ix0], start[(iy0 + row) * ncx + ix1 + 1]
            else:
                s, e = 0, nb
            for k2 in range(s, e):
                b = items[k2] if row < nrow else big[k2]
                if _gap2(ax0, ay0, ax1, ay1, bb[b, 0], bb[b, 1], bb[b, 2], bb[b, 3]) < bound2:
                    if fill:
                        ca[w] = a
                        cb[w] = b
                    w += 1
    return w


@njit(cache=True)
def _narrow(xa: np.ndarray, ra: np.ndarray, pa: np.ndarray, ba: np.ndarray,
            xb: np.ndarray, rb: np.ndarray, pb: np.ndarray, bb: np.ndarray,
            ca: np.ndarray, cb: np.ndarray, perm_a: np.ndarray, perm_b: np.ndarray, bound2: float,
            ii: np.ndarray, jj: np.ndarray, dd: np.ndarray) -> None:
    """Narrow phase over the candidate list: original indices and the exact distance, or inf when it is
    >= sqrt(bound2).

    Minimum over vertex-to-edge distances both ways, after an intersection test when the bboxes overlap.
    Speed comes from the order: the vertex of a nearest to b's bbox goes first, which nearly always gives a
    tight `best` at once, so the bbox prune then passes over all but the one or two facing vertices of each
    polygon. Written as one loop nest on purpose: a call passing these arrays costs more in atomic
    refcounting than the distance itself, and numba's IR inlining (inline="always") multiplies the JIT time.
    """
    for k in range(len(ca)):
        a = np.int64(ca[k])                   # int64 indices: one specialisation of _meet
        b = np.int64(cb[k])
        ii[k] = perm_a[a]
        jj[k] = perm_b[b]
        ax0 = ba[a, 0]
        ay0 = ba[a, 1]
        ax1 = ba[a, 2]
        ay1 = ba[a, 3]
        bx0 = bb[b, 0]
        by0 = bb[b, 1]
        bx1 = bb[b, 2]
        by1 = bb[b, 3]
        if ax0 <= bx1 and bx0 <= ax1 and ay0 <= by1 and by0 <= ay1:
            hit, _, _ = _meet(xa, ra, pa, ba, a, xb, rb, pb, bb, b)
            if hit:
                dd[k] = 0.0
                continue
        g = _INF
        ka = ra[pa[a]]
        for r in range(pa[a], pa[a + 1]):
            for q in range(ra[r], ra[r + 1] - 1):
                gq = _box_d2(xa[q, 0], xa[q, 1], bx0, by0, bx1, by1)
                if gq < g:
                    g = gq
                    ka = q
        px = xa[ka, 0]
        py = xa[ka, 1]
        best = bound2
        for r in range(pb[b], pb[b + 1]):
            for m in range(rb[r], rb[r + 1] - 1):
                best = min(best, _seg_d2(px, py, xb[m, 0], xb[m, 1], xb[m + 1, 0], xb[m + 1, 1]))
        # the other vertices of a against b's edges, then b's vertices against a's edges (written out twice:
        # a loop swapping the array variables is ~10 % slower)
        for r in range(pa[a], pa[a + 1]):
            for q in range(ra[r], ra[r + 1] - 1):
                px = xa[q, 0]
                py = xa[q, 1]
                if q == ka or _box_d2(px, py, bx0, by0, bx1, by1) >= best:
                    continue
                for r2 in range(pb[b], pb[b + 1]):
                    for m in range(rb[r2], rb[r2 + 1] - 1):
                        best = min(best, _seg_d2(px, py, xb[m, 0], xb[m, 1], xb[m + 1, 0], xb[m + 1, 1]))
        for r in range(pb[b], pb[b + 1]):
            for q in range(rb[r], rb[r + 1] - 1):
                px = xb[q, 0]
                py = xb[q, 1]
                if _box_d2(px, py, ax0, ay0, ax1, ay1) >= best:
                    continue
                for r2 in range(pa[a], pa[a + 1]):
                    for m in range(ra[r2], ra[r2 + 1] - 1):
                        best = min(best, _seg_d2(px, py, xa[m, 0], xa[m, 1], xa[m + 1, 0], xa[m + 1, 1]))
        dd[k] = math.sqrt(best) if best < bound2 else _INF


@njit(cache=True)
def _finish(n: int, ii: np.ndarray, jj: np.ndarray, dd: np.ndarray,
            max_dist: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep d <= max_dist, scatter by i (counting sort), then sort each i-group by j (shell sort: groups are
    small, but an oversized polygon can have thousands of neighbours)."""
    off = np.zeros(n + 1, np.int64)
    for k in range(len(dd)):
        if dd[k] <= max_dist:
            off[ii[k] + 1] += 1
    for i in range(n):
        off[i + 1] += off[i]
    pos = np.empty(n, np.int64)
    for i in range(n):
        pos[i] = off[i]
    kept = off[n]
    oi = np.empty(kept, np.int64)
    oj = np.empty(kept, np.int64)
    od = np.empty(kept)
    for k in range(len(dd)):
        if dd[k] <= max_dist:
            i = ii[k]
            w = pos[i]
            oj[w] = jj[k]
            od[w] = dd[k]
            pos[i] = w + 1
    for i in range(n):
        g0 = off[i]
        g1 = off[i + 1]
        for w in range(g0, g1):
            oi[w] = i
        gap = 1
        while gap < (g1 - g0) // 3:
            gap = 3 * gap + 1
        while gap >= 1:
            for u in range(g0 + gap, g1):
                vj = oj[u]
                vd = od[u]
                v = u
                while v >= g0 + gap and oj[v - gap] > vj:
                    oj[v] = oj[v - gap]
                    od[v] = od[v - gap]
                    v -= gap
                oj[v] = vj
                od[v] = vd
            gap //= 3
    return oi, oj, od


@njit(cache=True)
def extents_kernel(xy: np.ndarray, ro: np.ndarray, po: np.ndarray, ux: float,
                   uy: float) -> tuple[np.ndarray, np.ndarray]:
    """Per polygon, min and max of x*ux + y*uy over its vertices."""
    n = len(po) - 1
    lo = np.empty(n)
    hi = np.empty(n)
    for p in range(n):
        a = _INF
        b = -_INF
        for k in range(ro[po[p]], ro[po[p + 1]]):
            v = xy[k, 0] * ux + xy[k, 1] * uy
            if v < a:
                a = v
            if v > b:
                b = v
        lo[p] = a
        hi[p] = b
    return lo, hi


# ---------------------------------------------------------------------------------------------------------------
# Python-side set-up (numpy, no JIT)

#: Relative slack on the grid cell and search reach, far above rounding: only makes cells a hair bigger.
_SLACK = 1e-6


def _bound2(max_dist: float) -> float:
    """Pruning bound a hair above max_dist^2, so a distance equal to max_dist is still computed exactly."""
    return max_dist * max_dist * (1.0 + 1e-9) + 1e-18


def _grid_params(bb: np.ndarray, max_dist: float) -> tuple[np.ndarray, np.ndarray, float, float, float, int, int,
                                                           float]:
    """Grid for the polygons with bboxes `bb`: (small, big, x0, y0, cell, ncx, ncy, reach).

    The cell is the largest bbox side `s` plus max_dist, so any pair within max_dist has centres in adjacent
    cells. One 600 m podium would blow every cell up to 650 m, so `s` is capped at twice the 99th percentile;
    the few polygons above it (`big`) are kept out of the grid and scan the cells within `reach` instead.
    """
    side = np.maximum(bb[:, 2] - bb[:, 0], bb[:, 3] - bb[:, 1])
    n = len(side)
    k = int(0.99 * (n - 1))
    s = min(float(side.max()), 2.0 * float(np.partition(side, k)[k]))
    is_big = side > s
    small = np.flatnonzero(~is_big)
    big = np.flatnonzero(is_big)
    cell = (s + max_dist) * (1.0 + _SLACK) + 1e-9
    cx = 0.5 * (bb[small, 0] + bb[small, 2])
    cy = 0.5 * (bb[small, 1] + bb[small, 3])
    x0, y0 = float(cx.min()), float(cy.min())
    span_x, span_y = float(cx.max()) - x0, float(cy.max()) - y0
    cap = max(4 * len(small), 64)          # few cells per polygon, even for far-flung clusters
    while (int(span_x / cell) + 1) * (int(span_y / cell) + 1) > cap:
        cell *= 1.5
    ncx = int(span_x / cell) + 1
    ncy = int(span_y / cell) + 1
    reach = (max_dist + 0.5 * s) * (1.0 + _SLACK) + 1e-9 + _SLACK * cell
    return small.astype(np.int64), big.astype(np.int64), x0, y0, cell, ncx, ncy, reach


def _grid(bb: np.ndarray, small: np.ndarray, x0: float, y0: float, cell: float, ncx: int,
          ncy: int) -> tuple[np.ndarray, np.ndarray]:
    """Bucket the gridded polygons by the cell of their bbox centre (same float formula as `_cell_range`)."""
    ix = np.clip(np.floor((0.5 * (bb[small, 0] + bb[small, 2]) - x0) / cell), 0, ncx - 1).astype(np.int64)
    iy = np.clip(np.floor((0.5 * (bb[small, 1] + bb[small, 3]) - y0) / cell), 0, ncy - 1).astype(np.int64)
    return _bucket(iy * ncx + ix, small, ncx * ncy)


def _check_dist(max_dist: float) -> float:
    max_dist = float(max_dist)
    if not (math.isfinite(max_dist) and max_dist >= 0.0):
        raise ValueError(f"max_dist must be finite and >= 0, got {max_dist}")
    return max_dist


_EMPTY = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))


def pairs_within_rings(rings: Rings, max_dist: float,
                       cell_sort: bool | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, d): every pair i < j with exact distance d <= max_dist, sorted by (i, j).

    Grid, count pass, fill pass, narrow phase, filter and sort; the glue between the jitted steps is plain
    Python (microseconds), which keeps it out of the JIT. `cell_sort` copies the polygons into grid order
    first, so the narrow phase reads memory sequentially; by default on from 5000 polygons.
    """
    max_dist = _check_dist(max_dist)
    n = len(rings)
    if n < 2:
        return _EMPTY
    if cell_sort is None:
        cell_sort = n >= 5000
    bound2 = _bound2(max_dist)
    small, big, x0, y0, cell, ncx, ncy, reach = _grid_params(rings.bbox, max_dist)
    start, items = _grid(rings.bbox, small, x0, y0, cell, ncx, ncy)
    xy, ro, po, bb = rings.xy, rings.ring_offsets, rings.poly_offsets, rings.bbox
    if cell_sort:
        perm = np.concatenate([items, big])
        xy, ro, po, bb = _gather(xy, ro, po, bb, perm)
        items = np.arange(len(small), dtype=np.int64)
        big = np.arange(len(small), n, dtype=np.int64)
    else:
        perm = np.arange(n, dtype=np.int64)
    args = (start, items, big, ncx, ncy, x0, y0, cell, reach, bound2)
    ca, cb = _candidates(_sweep_within, bb, args)
    m = len(ca)
    ii, jj, dd = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m)
    _narrow(xy, ro, po, bb, xy, ro, po, bb, ca, cb, perm, perm, bound2, ii, jj, dd)
    lo = np.minimum(ii, jj)                    # i < j
    np.maximum(ii, jj, out=jj)
    return _finish(n, lo, jj, dd, max_dist)


def pairs_between_rings(a: Rings, b: Rings, max_dist: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, d): every i in a, j in b with exact distance d <= max_dist, sorted by (i, j). The grid is built
    over b (the large context set); a is scanned in its own order."""
    max_dist = _check_dist(max_dist)
    if len(a) == 0 or len(b) == 0:
        return _EMPTY
    bound2 = _bound2(max_dist)
    small, big, x0, y0, cell, ncx, ncy, reach = _grid_params(b.bbox, max_dist)
    start, items = _grid(b.bbox, small, x0, y0, cell, ncx, ncy)
    ca, cb = _candidates(_sweep_between, (a.bbox, b.bbox), (start, items, big, ncx, ncy, x0, y0, cell, reach,
                                                             bound2))
    m = len(ca)
    ii, jj, dd = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m)
    ident_a = np.arange(len(a), dtype=np.int64)
    ident_b = np.arange(len(b), dtype=np.int64)
    _narrow(a.xy, a.ring_offsets, a.poly_offsets, a.bbox, b.xy, b.ring_offsets, b.poly_offsets, b.bbox,
            ca, cb, ident_a, ident_b, bound2, ii, jj, dd)
    return _finish(len(a), ii, jj, dd, max_dist)


def _candidates(sweep, boxes, args: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Two-pass output: the sweep counts the candidate pairs, then fills exactly-sized arrays (int32: the
    candidate lists are the biggest arrays, half the memory traffic)."""
    boxes = boxes if isinstance(boxes, tuple) else (boxes,)
    none = np.empty(0, np.int32)
    m = sweep(*boxes, *args, none, none)
    ca, cb = np.empty(m, np.int32), np.empty(m, np.int32)
    if m:
        sweep(*boxes, *args, ca, cb)
    return ca, cb


def closest_points_rings(a: Rings, i: int, b: Rings,
                         j: int) -> tuple[float, tuple[float, float], tuple[float, float]]:
    """(d, (ax, ay), (bx, by)) for polygon i of a and polygon j of b."""
    if not (0 <= i < len(a) and 0 <= j < len(b)):
        raise IndexError(f"polygon index out of range: {i}, {j}")
    out = np.empty(5)
    closest_kernel(a.xy, a.ring_offsets, a.poly_offsets, a.bbox, int(i),
                   b.xy, b.ring_offsets, b.poly_offsets, b.bbox, int(j), out)
    return float(out[0]), (float(out[1]), float(out[2])), (float(out[3]), float(out[4]))


def extents_along_rings(rings: Rings, ux: float, uy: float) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi): each polygon's projection onto the unit direction (ux, uy)."""
    return extents_kernel(rings.xy, rings.ring_offsets, rings.poly_offsets, float(ux), float(uy))
