"""DXF entities -> point arrays, and the drawing -> model transform (metres, north-up)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from plancheck.model.site import Frame

#: Entities that can be a closed outline / a line on a linear layer.
OUTLINE_TYPES = ("LWPOLYLINE", "POLYLINE", "CIRCLE", "ELLIPSE", "SPLINE")
LINE_TYPES = ("LINE", "LWPOLYLINE", "POLYLINE", "ARC", "SPLINE")


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
    """Flattened vertices of a supported entity; None for types this reader does not take."""
    from ezdxf import path as ezpath

    kind = entity.dxftype()
    if kind not in OUTLINE_TYPES and kind not in LINE_TYPES:
        return None
    if kind == "POLYLINE" and not is_2d_polyline(entity):
        return None
    closed = {"LWPOLYLINE": lambda e: e.closed, "POLYLINE": lambda e: e.is_closed,
              "CIRCLE": lambda e: True, "ELLIPSE": lambda e: e.dxf.start_param == 0 and
              abs(e.dxf.end_param - math.tau) < 1e-9, "SPLINE": lambda e: e.closed,
              "LINE": lambda e: False, "ARC": lambda e: False}[kind](entity)
    p = ezpath.make_path(entity)
    pts = np.array([(v.x, v.y) for v in p.flattening(distance=flatten)], dtype=float)
    if len(pts) == 0:
        return None
    pts = _dedupe(pts)
    if closed and len(pts) > 1 and np.allclose(pts[0], pts[-1]):
        pts = pts[:-1]
    return RawShape(pts, bool(closed))


def _dedupe(pts: np.ndarray, eps: float = 1e-12) -> np.ndarray:
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
