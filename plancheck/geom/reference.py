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
