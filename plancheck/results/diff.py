"""Compare two reports (a revision and its resubmission): what is new, fixed, changed, unchanged.

Findings are matched by rule (clause id or DRW code) + subjects (building names, so a building
keeps its identity by NAME across revisions, whatever its outline) + metric (capacity) +
entity (drawing findings); findings sharing all of that are paired in report order.

Each matched or unmatched finding gets one `change`:
- `new`: only in the new report, or it passed before and does not now;
- `fixed`: it did not pass before and passes now, or it no longer occurs at all;
- `changed`: in both with the same outcome class, but its status or its measured / required
  value moved (by more than the comparison slack);
- `unchanged`: in both, same status, same numbers;
- `gone`: a passing finding of the old report with no counterpart (a building removed).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from plancheck import tolerances as tol
from plancheck.errors import PlancheckError

SCHEMA = "plancheck.diff/1"
CHANGES = ("new", "fixed", "changed", "unchanged", "gone")
INDICATORS = ("site_area_m2", "gross_floor_area_m2", "far", "building_density", "green_ratio",
              "max_height_m")


def key(f: dict) -> tuple:
    return (f["rule"], tuple(sorted(f["subjects"])), f.get("metric"), f.get("entity"))


def diff(old: dict, new: dict) -> dict[str, Any]:
    """The diff of two report dicts (schema plancheck.report/1) as plain data (diff.json)."""
    for name, r in (("old", old), ("new", new)):
        if not isinstance(r, dict) or r.get("schema") != "plancheck.report/1":
            raise PlancheckError(f"the {name} side is not a plancheck report (schema plancheck.report/1)")
    rows = [_row(o, n) for o, n in _pairs(old["findings"], new["findings"])]
    rows.sort(key=lambda r: (CHANGES.index(r["change"]), r["rule"], r["subjects"]))
    counts = {c: sum(r["change"] == c for r in rows) for c in CHANGES}
    return {
        "schema": SCHEMA,
        "old": _side(old), "new": _side(new),
        "verdict": {"old": old["verdict"], "new": new["verdict"]},
        "indicators": [_delta(k, old["indicators"].get(k), new["indicators"].get(k))
                       for k in INDICATORS],
        "summary": {s: {"old": old["summary"].get(s, 0), "new": new["summary"].get(s, 0)}
                    for s in new["summary"]},
        "counts": counts,
        "new_failures": sum(_regressed(r, {"fail"}) for r in rows),
        "findings": rows,
    }


def _side(r: dict) -> dict:
    return {"path": r["drawing"]["path"], "sha256": r["drawing"]["sha256"],
            "ruleset": r["ruleset"], "tool": r["tool"]["version"]}


def _pairs(old: list[dict], new: list[dict]):
    by_key: dict[tuple, list[dict]] = defaultdict(list)
    for f in old:
        by_key[key(f)].append(f)
    for f in new:
        waiting = by_key.get(key(f))
        yield (waiting.pop(0) if waiting else None), f
    for rest in by_key.values():
        for f in rest:
            yield f, None


def _moved(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return abs(a - b) > tol.COMPARE_M


def _change(o: dict | None, n: dict | None) -> str:
    if o is None:
        return "new"
    if n is None:
        return "gone" if o["status"] == "pass" else "fixed"
    if o["status"] == "pass" and n["status"] != "pass":
        return "new"
    if o["status"] != "pass" and n["status"] == "pass":
        return "fixed"
    if (o["status"] != n["status"] or _moved(o.get("measured"), n.get("measured"))
            or _moved(o.get("required"), n.get("required"))):
        return "changed"
    return "unchanged"


def _brief(f: dict | None) -> dict | None:
    if f is None:
        return None
    return {k: f.get(k) for k in ("id", "status", "measured", "required", "unit", "message")}


def _row(o: dict | None, n: dict | None) -> dict:
    f = n or o
    row = {"change": _change(o, n), "rule": f["rule"], "clause": f.get("clause"),
           "family": f["family"], "subjects": list(f["subjects"]), "old": _brief(o),
           "new": _brief(n)}
    if f.get("metric"):
        row["metric"] = f["metric"]
    a, b = (o or {}).get("measured"), (n or {}).get("measured")
    row["measured_delta"] = b - a if a is not None and b is not None else None
    return row


def _delta(name: str, a: float | None, b: float | None) -> dict:
    return {"indicator": name, "old": a, "new": b,
            "delta": b - a if a is not None and b is not None else None}


def _regressed(row: dict, bad: set[str]) -> bool:
    """The new side is bad and the old side was not (absent, passing, or less bad)."""
    n, o = row["new"], row["old"]
    return n is not None and n["status"] in bad and (o is None or o["status"] not in bad)


def exit_code(d: dict, strict: bool = False) -> int:
    """1 when the new revision brings a failing finding the old one did not have (with strict:
    unknown and error count as failing too); 0 otherwise."""
    bad = {"fail", "unknown", "error"} if strict else {"fail"}
    return 1 if any(_regressed(r, bad) for r in d["findings"]) else 0
