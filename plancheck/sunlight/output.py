"""The sunlight document (`sunlight.json`, schema `plancheck.sunlight/1`): settings, every
receiver with its requirement and verdict, every window with its minutes, lit intervals and
the buildings that shade it, built by `document` from the sunlight evidence of an evaluation
(evaluate/checks/sunlight.py) for `plancheck check` and `plancheck sunlight` alike; it never
prints."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path

from plancheck import tolerances as tol
from plancheck.model.site import SiteModel
from plancheck.sunlight.analysis import (BuildingResult, Requirement, WindowResult, homes,
                                         measured, window_status, worst)
from plancheck.sunlight.rules import SunRules
from plancheck.sunlight.settings import hhmm, orientation_label

SCHEMA_ID = "plancheck.sunlight/1"
SCHEMA_FILE = Path(__file__).with_name("sunlight.schema.json")


def figure_name(building: str) -> str:
    """The facade-elevation figure of a receiver, relative to the output folder: named by a
    stable id, not by the drawing's text: an ASCII hint of the name (at most 24 characters) and
    12 hex digits of the name's sha256, so two names never share a file (`9#` and `9u23` did)
    and no name makes the file name too long (49 CJK characters did)."""
    hint = re.sub(r"[^0-9A-Za-z_-]+", "_", building).strip("_-")[:24] or "b"
    digest = hashlib.sha256(building.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"figures/sunlight-{hint}-{digest}.png"


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


def document(model: SiteModel, rules: SunRules, zone, detached_area, after: dict[int, BuildingResult],
             before: dict[int, BuildingResult], zh: bool = True) -> dict:
    from plancheck.sunlight.analysis import sun

    s = rules.settings
    path = sun(s)
    frame = model.frame
    bjt = _bjt(path, s.lon_deg, s.step_min)
    receivers, windows = [], []
    memo: dict = {}
    for bi, res in after.items():
        b = model.buildings[bi]
        got = rules.requirement(model, bi, zone, detached_area, zh)
        if got is None:
            continue
        rule, req = got
        prior = before.get(bi)
        if prior is not None:
            rule = rules.clauses["no_worse"].id if "no_worse" in rules.clauses else rule
        statuses = []
        for k, w in enumerate(res.windows):
            if prior is not None:
                st, why = no_worse_status(w, prior.windows[k], req)
            else:
                st, why = window_status(w, req)
            statuses.append(st)
            windows.append(_window(b.name, w, st, why, req, frame, bjt,
                                   prior.windows[k] if prior else None, zh, memo))
        hs = homes(res.windows, req) if prior is None else \
            [{"unit": None, "windows": [k], "status": st} for k, st in enumerate(statuses)]
        counts = {st: sum(1 for h in hs if h["status"] == st) for st in ("pass", "fail", "unknown")}
        verdict = ("fail" if counts["fail"] else "unknown" if counts["unknown"] else
                   "pass" if hs else "unknown")
        wi = worst(res.windows, req, hs)
        receivers.append({
            "building": b.name, "status": b.status, "use": b.use, "rule": rule,
            "requirement": {"minutes": req.minutes, "measure": req.measure,
                            "minutes_range": list(req.minutes_range) if req.minutes_range else None,
                            "text": req.label,
                            "no_worse": prior is not None},
            "windows_drawn": res.drawn, "estimate": not res.drawn,
            "verdict": verdict, "homes": counts, "windows": len(res.windows),
            "worst": None if wi is None else _ref(b.name, res.windows[wi], req, zh,
                                                  prior.windows[wi] if prior is not None else None),
            "skipped": res.skipped, "obstructions": res.obstructions, "rays": res.rays,
        })
    return {
        "schema": SCHEMA_ID,
        "settings": {**s.as_dict(), "date": path.day, "sun": "NREL SPA (pvlib nrel_numpy), geometric elevation",
                     "samples": len(path.tst_minutes)},
        "zone": zone,
        "receivers": receivers,
        "windows": windows,
        "rays": sum(r["rays"] for r in receivers) + sum(b.rays for b in before.values()),
    }


def _ref(name: str, w: WindowResult, req: Requirement, zh: bool,
         prior: WindowResult | None = None) -> dict:
    """The worst window; under 不得恶化 with `before`, its minutes without the proposed
    buildings (the analysis of the site as it stands), beside `minutes` with them."""
    f = w.spec.facade
    extra = {} if prior is None else {"before": measured(prior, req)}
    return {**extra, "building": name, "floor": w.spec.floor, "facade": f.id,
            "orientation": orientation_label(f.off_south, zh), "window": w.spec.window,
            "minutes": measured(w, req), "required": req.minutes if req.minutes is not None
            else req.minutes_range[1], "measure": req.measure, "drawn": w.spec.drawn}


def _window(name: str, w: WindowResult, status: str, why: str | None, req: Requirement, frame,
            bjt, prior: WindowResult | None, zh: bool, memo: dict | None = None) -> dict:
    """One window's record. `memo` (one per document) keeps what its facade and the clock labels
    share with the other windows, so each is worked out once."""
    memo = {} if memo is None else memo
    sp = w.spec
    f = sp.facade
    fk = id(f)
    fd = memo.get(fk)
    if fd is None or fd[0] is not f:
        L = f.length
        fd = memo[fk] = (f, L, (f.b[0] - f.a[0]) / L, (f.b[1] - f.a[1]) / L, {
            "facade": f.id, "mass": f.mass, "orientation": orientation_label(f.off_south, zh),
            "azimuth_deg": round(f.azimuth_deg, 3), "main_facade": f.main},
            round(L, 4), [hhmm(f.window[0]), hhmm(f.window[1])])
    _, L, ux, uy, head, flen, eff = fd
    clock = memo.setdefault("hhmm", {})

    def hm(m: float) -> str:
        got = clock.get(m)
        if got is None:
            got = clock[m] = hhmm(m)
        return got

    p0 = frame.to_drawing(f.a[0] + ux * sp.t0, f.a[1] + uy * sp.t0)
    p1 = frame.to_drawing(f.a[0] + ux * sp.t1, f.a[1] + uy * sp.t1)
    d = {
        "building": name, "floor": sp.floor, **head,
        "window": sp.window, "unit": sp.unit, "drawn": sp.drawn,
        "line": [[round(p0[0], 4), round(p0[1], 4)], [round(p1[0], 4), round(p1[1], 4)]],
        "along_m": [round(sp.t0, 4), round(sp.t1, 4)], "facade_length_m": flen,
        "sill_z_m": round(sp.z, 4),
        "effective": list(eff),
        "continuous_minutes": w.continuous, "cumulative_minutes": w.cumulative,
        "required_minutes": req.minutes, "measure": req.measure, "status": status,
        "lit": [[hm(a), hm(b)] for a, b in w.lit],
        "lit_bjt": [[bjt(a), bjt(b)] for a, b in w.lit],
        "shaded": [{"from": hm(a), "to": hm(b), "by": who} for a, b, who in w.shade],
    }
    if why:
        d["reason"] = why
    if w.upper is not None:
        d["upper_minutes"] = {"continuous": w.upper[0], "cumulative": w.upper[1]}
        d["unknown_obstructions"] = w.unknown_obstructions
    if prior is not None:
        d["before"] = {"continuous_minutes": prior.continuous,
                       "cumulative_minutes": prior.cumulative}
    return d


def _bjt(path, lon: float, step: float | None = None):
    """TST minutes -> Beijing time "HH:MM:SS" on the analysed day: every step boundary (the
    ends of every lit interval) solved in one vectorised call, any other instant alone."""
    from datetime import date

    import numpy as np

    from plancheck.sunlight.sun import bjt_labels, tst_to_bjt

    day = date.fromisoformat(path.day)
    table: dict[float, str] = {}
    if step is not None and len(path.tst_minutes):
        tst = np.asarray(path.tst_minutes, dtype=np.float64)
        vals = np.unique(np.concatenate([tst - step / 2, tst + step / 2]))
        table = dict(zip(vals.tolist(), bjt_labels(day, lon, vals)))
    one = functools.lru_cache(maxsize=4096)(lambda m: tst_to_bjt(day, lon, m))

    def label(m: float) -> str:
        got = table.get(m)
        return got if got is not None else one(m)

    return label


def validate(doc: dict) -> None:
    """Raise jsonschema.ValidationError when `doc` breaks the schema."""
    import jsonschema

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(doc)
