"""Orientation of a mass, as the Shanghai ruleset's geometry decisions define it.

- The minimum rotated rectangle of the outline gives the long axis; its long sides are the
  main facades, its short side is the gable width B.
- A mass whose long/short ratio is <= `point_ratio` is a point building (点式): its main
  orientation is north-south (SUN21 第五条) whatever its axis.
- 南北向 ("ns"): the main-facade normal lies within 45° of due south, 45° included
  (第二十三条（一）); otherwise 东西向 ("ew").
Angles are in the model frame: degrees counter-clockwise from east (+X), +Y = true north.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import shapely
from shapely.geometry import Polygon

from plancheck import tolerances as tol

#: Angles closer than this (degrees) to a class boundary count as on it (45° is inclusive):
#: tolerances.ANGLE_EPS_DEG, listed in report provenance.
ANGLE_EPS_DEG = tol.ANGLE_EPS_DEG


@dataclass(frozen=True)
class Orientation:
    long_axis_deg: float   # direction of the long axis, in [0, 180)
    length_m: float        # long side of the minimum rotated rectangle
    width_m: float         # short side: the gable width B
    point: bool            # 点式
    facing: str            # "ns" (南北向) or "ew" (东西向)

    @property
    def normal_deg(self) -> float:
        """Main-facade normal (the southern/eastern-facing one is normal_deg or +180)."""
        return (self.long_axis_deg + 90.0) % 180.0

    @property
    def axis(self) -> tuple[float, float]:
        a = math.radians(self.long_axis_deg)
        return (math.cos(a), math.sin(a))


def axis_angle_between(a_deg: float, b_deg: float) -> float:
    """Angle between two undirected axes, in [0, 90]."""
    d = abs(a_deg - b_deg) % 180.0
    return min(d, 180.0 - d)


@functools.lru_cache(maxsize=1 << 16)
def orientation(outline: Polygon, point_ratio: float) -> Orientation:
    """The orientation of an outline (cached: every rule family asks for the same masses)."""
    rect = shapely.minimum_rotated_rectangle(outline)
    xy = list(rect.exterior.coords)[:4]
    e1 = (xy[1][0] - xy[0][0], xy[1][1] - xy[0][1])
    e2 = (xy[2][0] - xy[1][0], xy[2][1] - xy[1][1])
    l1, l2 = math.hypot(*e1), math.hypot(*e2)
    long_edge, length, width = (e1, l1, l2) if l1 >= l2 else (e2, l2, l1)
    axis = math.degrees(math.atan2(long_edge[1], long_edge[0])) % 180.0
    if axis > 180.0 - ANGLE_EPS_DEG:
        axis = 0.0
    point = width <= 0 or length / width <= point_ratio
    # The normal is within 45° of south exactly when the long axis is within 45° of east-west.
    facing = "ns" if point or axis_angle_between(axis, 0.0) <= 45.0 + ANGLE_EPS_DEG else "ew"
    return Orientation(axis, length, width, point, facing)
