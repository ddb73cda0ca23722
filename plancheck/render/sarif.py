"""The `sarif` format: report.sarif, SARIF 2.1.0 for code-scanning tools (GitHub, GitLab, IDEs).

One result per finding that keeps the verdict from `pass` (status fail, unknown or error);
passing findings and drawing warnings are not results. `ruleId` is the clause id (or the DRW
code), and each rule used is described once in `tool.driver.rules` with its article and the
quoted regulation text. Every result points at the drawing file: a DXF has no meaningful line
for a finding, so the region is the file's first line (GitHub needs a `startLine`); the
buildings concerned are logical locations. With a baseline (`check --baseline`) each result
carries SARIF's `baselineState`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import quote

from plancheck.render.json_file import write_atomic

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
#: plancheck status -> SARIF level (kind is always "fail": the rule found a problem to look at)
LEVEL = {"fail": "error", "error": "error", "unknown": "warning"}
#: diff change (results.diff) -> SARIF baselineState
BASELINE = {"new": "new", "changed": "updated", "unchanged": "unchanged"}


def render(report: dict, out_dir: Path, context=None) -> list[Path]:
    import json

    path = out_dir / "report.sarif"
    text = json.dumps(to_sarif(report), ensure_ascii=False, indent=2, allow_nan=False)
    return [write_atomic(path, text + "\n")]


def to_sarif(report: dict) -> dict:
    uri = artifact_uri(report["drawing"]["path"])
    rows = [f for f in report["findings"] if f["status"] in LEVEL]
    rules: dict[str, dict] = {}
    for f in rows:
        rules.setdefault(f["rule"], _rule(f))
    index = {rule_id: n for n, rule_id in enumerate(rules)}
    states = _baseline_states(report)
    results = [_result(f, uri, index[f["rule"]], states) for f in rows]
    run = {
        "tool": {"driver": {
            "name": "plancheck", "version": report["tool"]["version"],
            "rules": list(rules.values()),
            "properties": {"ruleset": report["ruleset"]},
        }},
        # one category per drawing, so code scanning keeps each drawing's alerts apart
        "automationDetails": {"id": f"plancheck/{uri}/"},
        "artifacts": [{"location": {"uri": uri},
                       "hashes": {"sha-256": report["drawing"]["sha256"]}}],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"verdict": report["verdict"], "summary": report["summary"],
                       "indicators": report["indicators"]},
    }
    city = report.get("context_buildings") or {}
    if city.get("attribution"):     # ODbL: credit OpenStreetMap wherever its data shows
        run["properties"]["contextBuildings"] = {"file": city["file"], "used": city.get("used"),
                                                 "attribution": city["attribution"]}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def artifact_uri(path: str) -> str:
    """The drawing as a URI reference: relative to the working folder when it lies under it
    (what code-scanning services expect), forward slashes, percent-encoded (Chinese names)."""
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            return p.resolve().as_uri()
    return quote(p.as_posix(), safe="/")


def fingerprint(f: dict) -> str:
    """Stable identity of a finding across runs: rule, subjects, metric and entity."""
    key = "\x1f".join([f["rule"], *sorted(f["subjects"]), str(f.get("metric") or ""),
                       str(f.get("entity") or "")])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _rule(f: dict) -> dict:
    article = f.get("clause") or f["rule"]
    text = f.get("text")
    rule = {"id": f["rule"], "shortDescription": {"text": article},
            "properties": {"family": f["family"], "article": article}}
    if text:
        rule["fullDescription"] = {"text": text}
        rule["help"] = {"text": f"{article}: {text}"}
        rule["properties"]["quote"] = text
    return rule


def _result(f: dict, uri: str, rule_index: int, states: dict[str, str]) -> dict:
    result = {
        "ruleId": f["rule"], "ruleIndex": rule_index, "kind": "fail", "level": LEVEL[f["status"]],
        "message": {"text": f["message"]},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": uri, "index": 0},
                                 "region": {"startLine": 1}},
            "logicalLocations": [{"name": s, "kind": "object"} for s in f["subjects"]],
        }],
        "partialFingerprints": {"plancheckFinding/v1": fingerprint(f)},
        "properties": {k: f[k] for k in ("id", "status", "family", "subjects", "measured",
                                          "required", "unit", "geometry") if f.get(k) is not None},
    }
    if not result["locations"][0]["logicalLocations"]:
        del result["locations"][0]["logicalLocations"]
    state = states.get(f["id"])
    if state:
        result["baselineState"] = state
    return result


def _baseline_states(report: dict) -> dict[str, str]:
    """finding id -> SARIF baselineState, from the report's `diff` (check --baseline)."""
    diff = report.get("diff")
    if not diff:
        return {}
    return {row["new"]["id"]: BASELINE[row["change"]] for row in diff["findings"]
            if row.get("new") and row["change"] in BASELINE}
