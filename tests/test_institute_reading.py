"""The pieces of reading institute drawings (issue #16), each on a small drawing in metres.

Expected values are hand arithmetic on the coordinates written here.
"""

from __future__ import annotations

import math

import ezdxf
import pytest
import yaml
from ezdxf.enums import TextEntityAlignment

from plancheck.errors import ContextError
from plancheck.extract.labels import name_key, parse_road_label, read_label
from plancheck.pipeline import Options, check, read_site
from plancheck.read.context import load_context
from tests.test_bad_input import run_cli

SITE = [(0, 0), (200, 0), (200, 150), (0, 150)]        # 30,000 m²


def _doc(layers_extra: dict | None = None):
    doc = ezdxf.new("R2000", units=6)
    msp = doc.modelspace()
    msp.add_lwpolyline(SITE, close=True, dxfattribs={"layer": "用地红线"})
    return doc, msp


def _rect(msp, x0, y0, x1, y1, layer="建筑轮廓", **attribs):
    return msp.add_lwpolyline([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], close=True,
                              dxfattribs={"layer": layer, **attribs})


def _text(msp, s, at, layer="文字", h=2.5):
    return msp.add_text(s, dxfattribs={"layer": layer, "height": h, "insert": at})


def _read(doc, tmp_path, name="d", context: dict | None = None, lang="en"):
    path = tmp_path / f"{name}.dxf"
    doc.saveas(path)
    ctx = None
    if context is not None:
        ctx = tmp_path / f"{name}.ctx.yaml"
        ctx.write_text(yaml.safe_dump(context, allow_unicode=True), encoding="utf-8")
    opts = Options(context=ctx, lang=lang, sunlight=False)
    return read_site(path, opts)[2], path, opts


def _codes(ext, code):
    return [f for f in ext.findings if f.rule == code]


# -- the label grammar ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, fields", [
    ("1#", {"NAME": "1#"}),
    ("6F", {"FLOORS": 6}),
    ("H=18.6", {"HEIGHT": 18.6}),
    ("2# 6F  H=18.6m", {"NAME": "2#", "FLOORS": 6, "HEIGHT": 18.6}),
    ("3#楼", {"NAME": "3#"}),
    ("6层", {"FLOORS": 6}),
    ("高度18.6m", {"HEIGHT": 18.6}),
    ("4#住宅", {"NAME": "4#", "USE": "residential"}),
    ("6F/18.60m", {"FLOORS": 6, "HEIGHT": 18.6}),
    ("8#门卫 1F H=4.5", {"NAME": "8#", "USE": "other", "FLOORS": 1, "HEIGHT": 4.5}),
    ("9#变电所", {"NAME": "9#", "USE": "other"}),
    ("12#商业", {"NAME": "12#", "USE": "commercial"}),
    ("会所", {"USE": "commercial"}),
    ("配套用房", {"USE": "other"}),
    ("18层住宅", {"FLOORS": 18, "USE": "residential"}),
    ("1# 住宅 18F H=54.0", {"NAME": "1#", "USE": "residential", "FLOORS": 18, "HEIGHT": 54.0}),
    ("A栋 办公 24层 99.6m", {"NAME": "A栋", "USE": "office", "FLOORS": 24, "HEIGHT": 99.6}),
    ("±0.000=4.650", {}),
    ("%%p0.000=4.650", {}),
    ("J1 X=-31234.500 Y=23456.700", {}),
    ("祁连山南路", {}),
    ("道路红线宽40m", {}),
])
def test_label_forms(text, fields):
    assert read_label(text).fields == fields


def test_elevation_and_existing_words():
    assert read_label("±0.000=4.650").elevation and read_label("%%p0.000").elevation
    lab = read_label("现状住宅 6F")
    assert lab.existing and lab.fields == {"NAME": "现状住宅", "USE": "residential", "FLOORS": 6}
    assert read_label("地下车库").not_building == "underground"
    assert read_label("地下车库出入口").not_building is None     # a phrase, not a name
    assert read_label("建筑控制线").not_building == "control line"
    assert [name_key(n) for n in ("1#", "1#楼", "1号楼", "１＃")] == ["1"] * 4


