"""Road red lines as institutes draw them.

- One open polyline per side of a road that turns the corner into the next road, with a 切角
  chamfer (or a fillet) at the intersection: it is split into per-road pieces. Straight runs
  at least RUN_MIN_M long are each part of one road; two runs turning by more than
  TURN_MIN_DEG meet at a corner, and the piece between them (the chamfer) is cut at its middle.
  Each piece then finds its own name and width.
- Widths and names as separate texts on any layer near the line (`祁连山南路`, `道路红线宽40m`,
  `规划三路  红线宽24m`, `W=24m`); a text on the road layer itself is preferred (PCDS-1 §5).
- A road drawn only by its centre line: with a width text nearby, its red lines are the centre
  line offset by half the width on each side where no red line is drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from shapely.geometry import LineString, Point
from shapely.ops import substring

from plancheck import tolerances as tol

RUN_MIN_M = tol.ROAD_RUN_MIN_M          # a straight run at least this long belongs to one road
TURN_MIN_DEG = tol.ROAD_TURN_MIN_DEG    # runs turning more than this meet at a corner
SIDE_DRAWN_M = tol.ROAD_SIDE_DRAWN_M    # a red line this close to a centre-line side draws it
#: simplification (m) used to find the straight runs of a polyline with arcs
SIMPLIFY_M = 0.5


def split(line: LineString) -> list[LineString]:
    """`line` cut at its corners into per-road pieces (one piece when it turns no corner)."""
    if line.length < 2 * RUN_MIN_M or len(line.coords) < 3:
        return [line]
    simple = np.asarray(line.simplify(SIMPLIFY_M).coords)
    seg = np.diff(simple, axis=0)
    length = np.hypot(seg[:, 0], seg[:, 1])
    runs = [i for i in range(len(seg)) if length[i] >= RUN_MIN_M]
    cuts = []
    for a, b in zip(runs, runs[1:]):
        ang = math.degrees(math.atan2(seg[b, 1], seg[b, 0]) - math.atan2(seg[a, 1], seg[a, 0]))
        turn = abs((ang + 180.0) % 360.0 - 180.0)
        if turn < TURN_MIN_DEG:
            continue
        da = line.project(Point(simple[a + 1]))
        db = line.project(Point(simple[b]))
        cuts.append((da + db) / 2.0)
    if not cuts:
        return [line]
    edges = [0.0] + sorted(cuts) + [line.length]
    pieces = [substring(line, s, e) for s, e in zip(edges, edges[1:]) if e - s > 1e-6]
    return [p for p in pieces if isinstance(p, LineString) and p.length > 0]


@dataclass
class RoadText:
    point: Point
    name: str | None
    width: float | None
    on_road_layer: bool


def nearest(line: LineString, texts: list[RoadText], radius: float, want: str) -> RoadText | None:
    """The text nearest to `line` within `radius` that gives `want` ("width" or "name"),
    road-layer texts first."""
    best = None
    for t in texts:
        if getattr(t, want) is None:
            continue
        d = line.distance(t.point)
        if d > radius:
            continue
        key = (not t.on_road_layer, d)
        if best is None or key < best[0]:
            best = (key, t)
    return best[1] if best else None


def sides(centre: LineString, width: float, drawn: list[LineString]) -> list[LineString]:
    """The red lines of a road known by its centre line and width that are not drawn."""
    out = []
    for offset in (width / 2.0, -width / 2.0):
        side = centre.offset_curve(offset)
        if side.is_empty or not isinstance(side, LineString):
            continue
        probe = side.interpolate(0.5, normalized=True)
        if any(d.distance(probe) <= SIDE_DRAWN_M for d in drawn):
            continue
        out.append(side)
    return out
