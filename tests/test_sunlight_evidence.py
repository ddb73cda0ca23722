"""The sunlight as evidence (issue #20): the spacing pass judges its 第二十七条-path and 第三十条
pairs with the memoised analysis directly — no "pending" findings settled afterwards, no
message patched — behind the one switch `Evaluation.sunlight`."""

from __future__ import annotations

from shapely.geometry import box

from plancheck.evaluate.clauses import load_ruleset
from plancheck.evaluate.engine import Evaluation, evaluate
from plancheck.model.indicators import compute
from plancheck.model.site import Building, Mass, SiteModel, Source
from plancheck.read.context import Context


def _model(*bs):
    out = []
    for n, (name, outline, use, h, floors) in enumerate(bs):
        m = Mass(outline=outline, status="proposed", source=Source(f"{n}", "PC-BLDG", "LWPOLYLINE"),
                 name=name, use=use, height_m=h, floors=floors)
        out.append(Building(name, "proposed", (m,)))
    return SiteModel(site=box(-500, -500, 500, 500), buildings=tuple(out))


def _eval(model, sunlight=True, lang="zh"):
    ev = Evaluation(model, compute(model), Context(zone="other"), load_ruleset("shanghai"),
                    lang, sunlight=sunlight)
    return evaluate(ev), ev


def _ne_tower():
    # 1#: a 60 × 12 m home, 18 m; 2#: a 20 × 20 m office tower, 80 m, wholly north-east of it
    # (x 80–100 > 60, y 20–40 > 12). Diagonal: north-south offset 8 m (第二十九条（二）→ 第三十一条
    # high with multi: 13 m, fails); east-west offset 20 m: gable rules with a high-rise
    # (min(max(0.5 × 80, 13), 30) = 30 m, not met; 第二十七条（六） 13 m, met): the sunlight
    # decides — and the tower cannot shade the home: on 冬至日 the sun stays south of east-west
    return _model(("1#", box(0, 0, 60, 12), "residential", 18.0, 6),
                  ("2#", box(80, 20, 100, 40), "office", 80.0, 20))


def test_a_tower_wholly_north_east_of_a_home_cannot_shade_it_decided_with_or_without_analysis():
    for sunlight in (True, False):
        fs, ev = _eval(_ne_tower(), sunlight)
        (f,) = [f for f in fs if f.family == "spacing"]
        assert (f.rule, f.status) == ("SH-27", "pass"), f.message
        assert f.measured == 20.0 and f.required == 13.0
        assert "两幢建筑均不能遮挡对方住宅的冬至日日照" in f.message
        assert f.extra["sunlight"] == {"status": "pass", "receivers": []}
        assert not [f for f in fs if f.family == "sunlight"]     # nothing to analyse
        assert "pending" not in f.extra


def _school():
    # 1#: an 18 m home; 2#: a 4-storey 16 m school 20 m north of it: 1# could shade it, so the
    # school's 3 h (other areas) of cumulative winter-solstice sun decides 第三十条
    return _model(("1#", box(0, 0, 60, 12), "residential", 18.0, 6),
                  ("2#", box(0, 32, 60, 44), "school", 16.0, 4))


def test_sh30_message_with_the_analysis_zh_and_en():
    for lang, has, lacks in (("zh", "不少于 3 小时；日照分析：2# ", "需日照分析"),
                             ("en", "at least 3 h of winter-solstice sunlight; sunlight analysis: 2# ",
                              "was not run")):
        fs, _ = _eval(_school(), True, lang)
        (f,) = [f for f in fs if f.rule == "SH-30"]
        assert has in f.message and lacks not in f.message, f.message
        assert f.status in ("pass", "fail")
        (sun,) = [g for g in fs if g.rule == "SH-SUN-30"]
        assert sun.status == f.status and sun.subjects == ["2#"]
        assert f.extra["sunlight"]["receivers"][0]["building"] == "2#"


def test_sh30_message_without_the_analysis_zh_and_en():
    for lang, tail in (("zh", "不少于 3 小时；需日照分析，尚未进行"),
                       ("en", "at least 3 h of winter-solstice sunlight: a sunlight analysis is "
                              "needed and was not run")):
        fs, _ = _eval(_school(), False, lang)
        (f,) = [f for f in fs if f.rule == "SH-30"]
        assert f.status == "unknown" and f.message.endswith(tail), f.message
        assert "sunlight" not in f.extra and "pending" not in f.extra