@pytest.mark.parametrize("text, parsed", [
    ("道路红线宽40m", (None, 40.0)), ("规划三路  红线宽24m", ("规划三路", 24.0)),
    ("W=24m", (None, 24.0)), ("漕溪北路 W=40", ("漕溪北路", 40.0)), ("红线宽度40米", (None, 40.0))])
def test_road_width_forms(text, parsed):
    assert parse_road_label(text) == parsed


# -- labels in a drawing -------------------------------------------------------------------------

def test_separate_texts_elevation_leader_nearness_and_centred_text(tmp_path):
    doc, msp = _doc()
    _rect(msp, 10, 10, 70, 22)                 # 1#: `1#` `6F` `H=18.6` apart, an elevation
    _text(msp, "1#", (14, 16)); _text(msp, "6F", (24, 16)); _text(msp, "H=18.6", (32, 16))
    _text(msp, "%%p0.000=4.650", (50, 11), h=1.5)
    _rect(msp, 10, 40, 70, 52)                 # 2#: its label 1.5 m north, no leader
    _text(msp, "2# 6F H=18.6", (20, 53.5))
    _rect(msp, 100, 40, 110, 50)               # 3#: a leader from inside it to its label
    msp.add_leader([(105, 45), (129, 61), (130, 61)], dxfattribs={"layer": "文字"})
    _text(msp, "3#变电所 1F H=5.0", (130, 60))
    _rect(msp, 150, 10, 156, 16)               # 4#: a centred label whose group 10 is outside
    t = msp.add_text("4#门卫 1F H=4.5", dxfattribs={"layer": "文字", "height": 1.5})
    t.set_placement((153, 13), align=TextEntityAlignment.MIDDLE_CENTER)
    t.dxf.insert = (143.0, 12.25)              # the computed start, 7 m left of the outline
    ext, _, _ = _read(doc, tmp_path)
    got = {b.name: (b.floors, b.height_m, b.use) for b in ext.model.buildings}
    assert got == {"1#": (6, 18.6, None), "2#": (6, 18.6, None), "3#": (1, 5.0, "other"),
                   "4#": (1, 4.5, "other")}
    assert not _codes(ext, "DRW-LABEL-ORPHAN") and not _codes(ext, "DRW-CONFLICT")
    (skipped,) = [f for f in _codes(ext, "DRW-SKIPPED") if f.extra["layer"] == "文字"]
    assert skipped.extra["not_read"] == {"elevation": 1} and "1 elevation texts" in skipped.message
    by_name = {b.name: b for b in ext.model.buildings}
    assert by_name["3#"].sources == {"name": "label", "use": "label", "floors": "label", "height": "label"}


def test_attribute_tags_and_conflicts_are_findings(tmp_path):
    doc, msp = _doc()
    tag = doc.blocks.new("楼号")
    tag.add_circle((0, 0), 2.0)
    for i, name in enumerate(("栋号", "层数", "高度")):
        tag.add_attdef(name, (0, -2 * i), dxfattribs={"height": 1.0})
    _rect(msp, 10, 10, 70, 22)
    ref = msp.add_blockref("楼号", (60, 16), dxfattribs={"layer": "建筑轮廓"})   # circle on the layer
    ref.add_auto_attribs({"栋号": "5#", "层数": "18", "高度": "54.0"})
    _text(msp, "H=55.0", (14, 16))            # disagrees with the attribute
    ext, _, _ = _read(doc, tmp_path, context={"buildings": {"5#": {"use": "住宅", "floors": 17}}})
    (b,) = ext.model.buildings
    assert (b.name, b.floors, b.height_m, b.use) == ("5#", 18, 54.0, "residential")
    assert b.sources == {"name": "attrib", "use": "context", "floors": "attrib", "height": "attrib"}
    conflicts = {(f.subjects[0], f.message.split(" says ")[1][:4]) for f in _codes(ext, "DRW-CONFLICT")}
    assert {f.subjects[0] for f in _codes(ext, "DRW-CONFLICT")} == {"5#"}
    assert len(conflicts) == 2                  # HEIGHT (label 55.0), FLOORS (context 17)
    assert [f for f in _codes(ext, "DRW-SKIPPED") if "tag" in f.extra["not_read"]]


