"""The sunlight document (`sunlight.json`, schema `plancheck.sunlight/2`): settings, every
receiver with its requirement and verdict, every window with its minutes, lit intervals and
the buildings that shade it (columnar: one array per field, a row per window, built from the
analysis's arrays in one go; `window_records` gives a window as a dict), built by `document` from the sunlight evidence of an evaluation
(evaluate/checks/sunlight.py) for `plancheck check` and `plancheck sunlight` alike; it never
prints."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path

import math

import numpy as np

from plancheck.model.site import SiteModel
from plancheck.sunlight.analysis import (STATUSES, BuildingResult, Requirement, each_alone, homes,
                                         measured, no_worse_status, window_status, worst)
from plancheck.sunlight.rules import SunRules
from plancheck.sunlight.settings import hhmm, orientation_label

SCHEMA_ID = "plancheck.sunlight/2"
SCHEMA_FILE = Path(__file__).with_name("sunlight.schema.json")


def figure_name(building: str) -> str:
    """The facade-elevation figure of a receiver, relative to the output folder: named by a
    stable id, not by the drawing's text: an ASCII hint of the name (at most 24 characters) and
    12 hex digits of the name's sha256, so two names never share a file (`9#` and `9u23` did)
    and no name makes the file name too long (49 CJK characters did)."""
    hint = re.sub(r"[^0-9A-Za-z_-]+", "_", building).strip("_-")[:24] or "b"
    digest = hashlib.sha256(building.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"figures/sunlight-{hint}-{digest}.png"


def document(model: SiteModel, rules: SunRules, zone, detached_area, after: dict[int, BuildingResult],
             before: dict[int, BuildingResult], zh: bool = True) -> dict:
    """The sunlight document: each receiver judged, every window one row of the columnar
    `windows` (see `window_records` for one window as a dict)."""
    from plancheck.sunlight.analysis import sun

    s = rules.settings
    path = sun(s)
    bjt = _bjt(path, s.lon_deg, s.step_min)
    tst = path.tst_minutes.tolist()
    half = s.step_min / 2
    cols = _Columns(model.frame, zh)
    receivers = []
    for bi, res in after.items():
        b = model.buildings[bi]
        got = rules.requirement(model, bi, zone, detached_area, zh)
        if got is None:
            continue
        rule, req = got
        prior = before.get(bi)
        if prior is not None:
            rule = rules.clauses["no_worse"].id if "no_worse" in rules.clauses else rule
            st, why = no_worse_status(res, prior, req)
            hs = each_alone(st)
        else:
            st, why = window_status(res, req)
            hs = homes(res, st)
        counts = hs.counts()
        verdict = ("fail" if counts["fail"] else "unknown" if counts["unknown"] else
                   "pass" if len(hs.status) else "unknown")
        wi = worst(res, req, hs)
        first = cols.count
        cols.add(len(receivers), res, st, why, prior)
        receivers.append({
            "building": b.name, "status": b.status, "use": b.use, "rule": rule,
            "requirement": {"minutes": req.minutes, "measure": req.measure,
                            "minutes_range": list(req.minutes_range) if req.minutes_range else None,
                            "text": req.label,
                            "no_worse": prior is not None},
            "windows_drawn": res.drawn, "estimate": not res.drawn,
            "verdict": verdict, "homes": counts, "windows": len(res.windows),
            "worst": None if wi is None else _ref(b.name, res, wi, req, zh, prior),
            "worst_row": None if wi is None else first + wi,
            "skipped": res.skipped, "obstructions": res.obstructions, "rays": res.rays,
        })
    windows = cols.done()
    windows["steps"] = {"from": [hhmm(t - half) for t in tst], "to": [hhmm(t + half) for t in tst],
                        "from_bjt": [bjt(t - half) for t in tst],
                        "to_bjt": [bjt(t + half) for t in tst]}
    return {
        "schema": SCHEMA_ID,
        "settings": {**s.as_dict(), "date": path.day, "sun": "NREL SPA (pvlib nrel_numpy), geometric elevation",
                     "samples": len(path.tst_minutes)},
        "zone": zone,
        "receivers": receivers,
        "windows": windows,
        "rays": sum(r["rays"] for r in receivers) + sum(b.rays for b in before.values()),
    }


def _ref(name: str, res: BuildingResult, i: int, req: Requirement, zh: bool,
         prior: BuildingResult | None = None) -> dict:
    """The worst window; under 不得恶化 with `before`, its minutes without the proposed
    buildings (the analysis of the site as it stands), beside `minutes` with them."""
    sp = res.windows[i]
    f = sp.facade
    extra = {} if prior is None else {"before": float(measured(prior, req)[i])}
    return {**extra, "building": name, "floor": sp.floor, "facade": f.id,
            "orientation": orientation_label(f.off_south, zh), "window": sp.window,
            "minutes": float(measured(res, req)[i]), "required": req.minutes if req.minutes is not None
            else req.minutes_range[1], "measure": req.measure, "drawn": sp.drawn}


#: The per-window columns of `windows` (one value per window, in row order).
ROW_COLUMNS = ("receiver", "facade", "floor", "window", "unit", "drawn", "sill_z_m",
               "continuous_minutes", "cumulative_minutes", "status", "reason", "upper_minutes",
               "unknown_obstructions", "before_minutes")
#: Columns of several arrays, each one value per window: `line` (x0, y0, x1, y1) and `along_m`
#: (from, to).
MULTI_COLUMNS = {"line": 4, "along_m": 2}


class _Columns:
    """The document's `windows`, built receiver by receiver from the analysis's arrays."""

    def __init__(self, frame, zh: bool):
        self.frame, self.zh = frame, zh
        self.count = 0
        self.rows: dict[str, list] = {k: [] for k in ROW_COLUMNS}
        self.rows.update({k: [[] for _ in range(n)] for k, n in MULTI_COLUMNS.items()})
        self.facades: list[dict] = []
        self.lit = {"count": [], "first": [], "last": []}
        self.shaded = {"count": [], "first": [], "last": [], "by_count": [], "by": []}

    def add(self, receiver: int, res: BuildingResult, st, why: list, prior) -> None:
        win = res.windows
        W = len(win)
        if not W:
            return
        used, fi = np.unique(win.facade, return_inverse=True)
        fi = fi.reshape(-1)
        fac = [win.facades[k] for k in used.tolist()]
        base = len(self.facades)
        for f in fac:
            self.facades.append({
                "receiver": receiver, "facade": f.id, "mass": f.mass,
                "orientation": orientation_label(f.off_south, self.zh),
                "azimuth_deg": round(f.azimuth_deg, 3), "main_facade": f.main,
                "facade_length_m": round(f.length, 4),
                "effective": [hhmm(f.window[0]), hhmm(f.window[1])]})
        ax, ay, ux, uy = (np.array(v, dtype=np.float64)[fi] for v in zip(
            *[(f.a[0], f.a[1], (f.b[0] - f.a[0]) / f.length, (f.b[1] - f.a[1]) / f.length)
              for f in fac]))
        a = math.radians(-self.frame.rotation_deg)
        c, s = math.cos(a), math.sin(a)
        line = []
        for t in (win.t0, win.t1):
            x, y = ax + ux * t, ay + uy * t
            line += [(c * x - s * y).tolist(), (s * x + c * y).tolist()]
        r = self.rows
        for col, vals in zip(r["line"], line):
            col += _round4(vals)
        for col, vals in zip(r["along_m"], (win.t0, win.t1)):
            col += _round4(vals)
        r["receiver"] += [receiver] * W
        r["facade"] += (fi + base).tolist()
        r["floor"] += win.floor.tolist()
        r["window"] += win.ids
        r["unit"] += win.unit
        r["drawn"] += win.drawn.tolist()
        r["sill_z_m"] += _round4(win.z)
        m = res.minutes
        r["continuous_minutes"] += m.continuous.tolist()
        r["cumulative_minutes"] += m.cumulative.tolist()
        r["status"] += np.array(STATUSES, dtype=object)[st].tolist()
        r["reason"] += why
        if res.upper is None:
            r["upper_minutes"] += [None] * W
            r["unknown_obstructions"] += [None] * W
        else:
            up = [None if u[0] != u[0] else u for u in res.upper.tolist()]
            r["upper_minutes"] += up
            r["unknown_obstructions"] += [None if u is None else res.unknown_obstructions for u in up]
        r["before_minutes"] += [None] * W if prior is None else \
            [list(p) for p in zip(prior.minutes.continuous.tolist(), prior.minutes.cumulative.tolist())]
        self.lit["count"] += np.diff(m.lit.off).tolist()
        self.lit["first"] += m.lit.start.tolist()
        self.lit["last"] += (m.lit.end - 1).tolist()
        sh = m.shade
        self.shaded["count"] += np.diff(sh.off).tolist()
        self.shaded["first"] += sh.start.tolist()
        self.shaded["last"] += (sh.end - 1).tolist()
        self.shaded["by_count"] += np.diff(sh.by_off).tolist()
        self.shaded["by"] += np.array(m.names, dtype=object)[sh.by].tolist() if len(sh.by) else []
        self.count += W

    def done(self) -> dict:
        return {"count": self.count, "facades": self.facades, **self.rows,
                "lit": self.lit, "shaded": self.shaded}


def _round4(vals) -> list[float]:
    """round(v, 4) of each value (Python's, correctly rounded), each distinct value rounded once
    (the windows of a facade share their coordinates, floors their sills)."""
    v = np.asarray(vals, dtype=np.float64)
    u, inv = np.unique(v, return_inverse=True)
    r = np.array([round(x, 4) for x in u.tolist()], dtype=np.float64)[inv.reshape(-1)]
    return np.where(r == 0.0, np.copysign(0.0, v), r).tolist()      # -0.0 and 0.0 are one in u


def take(windows: dict, rows: list[int]) -> dict:
    """The `windows` section with only `rows` (ascending), in the same layout: the report
    carries the windows a reader needs to see, sunlight.json every one."""
    out = {"count": len(rows), "facades": windows["facades"], "steps": windows["steps"]}
    for k in ROW_COLUMNS:
        col = windows[k]
        out[k] = [col[i] for i in rows]
    for k in MULTI_COLUMNS:
        out[k] = [[col[i] for i in rows] for col in windows[k]]
    for key, nested in (("lit", None), ("shaded", "by")):
        src = windows[key]
        start = np.concatenate([[0], np.cumsum(src["count"], dtype=np.int64)])
        runs = [j for i in rows for j in range(int(start[i]), int(start[i + 1]))]
        sec = {"count": [src["count"][i] for i in rows],
               "first": [src["first"][j] for j in runs], "last": [src["last"][j] for j in runs]}
        if nested:
            bstart = np.concatenate([[0], np.cumsum(src["by_count"], dtype=np.int64)])
            sec["by_count"] = [src["by_count"][j] for j in runs]
            sec["by"] = [src["by"][q] for j in runs for q in range(int(bstart[j]), int(bstart[j + 1]))]
        out[key] = sec
    return out


#: the report lists at most this many failing or unknown windows per receiver (sunlight.json
#: has every window)
REPORT_WINDOWS = 200


def summary(doc: dict, file: str = "sunlight.json") -> dict:
    """The sunlight section of report.json: the document less most of its windows, keeping the
    failing and unknown windows of each receiver (up to REPORT_WINDOWS) and each one's worst
    (its `worst_row` renumbered); `file` names the full document beside the report. The tool and
    the drawing are the report's own."""
    doc = {k: v for k, v in doc.items() if k not in ("tool", "drawing")}
    win = doc.get("windows") or {}
    if not win.get("count"):
        return {**doc, "file": file, "windows_total": 0}
    status, recv = win["status"], win["receiver"]
    keep: set[int] = set()
    shown = [0] * len(doc["receivers"])
    for k, (st, r) in enumerate(zip(status, recv)):
        if st != "pass" and shown[r] < REPORT_WINDOWS:
            keep.add(k)
            shown[r] += 1
    keep.update(r["worst_row"] for r in doc["receivers"] if r.get("worst_row") is not None)
    rows = sorted(keep)
    new = {k: i for i, k in enumerate(rows)}
    receivers = [{**r, "worst_row": new.get(r.get("worst_row"))} for r in doc["receivers"]]
    return {**doc, "receivers": receivers, "windows": take(win, rows), "file": file,
            "windows_total": win["count"]}


def window_records(doc: dict, building: str | None = None) -> list[dict]:
    """The windows of a sunlight document (or of the report's `sunlight`) as one dict each, in
    row order (of `building` only, when given): the shape renderers read. A renderer that
    passes over every window of a large scheme iterates `iter_window_records` instead: two
    million windows as dicts at once would be gigabytes."""
    rows = None
    if building is not None:
        win = doc.get("windows") or {}
        mine = [i for i, r in enumerate(doc.get("receivers") or ()) if r["building"] == building]
        rows = _rows_of(win, mine) if win.get("count") else []
    return list(iter_window_records(doc, rows))


def _rows_of(win: dict, receivers: list[int]) -> list[int]:
    rows = _index(win)[3]
    return sorted(k for r in receivers for k in rows.get(r, ()))


_INDEX: list = []


def _index(win: dict) -> tuple:
    """Where each row's runs start in the flattened arrays, and each receiver's rows: worked
    out once per document (a large scheme asks once per sheet and view)."""
    import numpy as np

    if _INDEX and _INDEX[0] is win:
        return _INDEX[1]
    lit, sh = win["lit"], win["shaded"]

    def starts(counts) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(np.asarray(counts, dtype=np.int64))])

    col = np.asarray(win["receiver"], dtype=np.int64)
    order = np.argsort(col, kind="stable")
    keys, first = np.unique(col[order], return_index=True)
    groups = np.split(order, first[1:])
    idx = (starts(lit["count"]), starts(sh["count"]), starts(sh["by_count"]),
           {int(r): g.tolist() for r, g in zip(keys, groups)})
    _INDEX[:] = [win, idx]
    return idx


