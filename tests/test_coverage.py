"""Rule coverage (issue #17): every article of the regulation digest is either cited by a
clause or named in the ruleset's `not_checked` with why; that list reaches report.json and the
terminal summary's last line; and the geometry behind 第三十三/三十七/三十八条 that fixtures
cannot show (drawing findings, ARC entities, the context's `boundary:` key)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from plancheck.evaluate.clauses import load_ruleset
from plancheck.pipeline import Options, check
from plancheck.sketch import write_dxf

DIGEST = Path(__file__).resolve().parents[2] / "shared" / "regulation" / "shanghai.md"
DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn(numeral: str) -> int:
    """三十四 -> 34 (numerals below 100)."""
    if "十" not in numeral:
        return DIGITS[numeral]
    tens, _, ones = numeral.partition("十")
    return (DIGITS[tens] if tens else 1) * 10 + (DIGITS[ones] if ones else 0)


def articles(text: str) -> set[int]:
    """Article numbers in 第N条 / 第N、M条 / 第N—M条 forms."""
    out: set[int] = set()
    for group in re.findall(r"第([一二三四五六七八九十、—–]+)条", text):
        for part in group.split("、"):
            ends = [p for p in re.split(r"[—–]", part) if p]
            if len(ends) == 2:
                out.update(range(cn(ends[0]), cn(ends[1]) + 1))
            elif ends:
                out.add(cn(ends[0]))
    return out


def test_numeral_reading():
    assert articles("第三十四—三十八条、第二十三、二十六条 和 第五十九、六十条") == \
        {34, 35, 36, 37, 38, 23, 26, 59, 60}


@pytest.mark.skipif(not DIGEST.is_file(), reason="the shared regulation digest is not beside the repo")
def test_every_digest_article_is_cited_or_declared_not_checked():
    """The regulation's articles in the digest start at 第十三条 (the sunlight and floor-area
    documents it also quotes number theirs from 第一条 to 第十一条). Each is cited by a clause
    or named at the head of a `not_checked` entry."""
    rs = load_ruleset("shanghai")
    in_digest = {n for n in articles(DIGEST.read_text(encoding="utf-8")) if n >= 13}
    cited = set().union(*(articles(c.article) for c in rs.clauses))
    declared = set().union(*(articles(n.split(" — ")[0]) for n in rs.not_checked))
    missing = sorted(in_digest - cited - declared)
    assert not missing, f"articles neither checked nor declared not checked: {missing}"
    # what this issue added is cited by a clause, not merely declared
    assert {18, 33, 34, 37, 38, 40, 49, 50, 51} <= cited


def test_not_checked_entries_say_why_in_both_languages():
    rs = load_ruleset("shanghai")
    assert len(rs.not_checked) >= 25
    for note in rs.not_checked:
        parts = note.split(" — ")
        assert len(parts) == 3 and all(p.strip() for p in parts), note
        assert re.search(r"[\u4e00-\u9fff]", parts[1]) and re.search(r"[a-z]", parts[2]), note


SITE = [[0, 0], [100, 0], [100, 80], [0, 80]]
ROAD = {"points": [[-20, 0], [120, 0]], "width": 30, "name": "漕溪路"}


def _home(rect, height=24.0, floors=8, name="1#", use="residential"):
    return {"name": name, "use": use, "carrier": "xdata",
            "masses": [{"rect": rect, "floors": floors, "height": height}]}


def _check(tmp_path, sketch, context="zone: other\n", only=None, name="d"):
    path = tmp_path / f"{name}.dxf"
    write_dxf(sketch, path)
    (tmp_path / f"{name}.plancheck.yaml").write_text(context, encoding="utf-8")
    opts = Options(lang="zh", sunlight=False, clauses=frozenset(only) if only else None)
    return check(path, opts).report


def test_report_and_terminal_last_line_name_what_is_not_checked(tmp_path):
    from rich.console import Console

    from plancheck.render.terminal import summary

    report = _check(tmp_path, {"site": SITE, "roads": [ROAD], "buildings": [_home([30, 5, 70, 17])]})
    rs = load_ruleset("shanghai")
    declared = list(rs.not_checked)
    assert report["not_checked"][:len(declared)] == declared
    # the clauses that ran and said nothing on this drawing are named too: no river (第四十条),
    # no curve at a corner (第三十七条), no public green said (第三十三条（三）)
    silent = [n.split(" — ")[0] for n in report["not_checked"][len(declared):]]
    assert {"第四十条", "第三十七条", "第三十三条（三）"} <= set(silent)
    assert "第三十四条" not in silent and "第三十三条（一）" not in silent
    console = Console(record=True, width=10_000)
    console.print(summary(report, out_file="x/report.json"))
    lines = [ln for ln in console.export_text().splitlines() if ln.strip()]
    last = lines[-1]
    assert last.startswith(f"not checked ({len(declared)}): ")
    assert f"; no finding on this drawing ({len(silent)}): " in last
    for head in ("第三十五条", "第四十九条（二）", "第五十七条", "消防间距", "第四十条"):
        assert head in last
    assert "report.json" in last


def test_the_issue_home_on_a_road_edge(tmp_path):
    """24 m home 5 m from a 30 m road: SH-34 passes at 5 / 5; 第三十三条 gives no finding on
    that edge (its finding is the 30 m gable distance, 30 / 6)."""
    report = _check(tmp_path, {"site": SITE, "roads": [ROAD], "buildings": [_home([30, 5, 70, 17])]},
                    only={"SH-33-1", "SH-34"})
    by = {f["rule"]: f for f in report["findings"] if f["family"] != "drawing"}
    assert by["SH-34"]["status"] == "pass" and by["SH-34"]["measured"] == pytest.approx(5.0)
    assert by["SH-33-1"]["status"] == "pass"
    assert by["SH-33-1"]["measured"] == pytest.approx(30.0)
    assert by["SH-33-1"]["required"] == pytest.approx(6.0)


def test_a_crossing_building_reads_the_same_in_33_34_and_38(tmp_path):
    report = _check(tmp_path, {"site": SITE, "roads": [ROAD],
                               "buildings": [_home([20, -3, 60, 17], height=20, floors=5, use="office")]},
                    only={"SH-33-1", "SH-34", "SH-38"})
    rows = {f["rule"]: f for f in report["findings"] if f["family"] != "drawing"}
    assert {r: rows[r]["status"] for r in rows} == {"SH-33-1": "fail", "SH-34": "fail", "SH-38": "fail"}
    for r in rows.values():
        assert r["measured"] == pytest.approx(-3.0)


def test_corner_without_curve_is_a_drawing_finding(tmp_path):
    report = _check(tmp_path, {"site": SITE, "roads": [
        {"points": [[120, 0], [0, 0], [0, 100]], "width": 20, "name": "路口"}],
        "buildings": [_home([10, 10, 40, 22], height=18, floors=6)]}, only={"SH-37"})
    corner = [f for f in report["findings"] if f["rule"] == "DRW-ROAD-CORNER"]
    assert len(corner) == 1 and "(0.00, 0.00)" in corner[0]["message"] and "90°" in corner[0]["message"]
    (f,) = [f for f in report["findings"] if f["rule"] == "SH-37"]
    assert f["status"] == "unknown"


def test_two_red_lines_meeting_at_a_corner_are_a_drawing_finding(tmp_path):
    report = _check(tmp_path, {"site": SITE, "roads": [
        {"points": [[120, 0], [0, 0]], "width": 20, "name": "甲路"},
        {"points": [[0, 0], [0, 100]], "width": 20, "name": "乙路"}],
        "buildings": [_home([10, 10, 40, 22], height=18, floors=6)]}, only={"SH-37"})
    assert len([f for f in report["findings"] if f["rule"] == "DRW-ROAD-CORNER"]) == 1


def test_a_cut_corner_split_between_two_roads_is_still_a_cut(tmp_path):
    """An institute draws one red-line polyline turning the corner with a 切角 cut from (10, 0)
    to (0, 10); the reader splits it per road at the cut's middle (5, 5). The two pieces are
    looked at as one line: the cut is the chord x + y = 10, not two corners without a curve.
    Tower H = 45 with its corner at (12, 12): (24 − 10) / √2 = 9.899 m. The wider road
    (40 m > 24 m) gives 第三十四条 10 m > 第三十七条 8 m → fail at 9.899 / 10 (the 24 m road
    alone would give 8 m and a pass)."""
    report = _check(tmp_path, {"site": [[0, 10], [10, 0], [100, 0], [100, 80], [0, 80]], "roads": [
        {"points": [[120, 0], [10, 0], [5, 5]], "width": 40, "name": "甲路"},
        {"points": [[5, 5], [0, 10], [0, 100]], "width": 24, "name": "乙路"}],
        "buildings": [_home([12, 12, 42, 24], height=45, floors=15)]}, only={"SH-37"})
    assert not [f for f in report["findings"] if f["rule"] == "DRW-ROAD-CORNER"]
    (f,) = [f for f in report["findings"] if f["rule"] == "SH-37"]
    assert f["status"] == "fail"
    assert f["measured"] == pytest.approx(14 / 2 ** 0.5, abs=1e-6)
    assert f["required"] == pytest.approx(10.0)


def test_curve_drawn_as_its_own_arc_entity(tmp_path):
    """The corner curve as an ARC entity between two LINEs: its ends are the tangent points,
    (20, 0) and (0, 20); the chord is x + y = 20. Tower H = 45 with its corner at (15, 15):
    (30 − 20) / √2 = 7.071 m; the ARC has no width, the red lines it joins are 30 m wide →
    第三十四条 10 m > 第三十七条 8 m → fail at 7.071 / 10."""
    import ezdxf

    path = tmp_path / "arc.dxf"
    write_dxf({"site": [[20, 0], [120, 0], [120, 120], [0, 120], [0, 20]],
               "site_bulges": [0, 0, 0, 0, 0.41421356],
               "roads": [{"points": [[120, 0], [20, 0]], "width": 30, "name": "甲路"},
                         {"points": [[0, 20], [0, 120]], "width": 30, "name": "乙路"}],
               "buildings": [_home([15, 15, 45, 45], height=45, floors=12, name="T1", use="office")]},
              path)
    doc = ezdxf.readfile(path)
    doc.modelspace().add_arc((20, 20), 20, 180, 270, dxfattribs={"layer": "PC-ROAD"})
    doc.saveas(path)
    (tmp_path / "arc.plancheck.yaml").write_text("zone: other\n", encoding="utf-8")
    report = check(path, Options(sunlight=False, clauses=frozenset({"SH-37"}))).report
    rows = [f for f in report["findings"] if f["rule"] == "SH-37"]
    assert len(rows) == 1, rows
    assert rows[0]["status"] == "fail"
    assert rows[0]["measured"] == pytest.approx(10 / 2 ** 0.5, abs=1e-3)
    assert rows[0]["required"] == pytest.approx(10.0)
    assert not [f for f in report["findings"] if f["rule"] == "DRW-ROAD-CORNER"]


@pytest.mark.parametrize("text, needle", [
    ("boundary: 3\n", "boundary must be a list"),
    ("boundary: [{beyond: road}]\n", "boundary[0] needs at"),
    ("boundary: [{at: [1, 2], beyond: park}]\n", "boundary[0].beyond must be one of"),
    ("boundary: [{at: [1, x], beyond: road}]\n", "boundary[0].at"),
])
def test_bad_boundary_entries_are_one_clear_context_error(tmp_path, text, needle):
    from plancheck.errors import ContextError
    from plancheck.read.context import load_context

    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContextError) as info:
        load_context(path)
    assert needle in str(info.value)


def test_report_context_records_the_boundary_entries(tmp_path):
    report = _check(tmp_path, {"site": SITE, "buildings": [_home([30, 50, 70, 68.1], height=20,
                                                                  floors=5, use="office")]},
                    context="zone: other\nboundary: [{at: [50, 80], beyond: public-green}]\n",
                    only={"SH-33-3"})
    assert report["context"]["boundary"] == [{"at": [50.0, 80.0], "beyond": "public-green"}]
    (f,) = [f for f in report["findings"] if f["rule"] == "SH-33-3"]
    assert (f["status"], f["required"]) == ("fail", pytest.approx(12.0))


@pytest.mark.parametrize("radius, turn_deg", [(10.0, 90.0), (40.0, 60.0), (25.0, 120.0), (59.0, 35.0)])
def test_tangent_points_are_found_on_the_read_red_line(tmp_path, radius, turn_deg):
    """A red line: straight east-west, a bulge arc of `radius` turning `turn_deg`, straight on.
    Read back through the DXF reader (bulge flattened with a 1 cm sagitta), the curve's ends
    are the tangent points drawn, and its turn is the one drawn."""
    import math

    from plancheck.evaluate.checks.intersection import find_curves
    from plancheck.pipeline import read_site

    t = math.radians(turn_deg)
    t1 = (0.0, 0.0)                                            # heading west, turning right
    centre = (0.0, radius)
    t2 = (centre[0] - radius * math.sin(t), centre[1] - radius * math.cos(t))
    far = (t2[0] - 50 * math.cos(t), t2[1] + 50 * math.sin(t))
    sketch = {"site": [[-200, 100], [200, 100], [200, 150], [-200, 150]],
              "roads": [{"points": [[100, 0], list(t1), list(t2), list(far)],
                         "bulges": [0, -math.tan(t / 4), 0, 0], "width": 20, "name": "R"}]}
    path = tmp_path / "r.dxf"
    write_dxf(sketch, path)
    _, _, ext = read_site(path, Options(sunlight=False))
    curves, corners = find_curves(ext.model.roads, 30.0, 20.0, 60.0)
    assert corners == [] and len(curves) == 1
    c = curves[0]
    assert c.t1 == pytest.approx(t1, abs=1e-6) and c.t2 == pytest.approx(t2, abs=1e-6)
    assert c.turn_deg == pytest.approx(turn_deg, abs=1e-6)
