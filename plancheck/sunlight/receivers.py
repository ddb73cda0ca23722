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
class Windows:
    """The windows of a receiver as columns, a row per window (a large scheme has hundreds of
    thousands: no object each); `windows[i]` is row i as a WindowSpec."""
    facades: list[Facade]
    facade: np.ndarray                 # (W,) index into `facades`
    floor: np.ndarray                  # (W,)
    ids: list[str]                     # the PC-WINDOW handle, or "<facade>/<k>" when sampled
    unit: list[str | None]
    drawn: np.ndarray                  # (W,) bool
    t0: np.ndarray                     # (W,) reference width along the facade, metres
    t1: np.ndarray
    z: np.ndarray                      # (W,) sill height
    unknown: list[str | None]          # why the receiver's minutes are unknown (no HEIGHT ...)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> WindowSpec:
        return WindowSpec(self.facades[int(self.facade[i])], int(self.floor[i]), self.ids[i],
                          self.unit[i], bool(self.drawn[i]), float(self.t0[i]), float(self.t1[i]),
                          float(self.z[i]), self.unknown[i])

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def column(self, attr: str) -> np.ndarray:
        """(W,) a facade attribute of every window (`main`, `window`...)."""
        vals = [getattr(f, attr) for f in self.facades]
        return np.array(vals)[self.facade] if vals else np.zeros(0)

    def take(self, rows: np.ndarray) -> "Windows":
        rows = np.asarray(rows, dtype=np.int64)
        pick = lambda xs: [xs[i] for i in rows.tolist()]       # noqa: E731
        return Windows(self.facades, self.facade[rows], self.floor[rows], pick(self.ids),
                       pick(self.unit), self.drawn[rows], self.t0[rows], self.t1[rows],
                       self.z[rows], pick(self.unknown))

    @staticmethod
    def of(specs: list[WindowSpec]) -> "Windows":
        """Columns from one WindowSpec per window (drawn windows, tests)."""
        index: dict[int, int] = {}
        facades = []
        for sp in specs:
            if id(sp.facade) not in index:
                index[id(sp.facade)] = len(facades)
                facades.append(sp.facade)
        col = lambda attr, dt: np.array([getattr(sp, attr) for sp in specs], dtype=dt)  # noqa: E731
        return Windows(facades, np.array([index[id(sp.facade)] for sp in specs], dtype=np.int64),
                       col("floor", np.int64), [sp.window for sp in specs],
                       [sp.unit for sp in specs], col("drawn", bool), col("t0", np.float64),
                       col("t1", np.float64), col("z", np.float64), [sp.unknown for sp in specs])

    @staticmethod
    def concat(parts: list["Windows"], facades: list[Facade]) -> "Windows":
        """Parts that index the same `facades`, one after another."""
        if not parts:
            e = np.zeros(0)
            return Windows(facades, e.astype(np.int64), e.astype(np.int64), [], [],
                           e.astype(bool), e, e, e, [])
        cat = lambda attr: np.concatenate([getattr(p, attr) for p in parts])  # noqa: E731
        flat = lambda attr: [x for p in parts for x in getattr(p, attr)]      # noqa: E731
        return Windows(facades, cat("facade"), cat("floor"), flat("ids"), flat("unit"),
                       cat("drawn"), cat("t0"), cat("t1"), cat("z"), flat("unknown"))


@dataclass
class Samples:
    building: int
    points: np.ndarray                 # (P, 3) sample origins
    normals: np.ndarray                # (P, 2)
    ends: np.ndarray                   # (W, 2) point indices of each window's two ends
    windows: Windows
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
    if drawn:
        windows = _drawn(b, keep, fac, settings, zh, skipped)
    else:
        windows = _sampled(b, fac, settings, zh, skipped)
    points, normals, ends = _points(windows)
    smp = Samples(bi, points, normals, ends, windows, drawn, skipped)
    if not drawn:
        smp = _drop_covered(model, smp)
    return smp


