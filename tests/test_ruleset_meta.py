"""Completeness gates for rulesets, check kinds and fixtures (style-anchors §8.6), and the
`plancheck rules` commands."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from plancheck.errors import RulesetError
from plancheck.evaluate.clauses import load_ruleset
from plancheck.fixtures import missing_outcomes, ruleset_cases, ruleset_folders
from plancheck.evaluate.registry import load_all
from plancheck.evaluate.ruleset import rulesets_dir

FOLDERS = ruleset_folders()
HEADINGS = ("Measures:", "Fails when:", "Unknown when:")


def test_there_is_a_shipped_ruleset():
    assert any(f.name == "shanghai" for f in FOLDERS)


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_ruleset_validates(folder):
    ruleset = load_ruleset(folder)
    assert ruleset.clauses, f"{folder}: no clauses"
    for c in ruleset.clauses:
        assert c.article.strip() and c.text.strip(), c.id


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_every_clause_has_pass_and_fail_cases(folder):
    """A pass- and a fail- case per clause; a clause that declares other `outcomes` (e.g. a
    sunlight rule that cannot fail before a sunlight analysis exists) needs one per outcome,
    and must say why in its choices."""
    ruleset = load_ruleset(folder)
    for clause in ruleset.clauses:
        if tuple(clause.outcomes) != ("pass", "fail"):
            assert clause.choices, f"{clause.id}: declares outcomes {clause.outcomes} without saying why"
    missing = missing_outcomes(ruleset, ruleset_cases(folder))
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_fixture_files_are_well_formed_and_name_real_clauses(folder):
    ids = {c.id for c in load_ruleset(folder).clauses}
    cases = ruleset_cases(folder)
    problems = [c.error for c in cases if c.error]
    problems += [f"{c.file}: no clause {c.clause} in the ruleset" for c in cases
                 if not c.error and c.clause not in ids]
    assert not problems, "\n".join(problems)
    seen = [c.id for c in cases]
    assert len(seen) == len(set(seen)), "duplicate case ids"


def test_every_check_kind_is_used_by_a_shipped_clause():
    used = {c.check for f in FOLDERS for c in load_ruleset(f).clauses}
    unused = sorted(set(load_all()) - used)
    assert not unused, f"check kinds no shipped clause uses: {unused}"


@pytest.mark.parametrize("name", sorted(load_all()))
def test_check_kind_is_documented_and_has_a_params_schema(name):
    import jsonschema

    kind = load_all()[name]
    doc = kind.fn.__doc__ or ""
    lacking = [h for h in HEADINGS if h not in doc]
    assert not lacking, f"{name}: docstring lacks {lacking}"
    assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", name)
    jsonschema.Draft202012Validator.check_schema(kind.params_schema)
    assert kind.params_schema.get("type") == "object"


# -- a broken ruleset gives one clear RulesetError ---------------------------------------------

def _pack(tmp_path: Path, clauses_text: str) -> Path:
    """A one-file ruleset: the shipped header plus `clauses_text` as clauses/x.yaml."""
    folder = tmp_path / "pack"
    (folder / "clauses").mkdir(parents=True)
    shutil.copy(rulesets_dir() / "shanghai" / "ruleset.yaml", folder / "ruleset.yaml")
    (folder / "clauses" / "x.yaml").write_text(clauses_text, encoding="utf-8")
    return folder


RIVER = {"id": "SH-40", "article": "第四十条", "text": "蓝线 ≥ 6 m", "check": "river.setback",
         "params": {"min_m": 6, "report_within_m": 50}}


def _dump(*clauses) -> str:
    return yaml.safe_dump({"clauses": list(clauses)}, allow_unicode=True)


def test_a_minimal_pack_loads(tmp_path):
    rs = load_ruleset(_pack(tmp_path, _dump(RIVER)))
    assert [c.id for c in rs.clauses] == ["SH-40"]
    assert rs.clause("SH-40").family == "river-setback"


@pytest.mark.parametrize("text, needles", [
    (_dump({**RIVER, "check": "river.nowhere"}), ["x.yaml", "SH-40", "unknown check kind"]),
    (_dump({**RIVER, "params": {"min_m": "six", "report_within_m": 50}}),
     ["x.yaml", "SH-40", "params/min_m"]),
    (_dump({**RIVER, "params": {"min_m": 6}}), ["x.yaml", "SH-40", "report_within_m"]),
    (_dump({k: v for k, v in RIVER.items() if k != "text"}), ["x.yaml", "text"]),
    (_dump(RIVER, RIVER), ["duplicate clause id", "SH-40"]),
    ("clauses: [id: SH-40\n  - nope", ["x.yaml", "cannot be loaded"]),
], ids=["unknown-kind", "bad-param-type", "missing-param", "missing-text", "duplicate-id",
        "bad-yaml"])
def test_a_broken_pack_gives_a_clear_ruleset_error(tmp_path, text, needles):
    with pytest.raises(RulesetError) as info:
        load_ruleset(_pack(tmp_path, text))
    message = str(info.value)
    for needle in needles:
        assert needle in message


# -- plancheck rules ... ------------------------------------------------------------------------

def _cli(*args):
    from typer.testing import CliRunner

    from plancheck.cli import app

    return CliRunner().invoke(app, ["rules", *args])


def test_rules_list_shows_clauses():
    r = _cli("list")
    assert r.exit_code == 0, r.output
    for cid in ("SH-33-1", "SH-34", "SH-49-1", "SH-40", "SH-50", "SH-COND-FAR", "SH-14-FAR",
                "SH-33-3", "SH-37", "SH-38", "SH-51", "SH-18"):
        assert cid in r.output
    assert "not checked: 第二十二条" in r.output and "第四十九条（二）" in r.output


def test_rules_show_gives_citation_and_check_doc():
    r = _cli("show", "SH-34")
    assert r.exit_code == 0, r.output
    assert "第三十四条" in r.output and "road.setback" in r.output and "Fails when" in r.output
    assert "fail-office-54m-9m-from-30m-road" in r.output


def test_rules_show_unknown_id_exits_2():
    r = _cli("show", "SH-NOPE")
    assert r.exit_code == 2


def test_rules_validate_ok_and_broken(tmp_path):
    ok = _cli("validate", str(_pack(tmp_path / "a", _dump(RIVER))))
    assert ok.exit_code == 0, ok.output
    bad = _cli("validate", str(_pack(tmp_path / "b", _dump({**RIVER, "check": "river.nowhere"}))))
    assert bad.exit_code == 2
    assert "unknown check kind" in bad.output
    assert len(bad.output.strip().splitlines()) == 1


def test_rules_test_passes_and_reports_a_mismatch(tmp_path):
    folder = _pack(tmp_path, _dump(RIVER))
    (folder / "fixtures").mkdir()
    case = {"name": "fail-4m", "sketch": {
        "site": [[0, 0], [100, 0], [100, 80], [0, 80]], "rivers": [[[0, -20], [0, 100]]],
        "buildings": [{"name": "1#", "use": "residential", "carrier": "xdata",
                       "masses": [{"rect": [4, 20, 34, 32], "floors": 6, "height": 18}]}]},
        "expect": [{"subjects": ["1#"], "status": "fail", "measured": 4.0, "required": 6.0}]}
    path = folder / "fixtures" / "SH-40.yaml"
    path.write_text(yaml.safe_dump({"clause": "SH-40", "cases": [case]}, allow_unicode=True),
                    encoding="utf-8")
    good = _cli("test", str(folder))
    assert good.exit_code == 0, good.output
    case["expect"][0]["measured"] = 5.0
    path.write_text(yaml.safe_dump({"clause": "SH-40", "cases": [case]}, allow_unicode=True),
                    encoding="utf-8")
    bad = _cli("test", str(folder))
    assert bad.exit_code == 1
    assert "SH-40::fail-4m" in bad.output and "measured: expected 5.0" in bad.output
