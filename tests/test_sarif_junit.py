"""--format sarif and --format junit on the Huangpu sample (samples/README.md: its three
intended violations, hand-computed there) and on drawings with awkward names.

The SARIF output is validated against the official SARIF 2.1.0 JSON schema, vendored in
tests/data/sarif-2.1.0-rtm.5.json (from the npm package @microsoft/jest-sarif 1.0.0-beta.0,
MIT; the schema GitHub code scanning and json.schemastore.org serve for 2.1.0).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest

from conftest import REPO

SAMPLE = REPO / "samples" / "huangpu-residential.dxf"
SCHEMA = Path(__file__).parent / "data" / "sarif-2.1.0-rtm.5.json"


def _plancheck(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "plancheck", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """The sample (with its context file) checked once into json + sarif + junit."""
    work = tmp_path_factory.mktemp("sarif")
    for f in ("huangpu-residential.dxf", "huangpu-residential.plancheck.yaml"):
        shutil.copy(REPO / "samples" / f, work / f)
    proc = _plancheck("check", "huangpu-residential.dxf", "--out", "out", "--format",
                      "json,sarif,junit", "-q", cwd=work)
    assert proc.returncode == 1, proc.stderr       # the sample has failing findings
    out = work / "out"
    return (json.loads((out / "report.json").read_text("utf-8")),
            json.loads((out / "report.sarif").read_text("utf-8")),
            ET.parse(out / "report.junit.xml").getroot())


def _validator():
    return jsonschema.Draft4Validator(json.loads(SCHEMA.read_text("utf-8")))


def test_sarif_validates_against_the_official_schema(sample_run):
    _, sarif, _ = sample_run
    errors = sorted(_validator().iter_errors(sarif), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    assert sarif["version"] == "2.1.0"


def test_sarif_one_result_per_failing_or_unknown_finding(sample_run):
    report, sarif, _ = sample_run
    run = sarif["runs"][0]
    expected = [f for f in report["findings"] if f["status"] in ("fail", "unknown", "error")]
    assert len(run["results"]) == len(expected) > 0
    levels = {("error" if f["status"] in ("fail", "error") else "warning") for f in expected}
    assert {r["level"] for r in run["results"]} == levels
    # every result points at the drawing, relative to where plancheck ran (%SRCROOT%)
    for r in run["results"]:
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "huangpu-residential.dxf"
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert loc["region"]["startLine"] == 1
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file:///")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    assert run["artifacts"][0]["hashes"]["sha-256"] == report["drawing"]["sha256"]


def test_sarif_carries_the_intended_violations_with_their_numbers(sample_run):
    """samples/README.md: V2 the 10# tower 12.0 m from 中山南一路 against 15 m (第三十四条)
    (that site edge is the road's red line, so 第三十三条 does not apply there: no SH-33-1 fail);
    V3 7# and 8# gable to gable 3.0 m against max(0.5 x 9.9, 4) = 4.95 m (第二十五条)."""
    _, sarif, _ = sample_run
    results = sarif["runs"][0]["results"]

    def one(rule: str, subject: str) -> dict:
        rows = [r for r in results if r["ruleId"] == rule and subject in r["properties"]["subjects"]
                and r["properties"]["status"] == "fail"]
        assert len(rows) == 1, (rule, subject, rows)
        return rows[0]

    v2 = one("SH-34", "10#")
    assert v2["level"] == "error"
    assert v2["properties"]["measured"] == pytest.approx(12.0)
    assert v2["properties"]["required"] == pytest.approx(15.0)
    assert not [r for r in results if r["ruleId"] == "SH-33-1" and r["properties"]["status"] == "fail"]
    v3 = one("SH-25", "7#")
    assert set(v3["properties"]["subjects"]) == {"7#", "8#"}
    assert v3["properties"]["measured"] == pytest.approx(3.0)
    assert v3["properties"]["required"] == pytest.approx(4.95)
    assert {"name": "8#", "kind": "object"} in v3["locations"][0]["logicalLocations"]
    # placed in the drawing: the two buildings' entity handles and the dimension line
    report, _, _ = sample_run
    handles = {m["entity"] for b in report["buildings"] if b["name"] in ("7#", "8#") for m in b["masses"]}
    where = v3["locations"][0]["properties"]
    assert set(where["entities"]) == handles and len(handles) >= 2
    (x0, y0), (x1, y1) = where["drawingCoordinates"]["from"], where["drawingCoordinates"]["to"]
    assert abs(x1 - x0) + abs(y1 - y0) == pytest.approx(3.0)   # the 3.0 m gable gap, measured


def test_sarif_rules_quote_the_clause(sample_run):
    from plancheck.evaluate.clauses import load_ruleset

    _, sarif, _ = sample_run
    driver = sarif["runs"][0]["tool"]["driver"]
    clauses = {c.id: c for c in load_ruleset("shanghai").clauses}
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids))                          # each rule described once
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == set(ids)
    for rule in driver["rules"]:
        clause = clauses[rule["id"]]
        assert rule["fullDescription"]["text"] == clause.text
        # an alert's title says what is checked, not only the article number
        assert clause.title and rule["shortDescription"]["text"] == f"{clause.article} {clause.title}"
        assert clause.article in rule["help"]["text"] and clause.text in rule["help"]["text"]
        assert rule["name"].isascii() and rule["name"].endswith(clause.id.replace("-", ""))
    titles = {r["shortDescription"]["text"] for r in driver["rules"]}
    assert "第三十四条 建筑物后退道路规划红线" in titles
    assert len(titles) == len(driver["rules"])            # no two rules share a title
    for r in sarif["runs"][0]["results"]:
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]


