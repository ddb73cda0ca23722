"""Setback at road intersections (第三十七条): `road.intersection`.

The red line's curve at a corner is found on the flattened red line itself: a run of vertices
where the line keeps turning the same way by less than `corner_deg` each (a bulge arc or an ARC
entity, flattened with a 1 cm sagitta, turns a few degrees per chord), turning `min_turn_deg`
or more in all. Its ends are the tangent points of the straight and curved parts, and the chord
joining them is the line the setback is measured from. A single vertex turning
`min_turn_deg` or more (or two red-line entities meeting end to end at such an angle) is a
corner drawn without a curve; two corners turning the same way joined by a short straight
(a 切角 cut, at most twice `max_radius_m` long) stand for a curve, the cut being the chord;
any other corner is drawn without a curve: a `DRW-ROAD-CORNER` drawing finding, and buildings near it get
an `unknown` finding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

from shapely.geometry import LineString, Point

from plancheck import tolerances as tol
from plancheck.evaluate.checks._beyond import signed_distance
from plancheck.evaluate.checks._numbers import pair
from plancheck.evaluate.checks.road import road_name
from plancheck.evaluate.clauses import Clause
from plancheck.evaluate.engine import Evaluation
from plancheck.evaluate.geometry import Margin, governing, segment
from plancheck.evaluate.registry import check_kind
from plancheck.findings import Finding, drawing_finding
from plancheck.model.site import Road

_ROWS = {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["h_max"], "additionalProperties": False,
    "properties": {"h_max": {"type": ["number", "null"]},
                   "min_m": {"type": "number", "minimum": 0},
                   "narrow": {"type": "number", "minimum": 0},
                   "wide": {"type": "number", "minimum": 0}}}}
SCHEMA = {
    "type": "object",
    "required": ["frontage_m", "min_turn_deg", "corner_deg", "max_radius_m", "table", "art34"],
    "additionalProperties": False,
    "properties": {
        "frontage_m": {"type": "number", "exclusiveMinimum": 0},
        "min_turn_deg": {"type": "number", "exclusiveMinimum": 0, "maximum": 180},
        "corner_deg": {"type": "number", "exclusiveMinimum": 0, "maximum": 180},
        "max_radius_m": {"type": "number", "exclusiveMinimum": 0},
        "table": _ROWS,
        "art34": {"type": "object", "required": ["wide_road_min_m", "table"],
                  "additionalProperties": False,
                  "properties": {"wide_road_min_m": {"type": "number", "minimum": 0},
                                 "table": _ROWS}},
    },
}


@dataclass(frozen=True)
class Curve:
    road: Road
    t1: tuple[float, float]
    t2: tuple[float, float]
    turn_deg: float
    chamfer: bool = False    # a straight cut between two corners, not an arc
    shared: bool = False     # its segments belong to two roads' pieces (a split 切角)

    @property
    def chord(self) -> LineString:
        return LineString([self.t1, self.t2])


@dataclass(frozen=True)
class Corner:
    road: Road
    at: tuple[float, float]
    turn_deg: float


def _heading(a, b) -> float:
    return math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))


def _turn(h0: float, h1: float) -> float:
    return (h1 - h0 + 180.0) % 360.0 - 180.0


def _chains(roads) -> list[tuple[list[tuple[float, float]], list[Road]]]:
    """The red lines as drawn: pieces that meet end to end, two and only two at a point (a
    red line turning a corner that the reader split per road at its 切角, or one drawn as
    several entities), joined into one line, each segment remembering its road. Vertices where
    the joined line runs straight on (a split point) are dropped."""
    pieces = []
    for r in roads:
        pts = [tuple(p) for p in r.line.coords]
        pts = [p for i, p in enumerate(pts) if i == 0 or math.dist(p, pts[i - 1]) > tol.VERTEX_MERGE_M]
        if len(pts) >= 2:
            pieces.append((pts, [r] * (len(pts) - 1)))

    def meeting(p) -> list[int]:
        return [k for k, (q, _) in enumerate(pieces) if math.dist(q[0], p) <= tol.VERTEX_MERGE_M
                or math.dist(q[-1], p) <= tol.VERTEX_MERGE_M]

    joined = True
    while joined:
        joined = False
        for k, (pts, owners) in enumerate(pieces):
            at = meeting(pts[-1])
            if len(at) != 2:
                continue
            m = at[0] if at[1] == k else at[1]
            if m == k:
                continue
            q, q_owners = pieces[m]
            if math.dist(q[0], pts[-1]) > tol.VERTEX_MERGE_M:
                q, q_owners = q[::-1], q_owners[::-1]
            pieces[k] = (pts + q[1:], owners + q_owners)
            del pieces[m]
            joined = True
            break
    out = []
    for pts, owners in pieces:
        keep_p, keep_o = [pts[0]], []
        for i in range(1, len(pts)):
            if i < len(pts) - 1 and abs(_turn(_heading(pts[i - 1], pts[i]),
                                              _heading(pts[i], pts[i + 1]))) < STRAIGHT_ON_DEG:
                continue      # the line runs straight on: a split point, not a vertex
            keep_o.append(owners[i - 1])
            keep_p.append(pts[i])
        out.append((keep_p, keep_o))
    return out


def _two_roads(owners) -> bool:
    return len({id(o) for o in owners}) > 1


#: a joined red line turning less than this at a vertex runs straight on (float noise only)
STRAIGHT_ON_DEG = 1e-6


def _cut_from(pts, others, corner_deg: float, min_turn_deg: float, max_radius_m: float):
    """The turn of a cut (切角) that `pts` starts with, when its start lies on another red line
    (not at its end: a road drawn by its centre line runs on through the intersection): the
    turn from that line into the cut and from the cut into the road, each `corner_deg` or more,
    the same way, together at least `min_turn_deg`; None otherwise."""
    start = Point(pts[0])
    if math.dist(pts[0], pts[1]) > 2 * max_radius_m:
        return None
    cut = _heading(pts[0], pts[1])
    into = _turn(cut, _heading(pts[1], pts[2]))
    for line in others:
        if line.distance(start) > tol.BOUNDARY_ON_LINE_M:
            continue
        s = line.project(start)
        if s <= tol.BOUNDARY_ON_LINE_M or s >= line.length - tol.BOUNDARY_ON_LINE_M:
            continue        # at the other line's end: meeting end to end (a corner or a chain)
        a, b = line.interpolate(s - tol.BOUNDARY_ON_LINE_M), line.interpolate(s + tol.BOUNDARY_ON_LINE_M)
        along = _heading((a.x, a.y), (b.x, b.y))
        turn_in = _turn(along, cut)
        if abs(turn_in) > 90.0:                       # the other road, taken the way into the cut
            turn_in = _turn(along + 180.0, cut)
        total = abs(turn_in + into)
        if abs(turn_in) >= corner_deg and abs(into) >= corner_deg and \
                math.copysign(1, turn_in) == math.copysign(1, into) and min_turn_deg <= total < 180.0:
            return total
    return None


def find_curves(roads, min_turn_deg: float, corner_deg: float, max_radius_m: float = math.inf):
    """(curves, corners) on the red lines; a curve of larger radius than `max_radius_m` is a
    bend of the road, not the corner of an intersection. Pieces that meet end to end are
    looked at as one line (`_chains`), so a 切角 split between two roads' pieces is still a cut."""
    curves: list[Curve] = []
    corners: list[Corner] = []
    chains = _chains(roads)
    lines = [LineString(c) for c, _ in chains]
    for k, (pts, owners) in enumerate(chains):
        if len(pts) < 3:
            continue
        heads = [_heading(a, b) for a, b in zip(pts, pts[1:])]
        turns = [_turn(h0, h1) for h0, h1 in zip(heads, heads[1:])]   # at vertex i + 1
        lengths = [math.dist(a, b) for a, b in zip(pts, pts[1:])]
        i, last = 0, len(turns)
        # a red line drawn from its 切角: its first (or last) straight starts on another road's
        # red line, turning from it one way and into the road the other way: a cut
        others = [line for m, line in enumerate(lines) if m != k]
        for end in (0, -1):
            ends = pts if end == 0 else pts[::-1]
            cut = _cut_from(ends, others, corner_deg, min_turn_deg, max_radius_m)
            if cut is not None:
                curves.append(Curve(owners[end], ends[0], ends[1], cut, chamfer=True, shared=True))
                if end == 0:
                    i = 1
                else:
                    last = len(turns) - 1
        while i < last:
            t = turns[i]
            if abs(t) >= corner_deg:
                nxt = turns[i + 1] if i + 1 < len(turns) else 0.0
                total = abs(t + nxt)
                if abs(nxt) >= corner_deg and math.copysign(1, nxt) == math.copysign(1, t) \
                        and min_turn_deg <= total < 180.0 and lengths[i + 1] <= 2 * max_radius_m:
                    # a straight cut (切角) between two corners turning the same way: the cut
                    # stands for the curve, its ends for the tangent points
                    curves.append(Curve(owners[i], pts[i + 1], pts[i + 2], total, chamfer=True,
                                        shared=_two_roads(owners[i:i + 3])))
                    i += 2
                    continue
                if abs(t) >= min_turn_deg:
                    corners.append(Corner(owners[i], pts[i + 1], abs(t)))
                i += 1
                continue
            if abs(t) < 1e-6:
                i += 1
                continue
            j = i
            while j + 1 < len(turns) and 1e-6 <= abs(turns[j + 1]) < corner_deg \
                    and math.copysign(1, turns[j + 1]) == math.copysign(1, t):
                j += 1
            total = abs(sum(turns[i:j + 1]))
            if total >= min_turn_deg:
                # run of turning vertices i+1 .. j+1: the tangent points are its ends, or the
                # line's own ends when the run reaches them with arc-sized chords (an ARC entity)
                chord_max = max(lengths[i + 1:j + 1], default=lengths[i])
                a = i if i == 0 and lengths[0] <= 1.5 * chord_max else i + 1
                b = j + 2 if j + 2 == len(pts) - 1 and lengths[-1] <= 1.5 * chord_max else j + 1
                radius = math.dist(pts[a], pts[b]) / (2.0 * math.sin(math.radians(total) / 2.0))
                if radius <= max_radius_m + tol.COMPARE_M:
                    curves.append(Curve(owners[i], pts[a], pts[b], total,
                                        shared=_two_roads(owners[a:b])))
            i = j + 1
    # two red-line entities meeting end to end at an angle: a corner without a curve
    ends = []
    for c, owners in _chains(roads):
        if len(c) >= 2:
            ends.append((owners[0], c[0], _heading(c[1], c[0])))   # heading pointing out of the end
            ends.append((owners[-1], c[-1], _heading(c[-2], c[-1])))
    for k, (r1, p1, h1) in enumerate(ends):
        for r2, p2, h2 in ends[k + 1:]:
            if r1 is r2 or math.dist(p1, p2) > tol.BOUNDARY_ON_LINE_M:
                continue
            turn = 180.0 - abs(_turn(h1, h2))     # 0 when the two continue straight on
            if turn >= min_turn_deg:
                corners.append(Corner(r1, tuple(p1), turn))
    return curves, corners


