"""Build report.json (schema `plancheck.report/1`, shared/spec/report.md) — once, as plain data.

Every other output (terminal, HTML, SARIF, JUnit, figures) renders this dict and nothing else,
so it also carries the geometry the figures draw, in drawing coordinates (metres).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from plancheck import __version__
from plancheck import tolerances as tol
from plancheck.findings import STATUSES, Finding
from plancheck.model.indicators import Indicators
from plancheck.model.site import Frame, SiteModel

SCHEMA = "plancheck.report/1"
#: Status order for sorting and summaries: what needs attention first.
STATUS_ORDER = {s: i for i, s in enumerate(("fail", "error", "unknown", "warning", "pass"))}


def verdict(findings: list[dict]) -> str:
    statuses = {f["status"] for f in findings}
    if "fail" in statuses:
        return "fail"
    if statuses & {"unknown", "error"}:
        return "incomplete"
    return "pass"


def exit_code(report: dict, strict: bool = False) -> int:
    """0 nothing fails, 1 something fails (with --strict: or is unknown / error)."""
    failing = {"fail", "unknown", "error"} if strict else {"fail"}
    return 1 if any(f["status"] in failing for f in report["findings"]) else 0


def build(*, drawing: dict, model: SiteModel, indicators: Indicators, findings: list[Finding],
          context: dict, ruleset: dict, not_checked: list[str] | None = None,
          context_buildings: dict | None = None, sunlight: dict | None = None) -> dict[str, Any]:
    """The report. `context_buildings`: the note on buildings added from a city file;
    `sunlight`: the sunlight evidence's document (receivers, windows, 等时线), when the
    evaluation ran the analysis. Each is a section like the others, built here once."""
    frame = model.frame
    ordered = sorted(findings, key=_finding_key)
    rows = []
    for n, f in enumerate(ordered, start=1):
        f.id = f"F{n:04d}"
        row = f.to_dict()
        if row["geometry"] and frame.rotation_deg:  # north-up drawings need no mapping
            row["geometry"] = _to_drawing(row["geometry"], frame)
        rows.append(row)
    summary = {s: 0 for s in STATUSES}
    for row in rows:
        summary[row["status"]] += 1
    return {
        "schema": SCHEMA,
        "tool": {"name": "plancheck", "version": __version__},
        "drawing": drawing,
        "ruleset": ruleset,
        "context": context,
        "verdict": verdict(rows),
        "indicators": indicators.as_report(),
        "buildings": [_building(b, indicators, frame) for b in
                      sorted(model.buildings, key=lambda b: (b.status != "proposed", b.name))],
        "roads": [{"name": r.name, "width_m": r.width_m, "width_from": r.width_from,
                   "entity": r.source.handle, "layer": r.source.layer,
                   "line": _coords(r.line.coords, frame)} for r in model.roads],
        "site": {"outline": _coords(model.site.exterior.coords, frame)} if model.site else None,
        "greens": [{"entity": g.source.handle, "outline": _coords(g.outline.exterior.coords, frame),
                    "area_m2": g.outline.area} for g in model.greens],
        "rivers": [{"entity": r.source.handle, "line": _coords(r.line.coords, frame)}
                   for r in model.rivers],
        "findings": rows,
        "summary": summary,
        "not_checked": not_checked or [],
        "provenance": {"tolerances": tol.as_dict(), "coordinates":
                       "drawing coordinates in metres (the drawing's axes, scaled by the unit)"},
        **({"context_buildings": context_buildings} if context_buildings is not None else {}),
        **({"sunlight": sunlight} if sunlight is not None else {}),
    }


def _finding_key(f: Finding):
    return (f.family == "drawing", f.family, f.rule, STATUS_ORDER[f.status], f.subjects)


def _building(b, ind: Indicators, frame: Frame) -> dict:
    return {
        "name": b.name, "status": b.status, "use": b.use, "height_m": b.height_m,
        "floors": b.floors, "height_class": b.height_class,
        "footprint_area_m2": b.footprint.area,
        "floor_area_m2": ind.floor_areas.get(b.name) if b.status == "proposed" else None,
        "masses": [{
            "entity": m.source.handle, "layer": m.source.layer, "name": m.name, "use": m.use,
            "floors": m.floors, "height_m": m.height_m, "floor_area_m2": m.floor_area_m2,
            "area_m2": m.area_m2, "carriers": dict(sorted(m.carriers.items())),
            "outline": _coords(m.outline.exterior.coords, frame),
            "holes": [_coords(h.coords, frame) for h in m.outline.interiors],
            "windows": [{"entity": w.source.handle, "line": _coords(w.line.coords, frame),
                         "floors": list(w.floors) if w.floors else None, "unit": w.unit}
                        for w in m.windows],
        } for m in b.masses],
    }


def _coords(coords, frame: Frame) -> list[list[float]]:
    """Model-frame coordinates -> drawing axes (metres), rounded for the report (vectorised:
    a 5,000-mass report has ~30,000 vertices)."""
    xy = np.asarray(coords, dtype=float)[:, :2]
    if frame.rotation_deg:
        a = math.radians(-frame.rotation_deg)
        c, s = math.cos(a), math.sin(a)
        xy = xy @ np.array([[c, s], [-s, c]])
    return np.round(xy, tol.REPORT_COORD_DECIMALS).tolist()


def _to_drawing(geometry: Any, frame: Frame) -> Any:
    """Map every [x, y] pair in a finding's geometry from the model frame to the drawing."""
    if isinstance(geometry, dict):
        return {k: _to_drawing(v, frame) for k, v in geometry.items()}
    if isinstance(geometry, (list, tuple)):
        if len(geometry) == 2 and all(isinstance(v, (int, float)) for v in geometry):
            return [float(v) for v in frame.to_drawing(*geometry)]
        return [_to_drawing(v, frame) for v in geometry]
    return geometry
