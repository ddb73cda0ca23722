"""Road red lines: setback from them (`road.setback`) and height against road width
(`road.height`)."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterator

from plancheck import tolerances as tol
from plancheck.evaluate.checks._beyond import signed_distance
from plancheck.evaluate.checks._numbers import pair
from plancheck.evaluate.clauses import Clause
from plancheck.evaluate.engine import Evaluation
from plancheck.evaluate.geometry import Margin, closest, governing, segment
from plancheck.evaluate.registry import check_kind
from plancheck.findings import Finding
from plancheck.model.site import Building, Road

SETBACK_SCHEMA = {
    "type": "object",
    "required": ["frontage_m", "wide_road_min_m", "table"],
    "additionalProperties": False,
    "properties": {
        "frontage_m": {"type": "number", "exclusiveMinimum": 0},
        "wide_road_min_m": {"type": "number", "minimum": 0},
        "table": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["h_max", "narrow", "wide"],
            "additionalProperties": False,
            "properties": {"h_max": {"type": ["number", "null"]},
                           "narrow": {"type": "number", "minimum": 0},
                           "wide": {"type": "number", "minimum": 0}}}},
    },
}
HEIGHT_SCHEMA = {
    "type": "object",
    "required": ["frontage_m", "factor"],
    "additionalProperties": False,
    "properties": {"frontage_m": {"type": "number", "exclusiveMinimum": 0},
                   "factor": {"type": "number", "exclusiveMinimum": 0}},
}


def road_name(r: Road) -> str:
    return r.name if r.name else f"#{r.source.handle}"


def grouped(roads) -> dict[str, list[Road]]:
    """Red-line entities by road (its NAME, or the entity handle when unnamed)."""
    out: dict[str, list[Road]] = defaultdict(list)
    for r in roads:
        out[road_name(r)].append(r)
    return out


def road_width(lines: list[Road]) -> float | None:
    widths = [r.width_m for r in lines if r.width_m is not None]
    return max(widths) if widths else None


def no_roads(ev: Evaluation, clause: Clause) -> Finding:
    msg = ("图中没有道路红线（PC-ROAD），无法检查" if ev.lang == "zh"
           else "the drawing has no road red lines (PC-ROAD): nothing to check against")
    return ev.finding(clause, "unknown", msg, ["site"])


def nearest(geom, lines: list[Road]):
    """(distance, from, to) from a geometry to the nearest of a road's red-line entities."""
    return min((closest(geom, r.line) for r in lines), key=lambda t: t[0])


def fronting(b: Building, lines: list[Road], frontage_m: float) -> bool:
    return nearest(b.footprint, lines)[0] <= frontage_m + tol.COMPARE_M


@check_kind("road.setback", "road-setback", SETBACK_SCHEMA)
def setback(ev: Evaluation, clause: Clause) -> Iterator[Finding]:
    """Distance from each proposed building to the red line of each road it fronts.

    Measures: for each proposed building and each road whose red line lies within
    `frontage_m` of the footprint, the shortest distance from each mass to the red line
    (entities with the same road NAME are one road). Each mass needs the `table` row of its
    own height h (first row with h <= h_max; null = no upper bound), column `narrow` when
    the road's red-line width D <= `wide_road_min_m`, else `wide`. One finding per building
    and road: the mass with the smallest margin measured − required.
    The distance is signed as in every setback finding: a mass reaching across the red line
    gives minus the depth of its farthest vertex beyond it (SH-38 fails it as well).
    Fails when: a mass is closer to the red line than its row requires.
    Unknown when: the road has no width, or (no mass failing) a mass has no height; one
    `site` finding when the drawing has no road red lines at all.
    """
    p = clause.params
    if not ev.model.roads:
        if ev.model.proposed:
            yield no_roads(ev, clause)
        return
    for b, front in _fronts(ev, p["frontage_m"]):
        for name, lines in front.items():
            yield _setback_finding(ev, clause, p, b, name, lines)