def _row(rows, h: float) -> dict:
    return next(r for r in rows if r["h_max"] is None or h <= r["h_max"])


def _width(curve: Curve, roads) -> float | None:
    """The curve's red-line width: its own road's; for a curve without one or shared by two
    roads (an ARC drawn as its own entity, a 切角 split between two roads' pieces), the widest
    road whose red line touches a tangent point (the wider road's 第三十四条 value is the
    stricter one)."""
    if curve.road.width_m is not None and not curve.shared:
        return curve.road.width_m
    near = [r.width_m for r in roads if r.width_m is not None and
            min(r.line.distance(Point(curve.t1)), r.line.distance(Point(curve.t2)))
            <= tol.BOUNDARY_ON_LINE_M]
    return max(near) if near else curve.road.width_m


@check_kind("road.intersection", "road-setback", SCHEMA)
def intersection(ev: Evaluation, clause: Clause) -> Iterator[Finding]:
    """Setback from the chord joining the tangent points of a red line's curve at a corner.

    Measures: the curves of the red lines (runs of vertices turning the same way, each by less
    than `corner_deg`, `min_turn_deg` or more in all, of radius at most `max_radius_m`; their
    ends are the tangent points), and
    for each proposed building with a mass within `frontage_m` of a curve's chord, each mass's
    signed distance to the chord (negative where it reaches across). Required per mass: the
    larger of the `table` row of its height (5 m multi/low, 8 m high-rise) and the 第三十四条
    value (`art34`) for the curve's road width D. One finding per building and curve.
    Fails when: a mass is closer to the chord than required.
    Unknown when: a mass has no height (and no other mass fails); D is unknown and the
    distance lies between the 第三十七条 value and the wide-road 第三十四条 value; or the red
    line turns a corner without a curve near the building (also a DRW-ROAD-CORNER finding).
    """
    p = clause.params
    zh = ev.lang == "zh"
    roads = ev.model.roads
    if not roads or not ev.model.proposed:
        return
    curves, corners = find_curves(roads, p["min_turn_deg"], p["corner_deg"], p["max_radius_m"])
    frame = ev.model.frame
    for c in corners:
        x, y = frame.to_drawing(*c.at)
        yield drawing_finding("DRW-ROAD-CORNER", ev.lang, [road_name(c.road)],
                              entity=c.road.source.handle, layer=c.road.source.layer,
                              x=x, y=y, turn=c.turn_deg)
    for b in sorted(ev.model.proposed, key=lambda b: b.name):
        for c in curves:
            if b.footprint.distance(c.chord) > p["frontage_m"] + tol.COMPARE_M:
                continue
            yield _finding(ev, clause, p, b, c, _width(c, roads))
        for c in corners:
            if b.footprint.distance(Point(c.at)) > p["frontage_m"] + tol.COMPARE_M:
                continue
            x, y = frame.to_drawing(*c.at)
            msg = (f"{b.name} 临道路红线转角 ({x:.2f}, {y:.2f})：转角未画切角曲线，第三十七条的切点无法确定，"
                   "路口后退距离无法判定" if zh else
                   f"{b.name} near the red-line corner at ({x:.2f}, {y:.2f}): the corner has no "
                   "curve, so the tangent points of 第三十七条 and the setback cannot be decided")
            yield ev.finding(clause, "unknown", msg, [b.name, road_name(c.road)])