def test_schedule_table_gives_uses_and_context_default_use(tmp_path):
    doc, msp = _doc()
    _rect(msp, 10, 10, 70, 22); _text(msp, "1# 6F H=18.6", (14, 16))
    _rect(msp, 10, 40, 70, 52); _text(msp, "2# 6F H=18.6", (14, 46))
    _rect(msp, 100, 40, 110, 50); _text(msp, "3# 1F H=5.0", (101, 45))
    rows = [("楼号", "层数", "高度(m)", "功能"), ("1#", "6", "18.6", "住宅"), ("2#楼", "7", "18.6", "")]
    for r, row in enumerate(rows):               # a table beside the plan on its own layer
        for c, cell in enumerate(row):
            if cell:
                t = msp.add_text(cell, dxfattribs={"layer": "表格", "height": 2.5})
                t.set_placement((300 + 14 * c, 100 - 6 * r), align=TextEntityAlignment.MIDDLE_CENTER)
    ext, _, _ = _read(doc, tmp_path, context={"default_use": "residential",
                                              "buildings": {"3#": {"use": "变电所"}}})
    by = {b.name: b for b in ext.model.buildings}
    assert {n: (b.use, b.sources.get("use")) for n, b in by.items()} == {
        "1#": ("residential", "schedule table"), "2#": ("residential", "context"),
        "3#": ("other", "context")}
    (c,) = _codes(ext, "DRW-CONFLICT")          # 2#: label 6 floors, table 7
    assert c.subjects == ["2#"] and "FLOORS" in c.message
    assert ext.schedule["rows"]["2#楼"] == {"FLOORS": 7, "HEIGHT": 18.6}


# -- what is not a building ----------------------------------------------------------------------

def test_not_buildings(tmp_path):
    doc, msp = _doc()
    for k, x in enumerate((10, 80, 150)):
        _rect(msp, x, 10, x + 40, 22)
        _text(msp, f"{k + 1}# 6F H=18.6", (x + 2, 16))
    _rect(msp, 12, 14, 16, 18)                  # a 屋顶机房 in 1#: 16 m² of 480 (3.3 %)
    _rect(msp, 100, 10, 120, 22)                # in 2#: 240 m² of 480 (50 %): counts, no data
    _rect(msp, 151, 14, 158, 18)                # in 3#, 28 m² (5.8 %), with 3#'s label in it
    _rect(msp, 2, 2, 198, 148)                  # 建筑控制线 on the building layer: encloses all
    _rect(msp, 10, 60, 120, 120)                # a 地库, named by its text
    _text(msp, "地下车库", (12, 62))
    _rect(msp, 150, 60, 190, 80, linetype="DASHED")   # a dashed outline around a kiosk:
    _rect(msp, 160, 65, 165, 70)                       # a zone, the kiosk a building
    _text(msp, "5# 1F H=3.0", (160.5, 66), h=1.0)
    doc.linetypes.add("DASHED", pattern=[1.0, 0.5, -0.5])
    ext, _, _ = _read(doc, tmp_path)
    names = sorted(b.name for b in ext.model.buildings)
    assert names == ["1#", "2#", "3#", "5#"]
    two = next(b for b in ext.model.buildings if b.name == "2#")
    assert len(two.masses) == 2 and two.height_m is None     # > 1/8 of the roof: counts in H
    not_b = _codes(ext, "DRW-NOT-BUILDING")
    assert len(not_b) == 3
    assert any("underground" in f.message for f in not_b)
    roofs = sorted((f.subjects[0], f.message) for f in _codes(ext, "DRW-INFERRED") if "rooftop" in f.message)
    assert [s for s, _ in roofs] == ["1#", "3#"] and "3.3%" in roofs[0][1] and "5.8%" in roofs[1][1]
    three = next(b for b in ext.model.buildings if b.name == "3#")
    assert len(three.masses) == 1 and three.height_m == 18.6 and three.footprint.area == pytest.approx(480)
    assert not [b for b in ext.model.buildings if b.name.startswith("#")]


def test_unnamed_buildings_are_named_not_by_handle(tmp_path):
    doc, msp = _doc()
    _rect(msp, 10, 100, 50, 112)
    _rect(msp, 10, 10, 50, 22)
    ext, _, _ = _read(doc, tmp_path)
    assert sorted(b.name for b in ext.model.buildings) == ["unnamed-1", "unnamed-2"]
    north = next(b for b in ext.model.buildings if b.name == "unnamed-1")
    assert north.footprint.bounds[1] == pytest.approx(100.0)
    assert all("NAME" in f.message for f in _codes(ext, "DRW-DATA"))


