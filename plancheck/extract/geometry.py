"""DXF entities -> point arrays, and the drawing -> model transform (metres, north-up)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import islice

import numpy as np

from plancheck.model.site import Frame
from plancheck.read.dxf import reason_of

#: Entities that can be a closed outline / a line on a linear layer.
OUTLINE_TYPES = ("LWPOLYLINE", "POLYLINE", "CIRCLE", "ELLIPSE", "SPLINE")
LINE_TYPES = ("LINE", "LWPOLYLINE", "POLYLINE", "ARC", "SPLINE")


#: Coordinates beyond this (drawing units) are damage: survey coordinates in millimetres
#: stay below 1e10, and areas and distances of larger ones could overflow to infinity.
MAX_COORDINATE = 1e15
#: A curve that needs more points than this to stay within the flattening tolerance is damage
#: (a bulge of 1e12 or a radius of 1e14), not drawing: a 50 km radius circle needs ~5,000.
MAX_CURVE_POINTS = 100_000


class DamagedGeometry(ValueError):
    """An entity whose geometry cannot be read: infinite, NaN or absurd coordinates, a
    vertex without a location, a spline whose knots do not match its control points..."""


@dataclass(frozen=True)
class RawShape:
    """Vertices of one entity in drawing units (WCS x, y), arcs flattened."""

    points: np.ndarray  # (n, 2)
    closed_flag: bool   # closed by the entity's own flag (or by nature: circle)


def is_2d_polyline(entity) -> bool:
    if entity.dxftype() != "POLYLINE":
        return True
    return entity.get_mode() == "AcDb2dPolyline"


def shape_of(entity, flatten: float) -> RawShape | None:
    """Flattened vertices of a supported entity; None for types this reader does not take.

    Curves are sampled on the true curve (chords inside it, sagitta <= `flatten`), not via
    Bézier approximations, whose error (~2.7e-4 × radius) can exceed the tolerance.
    Raises DamagedGeometry (with the reason) when the entity's data cannot make a shape.
    """
    kind = entity.dxftype()
    if kind not in OUTLINE_TYPES and kind not in LINE_TYPES:
        return None
    if kind in ("LWPOLYLINE", "POLYLINE"):
        if kind == "POLYLINE" and not is_2d_polyline(entity):
            return None
        pts, closed = _polyline(entity, flatten)
    elif kind == "LINE":
        pts, closed = [entity.dxf.start, entity.dxf.end], False
    else:
        pts = _flattening(entity, flatten)
        closed = kind == "CIRCLE" or (kind == "SPLINE" and entity.closed) or (
            kind == "ELLIPSE" and abs((entity.dxf.end_param - entity.dxf.start_param)
                                      % math.tau) < 1e-9)
    arr = np.array([(p[0], p[1]) for p in pts], dtype=float)
    if len(arr) == 0:
        return None
    if not (np.abs(arr) <= MAX_COORDINATE).all():   # also false for NaN
        raise DamagedGeometry(f"coordinates infinite, NaN or beyond ±{MAX_COORDINATE:g}")
    arr = _dedupe(arr)
    # a repeated first vertex: compared absolutely (np.allclose's relative tolerance would
    # merge distinct vertices at survey coordinates such as x = 574 200 m)
    if closed and len(arr) > 1 and np.all(np.abs(arr[0] - arr[-1]) <= DUPLICATE_EPS):
        arr = arr[:-1]
    return RawShape(arr, bool(closed))


def _flattening(entity, flatten: float) -> list:
    """ezdxf's curve sampling, bounded; its errors on damaged data become DamagedGeometry."""
    try:
        pts = list(islice(entity.flattening(flatten), MAX_CURVE_POINTS + 1))
    except (ArithmeticError, ValueError, TypeError, AttributeError, IndexError) as exc:
        raise DamagedGeometry(reason_of(exc)) from None
    if len(pts) > MAX_CURVE_POINTS:
        raise DamagedGeometry(f"more than {MAX_CURVE_POINTS:,} points needed to draw the curve")
    return pts


def _polyline(e, flatten: float) -> tuple[list, bool]:
    """2D polyline vertices in WCS with bulge segments sampled on their arcs."""
    from ezdxf.math import Vec3, bulge_center

    if e.dxftype() == "LWPOLYLINE":
        verts = [(x, y, b) for x, y, b in e.get_points("xyb")]
        closed, elevation = e.closed, e.dxf.get("elevation", 0.0)
    else:
        if any(v.dxf.get("location") is None for v in e.vertices):
            raise DamagedGeometry("a vertex without a location")
        verts = [(v.dxf.location.x, v.dxf.location.y, v.dxf.get("bulge", 0.0)) for v in e.vertices]
        closed, elevation = e.is_closed, e.dxf.get("elevation", Vec3()).z
    n = len(verts)
    out: list[tuple[float, float]] = []
    for i in range(n if closed else n - 1):
        x1, y1, b = verts[i]
        x2, y2, _ = verts[(i + 1) % n]
        out.append((x1, y1))
        if b and (x1, y1) != (x2, y2):
            out.extend(_arc_points((x1, y1), (x2, y2), b, flatten, bulge_center))
    if not closed and n:
        out.append(verts[-1][:2])
    if e.dxf.hasattr("extrusion") and tuple(e.dxf.extrusion) != (0.0, 0.0, 1.0):
        ocs = e.ocs()
        out = [tuple(ocs.to_wcs(Vec3(x, y, elevation)))[:2] for x, y in out]
    return out, closed


def _arc_points(p1, p2, bulge: float, sagitta: float, bulge_center) -> list[tuple[float, float]]:
    """Interior points of the bulge arc p1 -> p2 (endpoints excluded)."""
    center = bulge_center(p1, p2, bulge)
    cx, cy = center.x, center.y
    r = math.hypot(p1[0] - cx, p1[1] - cy)
    sweep = 4.0 * math.atan(bulge)  # signed: positive is counter-clockwise
    # the chord angle with sagitta s: 2·acos(1 − s/r) = 4·asin(√(s/2r)), stable for small s/r
    step = 4.0 * math.asin(math.sqrt(sagitta / (2.0 * r))) if r > sagitta else math.pi / 2
    if not math.isfinite(sweep * r) or abs(sweep) > step * MAX_CURVE_POINTS:
        raise DamagedGeometry(f"a bulge arc needing more than {MAX_CURVE_POINTS:,} points (bulge {bulge:g})")
    count = max(1, math.ceil(abs(sweep) / step))
    a0 = math.atan2(p1[1] - cy, p1[0] - cx)
    return [(cx + r * math.cos(a0 + sweep * k / count), cy + r * math.sin(a0 + sweep * k / count))
            for k in range(1, count)]


#: Consecutive vertices closer than this (drawing units, per axis) are one vertex.
DUPLICATE_EPS = 1e-12


def _dedupe(pts: np.ndarray, eps: float = DUPLICATE_EPS) -> np.ndarray:
    keep = np.ones(len(pts), dtype=bool)
    keep[1:] = np.any(np.abs(np.diff(pts, axis=0)) > eps, axis=1)
    return pts[keep]


def to_model(points: np.ndarray, frame: Frame) -> np.ndarray:
    """Scale drawing units to metres and rotate about the origin so +Y is true north."""
    a = math.radians(frame.rotation_deg)
    c, s = math.cos(a), math.sin(a)
    rot = np.array([[c, s], [-s, c]])
    return (points * frame.scale) @ rot


def point_to_model(x: float, y: float, frame: Frame) -> tuple[float, float]:
    (mx, my), = to_model(np.array([[x, y]], dtype=float), frame)
    return float(mx), float(my)
