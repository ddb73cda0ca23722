"""What lies beyond each site edge (第三十三条 vs 第三十四—三十八、四十条), and signed distances
to red lines. Helpers for the setback and road check kinds; registers no check kind.

A site edge (or the part of one) that lies on a road red line (within
`tolerances.BOUNDARY_ON_LINE_M`) is road frontage, one on a river blue line is river frontage;
the context file's `boundary:` entries (`{at: [x, y], beyond: ...}`) name what lies beyond
the edge nearest each point and beat the geometry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shapely.geometry import LineString, Point
from shapely.ops import unary_union

from plancheck import tolerances as tol
from plancheck.evaluate.geometry import Edge, boundary_edges

#: pieces of an edge shorter than this are dropped (m)
_MIN_PIECE_M = 1e-3


@dataclass(frozen=True)
class Side:
    edge: Edge
    beyond: str | None   # road | river | public-green | residential | other | None (not said)
    how: str | None      # "context" | "geometry" | None


def to_model(ev, xy) -> tuple[float, float]:
    """A point in drawing coordinates (metres, the drawing's axes) -> the model frame."""
    a = math.radians(ev.model.frame.rotation_deg)
    c, s = math.cos(a), math.sin(a)
    x, y = float(xy[0]), float(xy[1])
    return (c * x - s * y, s * x + c * y)


def sides(ev) -> list[Side]:
    """The site outline's edges, split where they run along a red or blue line, each with what
    lies beyond it."""
    site = ev.model.site
    if site is None:
        return []
    edges = boundary_edges(site)
    said: dict[int, str] = {}
    for at, beyond in getattr(ev.context, "boundary", ()) or ():
        p = Point(to_model(ev, at))
        i = min(range(len(edges)), key=lambda k: edges[k].line.distance(p))
        for k in _side_of(edges, i):
            said[k] = beyond
    covers = {k: _cover(ls) for k, ls in (("road", [r.line for r in ev.model.roads]),
                                          ("river", [r.line for r in ev.model.rivers]))}
    out: list[Side] = []
    for i, e in enumerate(edges):
        if i in said:
            out.append(Side(e, said[i], "context"))
            continue
        rest = e.line
        for kind, cover in covers.items():
            if cover is None or rest.is_empty:
                continue
            # a piece shorter than twice the tolerance is where a red line merely meets the
            # edge end-on (at a corner), not where the edge runs along it
            on = [q for q in _lines(rest.intersection(cover))
                  if q.length > 2 * tol.BOUNDARY_ON_LINE_M]
            for piece in on:
                out.append(Side(Edge(piece, e.normal_deg), kind, "geometry"))
            if on:
                rest = rest.difference(unary_union([q.buffer(1e-7, cap_style="flat") for q in on]))
        for piece in _lines(rest):
            out.append(Side(Edge(piece, e.normal_deg), None, None))
    return out


#: a site "side" named by a context point runs on through vertices turning less than this
#: (an arc's flattened chords, a slight kink), so one point names a whole curved edge
SIDE_CORNER_DEG = 20.0


def _side_of(edges: list[Edge], i: int) -> list[int]:
    """Edge i and its neighbours joined to it without a corner of SIDE_CORNER_DEG or more."""
    n = len(edges)

    def turn(a: int, b: int) -> float:
        d = abs(edges[a].normal_deg - edges[b].normal_deg) % 360.0
        return min(d, 360.0 - d)

    out = [i]
    for step in (1, -1):
        k = i
        while len(out) < n:
            nxt = (k + step) % n
            if nxt in out or turn(k, nxt) >= SIDE_CORNER_DEG:
                break
            out.append(nxt)
            k = nxt
    return out


def _cover(lines: list[LineString]):
    if not lines:
        return None
    return unary_union([ln.buffer(tol.BOUNDARY_ON_LINE_M, cap_style="flat") for ln in lines])


def _lines(geom) -> list[LineString]:
    if geom.is_empty:
        return []
    parts = getattr(geom, "geoms", [geom])
    out = []
    for g in parts:
        if isinstance(g, LineString) and g.length > _MIN_PIECE_M:
            out.append(g)
        elif hasattr(g, "geoms"):
            out.extend(_lines(g))
    return out


def road_side(line: LineString, site) -> int | None:
    """Which side of a red line the road lies on: +1 left, −1 right (of the line's direction),
    None when there is no site to tell (then distances stay unsigned)."""
    if site is None or line.length == 0.0:
        return None
    d = line.distance(site) + 1.0
    left = line.buffer(d, single_sided=True).intersection(site).area
    right = line.buffer(-d, single_sided=True).intersection(site).area
    if left == right:
        return None
    return -1 if left > right else 1


def signed_distance(outline, line: LineString, site, reach_m: float = 1000.0):
    """(distance, from, to) from a mass to a red line, negative when the mass reaches onto the
    road side: then minus the distance from the line of its farthest vertex on that side.
    The sign convention is that of 第三十三条 findings (a mass outside the site: −depth)."""
    from plancheck.evaluate.geometry import closest

    d, a, q = closest(outline, line)
    side = road_side(line, site)
    if side is None:
        return d, a, q
    strip = line.buffer(side * reach_m, single_sided=True)
    part = outline.intersection(strip)
    if part.is_empty or part.area <= tol.OUTSIDE_AREA_M2:
        return d, a, q
    best = None
    for g in getattr(part, "geoms", [part]):
        if g.geom_type != "Polygon":
            continue
        for x, y in g.exterior.coords:
            dd = line.distance(Point(x, y))
            if best is None or dd > best[0]:
                best = (dd, (x, y))
    if best is None:
        return d, a, q
    depth, p = best
    _, _, qq = closest(Point(p), line)
    return -depth, p, qq
