"""Plain shapely/numpy versions of every kernel: the oracle the tests hold the kernels to (1e-9), and the
fallback when `PLANCHECK_DISABLE_JIT=1`.

They take arrays of shapely geometries. They are the obvious way to write each operation, not a fast one
(the `dwithin` query alone is ~20x slower than the kernel at 100k buildings).
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

Pairs = tuple[np.ndarray, np.ndarray, np.ndarray]


def _sorted(i: np.ndarray, j: np.ndarray, d: np.ndarray) -> Pairs:
    o = np.lexsort((j, i))
    return i[o].astype(np.int64), j[o].astype(np.int64), d[o].astype(np.float64)


def pairs_within_ref(polys: np.ndarray, max_dist: float) -> Pairs:
    """STRtree `dwithin` self-query, i < j, exact `shapely.distance`; sorted by (i, j)."""
    polys = np.asarray(polys, dtype=object)
    tree = shapely.STRtree(polys)
    i, j = tree.query(polys, predicate="dwithin", distance=max_dist)
    keep = i < j
    i, j = i[keep], j[keep]
    return _sorted(i, j, shapely.distance(polys[i], polys[j]))


def pairs_between_ref(a: np.ndarray, b: np.ndarray, max_dist: float) -> Pairs:
    """STRtree over b, `dwithin` query with a; sorted by (i in a, j in b)."""
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    tree = shapely.STRtree(b)
    i, j = tree.query(a, predicate="dwithin", distance=max_dist)
    return _sorted(i, j, shapely.distance(a[i], b[j]))


def closest_points_ref(a: BaseGeometry, b: BaseGeometry) -> tuple[float, tuple[float, float], tuple[float, float]]:
    """`shapely.distance` and the end points of `shapely.shortest_line` (GEOS nearest points)."""
    line = shapely.shortest_line(a, b)
    (ax, ay), (bx, by) = shapely.get_coordinates(line)
    return float(shapely.distance(a, b)), (float(ax), float(ay)), (float(bx), float(by))


def extents_along_ref(polys: np.ndarray, ux: float, uy: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate so (ux, uy) becomes +x, then read the x range off `shapely.bounds`."""
    polys = np.asarray(polys, dtype=object)
    rot = np.array([[ux, uy], [-uy, ux]])
    bounds = shapely.bounds(shapely.transform(polys, lambda c: c @ rot.T))
    return bounds[:, 0].copy(), bounds[:, 2].copy()