def test_the_switch_is_read_in_one_place():
    """`Evaluation.sunlight` is read by the sunlight evidence only."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[1] / "plancheck"
    readers = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                     if re.search(r"\bev\.sunlight\b", p.read_text("utf-8")))
    assert readers == ["evaluate/checks/sunlight.py"]


def test_sunlight_command_says_required_or_not_and_exits_on_required_failures_only(tmp_path):
    """Two 24 m, 8-storey slabs 29 m apart: 第二十三条 asks 1.2 × 24 = 28.8 m <= 29 m, so
    [SUN21] 第二条 requires no analysis. The sampled estimate still finds 2#'s ground-floor
    middle windows short (noon shadow 24 / tan 35.3° ≈ 34 m > 29 m): reported, marked not
    required, and the exit code is 0."""
    import json

    from typer.testing import CliRunner

    from plancheck.cli import app
    from plancheck.sketch import write_dxf
    from plancheck.sunlight.output import validate

    sk = {"site": [[-20, -20], [100, -20], [100, 120], [-20, 120]],
          "buildings": [
              {"name": "1#", "use": "residential", "masses": [{"rect": [0, 0, 60, 12], "floors": 8, "height": 24}]},
              {"name": "2#", "use": "residential", "masses": [{"rect": [0, 41, 60, 53], "floors": 8, "height": 24}]}]}
    write_dxf(sk, tmp_path / "r.dxf")
    r = CliRunner().invoke(app, ["sunlight", str(tmp_path / "r.dxf"), "--out", str(tmp_path / "out"),
                                 "--zone", "other", "--no-figures", "--lang", "en"])
    doc = json.loads((tmp_path / "out" / "sunlight.json").read_text("utf-8"))
    validate(doc)
    by = {x["building"]: x for x in doc["receivers"]}
    assert by["2#"]["verdict"] == "fail"
    assert r.exit_code == 0, r.output
    for b in ("1#", "2#"):
        assert by[b]["required"] is False and by[b]["required_by"] == []
        assert "1#–2# passes under SH-23-1 (第二十三条（一）1)" in by[b]["required_why"]
    assert "not required" in " ".join(r.output.split())
    assert not list((tmp_path / "out").glob(".sunlight.json.*"))   # no temp file left


def test_sunlight_command_required_by_a_sunlight_path_pair(tmp_path):
    """Two 60 m slabs 40 m apart: 1.2 × 60 = 72 m is missed, 第二十七条's max(0.5 × 60, 30) =
    30 m is met: 2#'s sunlight decides the pair (1# stands south of it; 2# cannot shade 1#)."""
    import json

    from typer.testing import CliRunner

    from plancheck.cli import app
    from plancheck.sketch import write_dxf

    sk = {"site": [[-20, -20], [100, -20], [100, 120], [-20, 120]],
          "buildings": [
              {"name": "1#", "use": "residential", "masses": [{"rect": [0, 0, 60, 12], "floors": 20, "height": 60}]},
              {"name": "2#", "use": "residential", "masses": [{"rect": [0, 52, 60, 64], "floors": 20, "height": 60}]}]}
    write_dxf(sk, tmp_path / "p.dxf")
    r = CliRunner().invoke(app, ["sunlight", str(tmp_path / "p.dxf"), "--out", str(tmp_path / "out"),
                                 "--zone", "other", "--no-figures"])
    doc = json.loads((tmp_path / "out" / "sunlight.json").read_text("utf-8"))
    by = {x["building"]: x for x in doc["receivers"]}
    assert by["2#"]["required"] and by["2#"]["required_by"] == [
        {"pair": ["1#", "2#"], "rule": "SH-27", "clause": "第二十七条"}]
    assert not by["1#"]["required"]
    assert r.exit_code == (1 if by["2#"]["verdict"] == "fail" else 0)


