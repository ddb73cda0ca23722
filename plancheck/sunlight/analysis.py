"""Sunlight analysis of receiver buildings: trace their sill points against every mass within
the radius, then 满窗 (both ends lit), effective windows, runs, minutes, blockers.

One call site traces rays (`_trace`): the numba kernel of plancheck.geom.rays; the runs are the
kernel of plancheck.sunlight.runs. Results are columns, a row per window (`Columns`, and the
windows themselves `receivers.Windows`: a large scheme has hundreds of thousands), in true solar
time minutes; judging them against a requirement (`window_status`, `homes`, `worst`,
`no_worse_status`) works on the arrays. plancheck.sunlight.reference is the same one window at
a time, which the tests hold this to.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import shapely

from plancheck import tolerances as tol
from plancheck.model.site import SiteModel
from plancheck.sunlight.receivers import Samples, Windows, WindowSpec, samples
from plancheck.sunlight.settings import Settings

#: Marks in the blocker matrix (the kernel's convention).
LIT, NOT_TRACED = -1, -2


@dataclass(slots=True)
class WindowResult:
    """One window's result in plain form (`Columns.records`): what the reference code and the
    tests read; the analysis itself keeps `Columns`."""
    spec: WindowSpec
    continuous: float                      # minutes, longest lit run
    cumulative: float                      # minutes, runs >= min segment
    lit: list[tuple[float, float]]         # TST minutes [start, end)
    shade: list[tuple[float, float, list[str]]]   # unlit runs in the window, blocking buildings
    #: with the obstructions of unknown height absent (None when every height is known)
    upper: tuple[float, float] | None = None
    unknown: str | None = None             # receiver-side reason (no HEIGHT / FLOORS)
    unknown_obstructions: list[str] = field(default_factory=list)


@dataclass
class Runs:
    """Runs of sun steps of every window, CSR-style: window i's runs are rows
    off[i]:off[i+1], each the steps [start, end) of the sun path. Unlit runs also name the
    buildings shading them: run j's are by[by_off[j]:by_off[j+1]], indices into `names`."""
    off: np.ndarray
    start: np.ndarray
    end: np.ndarray
    by_off: np.ndarray | None = None
    by: np.ndarray | None = None


@dataclass
class Columns:
    """The minutes of every window of a receiver as arrays (one row per window), not one
    object per window: a large scheme has hundreds of thousands of windows."""
    continuous: np.ndarray                 # (W,) minutes, longest lit run
    cumulative: np.ndarray                 # (W,) minutes, runs >= min segment
    lit: Runs
    shade: Runs
    names: list[str]                       # the buildings `shade.by` indexes
    tst: np.ndarray                        # (M,) the sun steps (TST minutes, midpoints)
    step: float

    def records(self, specs: Windows) -> list[WindowResult]:
        """Every window in plain form (the reference's shape)."""
        step = self.step
        lo = (self.tst - step / 2).tolist()
        hi = (self.tst + step / 2).tolist()
        lit, sh = self.lit, self.shade
        ls, le, ss, se = (x.tolist() for x in (lit.start, lit.end, sh.start, sh.end))
        out = []
        for i, spec in enumerate(specs):   # a WindowSpec each
            li = [(lo[ls[k]], hi[le[k] - 1]) for k in range(lit.off[i], lit.off[i + 1])]
            sd = [(lo[ss[k]], hi[se[k] - 1],
                   [self.names[j] for j in sh.by[sh.by_off[k]:sh.by_off[k + 1]].tolist()])
                  for k in range(sh.off[i], sh.off[i + 1])]
            out.append(WindowResult(spec, float(self.continuous[i]), float(self.cumulative[i]),
                                    li, sd, unknown=spec.unknown))
        return out


@dataclass
class BuildingResult:
    building: int
    name: str
    status: str                            # proposed | existing
    drawn: bool
    windows: Windows
    skipped: list[dict]
    obstructions: list[str]                # building names within the radius
    rays: int
    minutes: Columns
    #: (W, 2) continuous, cumulative minutes with the obstructions of unknown height absent,
    #: NaN where that changes nothing (None when every height is known)
    upper: np.ndarray | None = None
    unknown_obstructions: list[str] = field(default_factory=list)

    def records(self) -> list[WindowResult]:
        """Every window in plain form (the reference judging reads these)."""
        out = self.minutes.records(self.windows)
        if self.upper is not None:
            for r, (c, u) in zip(out, self.upper.tolist()):
                if c == c:
                    r.upper = (c, u)
                    r.unknown_obstructions = self.unknown_obstructions
        return out