def _setback_finding(ev, clause, p, b: Building, name: str, lines: list[Road]) -> Finding:
    zh = ev.lang == "zh"
    width = road_width(lines)
    if width is None:
        msg = (f"{b.name} 临 {name}：道路没有红线宽度，后退距离无法判定" if zh else
               f"{b.name} on {name}: the road has no red-line width, setback cannot be decided")
        d, a, q = nearest(b.footprint, lines)
        return ev.finding(clause, "unknown", msg, [b.name, name], d, None, "m", segment(a, q))
    wide = width > p["wide_road_min_m"]
    cands = []
    for m, d, seg in _mass_distances(b, lines, ev.model.site):
        if m.height_m is None:
            cands.append(Margin(None, d, None, seg, _no_height(m, zh)))
            continue
        row = next(r for r in p["table"] if r["h_max"] is None or m.height_m <= r["h_max"])
        req = row["wide" if wide else "narrow"]
        cands.append(Margin(d - req, d, req, seg, info={"h": m.height_m, "mass": m.label}))
    status, c = governing(cands, tol.COMPARE_M)
    if status == "unknown":
        msg = (f"{b.name} 临 {name}：后退距离无法判定（{c.why}）" if zh else
               f"{b.name} on {name}: setback cannot be decided ({c.why})")
    elif zh:
        verb = "不小于" if status == "pass" else "小于"
        ms, rs = pair(c.measured, c.required, 2, tol.COMPARE_M)
        msg = (f"{b.name} 后退 {name} 道路红线 {ms} m，{verb}要求 {rs} m"
               f"（建筑高度 {c.info['h']:.2f} m，道路红线宽度 {width:g} m "
               f"{'>' if wide else '≤'} {p['wide_road_min_m']:g} m）")
    else:
        verb = "meets" if status == "pass" else "is less than"
        ms, rs = pair(c.measured, c.required, 2, tol.COMPARE_M)
        msg = (f"{b.name} is set back {ms} m from the red line of {name}, which {verb} "
               f"the required {rs} m (height {c.info['h']:.2f} m, red-line width "
               f"{width:g} m {'>' if wide else '<='} {p['wide_road_min_m']:g} m)")
    return ev.finding(clause, status, msg, [b.name, name], c.measured, c.required, "m",
                      c.geometry, road_width_m=width)


@check_kind("road.height", "road-height", HEIGHT_SCHEMA)
def height(ev: Evaluation, clause: Clause) -> Iterator[Finding]:
    """Height of each proposed building against the width of the road it fronts:
    H <= factor × (W + S).

    Measures: the roads whose red line lies within `frontage_m` of the building's footprint;
    W = the red-line width of the widest of them ([APP]: 临接两条以上道路的，可按较宽的道路),
    and for each mass S = its distance to that road's red line, H = its height. measured =
    H, required = factor × (W + S); one finding per building, the mass with the smallest
    margin required − H.
    Fails when: a mass is taller than factor × (W + S).
    Unknown when: a fronting road has no width, or (no mass failing) a mass has no height;
    one `site` finding when the drawing has no road red lines at all.
    """
    p = clause.params
    zh = ev.lang == "zh"
    if not ev.model.roads:
        if ev.model.proposed:
            yield no_roads(ev, clause)
        return
    for b, front in _fronts(ev, p["frontage_m"]):
        missing = sorted(n for n, ls in front.items() if road_width(ls) is None)
        if missing:
            msg = (f"{b.name} 临接的道路 {', '.join(missing)} 没有红线宽度，控制高度无法判定" if zh else
                   f"{b.name}: road(s) {', '.join(missing)} have no red-line width; the height "
                   "limit cannot be decided")
            yield ev.finding(clause, "unknown", msg, [b.name], b.height_m, None, "m")
            continue
        name, lines = max(sorted(front.items()), key=lambda kv: road_width(kv[1]))
        w = road_width(lines)
        cands = []
        for m, s, seg in _mass_distances(b, lines, ev.model.site):
            if m.height_m is None:
                cands.append(Margin(None, None, None, seg, _no_height(m, zh)))
                continue
            req = p["factor"] * (w + s)
            cands.append(Margin(req - m.height_m, m.height_m, req, seg, info={"s": s, "mass": m.label}))
        status, c = governing(cands, tol.COMPARE_M)
        k = p["factor"]
        if status == "unknown":
            msg = (f"{b.name} 控制高度无法判定（{c.why}）" if zh
                   else f"{b.name}: height limit cannot be decided ({c.why})")
        elif zh:
            verb = "不超过" if status == "pass" else "超过"
            msg = (f"{b.name} 建筑高度 {c.measured:.2f} m，{verb} {k:g}×(道路红线宽度 {w:g} m + 后退距离 "
                   f"{c.info['s']:.2f} m) = {c.required:.2f} m（{name}）")
        else:
            verb = "within" if status == "pass" else "above"
            msg = (f"{b.name} height {c.measured:.2f} m is {verb} {k:g} × (red-line width {w:g} m "
                   f"+ setback {c.info['s']:.2f} m) = {c.required:.2f} m ({name})")
        yield ev.finding(clause, status, msg, [b.name], c.measured, c.required, "m", c.geometry,
                         road=name, road_width_m=w)


