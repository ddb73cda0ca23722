"""Facade width (建筑物面宽): `facade.width`."""

from __future__ import annotations

from typing import Iterator

import shapely

from plancheck import tolerances as tol
from plancheck.evaluate.clauses import Clause
from plancheck.evaluate.engine import Evaluation
from plancheck.evaluate.geometry import extent_along, segment
from plancheck.evaluate.registry import check_kind
from plancheck.findings import Finding
from plancheck.model.orientation import orientation
from plancheck.model.site import Mass

SCHEMA = {
    "type": "object",
    "required": ["uses", "bands", "podium_max_m", "point_ratio"],
    "additionalProperties": False,
    "properties": {
        "uses": {"type": "array", "items": {"type": "string"}},
        "bands": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["h_max", "max_m"], "additionalProperties": False,
            "properties": {"h_max": {"type": ["number", "null"]},
                           "max_m": {"type": "number", "exclusiveMinimum": 0}}}},
        "podium_max_m": {"type": "number", "minimum": 0},
        "point_ratio": {"type": "number", "minimum": 1},
    },
}


@check_kind("facade.width", "facade", SCHEMA)
def width(ev: Evaluation, clause: Clause) -> Iterator[Finding]:
    """Projected facade width of each proposed building of a listed use.

    Measures: the limit is the `bands` row of the building height H (its tallest mass).
    When H > `podium_max_m` (high-rise) only masses taller than `podium_max_m` count (the
    podium is left out), else every mass. The counted masses are split into connected
    groups (towers joined only by a podium count separately); each group is projected onto
    the long axis of its tallest mass and onto the axis perpendicular to it (every
    orientation must comply), and measured = the longest of these projections.
    Fails when: measured exceeds the limit.
    Unknown when: the building has no use, or a mass has no height.
    """
    p = clause.params
    zh = ev.lang == "zh"
    for b in sorted(ev.model.proposed, key=lambda b: b.name):
        if b.use is not None and b.use not in p["uses"]:
            continue
        if b.use is None or b.height_m is None:
            why = ("缺少用途" if b.use is None else "有体块缺少高度") if zh else \
                ("no use" if b.use is None else "a mass has no height")
            msg = f"{b.name} 面宽无法判定：{why}" if zh else f"{b.name}: facade width cannot be decided: {why}"
            yield ev.finding(clause, "unknown", msg, [b.name])
            continue
        h = b.height_m
        limit = next(r["max_m"] for r in p["bands"] if r["h_max"] is None or h <= r["h_max"])
        high = h > p["podium_max_m"]
        masses = [m for m in b.masses if m.height_m > p["podium_max_m"]] if high else list(b.masses)
        length, geom = max((_projection(g, p["point_ratio"]) for g in _groups(masses)),
                           key=lambda t: t[0])
        ok = length <= limit + tol.COMPARE_M
        if zh:
            note = "（不计裙房）" if high and len(masses) < len(b.masses) else ""
            msg = (f"{b.name} 建筑面宽 {length:.2f} m{note}，{'不超过' if ok else '超过'}建筑高度 "
                   f"{h:.2f} m 对应的 {limit:g} m")
        else:
            note = " (podium left out)" if high and len(masses) < len(b.masses) else ""
            msg = (f"{b.name} facade width {length:.2f} m{note} is "
                   f"{'within' if ok else 'over'} the {limit:g} m limit for height {h:.2f} m")
        yield ev.finding(clause, "pass" if ok else "fail", msg, [b.name], length, float(limit),
                         "m", geom)


def _groups(masses: list[Mass]) -> list[list[Mass]]:
    """Masses whose outlines touch or overlap, transitively."""
    groups: list[list[Mass]] = []
    for m in masses:
        hits = [g for g in groups if any(m.outline.intersects(o.outline) for o in g)]
        merged = [m] + [x for g in hits for x in g]
        groups = [g for g in groups if not any(g is h for h in hits)] + [merged]
    return groups


def _projection(group: list[Mass], point_ratio: float) -> tuple[float, dict]:
    """Longest projection of a group onto its tallest mass's long axis or the perpendicular,
    with dimension endpoints along that axis."""
    import math

    top = max(group, key=lambda m: (m.height_m, m.area_m2))
    axis = orientation(top.outline, point_ratio).long_axis_deg
    polys = [m.outline for m in group]
    best = max(((extent_along(polys, a), a) for a in (axis, axis + 90.0)), key=lambda t: t[0])
    length, a = best
    ux, uy = math.cos(math.radians(a)), math.sin(math.radians(a))
    pts = [xy for poly in polys for xy in poly.exterior.coords]
    lo = min(pts, key=lambda xy: xy[0] * ux + xy[1] * uy)
    c = shapely.union_all(polys).centroid
    # Dimension line through the centroid, from the lowest to the highest projection.
    t0 = lo[0] * ux + lo[1] * uy
    tc = c.x * ux + c.y * uy
    base = (c.x + (t0 - tc) * ux, c.y + (t0 - tc) * uy)
    return length, segment(base, (base[0] + length * ux, base[1] + length * uy))