def test_check_report_sunlight_section_says_required_like_sunlight_json(tmp_path):
    """report.json's sunlight section comes from the same builder as sunlight.json: each
    analysed receiver carries `required`, `required_by` and `required_why`."""
    from plancheck.pipeline import Options, check
    from plancheck.sketch import write_dxf
    from plancheck.sunlight.output import validate

    sk = {"site": [[-20, -20], [100, -20], [100, 120], [-20, 120]],
          "buildings": [
              {"name": "1#", "use": "residential", "masses": [{"rect": [0, 0, 60, 12], "floors": 20, "height": 60}]},
              {"name": "2#", "use": "residential", "masses": [{"rect": [0, 52, 60, 64], "floors": 20, "height": 60}]}]}
    write_dxf(sk, tmp_path / "p.dxf")
    report = check(tmp_path / "p.dxf", Options(zone="other")).report
    sun = report["sunlight"]
    validate(sun)
    (rec,) = sun["receivers"]                 # only what the spacing pass asked for: 2#
    assert rec["building"] == "2#" and rec["required"]
    assert rec["required_by"] == [{"pair": ["1#", "2#"], "rule": "SH-27", "clause": "第二十七条"}]
    assert "1#–2# 按 SH-27（第二十七条）由其日照判定" in rec["required_why"]


NO_WORSE = {"site": [[-20, -20], [100, -20], [100, 130], [-20, 130]],
            "buildings": [
                {"name": "1#", "use": "residential", "masses": [{"rect": [0, 0, 60, 12], "floors": 20, "height": 60}]},
                {"name": "2#", "use": "residential", "masses": [{"rect": [0, 52, 60, 64], "floors": 20, "height": 60}]},
                {"name": "E1", "use": "residential", "status": "existing",
                 "masses": [{"rect": [0, 100, 60, 112], "floors": 6, "height": 18}]}]}


def test_no_worse_before_is_the_analysis_without_the_proposed_buildings(tmp_path):
    """不得恶化 (SH-SUN-9): the scheme takes the 第二十七条 path (2#'s sunlight decides 1#–2#),
    so the existing home E1 north of it is analysed with and without the proposed buildings.
    Each of its windows' `before` minutes, and its worst window's, are what an analysis of the
    drawing without 1# and 2# gives that window; 1# (every pair it is in is decided without
    its sunlight) is listed as not analysed, with why; `check` and `sunlight` share one
    等时线 grid, so the drawing gives one isochrone plan."""
    from plancheck.pipeline import Options, check, sunlight
    from plancheck.sketch import write_dxf
    from plancheck.sunlight.output import validate, window_records

    write_dxf(NO_WORSE, tmp_path / "n.dxf")
    checked = check(tmp_path / "n.dxf", Options(zone="other"))
    sun = checked.report["sunlight"]
    validate(sun)
    validate(checked.sunlight)
    by = {r["building"]: r for r in sun["receivers"]}
    assert by["E1"]["requirement"]["no_worse"] and by["E1"]["rule"] == "SH-SUN-9"
    # the site as it stands: the home alone (drawn as proposed, so `sunlight` analyses it)
    alone = dict(NO_WORSE, buildings=[dict(b, status="proposed") for b in NO_WORSE["buildings"]
                                      if b["name"] == "E1"])
    write_dxf(alone, tmp_path / "e.dxf")
    doc, _ = sunlight(tmp_path / "e.dxf", Options(zone="other"))
    key = lambda w: (w["floor"], w["facade"], str(w["window"]))          # noqa: E731
    plain = {key(w): w for w in window_records(doc, "E1")}
    mine = window_records(checked.sunlight, "E1")     # every window (the report lists some)
    assert mine and len(mine) == len(plain)
    for w in mine:
        p = plain[key(w)]
        assert w["before"] == {"continuous_minutes": p["continuous_minutes"],
                               "cumulative_minutes": p["cumulative_minutes"]}
    worst = by["E1"]["worst"]
    assert worst["before"] == plain[key(worst)]["continuous_minutes"]
    assert worst["before"] > worst["minutes"]         # the scheme takes sun from E1
    # 1# was not analysed, and says why (its sunlight decides none of its pairs)
    (na,) = sun["not_analysed"]
    assert na["building"] == "1#" and na["required"] is False
    assert na["required_why"].startswith("不需要") and "第二条" in na["required_why"]
    # one 等时线 grid for check and sunlight
    full, _ = sunlight(tmp_path / "n.dxf", Options(zone="other"))
    assert full["isochrones"] == sun["isochrones"]
