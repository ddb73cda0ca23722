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

import math
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


def diff(old: dict, new: dict, names: tuple[str, str] = ("old", "new")) -> dict[str, Any]:
    """The diff of two report dicts (schema plancheck.report/1) as plain data (diff.json).
    `names` say where each side came from in the message when one is malformed."""
    for side, name, r in (("old", names[0], old), ("new", names[1], new)):
        where = f"the {side} side" + (f" ({name})" if name != side else "")
        if not isinstance(r, dict) or r.get("schema") != "plancheck.report/1":
            raise PlancheckError(f"{where} is not a plancheck report (schema plancheck.report/1)")
        problem = malformed(r)
        if problem:
            raise PlancheckError(f"{where} is a malformed plancheck report: {problem}")
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


STATUSES = ("pass", "fail", "unknown", "warning", "error")


def _text(v) -> bool:
    return isinstance(v, str)


def _number(v) -> bool:
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)
                         and math.isfinite(v))


def malformed(r: dict) -> str | None:
    """The first field the diff needs that a (crafted or damaged) report lacks or gets wrong;
    None when the report can be compared."""
    drawing, tool = r.get("drawing"), r.get("tool")
    if not isinstance(drawing, dict) or not _text(drawing.get("path")):
        return "drawing.path must be text"
    if not (drawing.get("sha256") is None or _text(drawing.get("sha256"))):
        return "drawing.sha256 must be text"
    if not isinstance(tool, dict) or not _text(tool.get("version")):
        return "tool.version must be text"
    if not isinstance(r.get("ruleset"), dict):
        return "ruleset must be a mapping"
    if not _text(r.get("verdict")):
        return "verdict must be text"
    ind = r.get("indicators")
    if not isinstance(ind, dict) or not all(_number(ind.get(k)) for k in INDICATORS):
        return "indicators must map names to numbers"
    summ = r.get("summary")
    if not isinstance(summ, dict) or not all(_text(k) and isinstance(v, int) and not isinstance(v, bool)
                                             for k, v in summ.items()):
        return "summary must map statuses to counts"
    findings = r.get("findings")
    if not isinstance(findings, list):
        return "findings must be a list"
    for i, f in enumerate(findings):
        if not isinstance(f, dict):
            return f"findings[{i}] must be a mapping"
        if not _text(f.get("rule")) or not _text(f.get("family")):
            return f"findings[{i}] needs rule and family as text"
        if f.get("status") not in STATUSES:
            return f"findings[{i}].status must be one of {', '.join(STATUSES)}"
        subjects = f.get("subjects")
        if not isinstance(subjects, list) or not all(_text(s) for s in subjects):
            return f"findings[{i}].subjects must be a list of text"
        if not (_number(f.get("measured")) and _number(f.get("required"))):
            return f"findings[{i}].measured / required must be numbers"
        for k in ("id", "unit", "message", "clause", "metric", "entity"):
            if not (f.get(k) is None or _text(f.get(k))):
                return f"findings[{i}].{k} must be text"
    return None


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
