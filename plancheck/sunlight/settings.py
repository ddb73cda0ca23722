"""The analysis settings a ruleset's sunlight clauses give (`params.analysis`), parsed once.

No regulation number lives here: day, place, step, sill height, reference width, sampling,
radius, minimum segment and the 日照有效时间表 all come from the clause.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Orientation labels: the compass words of the 日照有效时间表.
_SIDE = {"east": ("南偏东", "east of south"), "west": ("南偏西", "west of south")}


def _minutes(hhmm: str) -> float:
    h, _, m = str(hhmm).partition(":")
    return int(h) * 60.0 + float(m or 0)


@dataclass(frozen=True)
class Window:
    """One row of the 日照有效时间表, resolved for one side."""

    start_min: float
    end_min: float


@dataclass(frozen=True)
class Settings:
    year: int
    day: str
    lat_deg: float
    lon_deg: float
    clock: str
    step_min: float
    sill_m: float
    reference_width_m: float
    sample_spacing_m: float
    radius_m: float
    min_segment_min: float
    unknown_height_m: float
    table: tuple[tuple[int, int, tuple[float, float], tuple[float, float]], ...]

    @classmethod
    def from_params(cls, p: dict) -> "Settings":
        rows = tuple((int(r["off_south_deg"][0]), int(r["off_south_deg"][1]),
                      (_minutes(r["east"][0]), _minutes(r["east"][1])),
                      (_minutes(r["west"][0]), _minutes(r["west"][1])))
                     for r in p["effective_time"])
        return cls(year=int(p["year"]), day=str(p["day"]), lat_deg=float(p["lat_deg"]),
                   lon_deg=float(p["lon_deg"]), clock=str(p["clock"]),
                   step_min=float(p["step_min"]), sill_m=float(p["sill_m"]),
                   reference_width_m=float(p["reference_width_m"]),
                   sample_spacing_m=float(p["sample_spacing_m"]), radius_m=float(p["radius_m"]),
                   min_segment_min=float(p["min_segment_min"]),
                   unknown_height_m=float(p.get("unknown_height_m", 1000.0)), table=rows)

    @property
    def span(self) -> tuple[float, float]:
        """The earliest start and latest end over the whole table (TST minutes)."""
        starts = [min(e[0], w[0]) for _, _, e, w in self.table]
        ends = [max(e[1], w[1]) for _, _, e, w in self.table]
        return min(starts), max(ends)

    def effective(self, azimuth_deg: float) -> tuple[int, Window | None]:
        """(signed whole degrees off due south, negative = east; the effective window or None
        when the facade is outside the table: 不作日照分析)."""
        off = off_south(azimuth_deg)
        for lo, hi, east, west in self.table:
            if lo <= abs(off) <= hi:
                s, e = east if off < 0 else west
                return off, Window(s, e)
        return off, None

    def as_dict(self) -> dict:
        return {"year": self.year, "day": self.day, "lat_deg": self.lat_deg,
                "lon_deg": self.lon_deg, "clock": self.clock, "step_min": self.step_min,
                "sill_m": self.sill_m, "reference_width_m": self.reference_width_m,
                "sample_spacing_m": self.sample_spacing_m, "radius_m": self.radius_m,
                "min_segment_min": self.min_segment_min,
                "effective_time": [{"off_south_deg": [lo, hi], "east": [_hhmm(e[0]), _hhmm(e[1])],
                                    "west": [_hhmm(w[0]), _hhmm(w[1])]}
                                   for lo, hi, e, w in self.table]}


def off_south(azimuth_deg: float) -> int:
    """Whole degrees a facade normal (azimuth, N = 0, E = 90) is off due south; negative = east
    (the table rounds angles to whole degrees)."""
    d = (azimuth_deg - 180.0 + 180.0) % 360.0 - 180.0
    return int(math.floor(d + 0.5)) if d >= 0 else -int(math.floor(-d + 0.5))


def orientation_label(off: int, zh: bool = True) -> str:
    """正南 / 南偏东 12° / 12° east of south / 正北..."""
    if off == 0:
        return "正南" if zh else "due south"
    side = "east" if off < 0 else "west"
    a = abs(off)
    if a > 90:
        north = 180 - a
        if north == 0:
            return "正北" if zh else "due north"
        return (f"北偏{'东' if side == 'east' else '西'} {north}°" if zh
                else f"{north}° {side} of north")
    return f"{_SIDE[side][0]} {a}°" if zh else f"{a}° {_SIDE[side][1]}"


def _hhmm(minutes: float) -> str:
    total = int(round(minutes * 60))
    return f"{total // 3600:02d}:{(total % 3600) // 60:02d}"


def hhmm(minutes: float) -> str:
    """TST minutes -> "HH:MM" (seconds kept when not whole: "HH:MM:SS")."""
    total = int(round(minutes * 60))
    h, m, s = total // 3600, (total % 3600) // 60, total % 60
    return f"{h:02d}:{m:02d}" if s == 0 else f"{h:02d}:{m:02d}:{s:02d}"
