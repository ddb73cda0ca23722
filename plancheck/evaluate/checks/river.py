"""River blue lines: setback from them (`river.setback`)."""

from __future__ import annotations

from typing import Iterator

from plancheck import tolerances as tol
from plancheck.evaluate.checks._beyond import signed_distance
from plancheck.evaluate.checks._numbers import pair
from plancheck.evaluate.clauses import Clause
from plancheck.evaluate.engine import Evaluation
from plancheck.evaluate.geometry import segment
from plancheck.evaluate.registry import check_kind
from plancheck.findings import Finding

SCHEMA = {
    "type": "object",
    "required": ["min_m", "report_within_m"],
    "additionalProperties": False,
    "properties": {"min_m": {"type": "number", "minimum": 0},
                   "report_within_m": {"type": "number", "exclusiveMinimum": 0}},
}


@check_kind("river.setback", "river-setback", SCHEMA)
def setback(ev: Evaluation, clause: Clause) -> Iterator[Finding]:
    """Distance from each proposed building to the nearest river blue line.

    Measures: the shortest distance from the building's footprint to any blue-line entity
    (PC-RIVER), signed as every setback is: negative (minus the depth of its farthest vertex
    beyond the line) where the building reaches across it, onto the side away from the site;
    buildings farther than `report_within_m` from every blue line get no
    finding, and a drawing without blue lines gives none.
    Fails when: the distance is below `min_m`.
    Unknown when: never; a distance needs no building data.
    """
    p = clause.params
    rivers = ev.model.rivers
    if not rivers:
        return
    zh = ev.lang == "zh"
    for b in sorted(ev.model.proposed, key=lambda b: b.name):
        d, a, q = min((signed_distance(b.footprint, r.line, ev.model.site) for r in rivers),
                      key=lambda t: t[0])
        if d > p["report_within_m"] + tol.COMPARE_M:
            continue
        ok = d >= p["min_m"] - tol.COMPARE_M
        ds, ms = pair(d, float(p["min_m"]), 2, tol.COMPARE_M)
        ms = ms if ms != f"{p['min_m']:.2f}" else f"{p['min_m']:g}"
        if zh:
            msg = f"{b.name} 后退河道规划蓝线 {ds} m，{'不小于' if ok else '小于'} {ms} m"
        else:
            msg = (f"{b.name} is {ds} m from the river blue line, "
                   f"{'at least' if ok else 'less than'} {ms} m")
        yield ev.finding(clause, "pass" if ok else "fail", msg, [b.name], d, float(p["min_m"]),
                         "m", segment(a, q))
