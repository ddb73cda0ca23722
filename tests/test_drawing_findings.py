"""PCDS-1 §7 drawing findings: problems in a drawing are findings, and the run goes on."""

from __future__ import annotations

import ezdxf
import pytest

from plancheck.pipeline import Options, check

SITE = [[0, 0], [200, 0], [200, 200], [0, 200]]


def slab(name="1#", rect=(20, 20, 80, 32), **mass):
    return {"name": name, "use": "residential", "masses": [{"rect": list(rect), "floors": 6, "height": 18.0, **mass}]}


def codes(report, code=None):
    found = [f for f in report["findings"] if f["family"] == "drawing"]
    return [f for f in found if f["rule"] == code] if code else found


def test_clean_drawing_has_no_drawing_findings(draw):
    report = check(draw({"site": SITE, "buildings": [slab()]})).report
    assert codes(report) == []


def test_site_missing(draw):
    report = check(draw({"buildings": [slab()]})).report
    (f,) = codes(report, "DRW-SITE-MISSING")
    assert f["status"] == "error"
    assert report["indicators"]["site_area_m2"] is None and report["indicators"]["far"] is None
    assert report["indicators"]["gross_floor_area_m2"] == pytest.approx(720 * 6)
    assert report["verdict"] == "incomplete"


def test_several_sites(draw):
    report = check(draw({"site": SITE, "extra_sites": [[[300, 0], [400, 0], [400, 100], [300, 100]]],
                         "buildings": [slab()]})).report
    (f,) = codes(report, "DRW-SITE-MULTIPLE")
    assert f["status"] == "error" and report["indicators"]["site_area_m2"] is None


def test_small_gap_closes_with_warning_large_gap_is_open(draw):
    report = check(draw({"site": SITE, "buildings": [
        slab("1#", closed="gap:0.005"), slab("2#", rect=(20, 60, 80, 72), closed="gap:0.5")]})).report
    (close,) = codes(report, "DRW-CLOSE")
    (opened,) = codes(report, "DRW-OPEN")
    assert close["status"] == "warning" and opened["status"] == "error"
    # the open outline is not a building; its label is then orphaned
    assert [b["name"] for b in report["buildings"]] == ["1#"]
    assert codes(report, "DRW-LABEL-ORPHAN")


def test_missing_height_is_kept_with_data_finding(draw):
    report = check(draw({"site": SITE, "buildings": [slab(omit=["height"])]})).report
    (f,) = codes(report, "DRW-DATA")
    assert f["status"] == "error" and f["subjects"] == ["1#"] and "HEIGHT" in f["message"]
    (b,) = report["buildings"]
    assert b["height_m"] is None and b["height_class"] is None and b["floors"] == 6
    assert report["indicators"]["max_height_m"] is None
    assert report["indicators"]["gross_floor_area_m2"] == pytest.approx(720 * 6)


def test_missing_name_is_named_not_by_handle(draw):
    """A building without a name is called 未命名-1 (unnamed-1), never by its entity handle
    (issue #16); the DRW-DATA finding still says NAME is missing and where it could come from."""
    b = slab()
    del b["name"]
    report = check(draw({"site": SITE, "buildings": [b]})).report
    (f,) = codes(report, "DRW-DATA")
    assert "NAME" in f["message"] and "单体建筑一览表" in f["message"]
    assert report["buildings"][0]["name"] == "未命名-1"
    assert f["subjects"] == ["未命名-1"]


def test_building_outside_site(draw):
    report = check(draw({"site": SITE, "buildings": [slab(rect=(180, 20, 240, 32))]})).report
    (f,) = codes(report, "DRW-OUTSIDE")
    assert f["subjects"] == ["1#"] and "480.00" in f["message"]  # 40 x 12 m outside


def test_orphan_label(draw):
    report = check(draw({"site": SITE, "buildings": [slab()],
                         "texts": [{"text": "9# 住宅 6F H=18", "at": [150, 150]}]})).report
    (f,) = codes(report, "DRW-LABEL-ORPHAN")
    assert f["status"] == "warning" and "9#" in f["message"]


@pytest.mark.parametrize("carrier", ["xdata", "attrib"])
def test_conflicting_carriers_priority(draw, tmp_path, carrier):
    """attrib > xdata > text; a disagreeing later carrier is a DRW-CONFLICT warning."""
    path = draw({"site": SITE, "buildings": [{**slab(), "carrier": carrier}]})
    doc = ezdxf.readfile(path)
    doc.modelspace().add_text("1# 住宅 7F H=21", dxfattribs={"layer": "PC-TEXT", "insert": (30, 25)})
    doc.saveas(path)
    report = check(path).report
    (b,) = report["buildings"]
    assert (b["floors"], b["height_m"]) == (6, 18.0)
    assert b["masses"][0]["carriers"]["FLOORS"] == carrier
    conflicts = codes(report, "DRW-CONFLICT")
    assert {f["message"].split("：")[0].split("的 ")[-1] for f in conflicts} == {"FLOORS", "HEIGHT"}


