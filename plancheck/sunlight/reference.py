"""The sunlight analysis's post-processing and judging in plain form, one window at a time
(one `WindowResult` each): the reference the tests hold the vectorised code of
plancheck.sunlight.analysis (`_post`, `window_status`, `no_worse_status`, `homes`, `worst`)
equal to. Not used by the tool itself."""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from plancheck import tolerances as tol
from plancheck.sunlight.analysis import LIT, NOT_TRACED, Requirement, WindowResult
from plancheck.sunlight.receivers import Samples
from plancheck.sunlight.settings import Settings


def post(smp: Samples, blk: np.ndarray, tst: np.ndarray, settings: Settings,
                    names: list[str]) -> list[WindowResult]:
    """`analysis._post` in plain form, one run at a time, one object per window."""
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
    r_lit = runs(lit)
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
    for row, s, e in runs(inwin & ~lit):
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


def runs(mask: np.ndarray) -> Iterable[tuple[int, int, int]]:
    """(row, start, end) of every run of True along axis 1, row-major."""
    if mask.size == 0:
        return []
    pad = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    pad[:, 1:-1] = mask
    d = np.diff(pad, axis=1)
    rs, cs = np.nonzero(d == 1)
    _, ce = np.nonzero(d == -1)
    return zip(rs.tolist(), cs.tolist(), ce.tolist())


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


def no_worse_status(after: WindowResult, before: WindowResult, req: Requirement) -> tuple[str, str | None]:
    """不得恶化: one that met the requirement before must still meet it; one already short must
    not lose a minute."""
    b_st, b_why = window_status(before, req)
    a_st, a_why = window_status(after, req)
    if b_st == "pass":
        return a_st, a_why
    if b_st == "unknown" or a_st == "unknown":
        return "unknown", b_why or a_why
    lost = measured(before, req) - measured(after, req)
    return ("pass", None) if lost <= tol.SUN_MINUTES_EPS else ("fail", None)
