"""The `sarif` format: report.sarif, SARIF 2.1.0 for code-scanning tools (GitHub, GitLab, IDEs).

One result per finding that keeps the verdict from `pass` (status fail, unknown or error);
passing findings and drawing warnings are not results. `ruleId` is the clause id (or the DRW
code), and each rule used is described once in `tool.driver.rules`: a `name`, a short title
(article and clause title: what a code-scanning alert list shows), the quoted regulation text
and help that cites it. Every result points at the drawing file, relative to the working folder
(`uriBaseId` %SRCROOT%) where it lies under it: a DXF has no meaningful line for a finding, so
the region is the file's first line (GitHub needs a `startLine`), and the location's properties
hold what does place it in the drawing (entity handles, the measurement's coordinates); the
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


SRCROOT = "%SRCROOT%"


def to_sarif(report: dict) -> dict:
    uri = artifact_uri(report["drawing"]["path"])
    rows = [f for f in report["findings"] if f["status"] in LEVEL]
    rules: dict[str, dict] = {}
    for f in rows:
        rules.setdefault(f["rule"], _rule(f))
    index = {rule_id: n for n, rule_id in enumerate(rules)}
    states = _baseline_states(report)
    entities = _entities(report)
    artifact = {"uri": uri, "index": 0}
    if "://" not in uri:
        artifact["uriBaseId"] = SRCROOT
    results = [_result(f, artifact, index[f["rule"]], states, entities) for f in rows]
    run = {
        "tool": {"driver": {
            "name": "plancheck", "version": report["tool"]["version"],
            "rules": list(rules.values()),
            "properties": {"ruleset": report["ruleset"]},
        }},
        # one category per drawing, so code scanning keeps each drawing's alerts apart
        "automationDetails": {"id": f"plancheck/{uri}/"},
        "artifacts": [{"location": {k: v for k, v in artifact.items() if k != "index"},
                       "hashes": {"sha-256": report["drawing"]["sha256"]}}],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"verdict": report["verdict"], "summary": report["summary"],
                       "indicators": report["indicators"]},
    }
    if "uriBaseId" in artifact:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": Path.cwd().resolve().as_uri() + "/"}}
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
    """A rule as code scanning lists it: an ASCII name, a title that says what is checked
    (`第三十四条 建筑物后退道路规划红线`, not the bare article), the clause text as help."""
    article = f.get("clause") or f["rule"]
    title = f.get("title") or ""
    if f["family"] == "drawing":
        title = title or "图纸问题 / drawing problem"
    short = f"{article} {title}".strip() if title and title != article else article
    text = f.get("text")
    rule = {"id": f["rule"], "name": _rule_name(f),
            "shortDescription": {"text": short},
            "properties": {"family": f["family"], "article": article}}
    if title:
        rule["properties"]["title"] = title
    if text:
        rule["fullDescription"] = {"text": text}
        rule["help"] = {"text": f"{short}\n\n{article}：{text}",
                        "markdown": f"**{short}**\n\n> {article}：{text}"}
        rule["properties"]["quote"] = text
    else:
        rule["help"] = {"text": short}
    return rule


def _rule_name(f: dict) -> str:
    """`RoadSetback_SH34`: the family in PascalCase and the rule id without punctuation."""
    family = "".join(part.capitalize() for part in f["family"].split("-"))
    return f"{family}_{''.join(c for c in f['rule'] if c.isalnum())}"


def _entities(report: dict) -> dict[str, list[str]]:
    """building name -> the DXF handles of its masses (where a finding's subject is drawn)."""
    out: dict[str, list[str]] = {}
    for b in report.get("buildings") or []:
        out[b["name"]] = [m["entity"] for m in b.get("masses") or [] if m.get("entity")]
    return out


def _result(f: dict, artifact: dict, rule_index: int, states: dict[str, str],
            entities: dict[str, list[str]]) -> dict:
    where: dict = {}
    handles = [f["entity"]] if f.get("entity") else [h for s in f["subjects"] for h in entities.get(s, [])]
    if handles:
        where["entities"] = handles
    if f.get("layer"):
        where["layer"] = f["layer"]
    geometry = f.get("geometry") or {}
    if geometry.get("from") and geometry.get("to"):
        where["drawingCoordinates"] = {"from": geometry["from"], "to": geometry["to"], "unit": "m"}
    location = {
        "physicalLocation": {"artifactLocation": dict(artifact), "region": {"startLine": 1}},
        "logicalLocations": [{"name": s, "kind": "object"} for s in f["subjects"]],
    }
    if where:
        location["properties"] = where
    if not location["logicalLocations"]:
        del location["logicalLocations"]
    result = {
        "ruleId": f["rule"], "ruleIndex": rule_index, "kind": "fail", "level": LEVEL[f["status"]],
        "message": {"text": f["message"]},
        "locations": [location],
        "partialFingerprints": {"plancheckFinding/v1": fingerprint(f)},
        "properties": {k: f[k] for k in ("id", "status", "family", "subjects", "measured",
                                          "required", "unit", "geometry") if f.get(k) is not None},
    }
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