def test_nested_labels_go_to_smallest_outline(draw):
    sketch = {"site": SITE, "buildings": [{"name": "5#", "use": "commercial", "masses": [
        {"rect": [50, 50, 130, 100], "floors": 4, "height": 18.0},
        {"rect": [70, 60, 100, 90], "floors": 30, "height": 96.0, "use": "residential"}]}]}
    masses = check(draw(sketch)).report["buildings"][0]["masses"]
    by_area = {round(m["area_m2"]): (m["floors"], m["height_m"]) for m in masses}
    assert by_area == {4000: (4, 18.0), 900: (30, 96.0)}


def test_roads_width_sources(draw):
    sketch = {"site": SITE, "buildings": [slab()], "roads": [
        {"points": [[0, -5], [200, -5]], "width": 40, "name": "漕溪北路", "carrier": "xdata"},
        {"points": [[-5, 0], [-5, 200]], "width": 24, "name": "天钥桥路", "carrier": "text"},
        {"points": [[205, 0], [205, 200]], "name": "中山南二路", "carrier": "xdata"},
        {"points": [[0, 205], [200, 205]], "carrier": "none"}]}
    report = check(draw(sketch, context={"roads": [{"name": "中山南二路", "width": 50}]})).report
    roads = {(r["name"], r["width_m"], r["width_from"]) for r in report["roads"]}
    assert roads == {("漕溪北路", 40.0, "xdata"), ("天钥桥路", 24.0, "text"),
                     ("中山南二路", 50.0, "context"), (None, None, None)}
    assert len(codes(report, "DRW-ROAD-WIDTH")) == 1


def test_windows_attach_to_their_mass(draw):
    sketch = {"site": SITE, "buildings": [slab(windows=[
        {"from": [30, 20], "to": [32, 20], "floors": "3-6", "unit": "301"},
        {"from": [30, 50], "to": [32, 50]}])]}
    report = check(draw(sketch)).report
    (w,) = report["buildings"][0]["masses"][0]["windows"]
    assert (w["floors"], w["unit"]) == ([3, 6], "301")
    assert len(codes(report, "DRW-WINDOW")) == 1


def test_layer_map_file(draw, tmp_path):
    layers = {"site": "地块边界", "building": "方案建筑", "text": "方案文字"}
    path = draw({"site": SITE, "buildings": [slab()], "layers": layers})
    assert check(path).report["indicators"]["site_area_m2"] is None  # unknown layer names
    layer_map = tmp_path / "map.yaml"
    layer_map.write_text("site: ['地块*']\nbuilding: ['re:^方案建筑$']\ntext: ['方案文字']\n", encoding="utf-8")
    report = check(path, Options(layers=layer_map)).report
    assert report["indicators"]["site_area_m2"] == pytest.approx(40000)
    assert report["indicators"]["gross_floor_area_m2"] == pytest.approx(4320)


def test_arcs_flattened_within_tolerance(draw):
    # a semicircular bulge on the site's top edge: area = 200 x 200 + pi x 100² / 2
    import math

    report = check(draw({"site": SITE, "site_bulges": [0, 0, 1, 0], "buildings": [slab()]})).report
    exact = 40000 + math.pi * 100 ** 2 / 2
    assert report["indicators"]["site_area_m2"] == pytest.approx(exact, rel=1e-4)
    assert report["indicators"]["site_area_m2"] < exact  # chords lie inside the arc


def test_every_drawing_code_is_documented_in_both_languages():
    """The README lists the catalogue, and every code has a Chinese and an English text."""
    from pathlib import Path

    from plancheck.findings import DRAWING_CODES, FAMILIES, STATUSES

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert [c for c in DRAWING_CODES if f"`{c}`" not in readme] == []
    for code, (status, section, zh, en) in DRAWING_CODES.items():
        assert status in STATUSES and section.startswith("PCDS-1 §") and zh and en, code
    assert "drawing" in FAMILIES


def test_disagreeing_north_arrows_are_reported_and_the_first_wins(draw, tmp_path):
    """Two PC-NORTH arrows that disagree: a DRW-NORTH warning naming both, the first is used
    (the report's north is its angle); a second arrow that agrees says nothing."""
    path = draw({"site": SITE, "buildings": [slab()], "north": 120.0, "north_arrow": True})
    doc = ezdxf.readfile(path)
    (arrow,) = doc.modelspace().query("INSERT[name=='PC-NORTH']")
    first = arrow.dxf.rotation
    doc.modelspace().add_blockref("PC-NORTH", (500, 500), dxfattribs={"rotation": first})
    doc.saveas(tmp_path / "agree.dxf")
    agree = check(tmp_path / "agree.dxf", Options(lang="en")).report
    assert codes(agree, "DRW-NORTH") == [] and agree["drawing"]["north_deg"] == pytest.approx(120.0)
    doc.modelspace().add_blockref("PC-NORTH", (600, 500), dxfattribs={"rotation": 0.0})
    doc.saveas(tmp_path / "disagree.dxf")
    report = check(tmp_path / "disagree.dxf", Options(lang="en")).report
    (f,) = codes(report, "DRW-NORTH")
    assert f["status"] == "warning" and "3 PC-NORTH blocks" in f["message"]
    assert "others point at 90.00°" in f["message"] and "north at 120.00°" in f["message"]
    assert report["drawing"]["north_deg"] == pytest.approx(120.0)
    assert report["indicators"] == agree["indicators"]
