"""Measuring helpers shared by the check kinds (model frame: metres, +Y = true north).

- `closest(a, b)`: distance and the two closest points (a finding's `geometry`).
- `boundary_edges(site)`: the site outline's edges with their inward normals.
- `facing(outline, normal_deg, ...)`: which facade of a mass faces a direction (main/secondary).
- `extent_along(polys, axis_deg)`: length of the projection of outlines onto an axis.
- `outside(outline, site)`: how far a mass sticks out of the site.
- `Margin` / `governing(...)`: pick the deciding measurement among several.

Shapely does the work; the numba kernels in `plancheck.geom` are for many-pair searches, and
these checks measure a few masses against a few lines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

import shapely
from shapely.geometry import LineString, Point, Polygon

from plancheck.model.orientation import ANGLE_EPS_DEG, axis_angle_between, orientation

XY = tuple[float, float]


def closest(a, b) -> tuple[float, XY, XY]:
    """Distance between two geometries and the closest point on each (from a, to b)."""
    line = shapely.shortest_line(a, b)
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    return a.distance(b), (x0, y0), (x1, y1)


@dataclass(frozen=True)
class Edge:
    line: LineString
    normal_deg: float   # inward normal: direction from the edge into the site, deg CCW from east


def boundary_edges(site: Polygon) -> list[Edge]:
    """The exterior edges of the site, each with its inward normal (zero-length edges dropped)."""
    ring = site.exterior
    coords = list(ring.coords)
    ccw = ring.is_ccw
    out = []
    for (x0, y0), (x1, y1) in zip(coords, coords[1:]):
        dx, dy = x1 - x0, y1 - y0
        if math.hypot(dx, dy) == 0.0:
            continue
        # Interior lies to the left of a counter-clockwise ring.
        nx, ny = (-dy, dx) if ccw else (dy, -dx)
        out.append(Edge(LineString([(x0, y0), (x1, y1)]), math.degrees(math.atan2(ny, nx)) % 360.0))
    return out


@dataclass(frozen=True)
class Facing:
    main: bool            # the main orientation (主要朝向) faces this direction
    facade_width_m: float  # width of the facade that faces it (a gable's width B)
    gable_as_main: bool = False  # a secondary facade wider than the gable limit, counted as main


def facing(outline: Polygon, normal_deg: float, point_ratio: float, main_max_deg: float,
           gable_main_min_m: float) -> Facing:
    """Which facade of a mass faces a direction (e.g. a boundary edge's inward normal).

    Main facades are the long sides of the minimum rotated rectangle; for a point building
    (long/short <= point_ratio) the north and south facades. The main facade faces the
    direction when its normal is within `main_max_deg` of it (inclusive). Otherwise a
    secondary facade (gable) faces it; one wider than `gable_main_min_m` counts as main.
    """
    o = orientation(outline, point_ratio)
    main_normal = 90.0 if o.point else o.normal_deg
    if axis_angle_between(normal_deg, main_normal) <= main_max_deg + ANGLE_EPS_DEG:
        return Facing(True, o.length_m if not o.point else extent_along([outline], 0.0))
    width = extent_along([outline], 90.0) if o.point else o.width_m
    wide = width > gable_main_min_m
    return Facing(wide, width, gable_as_main=wide)


def extent_along(polys: Iterable[Polygon], axis_deg: float) -> float:
    """Length of the projection of the outlines onto an axis through the origin."""
    a = math.radians(axis_deg)
    ux, uy = math.cos(a), math.sin(a)
    ts = [x * ux + y * uy for p in polys for x, y in p.exterior.coords]
    return max(ts) - min(ts) if ts else 0.0


def outside(outline: Polygon, site: Polygon) -> tuple[float, XY, XY] | None:
    """How far a mass reaches beyond the site: (depth, outermost vertex, nearest boundary point),
    or None when it lies inside. Depth is taken over the vertices of the part outside."""
    from plancheck import tolerances as tol

    part = outline.difference(site)
    if part.is_empty or part.area <= tol.OUTSIDE_AREA_M2:
        return None
    best = None
    for geom in getattr(part, "geoms", [part]):
        for x, y in geom.exterior.coords:
            d = site.exterior.distance(Point(x, y))
            if best is None or d > best[0]:
                best = (d, (x, y))
    depth, p = best
    _, _, q = closest(Point(p), site.exterior)
    return depth, p, q


@dataclass
class Margin:
    """One measured candidate: `margin` = how much it clears its limit (negative = fails).
    `margin` None means the candidate could not be decided (`why` says why)."""

    margin: float | None
    measured: float | None = None
    required: float | None = None
    geometry: dict | None = None
    why: str | None = None
    info: dict[str, Any] = field(default_factory=dict)


def governing(cands: list[Margin], slack: float) -> tuple[str, Margin] | None:
    """The deciding candidate and the status it gives.

    A known candidate that fails decides (the smallest margin); otherwise any undecidable
    candidate makes the result unknown; otherwise the smallest margin passes.
    """
    if not cands:
        return None
    known = [c for c in cands if c.margin is not None]
    worst = min(known, key=lambda c: c.margin) if known else None
    if worst is not None and worst.margin < -slack:
        return "fail", worst
    unknown = [c for c in cands if c.margin is None]
    if unknown:
        return "unknown", unknown[0]
    return "pass", worst


def segment(p: XY, q: XY) -> dict:
    """A finding's `geometry`: dimension endpoints."""
    return {"from": [float(p[0]), float(p[1])], "to": [float(q[0]), float(q[1])]}