# -- greens from hatches --------------------------------------------------------------------------

def test_green_hatches_counted_once(tmp_path):
    doc, msp = _doc()
    h = msp.add_hatch(dxfattribs={"layer": "绿化"})            # with its boundary polyline
    h.paths.add_polyline_path([(10, 10), (60, 10), (60, 50), (10, 50)], is_closed=True, flags=1)
    _rect(msp, 10, 10, 60, 50, layer="绿化")
    h = msp.add_hatch(dxfattribs={"layer": "绿化"})            # alone, with an island
    h.paths.add_polyline_path([(100, 10), (150, 10), (150, 50), (100, 50)], is_closed=True, flags=1)
    h.paths.add_polyline_path([(120, 20), (130, 20), (130, 30), (120, 30)], is_closed=True, flags=16)
    _rect(msp, 120, 20, 130, 30, layer="绿化")                 # the island's boundary
    h = msp.add_hatch(dxfattribs={"layer": "绿化"})            # an edge path with an arc
    ep = h.paths.add_edge_path(flags=1)
    ep.add_line((10, 100), (30, 100)); ep.add_arc((30, 110), 10, -90, 90)
    ep.add_line((30, 120), (10, 120)); ep.add_line((10, 120), (10, 100))
    tree = doc.blocks.new("乔木")
    tree.add_circle((0, 0), 3.0); tree.add_line((-3, 0), (3, 0))
    for x in range(160, 200, 8):                                # trees outside every green
        msp.add_blockref("乔木", (x, 100), dxfattribs={"layer": "绿化"})
    ext, path, opts = _read(doc, tmp_path)
    # 50 × 40 = 2,000; 50 × 40 − 10 × 10 = 1,900; 20 × 20 + π·10²/2 = 557.08
    expected = 2000 + 1900 + 400 + math.pi * 50
    assert len(ext.model.greens) == 3
    assert sum(g.outline.area for g in ext.model.greens) == pytest.approx(expected, rel=1e-3)
    report = check(path, opts).report
    assert report["indicators"]["green_ratio"] == pytest.approx(expected / 30000, rel=1e-3)
    reasons = {r for f in _codes(ext, "DRW-SKIPPED") for r in f.extra["not_read"]}
    assert {"duplicate", "island", "tree"} <= reasons


# -- roads ---------------------------------------------------------------------------------------

def test_red_line_turning_a_corner_is_split_per_road(tmp_path):
    doc, msp = _doc()
    _rect(msp, 20, 20, 80, 32); _text(msp, "1# 住宅 6F H=18.6", (22, 25))
    # one polyline: south side (y 0) -> 10 m 切角 -> east side (x 200)
    msp.add_lwpolyline([(-50, 0), (190, 0), (200, 10), (200, 200)], dxfattribs={"layer": "道路红线"})
    _text(msp, "祁连山南路", (60, -20), layer="PUB_TEXT")       # names and widths on another layer
    _text(msp, "道路红线宽40m", (110, -20), layer="PUB_TEXT")
    _text(msp, "规划三路  红线宽24m", (212, 100), layer="PUB_TEXT")
    # a road drawn by its centre line only
    msp.add_line((-100, 170), (300, 170), dxfattribs={"layer": "道路中线"})
    _text(msp, "纬三路 W=30m", (100, 171))
    layers = tmp_path / "m.yaml"
    layers.write_text("layers:\n  road-centre: [道路中线]\n", encoding="utf-8")
    path = tmp_path / "roads.dxf"
    doc.saveas(path)
    ext = read_site(path, Options(layers=layers, lang="en"))[2]
    roads = sorted((r.name, r.width_m, r.line_from, round(r.line.length, 1)) for r in ext.model.roads)
    chamfer = math.hypot(10, 10) / 2
    assert roads == [("祁连山南路", 40.0, "drawn", round(240 + chamfer, 1)),
                     ("纬三路", 30.0, "centre line", 400.0), ("纬三路", 30.0, "centre line", 400.0),
                     ("规划三路", 24.0, "drawn", round(190 + chamfer, 1))]
    sides = sorted(r.line.coords[0][1] for r in ext.model.roads if r.line_from == "centre line")
    assert sides == pytest.approx([155.0, 185.0])
    assert not _codes(ext, "DRW-ROAD-WIDTH")