def iter_window_records(doc: dict, rows=None):
    """`window_records` one window at a time, of `rows` (indices, in the order given) or all."""
    win = doc.get("windows") or {}
    n = win.get("count") or 0
    if not n:
        return
    recv = doc["receivers"]
    steps = win["steps"]
    fr, to, fb, tb = steps["from"], steps["to"], steps["from_bjt"], steps["to_bjt"]
    lit, sh = win["lit"], win["shaded"]
    lit_at, sh_at, by_at, _ = _index(win)
    for k in range(n) if rows is None else rows:
        f = win["facades"][win["facade"][k]]
        req = recv[win["receiver"][k]]["requirement"]
        x0, y0, x1, y1 = (col[k] for col in win["line"])
        li, lj = int(lit_at[k]), int(lit_at[k + 1])
        runs = list(zip(lit["first"][li:lj], lit["last"][li:lj]))
        shaded = []
        for si in range(int(sh_at[k]), int(sh_at[k + 1])):
            shaded.append({"from": fr[sh["first"][si]], "to": to[sh["last"][si]],
                           "by": sh["by"][int(by_at[si]):int(by_at[si + 1])]})
        d = {"building": recv[win["receiver"][k]]["building"], "floor": win["floor"][k],
             "facade": f["facade"], "mass": f["mass"], "orientation": f["orientation"],
             "azimuth_deg": f["azimuth_deg"], "main_facade": f["main_facade"],
             "window": win["window"][k], "unit": win["unit"][k], "drawn": win["drawn"][k],
             "line": [[x0, y0], [x1, y1]], "along_m": [win["along_m"][0][k], win["along_m"][1][k]],
             "facade_length_m": f["facade_length_m"], "sill_z_m": win["sill_z_m"][k],
             "effective": list(f["effective"]),
             "continuous_minutes": win["continuous_minutes"][k],
             "cumulative_minutes": win["cumulative_minutes"][k],
             "required_minutes": req["minutes"], "measure": req["measure"],
             "status": win["status"][k],
             "lit": [[fr[a], to[b]] for a, b in runs],
             "lit_bjt": [[fb[a], tb[b]] for a, b in runs],
             "shaded": shaded}
        if win["reason"][k]:
            d["reason"] = win["reason"][k]
        if win["upper_minutes"][k] is not None:
            c, u = win["upper_minutes"][k]
            d["upper_minutes"] = {"continuous": c, "cumulative": u}
            d["unknown_obstructions"] = win["unknown_obstructions"][k]
        if win["before_minutes"][k] is not None:
            c, u = win["before_minutes"][k]
            d["before"] = {"continuous_minutes": c, "cumulative_minutes": u}
        yield d


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
