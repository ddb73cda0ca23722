"""Flat ring arrays: the one layout every spatial kernel reads.

Footprints arrive as shapely polygons; the kernels want contiguous float64 coordinates and integer offsets
(no Python objects), so `pack` converts a whole array at once with shapely's vectorised accessors.
`shapely.to_ragged_array` gives the same layout but is ~15x slower at 100k (0.17 s vs 0.01 s), because it
walks every ring; here only polygons that actually have holes (or several parts) are split into rings.

This module imports numpy and shapely only, never numba, so `pack` costs no JIT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

_POLYGON = 3
_MULTIPOLYGON = 6


@dataclass(frozen=True, eq=False)
class Rings:
    """N polygons as flat arrays.

    * `xy` (M, 2) float64: all ring coordinates, each ring closed (its last point repeats its first).
    * `ring_offsets` (R+1,) int64: ring r is `xy[ring_offsets[r]:ring_offsets[r+1]]`.
    * `poly_offsets` (N+1,) int64: polygon p owns rings `poly_offsets[p]:poly_offsets[p+1]`; the first is the
      exterior, the rest holes (or, for a MultiPolygon, the rings of all its parts in order). The kernels use the
      even-odd rule over all rings of a polygon, so they need no hole flags.
    * `bbox` (N, 4) float64: minx, miny, maxx, maxy per polygon.
    """

    xy: np.ndarray
    ring_offsets: np.ndarray
    poly_offsets: np.ndarray
    bbox: np.ndarray

    def __post_init__(self) -> None:
        xy, ro, po, bb = self.xy, self.ring_offsets, self.poly_offsets, self.bbox
        if xy.dtype != np.float64 or xy.ndim != 2 or xy.shape[1] != 2 or not xy.flags.c_contiguous:
            raise ValueError("xy must be a C-contiguous float64 (M, 2) array")
        for name, a in (("ring_offsets", ro), ("poly_offsets", po)):
            if a.dtype != np.int64 or a.ndim != 1 or a.size < 1 or a[0] != 0:
                raise ValueError(f"{name} must be a 1-D int64 array starting at 0")
        if ro[-1] != len(xy) or po[-1] != len(ro) - 1:
            raise ValueError("offsets do not cover xy / ring_offsets")
        if bb.dtype != np.float64 or bb.shape != (len(po) - 1, 4) or not bb.flags.c_contiguous:
            raise ValueError("bbox must be a C-contiguous float64 (N, 4) array")
        if not (ro.flags.c_contiguous and po.flags.c_contiguous):
            raise ValueError("offsets must be C-contiguous")
        if len(ro) > 1:
            lens = np.diff(ro)
            if lens.min() < 4:
                raise ValueError("every ring needs at least 4 points (3 distinct + closing)")
            if not np.array_equal(xy[ro[:-1]], xy[ro[1:] - 1]):
                raise ValueError("every ring must be closed (last point == first point)")
        if len(po) > 1 and np.diff(po).min() < 1:
            raise ValueError("every polygon needs at least one ring")

    def __len__(self) -> int:
        return len(self.poly_offsets) - 1

    @property
    def n_rings(self) -> int:
        return len(self.ring_offsets) - 1

    def to_shapely(self) -> np.ndarray:
        """Back to an object array of shapely geometries (reference path, debugging).

        Multi-ring entries are rebuilt by the same even-odd rule the kernels use (symmetric difference of the
        ring interiors), so holes and MultiPolygon parts both come back right.
        """
        ring_idx = np.repeat(np.arange(self.n_rings), np.diff(self.ring_offsets))
        rings = shapely.linearrings(self.xy, indices=ring_idx)
        out = shapely.polygons(rings[self.poly_offsets[:-1]])
        for p in np.flatnonzero(np.diff(self.poly_offsets) > 1):
            parts = shapely.polygons(rings[self.poly_offsets[p]:self.poly_offsets[p + 1]])
            out[p] = shapely.normalize(reduce(shapely.symmetric_difference, parts))
        return out


def _as_array(polys: Sequence[BaseGeometry] | np.ndarray) -> np.ndarray:
    arr = np.asarray(polys, dtype=object) if not isinstance(polys, np.ndarray) else polys
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    return arr


def pack(polys: Sequence[BaseGeometry] | np.ndarray) -> Rings:
    """Pack shapely Polygons / MultiPolygons into `Rings` (coordinates kept bit-exact, z dropped).

    Raises TypeError for other geometry types or None, ValueError for empty geometries: a footprint without an
    outline has no distance to anything, and silently skipping it would hide a drawing error upstream.
    """
    arr = _as_array(polys)
    n = len(arr)
    if n == 0:
        return Rings(np.empty((0, 2)), np.zeros(1, np.int64), np.zeros(1, np.int64), np.empty((0, 4)))
    types = shapely.get_type_id(arr)
    bad = np.flatnonzero((types != _POLYGON) & (types != _MULTIPOLYGON))
    if bad.size:
        raise TypeError(f"pack() takes Polygon/MultiPolygon only; item {bad[0]} is {arr[bad[0]]!r:.60}")
    coords, owner = shapely.get_coordinates(arr, return_index=True)
    xy = np.ascontiguousarray(coords, dtype=np.float64)
    ncoord = np.bincount(owner, minlength=n).astype(np.int64)
    empty = np.flatnonzero(ncoord == 0)
    if empty.size:
        raise ValueError(f"empty geometry at index {empty[0]}")
    coord_off = np.zeros(n + 1, np.int64)
    np.cumsum(ncoord, out=coord_off[1:])

    # Polygons that are one ring (the common case) map 1:1; only the others are split with get_rings.
    # One ring <=> its first point recurs exactly once more, as its last point. A polygon with holes ends
    # on a hole's closing point, so it fails that unless the hole starts on the shell's first point, and then
    # that point recurs more than once. This test costs ~5 ms at 100k; get_num_interior_rings ~25 ms.
    first = xy[coord_off[:-1]]
    again = np.bincount(owner, weights=(xy == first[owner]).all(axis=1), minlength=n)
    one_ring = (again == 2) & (xy[coord_off[1:] - 1] == first).all(axis=1)
    complex_ = np.flatnonzero((types == _MULTIPOLYGON) | ~one_ring)
    if complex_.size == 0:
        ring_off = coord_off
        poly_off = np.arange(n + 1, dtype=np.int64)
    else:
        parts, part_owner = shapely.get_parts(arr[complex_], return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        ring_owner = complex_[part_owner[ring_part]]          # polygon index of each split ring
        nrings = np.ones(n, np.int64)
        nrings[complex_] = 0
        np.add.at(nrings, ring_owner, 1)
        poly_off = np.zeros(n + 1, np.int64)
        np.cumsum(nrings, out=poly_off[1:])
        ring_len = np.empty(poly_off[-1], np.int64)
        simple = np.ones(n, bool)
        simple[complex_] = False
        ring_len[poly_off[:-1][simple]] = ncoord[simple]
        # rings of complex polygons are listed polygon by polygon, so they fill their slots in order
        slots = np.ones(poly_off[-1], bool)
        slots[poly_off[:-1][simple]] = False
        ring_len[slots] = shapely.get_num_coordinates(rings)
        ring_off = np.zeros(len(ring_len) + 1, np.int64)
        np.cumsum(ring_len, out=ring_off[1:])

    starts = coord_off[:-1]
    bbox = np.empty((n, 4), np.float64)
    bbox[:, 0] = np.minimum.reduceat(xy[:, 0], starts)
    bbox[:, 1] = np.minimum.reduceat(xy[:, 1], starts)
    bbox[:, 2] = np.maximum.reduceat(xy[:, 0], starts)
    bbox[:, 3] = np.maximum.reduceat(xy[:, 1], starts)
    return Rings(xy, ring_off, poly_off, bbox)


def as_rings(polys: Rings | Sequence[BaseGeometry] | np.ndarray) -> Rings:
    """`Rings` unchanged, anything else through `pack`."""
    return polys if isinstance(polys, Rings) else pack(polys)