@functools.lru_cache(maxsize=4)
def sun(settings: Settings):
    """The sun path over the table's whole span (SunPath)."""
    from plancheck.sunlight.sun import solstice_day, sun_path

    if settings.day != "winter-solstice":
        raise ValueError(f"unsupported standard day {settings.day!r}")
    start, end = settings.span
    return sun_path(solstice_day(settings.year), settings.lat_deg, settings.lon_deg,
                    start, end, settings.step_min)


def _trace(polygons, base, top, origins, normals, suns) -> np.ndarray:
    """(N, M) blockers: -1 lit, -2 not traced, k >= 0 the nearest blocking prism."""
    if not len(origins):
        return np.zeros((0, len(suns)), dtype=np.int32)
    from plancheck.geom.rays import build_prisms, first_blockers

    prisms = build_prisms(list(polygons), np.asarray(base, dtype=np.float64),
                          np.asarray(top, dtype=np.float64))
    return first_blockers(prisms, np.ascontiguousarray(origins, dtype=np.float64),
                          np.ascontiguousarray(normals, dtype=np.float64),
                          np.ascontiguousarray(suns, dtype=np.float64))


def obstructions(model: SiteModel, bi: int, radius: float,
                 exclude: frozenset[int] = frozenset()) -> list[tuple[int, int]]:
    """(building, mass) of every mass within `radius` of building `bi` (its own included)."""
    foot = model.buildings[bi].footprint
    pairs = [(bj, mj) for bj, b in enumerate(model.buildings) if bj not in exclude or bj == bi
             for mj in range(len(b.masses))]
    outlines = np.array([model.buildings[bj].masses[mj].outline for bj, mj in pairs], dtype=object)
    d = shapely.distance(outlines, foot).tolist() if len(pairs) else []
    return [(bj, mj) for (bj, mj), dj in zip(pairs, d) if bj == bi or dj <= radius]


def analyse_building(model: SiteModel, bi: int, settings: Settings, point_ratio: float,
                     exclude: frozenset[int] = frozenset(), zh: bool = True,
                     smp: Samples | None = None,
                     uses: frozenset[str] | None = None) -> BuildingResult:
    """Every window of building `bi` (its masses of `uses`) against every mass within the
    radius (less `exclude`)."""
    b = model.buildings[bi]
    smp = smp if smp is not None else samples(model, bi, settings, point_ratio, zh, uses)
    path = sun(settings)
    obs = obstructions(model, bi, settings.radius_m, exclude)
    names = [model.buildings[bj].name for bj, _ in obs]
    masses = [model.buildings[bj].masses[mj] for bj, mj in obs]
    polys = [m.outline for m in masses]
    unknown = [k for k, m in enumerate(masses) if m.height_m is None]
    tops = np.array([settings.unknown_height_m if m.height_m is None else m.height_m
                     for m in masses], dtype=np.float64)
    base = np.zeros(len(masses))
    blk = _trace(polys, base, tops, smp.points, smp.normals, path.vectors)
    rays = blk.size
    upper = None
    if unknown:
        keep = [k for k in range(len(masses)) if k not in unknown]
        low = _trace([polys[k] for k in keep], base[keep], tops[keep], smp.points, smp.normals,
                     path.vectors)
        upper = np.where(low >= 0, np.asarray(keep, dtype=np.int32)[np.maximum(low, 0)], low)
        rays += low.size
    cols = _post(smp, blk, path.tst_minutes, settings, names)
    up, unk_names = None, []
    if upper is not None:
        u = _post(smp, upper, path.tst_minutes, settings, names)
        differs = (u.continuous != cols.continuous) | (u.cumulative != cols.cumulative)
        if differs.any():
            up = np.full((len(smp.windows), 2), np.nan)
            up[differs] = np.column_stack([u.continuous, u.cumulative])[differs]
            unk_names = sorted({names[k] for k in unknown})
    return BuildingResult(bi, b.name, b.status, smp.drawn, smp.windows, smp.skipped,
                          sorted(set(names) - {b.name}), rays, cols, up, unk_names)


