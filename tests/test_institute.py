"""Drawings as design institutes draw them (issue #16): the acceptance test.

Each drawing of tests/institute/ (written by tests/institute/generate.py) is checked the way a
new user would: `plancheck inspect --suggest DRAWING -o MAP`, then `check` with that map used as
it is and the planning conditions beside the drawing. Against the values written by hand in
`<case>.expected.yaml`:

- every deliberate violation fails, with its measured and required values;
- nothing else fails (no false fail);
- FAR, building density and green ratio are within 1 % of the hand values;
- `unknown` only where the drawing truly lacks a value, and that finding names it;
- every building has its hand name, status, use, floors and height, each value from its hand
  source; every road its name and width; the drawing findings are those the drawing's way of
  drawing gives.
"""

from __future__ import annotations

import functools
import sys
import importlib.util
from collections import Counter
from pathlib import Path

import pytest
import yaml

from plancheck.pipeline import Options, check, read_site
from tests.conftest import REPO
from tests.test_bad_input import run_cli

CORPUS = REPO / "tests" / "institute"
CASES = sorted(p.name.removesuffix(".expected.yaml") for p in CORPUS.glob("*.expected.yaml"))


def _expected(case: str) -> dict:
    return yaml.safe_load((CORPUS / f"{case}.expected.yaml").read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def _suggested_map(case: str, folder: str) -> tuple[Path, str]:
    """The map `plancheck inspect --suggest -o` writes for the drawing, and what it printed."""
    out = Path(folder) / f"{case}.layers.yaml"
    proc = run_cli("inspect", "--suggest", str(CORPUS / f"{case}.dxf"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    return out, proc.stdout


@pytest.fixture(scope="module")
def maps(tmp_path_factory):
    return str(tmp_path_factory.mktemp("maps"))


@functools.lru_cache(maxsize=None)
def _checked(case: str, folder: str):
    layers, _ = _suggested_map(case, folder)
    opts = Options(layers=layers, context=CORPUS / f"{case}.conditions.yaml", lang="en",
                   sunlight=False)
    return check(CORPUS / f"{case}.dxf", opts), read_site(CORPUS / f"{case}.dxf", opts)[2]


def test_corpus_is_current_and_large_enough():
    """At least 5 drawings, each with its hand values and conditions; the committed drawings
    are what the generator writes."""
    assert len(CASES) >= 5
    for case in CASES:
        assert (CORPUS / f"{case}.dxf").is_file() and (CORPUS / f"{case}.conditions.yaml").is_file()
    spec = importlib.util.spec_from_file_location("institute_generate", CORPUS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # its dataclasses look their module up
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0


@pytest.mark.parametrize("case", CASES)
def test_institute_drawing_checks_as_worked_out_by_hand(case, maps):
    exp = _expected(case)
    checked, ext = _checked(case, maps)
    report = checked.report
    findings = report["findings"]

    # the unit comes from the drawing's own note ($INSUNITS 0), no --units needed
    assert report["drawing"]["units"]["used"] == exp["units"]
    assert ext.units_from.startswith("note: ")

    # every deliberate violation fails, and nothing else does
    fails = {(f["rule"], tuple(f["subjects"])): f for f in findings if f["status"] == "fail"}
    wanted = {(v["rule"], tuple(v["subjects"])): v for v in exp["fails"]}
    assert set(fails) == set(wanted), _listing(findings, "fail")
    for key, v in wanted.items():
        assert fails[key]["measured"] == pytest.approx(v["measured"], abs=0.01), key
        assert fails[key]["required"] == pytest.approx(v["required"], abs=0.01), key

    # unknown only where the drawing lacks a value, and the finding says which
    unknowns = {(f["rule"], tuple(f["subjects"])): f for f in findings if f["status"] == "unknown"}
    wanted = {(u["rule"], tuple(u["subjects"])): u for u in exp["unknowns"]}
    assert set(unknowns) == set(wanted), _listing(findings, "unknown")
    for key, u in wanted.items():
        assert u["missing"] in unknowns[key]["message"], unknowns[key]["message"]
    assert not [f for f in findings if f.get("pending")]      # nothing waits on the sunlight

    # indicators within 1 % of the hand values
    for name, value in exp["indicators"].items():
        assert report["indicators"][name] == pytest.approx(value, rel=0.01), name

    # buildings: name, status, use, floors, height; and where each value came from
    got = {b["name"]: [b["status"], b["use"], b["floors"], b["height_m"]] for b in report["buildings"]}
    assert got == {k: list(v) for k, v in exp["buildings"].items()}
    by_name = {b.name: b for b in ext.model.buildings}
    for name, sources in exp["sources"].items():
        assert by_name[name].sources == sources, name

    # roads: every red-line piece named and given its width
    roads = {(r["name"], r["width_m"]) for r in report["roads"]}
    assert roads == set(exp["roads"].items())

    # the drawing findings this way of drawing gives; no building named by a handle
    codes = Counter(f["rule"] for f in findings if f["family"] == "drawing")
    for code, n in exp["drawing_findings"].items():
        assert codes.get(code, 0) == n, (code, _listing(findings, None, family="drawing"))
    names = {s for f in findings for s in f["subjects"]}
    assert not [s for s in names if s.startswith("#")]


def _listing(findings, status, family=None) -> str:
    return "\n".join(f"{f['rule']} {f['status']} {f['subjects']} {f['message'][:120]}"
                     for f in findings if (status is None or f["status"] == status)
                     and (family is None or f["family"] == family))


@pytest.mark.parametrize("case", CASES)
def test_suggested_map_needs_no_hand_edits(case, maps):
    """The map names the roles the drawing's layers play; the trap layers are not buildings."""
    _, printed = _suggested_map(case, maps)
    layers, _ = _suggested_map(case, maps)
    proposal = yaml.safe_load(layers.read_text(encoding="utf-8"))["layers"] or {}
    text = layers.read_text(encoding="utf-8")
    assert "# units: mm, from the drawing's note" in text
    proposed_buildings = proposal.get("building", [])
    assert not [layer for layer in proposed_buildings if "控制" in layer or "SETB" in layer]
    assert not [layer for role in ("road", "site") for layer in proposal.get(role, [])
                if "中线" in layer or "中心线" in layer or "边线" in layer or layer.endswith(("CNTR", "CURB"))]
    if case.endswith("aia"):
        assert proposal["road"] == ["C-ROAD-REDL"] and proposal["site"] == ["C-PROP-LINE"]
        assert proposal["kerb"] == ["C-ROAD-CURB"] and proposal["road-centre"] == ["C-ROAD-CNTR"]
        assert proposal["text"] == ["A-ANNO-TEXT"]           # not the notes, not the table
    if case.endswith("tarch"):
        assert proposal["text"] == ["PUB_TEXT"] and proposal["building"] == ["总图-建筑"]
    assert "written:" in printed


SHIPPED = {"chinese": "cn-planning", "tarch": "cn-planning", "aia": "us-ncs"}


@pytest.mark.parametrize("case", CASES)
def test_shipped_maps_read_the_corpus_alike(case, maps):
    """The shipped layer maps know these naming styles too: the same outcomes as the map
    `--suggest` writes."""
    exp = _expected(case)
    opts = Options(layers=Path(SHIPPED[case.split("-")[1]]), lang="en", sunlight=False,
                   context=CORPUS / f"{case}.conditions.yaml")
    report = check(CORPUS / f"{case}.dxf", opts).report
    fails = {(f["rule"], tuple(f["subjects"])) for f in report["findings"] if f["status"] == "fail"}
    assert fails == {(v["rule"], tuple(v["subjects"])) for v in exp["fails"]}
    for name, value in exp["indicators"].items():
        assert report["indicators"][name] == pytest.approx(value, rel=0.01), name


def test_inspect_shows_sources_and_what_was_not_read(maps):
    """`inspect` shows where each value came from and counts what a mapped layer held that was
    not read; report.json has the same counts per layer."""
    layers, _ = _suggested_map("a-chinese", maps)
    proc = run_cli("inspect", str(CORPUS / "a-chinese.dxf"), "--layers", str(layers),
                   "--context", str(CORPUS / "a-chinese.conditions.yaml"), "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.replace("\n", " ")
    assert "schedule table: USE" in out and "attrib: NAME" in out
    assert "DRW-SKIPPED" in out and "tree symbols" in out
    checked, _ = _checked("a-chinese", maps)
    layers_info = checked.report["drawing"]["layers"]
    # 12 tree blocks of a circle and two lines each; G1, G3, G5 drawn with a boundary polyline
    # besides the hatch; G3's island drawn as a polyline too; 2 楼号 tag circles
    assert layers_info["绿化"]["not_read"] == {"duplicate": 3, "island": 1, "tree": 36}
    assert layers_info["建筑轮廓"]["not_read"] == {"tag": 2}
