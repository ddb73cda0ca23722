"""Revision diff: the Huangpu scheme (samples/README.md) and a resubmission of it.

Revision 2 moves 3# (33 m) 13 m south, to y 66-79, and raises 13# from 2 storeys / 8.0 m to
3 storeys / 11.0 m. By hand (other zone):
- 1# -> 3#: the gap grows from 123 - 92 = 31.0 to 123 - 79 = 44.0 m. Before, the pair was on
  the sunlight path (1.2 x 33 = 39.6 > 31.0 >= max(0.5 x 33, 30) = 30, 第二十七条) and failed
  on sunlight (1#'s home 02 gets under 60 min continuous: SH-SUN-27 fails); now 44.0 >= 39.6
  (第二十三条), so no analysis is needed: the SH-27 and SH-SUN-27 failures are fixed.
- With no pair on the 第二十七条 path, the existing homes need no 不得恶化 check ([SUN21]
  第二条): E2's SH-SUN-9 failure is fixed, and E1's, E3's and E5's passes are gone.
- 5# (18 m) -> 3#: the gap shrinks from 79 - 56 = 23.0 to 66 - 56 = 10.0 m, below
  1.2 x 18 = 21.6 m (第二十三条): a new failure, measured moved by -13.0 m.
- 13#: floor area 30 x 12 x 3 = 1080 instead of 720 m², so the gross floor area grows by
  360 m² and FAR by 360 / 51,187.5 = 0.0070330 (site 51,187.5 m²).
- 10#'s tower stays 12.0 m from 中山南一路 (第三十四条, 15 m): unchanged, still failing.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest
import yaml

from conftest import REPO

sys.path.insert(0, str(REPO))
from samples.generate import residential_context, residential_scheme  # noqa: E402


def _revision2(scheme: dict) -> dict:
    s = copy.deepcopy(scheme)
    for b in s["buildings"]:
        if b.get("name") == "3#":
            b["masses"][0]["rect"] = [15, 66, 75, 79]
        if b.get("name") == "13#":
            b["masses"][0].update(floors=3, height=11.0)
    return s


@pytest.fixture(scope="module")
def revisions(tmp_path_factory):
    from plancheck.sketch import write_dxf

    folder = tmp_path_factory.mktemp("diff")
    scheme = residential_scheme()
    paths = []
    for name, sketch in (("rev1", scheme), ("rev2", _revision2(scheme))):
        path = folder / f"{name}.dxf"
        write_dxf(sketch, path)
        (folder / f"{name}.plancheck.yaml").write_text(
            yaml.safe_dump(residential_context(), allow_unicode=True), encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def reports(revisions):
    from plancheck.pipeline import check

    return [check(p).report for p in revisions]


def _row(d: dict, rule: str, subjects: set[str]) -> dict:
    rows = [r for r in d["findings"] if r["rule"] == rule and set(r["subjects"]) == subjects]
    assert len(rows) == 1, (rule, subjects, rows)
    return rows[0]


def test_resubmission_fixed_new_changed_unchanged(reports):
    from plancheck.results.diff import diff, exit_code

    d = diff(*reports)
    fixed = _row(d, "SH-27", {"1#", "3#"})
    assert fixed["change"] == "fixed"
    assert fixed["old"]["status"] == "fail" and fixed["old"]["measured"] == pytest.approx(123 - 92)
    (before,) = [f for f in reports[0]["findings"] if f["id"] == fixed["old"]["id"]]
    assert before["sunlight"]["status"] == "fail"          # settled by the analysis, not distance
    assert fixed["new"] is None          # the pair is now governed by SH-23-1, which passes
    passes = _row(d, "SH-23-1", {"1#", "3#"})
    assert passes["new"]["status"] == "pass" and passes["new"]["measured"] == pytest.approx(123 - 79)
    sun = _row(d, "SH-SUN-27", {"1#"})
    assert sun["change"] == "fixed" and sun["new"] is None
    assert sun["old"]["measured"] < sun["old"]["required"] == pytest.approx(60.0)
    no_worse = {tuple(r["subjects"]): r["change"] for r in d["findings"]
                if r["rule"] == "SH-SUN-9"}
    assert no_worse == {("E1",): "gone", ("E2",): "fixed", ("E3",): "gone", ("E5",): "gone"}

    new = _row(d, "SH-23-1", {"3#", "5#"})
    assert new["change"] == "new"
    assert (new["old"]["status"], new["new"]["status"]) == ("pass", "fail")
    assert new["old"]["measured"] == pytest.approx(23.0)
    assert new["new"]["measured"] == pytest.approx(10.0)
    assert new["new"]["required"] == pytest.approx(21.6)
    assert new["measured_delta"] == pytest.approx(-13.0)

    same = [r for r in d["findings"] if r["rule"] == "SH-34" and "10#" in r["subjects"]
            and r["new"] and r["new"]["status"] == "fail"]
    assert [r["change"] for r in same] == ["unchanged"]
    assert same[0]["new"]["measured"] == pytest.approx(12.0)

    ind = {r["indicator"]: r for r in d["indicators"]}
    assert ind["gross_floor_area_m2"]["delta"] == pytest.approx(360.0)
    assert ind["far"]["delta"] == pytest.approx(360.0 / 51187.5)
    assert ind["site_area_m2"]["delta"] == pytest.approx(0.0)
    assert d["new_failures"] == 1
    assert exit_code(d) == 1
    assert sum(d["counts"].values()) == len(d["findings"])
    # every finding of both reports is accounted for exactly once
    assert sum(r["old"] is not None for r in d["findings"]) == len(reports[0]["findings"])
    assert sum(r["new"] is not None for r in d["findings"]) == len(reports[1]["findings"])


def test_identical_reports_are_all_unchanged(reports):
    from plancheck.results.diff import diff, exit_code

    d = diff(reports[0], reports[0])
    assert d["counts"]["unchanged"] == len(reports[0]["findings"])
    assert exit_code(d, strict=True) == 0


def _finding(rule, subjects, status, measured=None, **extra):
    return {"id": "F0001", "rule": rule, "clause": None, "family": "spacing", "status": status,
            "subjects": subjects, "measured": measured, "required": None, "unit": "m",
            "message": f"{rule} {status}", "geometry": None, **extra}


def _report(findings):
    return {"schema": "plancheck.report/1", "tool": {"version": "0"},
            "drawing": {"path": "x.dxf", "sha256": "0" * 64}, "ruleset": {"id": "t"},
            "verdict": "fail", "indicators": {}, "summary": {"pass": 0}, "findings": findings}


def test_matching_by_names_subject_order_and_repeats():
    """Subjects match in any order; repeated keys pair in order; a passing finding that
    disappears is `gone`, a failing one `fixed`; unknown -> fail is not `new` but `changed`
    unless strict counts unknown as failing already."""
    from plancheck.results.diff import diff, exit_code

    old = _report([_finding("R1", ["A", "B"], "fail", 3.0),
                   _finding("R2", ["C"], "pass", 1.0), _finding("R3", ["D"], "fail", 1.0),
                   _finding("R4", ["E"], "unknown"),
                   _finding("DRW-CLOSE", [], "warning", entity="1A"),
                   _finding("DRW-CLOSE", [], "warning", entity="2B")])
    new = _report([_finding("R1", ["B", "A"], "fail", 3.5),
                   _finding("R4", ["E"], "fail", 2.0),
                   _finding("DRW-CLOSE", [], "warning", entity="2B")])
    d = diff(old, new)
    change = {(r["rule"], r.get("subjects") and tuple(r["subjects"])) : r["change"]
              for r in d["findings"] if r["rule"] != "DRW-CLOSE"}
    assert change == {("R1", ("B", "A")): "changed", ("R2", ("C",)): "gone",
                      ("R3", ("D",)): "fixed", ("R4", ("E",)): "changed"}
    closes = sorted((r["change"], (r["new"] or r["old"])["message"]) for r in d["findings"]
                    if r["rule"] == "DRW-CLOSE")
    assert [c for c, _ in closes] == ["fixed", "unchanged"]
    assert exit_code(d) == 1           # unknown -> fail: a failure the old one did not have
    assert exit_code(diff(new, new)) == 0


def test_not_a_report_is_refused():
    from plancheck.errors import PlancheckError
    from plancheck.results.diff import diff

    with pytest.raises(PlancheckError):
        diff({"schema": "something"}, _report([]))


def test_diff_command_on_drawings_and_check_baseline(revisions, reports, tmp_path):
    from plancheck.render.formats import RenderContext, render

    rev1, rev2 = revisions
    out = tmp_path / "d"
    proc = subprocess.run([sys.executable, "-m", "plancheck", "diff", str(rev1), str(rev2),
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr                  # a new failure
    assert "Traceback" not in proc.stderr
    d = json.loads((out / "diff.json").read_text("utf-8"))
    assert d["schema"] == "plancheck.diff/1" and d["new_failures"] == 1
    html = (out / "diff.html").read_text("utf-8")
    assert "<html" in html and "SH-23-1" in html

    # check rev2 with rev1's report as the baseline: the report carries the same diff,
    # and SARIF marks the new failure `new` and the unchanged one `unchanged`
    base = tmp_path / "base"           # rev1's report.json, as `check rev1 --format json` writes it
    render(reports[0], base, ("json",), RenderContext())
    out2 = tmp_path / "c"
    proc = subprocess.run([sys.executable, "-m", "plancheck", "check", str(rev2), "--out",
                           str(out2), "--baseline", str(base / "report.json"), "--format",
                           "json,sarif", "-q"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    report = json.loads((out2 / "report.json").read_text("utf-8"))
    assert report["diff"]["new_failures"] == 1
    assert (out2 / "diff.json").is_file() and (out2 / "diff.html").is_file()
    sarif = json.loads((out2 / "report.sarif").read_text("utf-8"))
    states = {(r["ruleId"], frozenset(r["properties"]["subjects"])): r.get("baselineState")
              for r in sarif["runs"][0]["results"]}
    assert states[("SH-23-1", frozenset({"3#", "5#"}))] == "new"
    tower = [state for (rule, subjects), state in states.items()
             if rule == "SH-34" and "10#" in subjects]
    assert tower == ["unchanged"]


def test_diff_command_refuses_garbage(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{not json", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "plancheck", "diff", str(bad), str(bad)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "cannot read the report" in proc.stderr