def _post(smp: Samples, blk: np.ndarray, tst: np.ndarray, settings: Settings,
          names: list[str]) -> Columns:
    """满窗, effective windows, runs, minutes and blockers for every window: the numba kernel
    (`runs.window_runs`, one pass per window), or `_post_numpy` without JIT; the tests hold the
    two identical, and both to `reference.post` (one run at a time)."""
    from plancheck.geom import jit_enabled

    if not jit_enabled():
        return _post_numpy(smp, blk, tst, settings, names)
    from plancheck.sunlight.runs import window_runs

    step = settings.step_min
    starts, ends = _effective(smp)
    label = list(dict.fromkeys(names))
    uniq = {nm: j for j, nm in enumerate(label)}
    name_of = np.array([uniq[nm] for nm in names], dtype=np.int64)
    tst = np.ascontiguousarray(tst, dtype=np.float64)
    cont, cum, lo, ls, le, do, ds, de, bo, by = window_runs(
        np.ascontiguousarray(blk), np.ascontiguousarray(smp.ends, dtype=np.int64), starts, ends, tst,
        float(step), _min_len(settings), name_of, len(label))
    return Columns(cont, cum, Runs(lo, ls, le), Runs(do, ds, de, bo, by), label, tst, step)


def _effective(smp: Samples) -> tuple[np.ndarray, np.ndarray]:
    """(W,) start and end (TST minutes) of each window's effective window."""
    eff = np.array([f.window or (0.0, 0.0) for f in smp.windows.facades],
                   dtype=np.float64).reshape(-1, 2)[smp.windows.facade]
    return np.ascontiguousarray(eff[:, 0]), np.ascontiguousarray(eff[:, 1])


def _min_len(settings: Settings) -> int:
    """The minimum segment in steps."""
    return int(math.ceil(settings.min_segment_min / settings.step_min - 1e-9))


def _post_numpy(smp: Samples, blk: np.ndarray, tst: np.ndarray, settings: Settings,
                names: list[str]) -> Columns:
    """`_post` in plain numpy, vectorised over all windows and steps at once (runs from one diff
    of the padded masks, minutes by scatter, the blockers of every unlit run from one sort)."""
    W = len(smp.windows)
    step = settings.step_min
    starts, ends = _effective(smp)
    inwin = (tst[None, :] >= starts[:, None]) & (tst[None, :] < ends[:, None])
    a, b = blk[smp.ends[:, 0]], blk[smp.ends[:, 1]]
    lit = (a == LIT) & (b == LIT) & inwin
    min_len = _min_len(settings)
    rows = np.arange(W + 1)

    rs, cs, ce = _run_arrays(lit)
    n = ce - cs
    cont = np.zeros(W)
    cum = np.zeros(W)
    np.maximum.at(cont, rs, n * step)
    np.add.at(cum, rs, np.where(n >= min_len, n * step, 0.0))
    lit_runs = Runs(np.searchsorted(rs, rows), cs, ce)

    dark = inwin & ~lit
    rs2, cs2, ce2 = _run_arrays(dark)
    by_off, by, label = _run_blockers(dark, a, b, len(rs2), names)
    shade = Runs(np.searchsorted(rs2, rows), cs2, ce2, by_off, by)
    return Columns(cont, cum, lit_runs, shade, label, np.asarray(tst, dtype=np.float64), step)


