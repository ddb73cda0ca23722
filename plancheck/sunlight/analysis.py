"""Sunlight analysis of receiver buildings: trace their sill points against every mass within
the radius, then 满窗 (both ends lit), effective windows, runs, minutes, blockers.

One call site traces rays (`_trace`): the numba kernel of plancheck.geom.rays. Results per
window are in true solar time minutes; judging them against a requirement is `judge`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import shapely

from plancheck import tolerances as tol
from plancheck.model.site import SiteModel
from plancheck.sunlight.receivers import Samples, WindowSpec, samples
from plancheck.sunlight.settings import Settings

#: Marks in the blocker matrix (the kernel's convention).
LIT, NOT_TRACED = -1, -2


@dataclass(slots=True)
class WindowResult:
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
class BuildingResult:
    building: int
    name: str
    status: str                            # proposed | existing
    drawn: bool
    windows: list[WindowResult]
    skipped: list[dict]
    obstructions: list[str]                # building names within the radius
    rays: int


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
    out = []
    for bj, b in enumerate(model.buildings):
        if bj in exclude and bj != bi:
            continue
        for mj, m in enumerate(b.masses):
            if bj == bi or m.outline.distance(foot) <= radius:
                out.append((bj, mj))
    return out


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
    results = _post(smp, blk, path.tst_minutes, settings, names)
    if upper is not None:
        up = _post(smp, upper, path.tst_minutes, settings, names)
        unk_names = sorted({names[k] for k in unknown})
        for r, u in zip(results, up):
            if (u.continuous, u.cumulative) != (r.continuous, r.cumulative):
                r.upper = (u.continuous, u.cumulative)
                r.unknown_obstructions = unk_names
    return BuildingResult(bi, b.name, b.status, smp.drawn, results, smp.skipped,
                          sorted(set(names) - {b.name}), rays)


def _post(smp: Samples, blk: np.ndarray, tst: np.ndarray, settings: Settings,
          names: list[str]) -> list[WindowResult]:
    """满窗, effective windows, runs, minutes and blockers for every window, vectorised over all
    windows and steps at once (runs from one diff of the padded masks, minutes by scatter, the
    blockers of every unlit run from one sort); `_post_reference` is the same one run at a time
    and the tests hold the two equal."""
    W = len(smp.windows)
    if W == 0:
        return []
    step = settings.step_min
    starts = np.array([w.facade.window[0] for w in smp.windows])
    ends = np.array([w.facade.window[1] for w in smp.windows])
    inwin = (tst[None, :] >= starts[:, None]) & (tst[None, :] < ends[:, None])
    a, b = blk[smp.ends[:, 0]], blk[smp.ends[:, 1]]
    lit = (a == LIT) & (b == LIT) & inwin
    min_len = int(math.ceil(settings.min_segment_min / step - 1e-9))
    rows = np.arange(W + 1)

    rs, cs, ce = _run_arrays(lit)
    n = ce - cs
    cont = np.zeros(W)
    cum = np.zeros(W)
    np.maximum.at(cont, rs, n * step)
    np.add.at(cum, rs, np.where(n >= min_len, n * step, 0.0))
    lo = (tst[cs] - step / 2).tolist()
    hi = (tst[ce - 1] + step / 2).tolist()
    cut = np.searchsorted(rs, rows).tolist()
    lit_iv = [list(zip(lo[cut[i]:cut[i + 1]], hi[cut[i]:cut[i + 1]])) for i in range(W)]

    dark = inwin & ~lit
    rs2, cs2, ce2 = _run_arrays(dark)
    who = _run_blockers(dark, a, b, len(rs2), names)
    lo2 = (tst[cs2] - step / 2).tolist()
    hi2 = (tst[ce2 - 1] + step / 2).tolist()
    cut2 = np.searchsorted(rs2, rows).tolist()
    shade_iv = [[(lo2[k], hi2[k], who[k]) for k in range(cut2[i], cut2[i + 1])] for i in range(W)]
    contl, cuml = cont.tolist(), cum.tolist()
    return [WindowResult(w, contl[i], cuml[i], lit_iv[i], shade_iv[i], unknown=w.unknown)
            for i, w in enumerate(smp.windows)]


def _run_arrays(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, starts, ends) of every run of True along axis 1, row-major (as `_runs`)."""
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
                  names: list[str]) -> list[list[str]]:
    """For each run of `mask` (row-major order), the buildings blocking its steps at either end
    point: by the number of (end, step) rays each mass blocks, most first, ties to the lower
    mass index, each building named once (at its first mass in that order)."""
    out: list[list[str]] = [[] for _ in range(nruns)]
    if not nruns:
        return out
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
        return out
    K = int(k.max()) + 1
    keys, counts = np.unique(run * K + k, return_counts=True)
    r, kk = keys // K, keys % K
    order = np.lexsort((kk, -counts, r))       # per run: most rays first, ties by mass index
    r, kk = r[order], kk[order]
    uniq = {nm: j for j, nm in enumerate(dict.fromkeys(names))}
    nid = np.array([uniq[nm] for nm in names], dtype=np.int64)[kk]
    # each building once per run, at its first place in that order
    _, first = np.unique(r * len(uniq) + nid, return_index=True)
    first.sort()
    label = list(uniq)
    for ri, ni in zip(r[first].tolist(), nid[first].tolist()):
        out[ri].append(label[ni])
    return out