# -- units, inspect --suggest -o, context -------------------------------------------------------

def test_unit_from_the_drawings_note(tmp_path):
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 0
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (200000, 0), (200000, 150000), (0, 150000)], close=True,
                       dxfattribs={"layer": "用地红线"})
    msp.add_text("说明：本图尺寸单位为毫米，标高及坐标单位为米。", dxfattribs={"layer": "0", "insert": (0, -20000)})
    path = tmp_path / "mm.dxf"
    doc.saveas(path)
    ext = read_site(path, Options(lang="en"))[2]
    assert (ext.units_declared, ext.units_used, ext.units_from) == ("mm", "mm", "note: 本图尺寸单位为毫米")
    assert not _codes(ext, "DRW-UNITS")
    assert ext.model.site.area == pytest.approx(30000.0)
    out = tmp_path / "map.yaml"
    proc = run_cli("inspect", "--suggest", str(path), "-o", str(out))
    assert proc.returncode == 0 and "written:" in proc.stdout
    assert "# units: mm, from the drawing's note" in out.read_text(encoding="utf-8")
    proc = run_cli("inspect", str(path), "-o", str(out))
    assert proc.returncode == 2 and "add --suggest" in proc.stderr and "Traceback" not in proc.stderr


def test_context_buildings_are_checked(tmp_path):
    bad = tmp_path / "bad.yaml"
    for text, words in (("buildings: [1]", "must map building names"),
                        ("buildings: {1#: {colour: red}}", "unknown key"),
                        ("buildings: {1#: {floors: 2.5}}", "positive whole number"),
                        ("buildings: {1#: {height: -3}}", "must be positive")):
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ContextError, match=words):
            load_context(bad)
    good = tmp_path / "good.yaml"
    good.write_text("default_use: residential\nbuildings: {1#: {use: 住宅, floors: 6, height: 18.6}}\n",
                    encoding="utf-8")
    ctx = load_context(good)
    assert ctx.default_use == "residential" and ctx.buildings == {"1#": {"use": "住宅", "floors": 6, "height": 18.6}}


def test_default_use_is_for_proposed_buildings_only(tmp_path):
    doc, msp = _doc()
    _rect(msp, 10, 10, 70, 22); _text(msp, "1# 6F H=18.6", (14, 16))
    _rect(msp, 10, 160, 70, 172); _text(msp, "现状 6F H=18.0", (14, 166))
    ext, _, _ = _read(doc, tmp_path, context={"default_use": "住宅"})
    by = {b.name: b for b in ext.model.buildings}
    assert (by["1#"].use, by["1#"].status) == ("residential", "proposed")
    assert (by["现状"].use, by["现状"].status) == (None, "existing")


def test_schedule_from_an_acad_table(tmp_path):
    """The 单体建筑一览表 as an ACAD_TABLE entity (its cells read from the entity itself)."""
    doc = ezdxf.new("R2010", units=6)
    msp = doc.modelspace()
    msp.add_lwpolyline(SITE, close=True, dxfattribs={"layer": "用地红线"})
    _rect(msp, 10, 10, 70, 22)
    _text(msp, "1# 6F H=18.6", (14, 16))
    path = tmp_path / "table.dxf"
    doc.saveas(path)
    cells = ["单体建筑一览表", "", "", "", "楼号", "层数", "高度(m)", "功能",
             "1#楼", "6", "18.6", "{\\fSimHei;住宅}"]
    tags = ["0", "ACAD_TABLE", "5", "FFF0", "330", msp.block_record_handle, "100", "AcDbEntity",
            "8", "PUB_TAB", "100", "AcDbBlockReference", "2", "*T9", "10", "300.0", "20", "100.0",
            "30", "0.0", "100", "AcDbTable", "280", "0", "91", "3", "92", "4"]
    for c in cells:
        tags += ["171", "1", "301", "CELL_VALUE", "302", c]
    data = path.read_text(encoding="utf-8")
    end = data.index("ENDSEC", data.index("ENTITIES"))
    start = data.rindex("  0", 0, end)
    raw = "".join(f"{code:>3}\n{value}\n" for code, value in zip(tags[::2], tags[1::2]))
    path.write_text(data[:start] + raw + data[start:], encoding="utf-8")
    ext = read_site(path, Options(lang="en"))[2]
    (b,) = ext.model.buildings
    assert (b.name, b.use, b.sources["use"]) == ("1#", "residential", "schedule table")
    assert ext.schedule["layer"] == "PUB_TAB" and ext.schedule["rows"] == {
        "1#楼": {"FLOORS": 6, "HEIGHT": 18.6, "USE": "residential"}}


