"""Spatial kernels for the spacing rules: which buildings are near each other, how far apart, where.

Spacing between buildings is the minimum distance between footprint outlines (0 when they touch, overlap or
one contains the other; a building standing in another's courtyard hole is *not* at distance 0).

Every function takes either shapely Polygons/MultiPolygons (a sequence or object array) or a `Rings` from
`pack`; pack once and reuse the `Rings` when calling several functions on the same footprints.

    rings = pack(footprints)
    i, j, d = pairs_within(rings, 50.0)                # all pairs i < j within 50 m, sorted by (i, j)
    d, a, b = closest_points(rings, i[0], j[0])        # dimension line from a to b
    lo, hi = extents_along(rings, ux, uy)              # facing or gable-to-gable: overlap_length(...)

Sun-ray shading for sunlight hours is in `rays.py` (`build_prisms`, `first_blockers`: the nearest vertical prism
on each sun ray); import it where it is used, it imports numba.

The numba kernels (`kernels.py`) are imported on first use, so importing this package costs no JIT or numba
import. `PLANCHECK_DISABLE_JIT=1` routes every call to the shapely reference (`reference.py`) instead.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from plancheck.geom.rings import Rings, as_rings, pack

__all__ = ["Rings", "pack", "pairs_within", "pairs_between", "closest_points", "extents_along",
           "overlap_length", "jit_enabled"]

PolysLike: TypeAlias = Rings | Sequence[BaseGeometry] | np.ndarray
Pairs: TypeAlias = tuple[np.ndarray, np.ndarray, np.ndarray]
Point: TypeAlias = tuple[float, float]


def jit_enabled() -> bool:
    """False when PLANCHECK_DISABLE_JIT is set to a true value (read per call, so tests can flip it)."""
    return os.environ.get("PLANCHECK_DISABLE_JIT", "").strip().lower() not in ("1", "true", "yes", "on")


def _shapely(polys: PolysLike) -> np.ndarray:
    if isinstance(polys, Rings):
        return polys.to_shapely()
    return np.asarray(polys, dtype=object).reshape(-1)


def pairs_within(polys: PolysLike, max_dist: float, *, cell_sort: bool | None = None) -> Pairs:
    """All pairs i < j whose minimum distance is <= max_dist, as int64 i, int64 j, float64 d, sorted by (i, j).

    `cell_sort` (default: on from 5000 polygons) reorders the footprints in memory by grid cell first.
    """
    if not jit_enabled():
        from plancheck.geom.reference import pairs_within_ref
        return pairs_within_ref(_shapely(polys), max_dist)
    from plancheck.geom.kernels import pairs_within_rings
    return pairs_within_rings(as_rings(polys), max_dist, cell_sort)


def pairs_between(a: PolysLike, b: PolysLike, max_dist: float) -> Pairs:
    """All (i in a, j in b) whose minimum distance is <= max_dist, sorted by (i, j). Put the large set
    (e.g. 100k existing context buildings) in b: the grid is built over b."""
    if not jit_enabled():
        from plancheck.geom.reference import pairs_between_ref
        return pairs_between_ref(_shapely(a), _shapely(b), max_dist)
    from plancheck.geom.kernels import pairs_between_rings
    ra = as_rings(a)
    if isinstance(b, Rings) or len(ra) == 0:
        return pairs_between_rings(ra, as_rings(b), max_dist)
    # b as shapely (e.g. 100k context buildings): packing all of it would cost more than the search, so pack
    # only those whose bbox comes within max_dist of a's overall bbox (pack: ~1.4 us per polygon)
    bs = np.asarray(b, dtype=object).reshape(-1)
    bounds = shapely.bounds(bs)
    lo, hi = ra.bbox[:, :2].min(axis=0) - max_dist, ra.bbox[:, 2:].max(axis=0) + max_dist
    near = np.flatnonzero((bounds[:, 0] <= hi[0]) & (bounds[:, 2] >= lo[0]) &
                          (bounds[:, 1] <= hi[1]) & (bounds[:, 3] >= lo[1]))
    i, j, d = pairs_between_rings(ra, pack(bs[near]), max_dist)
    return i, near[j], d


def closest_points(polys: PolysLike, i: int, j: int, other: PolysLike | None = None) -> tuple[float, Point, Point]:
    """(d, (ax, ay), (bx, by)): the minimum distance between polygon i and polygon j (of `other` when given, else
    of `polys`) and its witness points, a on i's outline and b on j's. If the two intersect, d = 0 and a = b is a
    common point (when one contains the other, a vertex of the inner one)."""
    if not jit_enabled():
        from plancheck.geom.reference import closest_points_ref
        pa = _shapely(polys)
        pb = pa if other is None else _shapely(other)
        return closest_points_ref(pa[i], pb[j])
    from plancheck.geom.kernels import closest_points_rings
    if isinstance(polys, Rings):
        ra, ia = polys, i
    else:
        ra, ia = pack([np.asarray(polys, dtype=object).reshape(-1)[i]]), 0
    src = polys if other is None else other
    if isinstance(src, Rings):
        rb, jb = src, j
    else:
        rb, jb = pack([np.asarray(src, dtype=object).reshape(-1)[j]]), 0
    return closest_points_rings(ra, ia, rb, jb)


def extents_along(polys: PolysLike, ux: float, uy: float) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi): each polygon's extent along the unit direction (ux, uy), i.e. min/max of x*ux + y*uy.

    Extents along a building's long axis tell whether two buildings face each other (their extents overlap)
    or stand gable to gable (extents across the axis overlap instead); see `overlap_length`.
    """
    n2 = ux * ux + uy * uy
    if abs(n2 - 1.0) > 1e-9:
        raise ValueError(f"(ux, uy) must be a unit vector, |u|^2 = {n2}")
    if not jit_enabled():
        from plancheck.geom.reference import extents_along_ref
        return extents_along_ref(_shapely(polys), ux, uy)
    from plancheck.geom.kernels import extents_along_rings
    return extents_along_rings(as_rings(polys), ux, uy)


def overlap_length(lo1: float | np.ndarray, hi1: float | np.ndarray,
                   lo2: float | np.ndarray, hi2: float | np.ndarray) -> float | np.ndarray:
    """Length of the overlap of [lo1, hi1] and [lo2, hi2] (0 when disjoint or just touching); broadcasts."""
    out = np.maximum(np.minimum(hi1, hi2) - np.maximum(lo1, lo2), 0.0)
    return float(out) if np.ndim(out) == 0 else out