def _fronts(ev: Evaluation, frontage_m: float):
    """Each proposed building, by name, with the roads it fronts (road name -> red lines)."""
    roads = sorted(grouped(ev.model.roads).items())
    for b in sorted(ev.model.proposed, key=lambda b: b.name):
        front = {n: ls for n, ls in roads if fronting(b, ls, frontage_m)}
        if front:
            yield b, front


def _mass_distances(b: Building, lines: list[Road], site=None):
    """(mass, distance to the road's red line, the dimension segment) for each mass of `b`;
    the distance is negative (minus the depth) where the mass reaches across the red line."""
    for m in b.masses:
        d, a, q = signed_nearest(m.outline, lines, site)
        yield m, d, segment(a, q)


def signed_nearest(geom, lines: list[Road], site):
    """`nearest`, signed: the most negative (deepest across) or else the shortest distance."""
    return min((signed_distance(geom, r.line, site) for r in lines), key=lambda t: t[0])


def _no_height(m, zh: bool) -> str:
    return f"{m.label} 缺少高度" if zh else f"{m.label} has no height"


CROSSING_SCHEMA = {
    "type": "object",
    "required": ["frontage_m"],
    "additionalProperties": False,
    "properties": {"frontage_m": {"type": "number", "exclusiveMinimum": 0}},
}


@check_kind("road.crossing", "road-setback", CROSSING_SCHEMA)
def crossing(ev: Evaluation, clause: Clause) -> Iterator[Finding]:
    """Whether any mass of a proposed building reaches across a road red line.

    Measures: for each proposed building and each road whose red line lies within
    `frontage_m` of it, the signed distance of each mass to the red line: positive on the
    site's side, negative (minus the depth of its farthest vertex beyond the line) where it
    reaches onto the road's side (the side away from the site outline). One finding per
    building and road: the mass with the smallest signed distance; required = 0.
    Fails when: a mass reaches across the red line (signed distance below zero).
    Unknown when: the drawing has no site outline (the road's side cannot be told).
    """
    p = clause.params
    zh = ev.lang == "zh"
    if not ev.model.roads:
        return
    for b, front in _fronts(ev, p["frontage_m"]):
        for name, lines in front.items():
            if ev.model.site is None:
                msg = (f"{b.name} 是否越过 {name} 道路红线无法判定：缺少用地红线，无法区分道路一侧" if zh else
                       f"{b.name}: whether it crosses the red line of {name} cannot be decided: "
                       "without a site outline the road's side cannot be told")
                yield ev.finding(clause, "unknown", msg, [b.name, name], None, 0.0, "m")
                continue
            d, a, q = min(((m, *signed_nearest(m.outline, lines, ev.model.site))
                           for m in b.masses), key=lambda t: t[1])[1:]
            ok = d >= -tol.COMPARE_M
            if zh:
                msg = (f"{b.name} 未越过 {name} 道路红线（距红线 {d:.2f} m）" if ok else
                       f"{b.name} 越过 {name} 道路红线 {-d:.2f} m：建筑物（含围墙、基础、台阶、阳台等）"
                       "不得突出道路规划红线")
            else:
                msg = (f"{b.name} stays behind the red line of {name} ({d:.2f} m from it)" if ok else
                       f"{b.name} reaches {-d:.2f} m across the red line of {name}: no part of a "
                       "building (walls, foundations, steps, balconies...) may cross it")
            yield ev.finding(clause, "pass" if ok else "fail", msg, [b.name, name], d, 0.0, "m",
                             segment(a, q))