def _drawn(b: Building, keep: set[int], fac: list[Facade], settings: Settings, zh: bool,
           skipped: list[dict]) -> Windows:
    """The drawn PC-WINDOW windows, one row per window and floor it is drawn for."""
    specs: list[WindowSpec] = []
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
                specs.append(WindowSpec(f, floor, w.source.handle, w.unit, True, t0, t1, z, why))
    return Windows.of(specs)


def _sampled(b: Building, fac: list[Facade], settings: Settings, zh: bool,
             skipped: list[dict]) -> Windows:
    """Every floor's main facades sampled as reference-width windows every
    `sample_spacing_m`: built a facade at a time (floors x starts), not a window at a time."""
    facades = [f for f in fac if f.main]
    parts = []
    seen_off: set[str] = set()
    for fi, f in enumerate(facades):
        if f.window is None:
            if f.id not in seen_off:
                skipped.append(_skip(f, zh))
                seen_off.add(f.id)
            continue
        m = b.masses[f.mass]
        h, why = storey(m)
        starts = np.array(_starts(f.length, settings.reference_width_m, settings.sample_spacing_m))
        width = min(settings.reference_width_m, f.length)
        K, n = len(starts), m.floors or 1
        floor = np.repeat(np.arange(1, n + 1), K)
        k = np.tile(np.arange(K), n)
        z = ((floor - 1) * h + settings.sill_m if h is not None
             else np.full(len(floor), settings.sill_m, dtype=np.float64))
        names = [f"{f.id}/{j + 1}" for j in range(K)]
        W = len(floor)
        parts.append(Windows(facades, np.full(W, fi, dtype=np.int64), floor, names * n,
                             [None] * W, np.zeros(W, dtype=bool), starts[k], starts[k] + width,
                             z.astype(np.float64), [why] * W))
    return Windows.concat(parts, facades)


def _points(win: Windows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(points, normals, ends): each window's two ends on the sill plane, on the wall, kept
    `SUN_ORIGIN_OFFSET_M` in from the facade's ends; ends on one facade at one place (to 1e-6
    m) are one point, placed where its first window (in row order) puts it."""
    W = len(win)
    if not W:
        return np.zeros((0, 3)), np.zeros((0, 2)), np.zeros((0, 2), dtype=np.int64)
    t = np.column_stack([win.t0, win.t1]).ravel()          # row order: w0 a, w0 b, w1 a ...
    z = np.repeat(win.z, 2)
    fi = np.repeat(win.facade, 2)

    def key(v: np.ndarray) -> np.ndarray:
        """Each value's rounded (6 places) value, as a small integer: rounded like round()."""
        u, inv = np.unique(v, return_inverse=True)
        _, k = np.unique(np.array([round(x, 6) for x in u.tolist()]), return_inverse=True)
        return k.reshape(-1)[inv.reshape(-1)]

    tk, zk = key(t), key(z)
    combined = (fi.astype(np.int64) * (int(tk.max()) + 1) + tk) * (int(zk.max()) + 1) + zk
    _, first, inv = np.unique(combined, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")               # points in order of first use
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    first = first[order]
    fs = win.facades
    ax, ay, bx, by = (np.array([getattr(f, c)[j] for f in fs], dtype=np.float64)
                      for c, j in (("a", 0), ("a", 1), ("b", 0), ("b", 1)))
    L = np.array([f.length for f in fs], dtype=np.float64)
    nrm = np.array([f.normal for f in fs], dtype=np.float64).reshape(-1, 2)
    pf, pt = fi[first], t[first]
    off = tol.SUN_ORIGIN_OFFSET_M
    Lp = L[pf]
    tt = np.where(Lp > 2 * off, np.minimum(np.maximum(pt, off), Lp - off), Lp / 2)
    x = ax[pf] + (bx[pf] - ax[pf]) / Lp * tt
    y = ay[pf] + (by[pf] - ay[pf]) / Lp * tt
    points = np.column_stack([x, y, z[first]])
    return points, nrm[pf], rank[inv.reshape(-1)].reshape(W, 2)


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
                   smp.windows.take(keep), smp.drawn, skipped)


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