def test_sarif_fingerprints_are_stable_and_distinct(sample_run, sample_report, tmp_path):
    from plancheck.render.sarif import to_sarif

    _, sarif, _ = sample_run
    again = to_sarif(sample_report)          # an in-process check of SAMPLE, apart from the CLI's
    prints = [r["partialFingerprints"]["plancheckFinding/v1"] for r in sarif["runs"][0]["results"]]
    assert prints == [r["partialFingerprints"]["plancheckFinding/v1"]
                      for r in again["runs"][0]["results"]]
    assert len(set(prints)) == len(prints)


def test_junit_has_one_testcase_per_finding(sample_run):
    report, _, root = sample_run
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    count = {s: sum(f["status"] == s for f in report["findings"]) for s in report["summary"]}
    assert len(cases) == len(report["findings"]) == int(suite.get("tests"))
    assert len(suite.findall("testcase/failure")) == count["fail"] == int(suite.get("failures"))
    assert len(suite.findall("testcase/skipped")) == count["unknown"] == int(suite.get("skipped"))
    assert len(suite.findall("testcase/error")) == count["error"] == int(suite.get("errors"))
    failing = {f["id"]: f for f in report["findings"] if f["status"] == "fail"}
    for case in cases:
        fid = case.get("name").split()[0]
        failure = case.find("failure")
        if fid in failing:
            assert failure is not None and failure.get("message") == failing[fid]["message"]
            assert case.get("classname") == f"plancheck.{failing[fid]['family']}.{failing[fid]['rule']}"
        else:
            assert failure is None


def test_odd_names_are_escaped_and_uris_encoded(draw, tmp_path):
    """A building named with XML/HTML metacharacters, a drawing named in Chinese with a space."""
    from plancheck.pipeline import check
    from plancheck.render.junit import to_junit
    from plancheck.render.sarif import to_sarif

    name = 'A<&>"1'
    sketch = {"site": [[0, 0], [100, 0], [100, 100], [0, 100]], "buildings": [
        {"name": name, "use": "residential", "carrier": "xdata",
         "masses": [{"rect": [10, 10, 70, 22], "floors": 6, "height": 18.0}]}]}
    path = draw(sketch, {"zone": "other"}, name="黄浦 方案")
    report = check(path).report
    assert any(b["name"] == name for b in report["buildings"])
    root = ET.fromstring(to_junit(report).encode("utf-8"))
    names = [c.get("name") for c in root.iter("testcase")]
    assert any(name in n for n in names)
    sarif = to_sarif(report)
    assert not list(_validator().iter_errors(sarif))
    uri = sarif["runs"][0]["artifacts"][0]["location"]["uri"]
    assert " " not in uri and "黄" not in uri               # percent-encoded
    assert unquote(urlsplit(uri).path).endswith("黄浦 方案.dxf")
