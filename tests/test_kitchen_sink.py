"""End to end: one drawing holding a failing situation for every clause, checked with the whole
ruleset at once. Fails if any clause never fires (gives no finding) or any check crashes.

The drawing is composed from each clause's first fail- case (or its first declared outcome)
sketch, each translated onto its own tile of one large site and its names prefixed, so a new
clause with fixtures is covered without editing this test. Run under five contexts, since
some clauses exclude each other: planning conditions given (SH-COND-*) or not (the Art. 14
fallbacks), a detached-house area (Art. 26), the Puxi inner ring (Art. 28 minimums), and
public green beyond the site's south edge (Art. 33(3): only the context can say so).
"""

from __future__ import annotations

import copy

import pytest

from plancheck.evaluate.clauses import load_ruleset
from plancheck.fixtures import ruleset_cases
from plancheck.pipeline import check
from tests.conftest import REPO

RULESET = REPO / "rulesets" / "shanghai"
TILE_M = 350.0   # tiles far apart: no pair of buildings from two tiles is within any rule's reach
COLUMNS = 5


def _shift(points, dx, dy):
    return [[x + dx, y + dy] for x, y in points]


def _tile(sketch: dict, prefix: str, dx: float, dy: float) -> dict:
    s = copy.deepcopy(sketch)
    for b in s.get("buildings", []):
        if "name" in b:
            b["name"] = f"{prefix}{b['name']}"
        for m in b["masses"]:
            if "rect" in m:
                x0, y0, x1, y1 = m.pop("rect")
                m["outline"] = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
            m["outline"] = _shift(m["outline"], dx, dy)
            m.pop("label_at", None)
            for w in m.get("windows", []):
                w["from"], w["to"] = _shift([w["from"], w["to"]], dx, dy)
    for r in s.get("roads", []):
        r["points"] = _shift(r["points"], dx, dy)
        if r.get("name"):
            r["name"] = f"{prefix}{r['name']}"
    s["greens"] = [_shift(g, dx, dy) for g in s.get("greens", [])]
    s["rivers"] = [_shift(r, dx, dy) for r in s.get("rivers", [])]
    return s


def kitchen_sink() -> tuple[dict, set[str]]:
    ruleset = load_ruleset(RULESET)
    cases = [c for c in ruleset_cases(RULESET) if not c.error]
    sketch: dict = {"buildings": [], "roads": [], "greens": [], "rivers": []}
    used = set()
    for n, clause in enumerate(ruleset.clauses):
        wanted = "fail-" if "fail" in clause.outcomes else f"{clause.outcomes[-1]}-"
        case = next((c for c in cases if c.clause == clause.id and c.name.startswith(wanted)
                     and c.sketch.get("site")), None)
        assert case is not None, f"{clause.id}: no {wanted} case with a site to compose"
        dx, dy = (n % COLUMNS) * TILE_M, (n // COLUMNS) * TILE_M
        part = _tile(case.sketch, f"{clause.id}:", dx, dy)
        for key in ("buildings", "roads", "greens", "rivers"):
            sketch[key] += part.get(key, [])
        used.add(clause.id)
    rows = -(-len(ruleset.clauses) // COLUMNS)
    w, h = COLUMNS * TILE_M, rows * TILE_M
    sketch["site"] = [[-100, -100], [w, -100], [w, h], [-100, h]]
    return sketch, used


CONTEXTS = {
    "conditions": {"zone": "other", "area": "between-rings",
                   "conditions": {"far_max": 0.01, "density_max": 0.001, "green_ratio_min": 0.9,
                                  "height_max": 10}},
    "fallbacks": {"zone": "other", "area": "between-rings"},
    "detached-house-area": {"zone": "other", "detached_house_area": True},
    # the Art. 28 minimums only govern where the coefficient is 1.0 (浦西内环线以内)
    "puxi-inner": {"zone": "puxi-inner", "area": "inner-ring"},
    # 第三十三条（三）: what lies beyond an edge is the context's to say (the site's south edge)
    "public-green-beyond": {"zone": "other", "boundary": [{"at": [50, -100], "beyond": "public-green"}]},
}


def test_every_clause_fires_on_the_kitchen_sink(draw):
    sketch, composed = kitchen_sink()
    all_ids = {c.id for c in load_ruleset(RULESET).clauses}
    assert composed == all_ids
    fired: dict[str, set[str]] = {}
    for name, context in CONTEXTS.items():
        report = check(draw(sketch, context=context, name=f"kitchen-{name}")).report
        crashed = [f for f in report["findings"] if f["status"] == "error" and f["family"] != "drawing"]
        assert not crashed, crashed[:3]
        assert not [f for f in report["findings"] if f["rule"] in ("DRW-OPEN", "DRW-INVALID")]
        for f in report["findings"]:
            fired.setdefault(f["rule"], set()).add(f["status"])
    silent = sorted(all_ids - set(fired))
    assert not silent, f"clauses that never fired: {silent}"
    # the composed drawing is meant to fail: most clauses fail somewhere in it
    failing = {r for r, s in fired.items() if "fail" in s and r in all_ids}
    assert len(failing) >= len(all_ids) // 2, sorted(all_ids - failing)
