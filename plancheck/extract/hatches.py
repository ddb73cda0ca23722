"""HATCH boundaries as polygons: green areas institutes draw only as hatches.

Every boundary path (polyline paths with bulges, edge paths of lines, arcs, ellipses and
splines) is flattened on its true curve; paths nest by the even-odd rule AutoCAD fills by
(a path inside one other path is a hole, inside two an island again), so a lawn around a
pavilion is the lawn less the pavilion.
"""

from __future__ import annotations

from itertools import islice

import numpy as np
import shapely
from shapely.geometry import Polygon

from plancheck.extract.geometry import MAX_COORDINATE, MAX_CURVE_POINTS, DamagedGeometry


def polygons(hatch, flatten: float) -> list[Polygon]:
    """The filled regions of `hatch` in drawing units (WCS x, y); DamagedGeometry when its
    boundary data cannot make a shape."""
    from ezdxf import path as ezpath

    rings: list[Polygon] = []
    try:
        paths = list(ezpath.from_hatch(hatch))
    except Exception as exc:  # noqa: BLE001 - ezdxf raises many kinds on damaged paths
        raise DamagedGeometry(f"hatch boundary: {type(exc).__name__}") from None
    for p in paths:
        try:
            pts = list(islice(p.flattening(flatten), MAX_CURVE_POINTS + 1))
        except Exception as exc:  # noqa: BLE001
            raise DamagedGeometry(f"hatch boundary: {type(exc).__name__}") from None
        if len(pts) > MAX_CURVE_POINTS:
            raise DamagedGeometry(f"more than {MAX_CURVE_POINTS:,} points needed to draw the hatch")
        arr = np.array([(v.x, v.y) for v in pts], dtype=float)
        if len(arr) < 3:
            continue
        if not (np.abs(arr) <= MAX_COORDINATE).all():
            raise DamagedGeometry(f"coordinates infinite, NaN or beyond ±{MAX_COORDINATE:g}")
        ring = Polygon(arr)
        if not ring.is_valid:
            fixed = shapely.make_valid(ring)
            parts = [g for g in getattr(fixed, "geoms", [fixed]) if isinstance(g, Polygon)]
            if not parts:
                continue
            ring = max(parts, key=lambda g: g.area)
        if ring.area > 0:
            rings.append(Polygon(ring.exterior))
    return nest(rings)


def nest(rings: list[Polygon]) -> list[Polygon]:
    """Even-odd nesting: each ring at even depth is a region, its children at odd depth its
    holes (children of those are regions again)."""
    order = sorted(rings, key=lambda r: -r.area)
    depth, parent = [], []
    for i, r in enumerate(order):
        point = r.representative_point()
        owners = [j for j in range(i) if order[j].contains(point)]
        parent.append(max(owners, key=lambda j: depth[j]) if owners else None)
        depth.append(len(owners))
    out = []
    for i, r in enumerate(order):
        if depth[i] % 2:
            continue
        holes = [order[j].exterior for j in range(len(order)) if parent[j] == i and depth[j] == depth[i] + 1]
        poly = Polygon(r.exterior, [h.coords for h in holes])
        if not poly.is_valid:
            poly = shapely.make_valid(poly)
            parts = [g for g in getattr(poly, "geoms", [poly]) if isinstance(g, Polygon)]
            out.extend(parts)
        else:
            out.append(poly)
    return [p for p in out if p.area > 0]