def _finding(ev, clause, p, b, c: Curve, width: float | None) -> Finding:
    zh = ev.lang == "zh"
    name = road_name(c.road)
    a34 = p["art34"]
    cands = []
    for m in b.masses:
        d, a, q = signed_distance(m.outline, c.chord, ev.model.site)
        seg = segment(a, q)
        if m.height_m is None:
            cands.append(Margin(None, d, None, seg, f"{m.label} 缺少高度" if zh else f"{m.label} has no height"))
            continue
        v37 = _row(p["table"], m.height_m)["min_m"]
        row34 = _row(a34["table"], m.height_m)
        if width is None:
            lo, hi = max(v37, row34["narrow"]), max(v37, row34["wide"])
            if d < lo - tol.COMPARE_M or d >= hi - tol.COMPARE_M:
                req = lo if d < lo - tol.COMPARE_M else hi
                cands.append(Margin(d - req, d, req, seg, info={"h": m.height_m, "v37": v37,
                                                                "v34": None}))
            else:
                cands.append(Margin(None, d, None, seg,
                                    "道路没有红线宽度" if zh else "the road has no red-line width"))
            continue
        v34 = row34["wide" if width > a34["wide_road_min_m"] else "narrow"]
        req = max(v37, v34)
        cands.append(Margin(d - req, d, req, seg, info={"h": m.height_m, "v37": v37, "v34": v34}))
    status, g = governing(cands, tol.COMPARE_M)
    if status == "unknown":
        msg = (f"{b.name} 路口后退距离无法判定（{g.why}）" if zh
               else f"{b.name}: the setback at the intersection cannot be decided ({g.why})")
        return ev.finding(clause, status, msg, [b.name, name], g.measured, None, "m", g.geometry)
    i = g.info
    ms, rs = pair(g.measured, g.required, 2, tol.COMPARE_M)
    basis34 = (f"第三十四条 {i['v34']:g} m" if i["v34"] is not None else
               ("第三十四条按道路宽度未知取值" if zh else "第三十四条 for an unknown width"))
    if zh:
        verb = "不小于" if status == "pass" else "小于"
        msg = (f"{b.name} 距 {name} 道路红线直线段与曲线段切点的连线 {ms} m，{verb}要求 {rs} m（建筑高度 {i['h']:.2f} m："
               f"第三十七条 {i['v37']:g} m，{basis34}，取较大值）")
    else:
        verb = "meets" if status == "pass" else "is less than"
        msg = (f"{b.name} is {ms} m from the chord joining the tangent points of the red line's "
               f"curve ({name}), which {verb} the required {rs} m (height {i['h']:.2f} m: "
               f"第三十七条 {i['v37']:g} m, {basis34}, the larger applies)")
    t1, t2 = (ev.model.frame.to_drawing(*t) for t in (c.t1, c.t2))
    msg += (f"；切点 ({t1[0]:.2f}, {t1[1]:.2f})、({t2[0]:.2f}, {t2[1]:.2f})" if zh else
            f"; tangent points ({t1[0]:.2f}, {t1[1]:.2f}), ({t2[0]:.2f}, {t2[1]:.2f})")
    return ev.finding(clause, status, msg, [b.name, name], g.measured, g.required, "m", g.geometry)
