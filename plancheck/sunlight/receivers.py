"""Receivers: the facades, windows and sill sample points of a building, from the site model.

A facade is one straight edge of a mass outline (collinear vertices merged), holes included,
with its outward normal. Its orientation picks the effective window of the 日照有效时间表; a
facade outside the table is not analysed and is listed in `Samples.skipped`.

Windows are the building's drawn PC-WINDOW lines when it has any; otherwise every floor's
main facades are sampled as reference-width windows every `sample_spacing_m` (the
planning-stage estimate, `drawn = False`). Each window has two sample points: the ends of its
reference width on the sill plane, on the wall itself (the kernel's `SUN_ORIGIN_OFFSET_M` skin
keeps a point on its own wall from being shaded by its own mass, so the distance to an
obstruction is not shortened), kept `SUN_ORIGIN_OFFSET_M` in from the facade's ends so that a
point at a concave corner never lies on the other wing's wall. Neighbouring sampled windows
share their points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import Polygon

from plancheck import tolerances as tol
from plancheck.model.orientation import axis_angle_between, orientation
from plancheck.model.site import Building, SiteModel
from plancheck.sunlight.settings import Settings, orientation_label


@dataclass(frozen=True)
class Facade:
    mass: int
    edge: int
    a: tuple[float, float]
    b: tuple[float, float]
    normal: tuple[float, float]
    azimuth_deg: float        # of the outward normal, N = 0, E = 90
    off_south: int            # whole degrees, negative = east of south
    window: tuple[float, float] | None   # effective TST window (minutes); None: not analysed
    main: bool

    @property
    def id(self) -> str:
        return f"{self.mass + 1}-{self.edge + 1}"

    @property
    def length(self) -> float:
        return math.dist(self.a, self.b)


@dataclass(frozen=True, slots=True)
class WindowSpec:
    facade: Facade
    floor: int
    window: str               # id: the PC-WINDOW handle, or "<facade>/<k>" for sampled ones
    unit: str | None
    drawn: bool
    t0: float                 # reference width along the facade, metres from its start
    t1: float
    z: float                  # sill height
    unknown: str | None = None


@dataclass
class Samples:
    building: int
    points: np.ndarray                 # (P, 3) sample origins
    normals: np.ndarray                # (P, 2)
    ends: np.ndarray                   # (W, 2) point indices of each window's two ends
    windows: list[WindowSpec]
    drawn: bool
    skipped: list[dict] = field(default_factory=list)   # facades / windows not analysed


def facades(b: Building, settings: Settings, point_ratio: float) -> list[Facade]:
    """Every straight edge of every mass of `b`, outward normal, orientation, main or not."""
    out = []
    for mi, m in enumerate(b.masses):
        poly = shapely.orient_polygons(m.outline) if hasattr(shapely, "orient_polygons") \
            else shapely.geometry.polygon.orient(m.outline, 1.0)
        poly = poly.simplify(0)
        o = orientation(m.outline, point_ratio)
        rings = [poly.exterior, *poly.interiors]
        k = 0
        for ring in rings:
            xy = list(ring.coords)
            for (x0, y0), (x1, y1) in zip(xy[:-1], xy[1:]):
                dx, dy = x1 - x0, y1 - y0
                L = math.hypot(dx, dy)
                if L <= tol.VERTEX_MERGE_M:
                    continue
                n = (dy / L, -dx / L)   # right side of a CCW exterior / CW hole: outside
                az = math.degrees(math.atan2(n[0], n[1])) % 360.0
                off, win = settings.effective(az)
                edge_deg = math.degrees(math.atan2(dy, dx)) % 180.0
                main = (axis_angle_between(edge_deg, 0.0) <= 45.0 if o.point
                        else axis_angle_between(edge_deg, o.long_axis_deg) <= 45.0)
                out.append(Facade(mi, k, (x0, y0), (x1, y1), n, az, off,
                                  None if win is None else (win.start_min, win.end_min), main))
                k += 1
    return out


def storey(m) -> tuple[float | None, str | None]:
    """(storey height, why unknown)."""
    if m.height_m is None:
        return None, "no HEIGHT"
    if not m.floors:
        return None, "no FLOORS"
    return m.height_m / m.floors, None


def samples(model: SiteModel, bi: int, settings: Settings, point_ratio: float,
            zh: bool = True, uses: frozenset[str] | None = None) -> Samples:
    """The windows and sample points of building `bi` (drawn windows if it has any). With
    `uses`, only masses of those uses (a mass without a USE takes its building's) are sampled:
    a commercial podium under a residential tower has no homes."""
    b = model.buildings[bi]
    keep = {mi for mi, m in enumerate(b.masses)
            if uses is None or (m.use or b.use) in uses}
    fac = [f for f in facades(b, settings, point_ratio) if f.mass in keep]
    drawn = any(m.windows for m in b.masses)
    skipped: list[dict] = []
    specs: list[WindowSpec] = []
    seen_off: set[str] = set()
    if drawn:
        for mi, m in enumerate(b.masses):
            if mi not in keep:
                continue
            own = [f for f in fac if f.mass == mi]
            h, why = storey(m)
            for w in m.windows:
                f, t0, t1 = _on_facade(w.line, own)
                if f.window is None:
                    skipped.append(_skip(f, zh, window=w.source.handle))
                    continue
                t0, t1 = _reference(t0, t1, settings.reference_width_m)
                n = m.floors or 1
                lo, hi = w.floors or (1, n)
                for floor in range(max(1, lo), min(n, hi) + 1):
                    z = (floor - 1) * h + settings.sill_m if h is not None else settings.sill_m
                    specs.append(WindowSpec(f, floor, w.source.handle, w.unit, True, t0, t1, z,
                                            why))
    else:
        for f in fac:
            if not f.main:
                continue
            if f.window is None:
                if f.id not in seen_off:
                    skipped.append(_skip(f, zh))
                    seen_off.add(f.id)
                continue
            m = b.masses[f.mass]
            h, why = storey(m)
            starts = _starts(f.length, settings.reference_width_m, settings.sample_spacing_m)
            width = min(settings.reference_width_m, f.length)
            for floor in range(1, (m.floors or 1) + 1):
                z = (floor - 1) * h + settings.sill_m if h is not None else settings.sill_m
                for k, t0 in enumerate(starts):
                    specs.append(WindowSpec(f, floor, f"{f.id}/{k + 1}", None, False,
                                            t0, t0 + width, z, why))
    pts: dict[tuple, int] = {}
    coords: list[tuple[float, float, float]] = []
    normals: list[tuple[float, float]] = []
    ends = np.zeros((len(specs), 2), dtype=np.int64)
    off = tol.SUN_ORIGIN_OFFSET_M
    for wi, s in enumerate(specs):
        for j, t in enumerate((s.t0, s.t1)):
            key = (s.facade.mass, s.facade.edge, round(t, 6), round(s.z, 6))
            idx = pts.get(key)
            if idx is None:
                f = s.facade
                L = f.length
                tt = min(max(t, off), L - off) if L > 2 * off else L / 2
                ux, uy = (f.b[0] - f.a[0]) / L, (f.b[1] - f.a[1]) / L
                x = f.a[0] + ux * tt
                y = f.a[1] + uy * tt
                idx = pts[key] = len(coords)
                coords.append((x, y, s.z))
                normals.append(f.normal)
            ends[wi, j] = idx
    points = np.array(coords, dtype=np.float64).reshape(-1, 3)
    nrm = np.array(normals, dtype=np.float64).reshape(-1, 2)
    smp = Samples(bi, points, nrm, ends, specs, drawn, skipped)
    if not drawn:
        smp = _drop_covered(model, smp)
    return smp


def _drop_covered(model: SiteModel, smp: Samples) -> Samples:
    """Sampled windows with an end inside another mass (below its top) are no windows: a wall
    against a podium, a neighbour built against it. They are dropped."""
    if not len(smp.points):
        return smp
    covered = np.zeros(len(smp.points), dtype=bool)
    # tested a skin's width out of the wall, so its own mass (to rounding) never covers it
    off = tol.SUN_ORIGIN_OFFSET_M
    x = smp.points[:, 0] + smp.normals[:, 0] * off
    y = smp.points[:, 1] + smp.normals[:, 1] * off
    z = smp.points[:, 2]
    box = shapely.box(x.min(), y.min(), x.max(), y.max())
    for bj, b in enumerate(model.buildings):
        for m in b.masses:
            if not m.outline.intersects(box):
                continue
            top = m.height_m if m.height_m is not None else math.inf
            inside = shapely.contains_xy(m.outline, x, y) & (z < top)
            covered |= inside
    bad = covered[smp.ends].any(axis=1)
    if not bad.any():
        return smp
    keep = np.flatnonzero(~bad)
    used = np.unique(smp.ends[keep])
    remap = -np.ones(len(smp.points), dtype=np.int64)
    remap[used] = np.arange(len(used))
    skipped = list(smp.skipped)
    skipped.append({"what": "covered", "windows": int(bad.sum())})
    return Samples(smp.building, smp.points[used], smp.normals[used], remap[smp.ends[keep]],
                   [smp.windows[i] for i in keep], smp.drawn, skipped)


def _starts(length: float, width: float, spacing: float) -> list[float]:
    """Window starts along a facade: every `spacing` m, the last one flush with its end."""
    if length <= width + 1e-9:
        return [0.0]
    n = int(math.floor((length - width) / spacing + 1e-9))
    starts = [k * spacing for k in range(n + 1)]
    if length - width - starts[-1] > 1e-6:
        starts.append(length - width)
    return starts


def _reference(t0: float, t1: float, width: float) -> tuple[float, float]:
    """The real width up to `width`, else the central `width`."""
    if t1 - t0 <= width:
        return t0, t1
    mid = (t0 + t1) / 2
    return mid - width / 2, mid + width / 2


def _on_facade(line, own: list[Facade]) -> tuple[Facade, float, float]:
    """The facade a window line lies on, and its extent along it (metres from the start)."""
    mid = line.interpolate(0.5, normalized=True)
    best = min(own, key=lambda f: shapely.geometry.LineString([f.a, f.b]).distance(mid))
    ux, uy = (best.b[0] - best.a[0]) / best.length, (best.b[1] - best.a[1]) / best.length
    ts = [(x - best.a[0]) * ux + (y - best.a[1]) * uy for x, y in (line.coords[0], line.coords[-1])]
    t0, t1 = sorted(max(0.0, min(best.length, t)) for t in ts)
    return best, t0, t1


def _skip(f: Facade, zh: bool, window: str | None = None) -> dict:
    label = orientation_label(f.off_south, zh)
    d = {"what": "outside-table", "facade": f.id, "mass": f.mass, "orientation": label,
         "azimuth_deg": round(f.azimuth_deg, 2)}
    if window:
        d["window"] = window
    return d


def footprint(b: Building) -> Polygon:
    return b.footprint