def test_suggest_flags_impossible_areas(tmp_path):
    """A building layer holding an outline larger than the site (a frame, a zone) is flagged."""
    doc, msp = _doc()
    for layer in ("总图-建筑",):
        _rect(msp, 10, 10, 70, 22, layer=layer)
        _rect(msp, -100, -100, 400, 400, layer=layer)          # 250,000 m², larger than the site
    _text(msp, "1# 6F H=18.6", (14, 16), layer="总图-建筑")
    path = tmp_path / "big.dxf"
    doc.saveas(path)
    out = tmp_path / "map.yaml"
    proc = run_cli("inspect", "--suggest", str(path), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert "# check: building layer 总图-建筑: an outline of 250,000.0 m² is larger than a building" in text
    assert yaml.safe_load(text)["layers"]["building"] == ["总图-建筑"]


def test_multileader_labels(tmp_path):
    """A label in a MULTILEADER stands where its arrow points."""
    from ezdxf.math import Vec2
    from ezdxf.render import mleader

    doc = ezdxf.new("R2018", units=6)
    msp = doc.modelspace()
    msp.add_lwpolyline(SITE, close=True, dxfattribs={"layer": "用地红线"})
    _rect(msp, 10, 10, 70, 22)
    b = msp.add_multileader_mtext("Standard", dxfattribs={"layer": "文字"})
    b.set_content("7#住宅 11F H=33.0", char_height=2.5)
    b.add_leader_line(mleader.ConnectionSide.left, [Vec2(40, 16)])
    b.build(insert=Vec2(90, 40))
    path = tmp_path / "ml.dxf"
    doc.saveas(path)
    (bld,) = read_site(path, Options(lang="en"))[2].model.buildings
    assert (bld.name, bld.use, bld.floors, bld.height_m) == ("7#", "residential", 11, 33.0)


def test_large_labelled_building_with_rooftop_outlines_stays_a_building(tmp_path):
    """A labelled building covering most of a small site, with three data-less outlines on its
    roof, is a building (its roof outlines are no reason to read it as a zone)."""
    doc = ezdxf.new("R2000", units=6)
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (60, 0), (60, 40), (0, 40)], close=True, dxfattribs={"layer": "用地红线"})
    _rect(msp, 5, 5, 55, 35)                       # 1,500 m² of a 2,400 m² site
    for x in (10, 25, 40):
        _rect(msp, x, 25, x + 4, 29)               # 3 × 16 m² on the roof (3.2 % in all)
    _text(msp, "1# 办公 4F H=16.0", (8, 10))
    ext, _, _ = _read(doc, tmp_path)
    (b,) = ext.model.buildings
    assert (b.name, b.height_m, len(b.masses)) == ("1#", 16.0, 1)
    assert not _codes(ext, "DRW-NOT-BUILDING") and len(_codes(ext, "DRW-INFERRED")) == 3


def test_existing_neighbours_labelled_by_what_they_are_are_told_apart(tmp_path):
    doc, msp = _doc()
    _rect(msp, 10, 10, 70, 22); _text(msp, "1# 住宅 6F H=18.6", (14, 16))
    for x in (10, 90):                               # two 现状住宅 north of the site
        _rect(msp, x, 170, x + 60, 182); _text(msp, "现状住宅 6F", (x + 4, 175))
    ext, _, _ = _read(doc, tmp_path)
    assert sorted(b.name for b in ext.model.buildings) == ["1#", "现状住宅-1", "现状住宅-2"]
    west = next(b for b in ext.model.buildings if b.name == "现状住宅-1")
    assert west.status == "existing" and west.footprint.bounds[0] == pytest.approx(10.0)
