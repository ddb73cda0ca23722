"""Storey height of housing (第五十一条): `building.storey_height`."""

from __future__ import annotations

from typing import Iterator

from plancheck import tolerances as tol
from plancheck.evaluate.checks._numbers import pair
from plancheck.evaluate.clauses import Clause
from plancheck.evaluate.engine import Evaluation
from plancheck.evaluate.registry import check_kind
from plancheck.findings import Finding
from plancheck.model.site import height_class

SCHEMA = {
    "type": "object",
    "required": ["uses", "classes", "max_m", "above_floors_max_m"],
    "additionalProperties": False,
    "properties": {
        "uses": {"type": "array", "items": {"type": "string"}},
        "classes": {"type": "array", "items": {"enum": ["low", "multi", "high"]}},
        "max_m": {"type": "number", "exclusiveMinimum": 0},
        "above_floors_max_m": {"type": "number", "minimum": 0},
    },
}


@check_kind("building.storey_height", "facade", SCHEMA)
def storey_height(ev: Evaluation, clause: Clause) -> Iterator[Finding]:
    """Average storey height of each housing mass, from its HEIGHT and FLOORS.

    Measures: for each proposed mass whose use is in `uses` and whose height class is in
    `classes`: HEIGHT / FLOORS is the most its average storey height can be (HEIGHT also holds
    the outdoor-ground-to-floor step and the parapet); (HEIGHT − `above_floors_max_m`) / FLOORS
    the least. One finding per building: the mass with the largest ratio.
    Fails when: even the least average storey height exceeds `max_m`.
    Unknown when: a mass lacks FLOORS or HEIGHT, or `max_m` lies between the least and the
    most (the storey heights themselves, from the sections, would decide).
    """
    p = clause.params
    zh = ev.lang == "zh"
    mx, allow = float(p["max_m"]), float(p["above_floors_max_m"])
    for b in sorted(ev.model.proposed, key=lambda b: b.name):
        rows = []
        for m in b.masses:
            use = m.use or b.use
            if use not in p["uses"]:
                continue
            if m.height_m is None or not m.floors:
                rows.append((None, None, m))
                continue
            if height_class(m.height_m) not in p["classes"]:
                continue
            rows.append((m.height_m / m.floors, (m.height_m - allow) / m.floors, m))
        if not rows:
            continue
        bad = [r for r in rows if r[0] is None]
        known = [r for r in rows if r[0] is not None]
        worst = max(known, key=lambda r: r[0]) if known else None
        if worst is not None and worst[1] > mx + tol.COMPARE_M:
            hi, lo, m = worst
            ls, ms = pair(lo, mx, 2, tol.COMPARE_M)
            msg = (f"{b.name} 平均层高至少 {ls} m（(高度 {m.height_m:.2f} m − {allow:g} m) / {m.floors} 层），"
                   f"高于住宅层高上限 {ms} m" if zh else
                   f"{b.name}: average storey height at least {ls} m ((height {m.height_m:.2f} m − "
                   f"{allow:g} m) / {m.floors} floors), above the {ms} m limit for housing")
            yield ev.finding(clause, "fail", msg, [b.name], lo, mx, "m")
            continue
        if bad:
            m = bad[0][2]
            msg = (f"{b.name} 层高无法判定：{m.label} 缺少层数或高度" if zh else
                   f"{b.name}: storey height cannot be decided: {m.label} lacks FLOORS or HEIGHT")
            yield ev.finding(clause, "unknown", msg, [b.name], None, mx, "m")
            continue
        hi, lo, m = worst
        if hi <= mx + tol.COMPARE_M:
            hs, ms = pair(hi, mx, 2, tol.COMPARE_M)
            msg = (f"{b.name} 平均层高不超过 {hs} m（高度 {m.height_m:.2f} m / {m.floors} 层），"
                   f"不高于住宅层高上限 {ms} m" if zh else
                   f"{b.name}: average storey height at most {hs} m (height {m.height_m:.2f} m / "
                   f"{m.floors} floors), within the {ms} m limit for housing")
            yield ev.finding(clause, "pass", msg, [b.name], hi, mx, "m")
            continue
        msg = (f"{b.name} 平均层高在 {lo:.2f}–{hi:.2f} m 之间（高度 {m.height_m:.2f} m 含室内外高差和女儿墙，"
               f"至多 {allow:g} m），无法判定是否超过 {mx:g} m：需各层层高（剖面）" if zh else
               f"{b.name}: average storey height between {lo:.2f} and {hi:.2f} m (the height "
               f"{m.height_m:.2f} m includes the ground step and parapet, up to {allow:g} m); "
               f"whether it exceeds {mx:g} m needs the storey heights (sections)")
        yield ev.finding(clause, "unknown", msg, [b.name], hi, mx, "m")