def _facing_rays(origins: np.ndarray, normals: np.ndarray, suns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) of the rays that are traced: the sun is above the horizon, not at the zenith, and in front of
    the facade (dot(normal, sun_xy) > 0; a zero normal means no facade, so every such sun counts)."""
    up = (suns[:, 2] > 0.0) & ((suns[:, 0] != 0.0) | (suns[:, 1] != 0.0))
    # elementwise, not a matrix product (BLAS may fuse multiply-adds): the kernel rounds it this way
    facing = normals[:, :1] * suns[:, 0] + normals[:, 1:] * suns[:, 1] > 0.0
    facing |= ((normals[:, 0] == 0.0) & (normals[:, 1] == 0.0))[:, None]
    return np.nonzero(facing & up[None, :])


def first_blockers_reference(polygons, base: np.ndarray, top: np.ndarray, origins: np.ndarray,
                             normals: np.ndarray, suns: np.ndarray) -> np.ndarray:
    """Nearest prism on each sun ray, by brute force over every prism with GEOS (the kernel's oracle).

    Same convention as `plancheck.geom.rays.first_blockers`: int32 (N, M), -2 not analysed (sun at or below
    the horizon, or behind the facade), -1 lit, k >= 0 the nearest blocking prism (smallest index on a tie).

    For each ray and prism: the segment from the origin to where the ray rises above the highest roof (or
    leaves the scene) is intersected with the closed footprint. Touching counts: a ray grazing a wall, a
    corner or a roof edge is blocked, so no ray slips along the seam between two masses that share a wall.
    A piece from horizontal distance a to b (a <= b) blocks when the ray is at or below the roof at a and at
    or above the base at b; pieces that end within `SUN_ORIGIN_OFFSET_M` of the origin are the origin's
    own wall and do not block. The entry distance is a, or where the ray reaches the base when it is still
    below it at a; entries within `SUN_TIE_M` of each other are a tie (two masses sharing a wall).
    """
    from plancheck.tolerances import SUN_ORIGIN_OFFSET_M, SUN_TIE_M

    polys = np.asarray(polygons, dtype=object).reshape(-1)
    base = np.asarray(base, dtype=np.float64).reshape(-1)
    top = np.asarray(top, dtype=np.float64).reshape(-1)
    origins = np.asarray(origins, dtype=np.float64).reshape(-1, 3)
    normals = np.asarray(normals, dtype=np.float64).reshape(-1, 2)
    suns = np.asarray(suns, dtype=np.float64).reshape(-1, 3)
    out = np.full((len(origins), len(suns)), -2, np.int32)
    ii, jj = _facing_rays(origins, normals, suns)
    out[ii, jj] = -1
    if len(polys) == 0 or len(ii) == 0:
        return out
    h = np.sqrt(suns[:, 0] * suns[:, 0] + suns[:, 1] * suns[:, 1])
    ox, oy, z0 = origins[ii, 0], origins[ii, 1], origins[ii, 2]
    ux, uy, t = suns[jj, 0] / h[jj], suns[jj, 1] / h[jj], suns[jj, 2] / h[jj]
    # segment length: where z passes the highest roof, or where the ray leaves the scene's bbox (+1 m)
    bounds = shapely.bounds(polys)
    lo = bounds[:, :2].min(axis=0) - 1.0
    hi = bounds[:, 2:].max(axis=0) + 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ex = np.where(ux > 0, (hi[0] - ox) / ux, np.where(ux < 0, (lo[0] - ox) / ux, np.inf))
        ey = np.where(uy > 0, (hi[1] - oy) / uy, np.where(uy < 0, (lo[1] - oy) / uy, np.inf))
    length = np.ceil(np.maximum(np.minimum(np.minimum(ex, ey), (top.max() - z0) / t + 1.0), 0.0) + 1.0)
    # the far end as o + D·(u / max|u_k|) with D a whole number: a ray due south or on a diagonal then runs
    # exactly through the lattice points it should, so GEOS sees every corner it touches
    m = np.maximum(np.abs(ux), np.abs(uy))
    x1, y1 = ox + length * (ux / m), oy + length * (uy / m)
    segs = shapely.linestrings(np.stack([np.c_[ox, oy], np.c_[x1, y1]], axis=1))
    sx0, sx1 = np.minimum(ox, x1), np.maximum(ox, x1)
    sy0, sy1 = np.minimum(oy, y1), np.maximum(oy, y1)
    best = np.full(len(ii), np.inf)
    best_id = np.full(len(ii), -1, np.int64)
    for p, poly in enumerate(polys):
        bx0, by0, bx1, by1 = bounds[p]
        cand = np.flatnonzero((sx0 <= bx1) & (sx1 >= bx0) & (sy0 <= by1) & (sy1 >= by0) & (z0 <= top[p]))
        if len(cand) == 0:
            continue
        parts, owner = shapely.get_parts(shapely.intersection(segs[cand], poly), return_index=True)
        keep = ~shapely.is_empty(parts)
        parts, owner = parts[keep], cand[owner[keep]]
        if len(parts) == 0:
            continue
        xy, k = shapely.get_coordinates(parts, return_index=True)
        r = owner[k]
        s = (xy[:, 0] - ox[r]) * ux[r] + (xy[:, 1] - oy[r]) * uy[r]
        a = np.full(len(parts), np.inf)
        b = np.full(len(parts), -np.inf)
        np.minimum.at(a, k, s)
        np.maximum.at(b, k, s)
        a = np.maximum(a, 0.0)
        za = z0[owner] + a * t[owner]
        zb = z0[owner] + b * t[owner]
        hit = (b > SUN_ORIGIN_OFFSET_M) & (za <= top[p]) & (zb >= base[p])
        e = np.where(za >= base[p], a, (base[p] - z0[owner]) / t[owner])
        e_ray = np.full(len(ii), np.inf)
        np.minimum.at(e_ray, owner[hit], e[hit])
        better = e_ray < best - SUN_TIE_M            # within SUN_TIE_M: a tie, the smaller index keeps it
        best[better] = e_ray[better]
        best_id[better] = p
    blocked = best_id >= 0
    out[ii[blocked], jj[blocked]] = best_id[blocked]
    return out