def _post_reference(smp: Samples, blk: np.ndarray, tst: np.ndarray, settings: Settings,
                    names: list[str]) -> list[WindowResult]:
    """`_post` in plain form, one run at a time: the reference the tests hold `_post` to."""
    W = len(smp.windows)
    if W == 0:
        return []
    step = settings.step_min
    starts = np.array([w.facade.window[0] for w in smp.windows])
    ends = np.array([w.facade.window[1] for w in smp.windows])
    inwin = (tst[None, :] >= starts[:, None]) & (tst[None, :] < ends[:, None])
    a, b = blk[smp.ends[:, 0]], blk[smp.ends[:, 1]]
    lit = (a == LIT) & (b == LIT) & inwin
    min_len = int(math.ceil(settings.min_segment_min / step - 1e-9))
    r_lit = _runs(lit)
    cont = np.zeros(W)
    cum = np.zeros(W)
    lit_iv: list[list] = [[] for _ in range(W)]
    for row, s, e in r_lit:
        n = e - s
        cont[row] = max(cont[row], n * step)
        if n >= min_len:
            cum[row] += n * step
        lit_iv[row].append((float(tst[s] - step / 2), float(tst[e - 1] + step / 2)))
    shade_iv: list[list] = [[] for _ in range(W)]
    for row, s, e in _runs(inwin & ~lit):
        seg = np.concatenate([a[row, s:e], b[row, s:e]])
        ks, counts = np.unique(seg[seg >= 0], return_counts=True)
        order = np.argsort(-counts, kind="stable")
        who: list[str] = []
        for k in ks[order]:
            if names[int(k)] not in who:
                who.append(names[int(k)])
        if (seg == NOT_TRACED).any() and not who:
            who = []
        shade_iv[row].append((float(tst[s] - step / 2), float(tst[e - 1] + step / 2), who))
    return [WindowResult(w, float(cont[i]), float(cum[i]), lit_iv[i], shade_iv[i],
                         unknown=w.unknown)
            for i, w in enumerate(smp.windows)]


def _runs(mask: np.ndarray) -> Iterable[tuple[int, int, int]]:
    """(row, start, end) of every run of True along axis 1, row-major."""
    if mask.size == 0:
        return []
    pad = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    pad[:, 1:-1] = mask
    d = np.diff(pad, axis=1)
    rs, cs = np.nonzero(d == 1)
    _, ce = np.nonzero(d == -1)
    return zip(rs.tolist(), cs.tolist(), ce.tolist())


# -- judging -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Requirement:
    minutes: float | None          # None: unknown (e.g. zone) -> see minutes_range
    measure: str                   # continuous | cumulative
    minutes_range: tuple[float, float] | None = None   # (lower, upper) when the zone is unknown
    label: str = ""                # what the requirement is (for messages)


def measured(r: WindowResult, req: Requirement, upper: bool = False) -> float:
    if upper and r.upper is not None:
        return r.upper[0] if req.measure == "continuous" else r.upper[1]
    return r.continuous if req.measure == "continuous" else r.cumulative


def window_status(r: WindowResult, req: Requirement) -> tuple[str, str | None]:
    """(pass | fail | unknown, why unknown)."""
    if r.unknown:
        return "unknown", r.unknown
    lo, hi = (req.minutes, req.minutes) if req.minutes is not None else req.minutes_range
    got, best = measured(r, req), measured(r, req, upper=True)
    eps = tol.SUN_MINUTES_EPS
    if got >= hi - eps:
        return "pass", None
    if best < lo - eps:
        return "fail", None
    why = []
    if r.upper is not None and got < lo - eps:
        why.append("obstruction without HEIGHT: " + ", ".join(r.unknown_obstructions))
    if req.minutes is None:
        why.append("zone not given")
    return "unknown", "; ".join(why) or None


def homes(results: list[WindowResult], req: Requirement) -> list[dict]:
    """Homes with their status: a home is a UNIT on one floor (a UNIT on a window drawn for
    floors a-b names that home on each floor); a window without UNIT is a home of its own. A
    home passes when any of its main-facade windows passes (any window when it has none on a
    main facade)."""
    groups: dict[tuple, list[int]] = {}
    for i, r in enumerate(results):
        key = (r.spec.unit, r.spec.floor) if r.spec.unit else (None, i)
        groups.setdefault(key, []).append(i)
    out = []
    for (unit, floor), idx in groups.items():
        main = [i for i in idx if results[i].spec.facade.main] or idx
        sts = [window_status(results[i], req)[0] for i in main]
        status = "pass" if "pass" in sts else "unknown" if "unknown" in sts else "fail"
        out.append({"unit": unit, "floor": results[idx[0]].spec.floor, "windows": main,
                    "status": status})
    return out


def worst(results: list[WindowResult], req: Requirement,
          groups: list[dict] | None = None) -> int | None:
    """The window that decides the verdict: in each home (`groups`, from `homes`; default each
    window alone) its best window, and of those the one with the fewest minutes (unknown
    ones last)."""
    if not results:
        return None
    groups = groups if groups is not None else [{"windows": [i]} for i in range(len(results))]

    def key(i: int):
        return (results[i].unknown is not None, measured(results[i], req), results[i].spec.floor)

    best = [max(g["windows"], key=lambda i: (results[i].unknown is None, measured(results[i], req)))
            for g in groups if g["windows"]]
    return min(best, key=key) if best else None


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