def _run_arrays(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, starts, ends) of every run of True along axis 1, row-major."""
    if mask.size == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e, e
    pad = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    pad[:, 1:-1] = mask
    d = np.diff(pad, axis=1)
    rs, cs = np.nonzero(d == 1)
    _, ce = np.nonzero(d == -1)
    return rs, cs, ce


def _run_blockers(mask: np.ndarray, a: np.ndarray, b: np.ndarray, nruns: int,
                  names: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """For each run of `mask` (row-major order), the buildings blocking its steps at either end
    point: by the number of (end, step) rays each mass blocks, most first, ties to the lower
    mass index, each building named once (at its first mass in that order). CSR (offsets per
    run, building indices) over the distinct `names`."""
    label = list(dict.fromkeys(names))
    none = np.zeros(nruns + 1, dtype=np.int64), np.zeros(0, dtype=np.int64), label
    if not nruns:
        return none
    flat = mask.ravel()
    prev = np.zeros_like(mask)
    prev[:, 1:] = mask[:, :-1]
    rid = np.cumsum((mask & ~prev).ravel()) - 1
    sel = np.flatnonzero(flat)
    run = np.concatenate([rid[sel], rid[sel]])
    k = np.concatenate([a.ravel()[sel], b.ravel()[sel]]).astype(np.int64)
    keep = k >= 0
    run, k = run[keep], k[keep]
    if not len(k):
        return none
    K = int(k.max()) + 1
    keys, counts = np.unique(run * K + k, return_counts=True)
    r, kk = keys // K, keys % K
    order = np.lexsort((kk, -counts, r))       # per run: most rays first, ties by mass index
    r, kk = r[order], kk[order]
    uniq = {nm: j for j, nm in enumerate(label)}
    nid = np.array([uniq[nm] for nm in names], dtype=np.int64)[kk]
    # each building once per run, at its first place in that order
    _, first = np.unique(r * len(uniq) + nid, return_index=True)
    first.sort()
    off = np.zeros(nruns + 1, dtype=np.int64)
    np.cumsum(np.bincount(r[first], minlength=nruns), out=off[1:])
    return off, nid[first], label


# -- judging -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Requirement:
    minutes: float | None          # None: unknown (e.g. zone) -> see minutes_range
    measure: str                   # continuous | cumulative
    minutes_range: tuple[float, float] | None = None   # (lower, upper) when the zone is unknown
    label: str = ""                # what the requirement is (for messages)


#: Window and home statuses, as codes in the judging arrays.
STATUSES = ("pass", "fail", "unknown")
PASS, FAIL, UNKNOWN = 0, 1, 2


def measured(res: BuildingResult, req: Requirement, upper: bool = False) -> np.ndarray:
    """(W,) minutes of every window in the requirement's measure; with `upper`, those with the
    obstructions of unknown height absent where that differs."""
    col = 0 if req.measure == "continuous" else 1
    got = res.minutes.continuous if col == 0 else res.minutes.cumulative
    if upper and res.upper is not None:
        alt = res.upper[:, col]
        return np.where(np.isnan(alt), got, alt)
    return got


def window_status(res: BuildingResult, req: Requirement) -> tuple[np.ndarray, list[str | None]]:
    """(W,) status codes (PASS, FAIL, UNKNOWN) of every window, and why each unknown one is."""
    W = len(res.windows)
    recv = res.windows.unknown
    lo, hi = (req.minutes, req.minutes) if req.minutes is not None else req.minutes_range
    got, best = measured(res, req), measured(res, req, upper=True)
    eps = tol.SUN_MINUTES_EPS
    st = np.where(got >= hi - eps, PASS, np.where(best < lo - eps, FAIL, UNKNOWN))
    why: list[str | None] = [None] * W
    has_upper = ~np.isnan(res.upper[:, 0]) if res.upper is not None else np.zeros(W, bool)
    obstructed = has_upper & (got < lo - eps)
    text = "obstruction without HEIGHT: " + ", ".join(res.unknown_obstructions)
    for i in np.flatnonzero(st == UNKNOWN).tolist():
        parts = ([text] if obstructed[i] else []) + (["zone not given"] if req.minutes is None else [])
        why[i] = "; ".join(parts) or None
    for i, r in enumerate(recv):
        if r:
            why[i] = r
    known = np.array([not r for r in recv], dtype=bool)
    return np.where(known, st, UNKNOWN), why


def no_worse_status(after: BuildingResult, before: BuildingResult,
                    req: Requirement) -> tuple[np.ndarray, list[str | None]]:
    """不得恶化, every window: one that met the requirement before must still meet it; one
    already short must not lose a minute."""
    b_st, b_why = window_status(before, req)
    a_st, a_why = window_status(after, req)
    lost = measured(before, req) - measured(after, req)
    unk = (b_st == UNKNOWN) | (a_st == UNKNOWN)
    st = np.where(b_st == PASS, a_st,
                  np.where(unk, UNKNOWN, np.where(lost <= tol.SUN_MINUTES_EPS, PASS, FAIL)))
    why = [aw if bs == PASS else (bw or aw) if u else None
           for bs, u, bw, aw in zip(b_st.tolist(), unk.tolist(), b_why, a_why)]
    return st, why


@dataclass
class Homes:
    """Homes of a receiver: `home` (W,) numbers each window's home, in order of first
    appearance; `counted` (W,) marks the windows that decide it; `status` (H,) codes."""
    home: np.ndarray
    counted: np.ndarray
    status: np.ndarray

    def counts(self) -> dict[str, int]:
        n = np.bincount(self.status, minlength=3)
        return {name: int(n[k]) for k, name in enumerate(STATUSES)}


def homes(res: BuildingResult, st: np.ndarray) -> Homes:
    """Homes with their status: a home is a UNIT on one floor (a UNIT on a window drawn for
    floors a-b names that home on each floor); a window without UNIT is a home of its own. A
    home passes when any of its main-facade windows passes (any window when it has none on a
    main facade)."""
    win = res.windows
    first = np.arange(len(win))            # each window's home, as the home's first window
    seen: dict = {}
    for i, (u, f) in enumerate(zip(win.unit, win.floor.tolist())):
        if u:
            first[i] = seen.setdefault((u, f), i)
    home = np.unique(first, return_inverse=True)[1].reshape(-1).astype(np.int64)
    main = win.column("main").astype(bool)
    return _homes(home, main, st)


def each_alone(st: np.ndarray) -> Homes:
    """Every window a home of its own (不得恶化 compares each window with itself)."""
    n = len(st)
    return Homes(np.arange(n), np.ones(n, dtype=bool), np.asarray(st, dtype=np.int64))


def _homes(home: np.ndarray, main: np.ndarray, st: np.ndarray) -> Homes:
    H = int(home.max()) + 1 if len(home) else 0
    has_main = np.bincount(home, main, minlength=H) > 0
    counted = main | ~has_main[home]
    any_pass = np.bincount(home, counted & (st == PASS), minlength=H) > 0
    any_unk = np.bincount(home, counted & (st == UNKNOWN), minlength=H) > 0
    status = np.where(any_pass, PASS, np.where(any_unk, UNKNOWN, FAIL)).astype(np.int64)
    return Homes(home, counted, status)


def worst(res: BuildingResult, req: Requirement, hs: Homes) -> int | None:
    """The window that decides the verdict: in each home its best counted window, and of those
    the one with the fewest minutes (unknown ones last); ties to the earlier window / home."""
    if not len(res.windows):
        return None
    m = measured(res, req)
    unknown = np.array([u is not None for u in res.windows.unknown], dtype=bool)
    floor = res.windows.floor
    cand = np.flatnonzero(hs.counted)
    # per home: known first, most minutes, then the first window
    order = cand[np.lexsort((cand, -m[cand], unknown[cand], hs.home[cand]))]
    _, first = np.unique(hs.home[order], return_index=True)
    best = order[first]                                     # in home order
    pick = np.lexsort((hs.home[best], floor[best], m[best], unknown[best]))[0]
    return int(best[pick])


def analyse(model: SiteModel, receivers: list[int], settings: Settings, point_ratio: float,
            exclude: frozenset[int] = frozenset(), zh: bool = True, jobs: int = 1,
            progress: Callable[[int], None] | None = None,
            uses: frozenset[str] | None = None) -> dict[int, BuildingResult]:
    """analyse_building for each receiver, over `jobs` processes when jobs > 1."""
    out: dict[int, BuildingResult] = {}
    if jobs > 1 and len(receivers) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs, initializer=_init,
                                 initargs=(model, settings, point_ratio, exclude, zh, uses)) as pool:
            for res in pool.map(_one, receivers):
                out[res.building] = res
                if progress:
                    progress(1)
        return out
    for bi in receivers:
        out[bi] = analyse_building(model, bi, settings, point_ratio, exclude, zh, uses=uses)
        if progress:
            progress(1)
    return out


_WORKER: dict = {}


def _init(model, settings, point_ratio, exclude, zh, uses) -> None:
    _WORKER.update(model=model, settings=settings, point_ratio=point_ratio, exclude=exclude, zh=zh,
                   uses=uses)


def _one(bi: int) -> BuildingResult:
    w = _WORKER
    return analyse_building(w["model"], bi, w["settings"], w["point_ratio"], w["exclude"], w["zh"],
                            uses=w["uses"])


def could_shade(model: SiteModel, shader: int, receiver: int, radius: float) -> bool:
    """False when `shader` stands wholly north of `receiver` or beyond the radius: on 冬至日 the
    sun stays south of east-west, so every ray that reaches a wall comes from the south."""
    a = model.buildings[shader].footprint
    r = model.buildings[receiver].footprint
    if a.distance(r) > radius:
        return False
    return shapely.bounds(a)[1] < shapely.bounds(r)[3] - tol.COMPARE_M


#: The 等时线 grid is kept to at most this many points (its cell grows on large sites). One
#: grid for `plancheck check` and `plancheck sunlight` alike, so one drawing gives one
#: isochrone plan: the check's size (15,000; 60,000 for `sunlight` before), so `check`
#: costs no more than it did.
ISO_MAX_POINTS = 15_000


def isochrones(model: SiteModel, settings: Settings, cell_m: float = 2.0,
               margin_m: float = 40.0, max_points: int = ISO_MAX_POINTS) -> dict | None:
    """Shadow duration on the plane of a ground-floor sill (sill_m above the ground) over the
    scheme and its surroundings: minutes in the table's span (9:00–15:00 TST) each grid point
    is shaded, for the 等时线 (1 h / 2 h / 3 h) plan. Model frame (north up), -1 inside a mass."""
    if not model.buildings:
        return None
    prop = [b for b in model.buildings if b.status == "proposed"] or list(model.buildings)
    x0, y0, x1, y1 = shapely.bounds(shapely.union_all([b.footprint for b in prop]))
    # shadows fall north, east and west of the buildings: widen most on the north
    tallest = max((m.height_m or 0.0) for b in prop for m in b.masses)
    reach = min(settings.radius_m, 1.5 * tallest + margin_m)
    x0, x1, y0, y1 = x0 - reach, x1 + reach, y0 - margin_m, y1 + reach
    while ((x1 - x0) / cell_m + 1) * ((y1 - y0) / cell_m + 1) > max_points:
        cell_m *= 1.25
    xs = np.arange(x0, x1 + 1e-9, cell_m)
    ys = np.arange(y0, y1 + 1e-9, cell_m)
    gx, gy = np.meshgrid(xs, ys)
    pts = np.column_stack([gx.ravel(), gy.ravel(), np.full(gx.size, settings.sill_m)])
    area = shapely.box(x0, y0, x1, y1).buffer(settings.radius_m)
    masses = [m for b in model.buildings for m in b.masses if m.outline.intersects(area)]
    inside = np.zeros(len(pts), dtype=bool)
    for m in masses:
        inside |= shapely.contains_xy(m.outline, pts[:, 0], pts[:, 1])
    path = sun(settings)
    start, end = settings.span
    sel = (path.tst_minutes >= start) & (path.tst_minutes < end)
    normals = np.tile(np.array([[0.0, -1.0]]), (len(pts), 1))   # the winter sun is always south
    known = [m for m in masses if m.height_m is not None]
    blk = _trace([m.outline for m in known], np.zeros(len(known)),
                 np.array([m.height_m for m in known], dtype=np.float64),
                 pts[~inside], normals[~inside], path.vectors[sel])
    shaded = np.full(len(pts), -1, dtype=np.int64)
    shaded[~inside] = ((blk != LIT).sum(axis=1) * settings.step_min).astype(np.int64)
    return {"frame": "model", "origin": [float(x0), float(y0)], "cell_m": float(cell_m),
            "nx": int(len(xs)), "ny": int(len(ys)), "z_m": settings.sill_m,
            "span": [float(start), float(end)], "shaded_minutes": shaded.tolist(),
            "unknown_heights": sorted({b.name for b in model.buildings for m in b.masses
                                       if m.height_m is None and m.outline.intersects(area)}),
            "buildings": [{"name": b.name, "status": b.status,
                           "outlines": [[[round(x, 3), round(y, 3)] for x, y in m.outline.exterior.coords]
                                        for m in b.masses]}
                          for b in model.buildings if b.footprint.intersects(area)]}
