"""Real-world drawings: real files, layer maps, loose linework, blocks, units, encodings, limits.

Expected numbers come from the files' own coordinates (read here with ezdxf / shapely) or from
hand arithmetic written next to them, never from plancheck's output.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import ezdxf
import pytest
import yaml
from shapely.geometry import Polygon

from plancheck.errors import DrawingReadError, PlancheckError, UnitsError
from plancheck.pipeline import Options, check, read_site
from plancheck.render import json_file
from plancheck.sketch import build_doc
from tests.conftest import REALDATA, REPO, realdata
from tests.test_bad_input import run_cli
from tests.variants import blockify, explode_outlines

REAL_FILES = sorted(p for sub in ("dxf-misc", "dxf-siteplans") for p in (REALDATA / sub).glob("*")
                    if p.suffix.lower() == ".dxf") if REALDATA.exists() else []
SITEPLANS = [p for p in REAL_FILES if p.parent.name == "dxf-siteplans"]
#: real files that cannot be used at all, and the words of their one-line error
UNUSABLE = {
    "blocks.dxf": (DrawingReadError, "not a readable DXF"),        # a headerless fragment
    "ae.r2000b.dxf": (UnitsError, "insunits=1"),                  # inches, and no site to test
}


def _samples():
    spec = importlib.util.spec_from_file_location("samples_generate", REPO / "samples" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _save(doc, path: Path, fmt: str = "asc") -> Path:
    doc.saveas(path, fmt=fmt)
    return path


def _map(tmp_path: Path, layers: dict, name: str = "map") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"layers": layers}, allow_unicode=True), encoding="utf-8")
    return path


def _key(report: dict) -> tuple:
    """The numbers of a report: indicators and every finding's outcome (6 decimals)."""
    def r(v):
        return round(v, 6) if isinstance(v, float) else v

    indicators = {k: r(v) for k, v in report["indicators"].items()}
    findings = sorted((f["rule"], f["status"], tuple(f["subjects"]), r(f["measured"]),
                       r(f["required"])) for f in report["findings"])
    return indicators, findings


# -- every real file ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_every_real_dxf_reads_or_fails_cleanly(path):
    if path.name in UNUSABLE:
        kind, words = UNUSABLE[path.name]
        with pytest.raises(kind, match=words) as info:
            check(path)
        assert "\n" not in str(info.value)
        return
    report = check(path, Options(lang="en")).report
    json_file.dumps(report).encode("utf-8")   # writable as report.json (strict JSON, UTF-8)
    assert report["drawing"]["entities"] > 0
    assert any(f["rule"] == "DRW-SITE-MISSING" for f in report["findings"])  # none is PCDS-1


# -- loose linework -----------------------------------------------------------------------------

def test_dxf1_loose_line_buildings_chain(tmp_path):
    """dxf_1.dxf draws its buildings (layer 建筑物) as loose LINEs, in centimetres."""
    path = realdata("dxf-siteplans", "dxf_1.dxf")
    _, _, ext = read_site(path, Options(layers=_map(tmp_path, {"building": ["建筑物"]}), lang="en"))
    chained = [f for f in ext.findings if f.rule == "DRW-CHAINED"]
    by_handle = {m.source.handle: m for b in ext.model.buildings for m in b.masses}
    areas = sorted(round(by_handle[f.extra["entity"]].area_m2, 4) for f in chained)
    # LINEs 1F5.. run x 3371.6-4371.6, y 1270.4-1870.4: 1000 x 600 cm = 60 m² (with hip-roof
    # lines inside); 1F9.. run x 1871.6-2171.6, y 1270.4-1570.4: 300 x 300 cm = 9 m² (with
    # an X of diagonals); E79.. 128.1 x 26.5 cm and E7D.. 35.4 x 123.9 cm are two small boxes.
    assert areas == pytest.approx(sorted([60.0, 9.0, 1.281 * 0.265, 0.354 * 1.239]), abs=2e-3)
    assert {len(f.extra["entities"]) for f in chained} == {4, 7, 11}
    (left,) = [f for f in ext.findings if f.rule == "DRW-CHAIN-OPEN"]
    assert sorted(left.extra["entities"]) == ["E87"]     # a pergola line, open at both ends
    # E89, 2 cm long from E87's end, lies inside one of the block squares (a post): a detail
    # inside an outline, counted and said, not an open outline
    (inner,) = [f for f in ext.findings if f.rule == "DRW-SKIPPED" and f.extra["layer"] == "建筑物"]
    assert inner.extra["not_read"] == {"inner-lines": 1} and "1 loose lines inside outlines" in inner.message
    # the 10 INSERTs of block "1" (scale 2.4) each hold 2 closed squares on 建筑物
    doc = ezdxf.readfile(path)
    squares = [Polygon(list(e.get_points("xy"))).area * 2.4 ** 2 / 1e4 for e in doc.blocks.get("1")]
    from_blocks = sorted(m.area_m2 for h, m in by_handle.items() if "/" in h)
    assert from_blocks == pytest.approx(sorted(squares * 10), rel=1e-6)


def test_sample_drawn_as_loose_lines_reads_the_same(tmp_path):
    g = _samples()
    flat = check(_save(build_doc(g.residential_scheme()), tmp_path / "flat.dxf")).report
    doc = build_doc(g.residential_scheme())
    exploded = explode_outlines(doc)
    lines = check(_save(doc, tmp_path / "lines.dxf")).report
    assert lines["indicators"] == pytest.approx(flat["indicators"], rel=1e-9)
    chained = [f for f in lines["findings"] if f["rule"] == "DRW-CHAINED"]
    assert len(chained) == exploded == 1 + 19 + 7   # site, 14 + 5 existing masses, 7 greens
    # SH-33-1's `unknown` rows quote a distance that depends on where the site ring starts
    # (a chained ring starts elsewhere): compared without their numbers
    def outcomes(findings):
        return _key({"indicators": {}, "findings": [
            dict(f, measured=None) if f["rule"] == "SH-33-1" else f
            for f in findings if f["rule"] != "DRW-CHAINED"]})
    assert outcomes(lines["findings"]) == outcomes(flat["findings"])


def test_line_gap_within_snap_closes_and_beyond_stays_open(tmp_path):
    doc = ezdxf.new("R2018", units=6)
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (300, 0), (300, 200), (0, 200)], close=True, dxfattribs={"layer": "PC-SITE"})
    # 1#: a 40 x 12 box of 4 LINEs whose last one stops 0.008 m short (snap 0.01 m)
    for a, b in [((20, 20), (60, 20)), ((60, 20), (60, 32)), ((60, 32), (20, 32)), ((20, 32), (20, 20.008))]:
        msp.add_line(a, b, dxfattribs={"layer": "PC-BLDG"})
    # 2#: the same box 0.5 m open
    for a, b in [((100, 20), (140, 20)), ((140, 20), (140, 32)), ((140, 32), (100, 32)), ((100, 32), (100, 20.5))]:
        msp.add_line(a, b, dxfattribs={"layer": "PC-BLDG"})
    # 3#: two LINEs and a half-circle ARC (radius 6 about (200, 26)): 12 x 12 + π·6²/2 m²
    msp.add_line((200, 20), (188, 20), dxfattribs={"layer": "PC-BLDG"})
    msp.add_line((188, 20), (188, 32), dxfattribs={"layer": "PC-BLDG"})
    msp.add_line((188, 32), (200, 32), dxfattribs={"layer": "PC-BLDG"})
    msp.add_arc((200, 26), 6, -90, 90, dxfattribs={"layer": "PC-BLDG"})
    for text, at in (("1# 住宅 6F H=18", (30, 25)), ("2# 住宅 6F H=18", (110, 25)), ("3# 办公 4F H=16", (195, 25))):
        msp.add_text(text, dxfattribs={"layer": "PC-TEXT", "insert": at, "height": 2})
    report = check(_save(doc, tmp_path / "gaps.dxf"), Options(lang="en")).report
    masses = {b["name"]: b["masses"][0] for b in report["buildings"]}
    assert sorted(masses) == ["1#", "3#"]
    assert masses["1#"]["area_m2"] == pytest.approx(40 * 12, abs=40 * 0.01)
    assert masses["3#"]["area_m2"] == pytest.approx(12 * 12 + 3.14159265 * 36 / 2, rel=1e-3)
    (open_,) = [f for f in report["findings"] if f["rule"] == "DRW-CHAIN-OPEN"]
    assert len(open_["entities"]) == 4 and "0.500 m apart" in open_["message"]
    assert report["indicators"]["gross_floor_area_m2"] == pytest.approx(480 * 6 + (144 + 18 * 3.14159265) * 4, rel=1e-3)


# -- blocks ---------------------------------------------------------------------------------------

PLACEMENTS = [(30.0, 2.0, 2.0), (-75.0, -1.0, 1.0), (200.0, 0.5, -0.5), (10.0, 1.5, 0.75), (0.0, 1.0, 1.0)]


@pytest.mark.parametrize("scheme", ["residential_scheme", "residential_scheme_mm"])
def test_flat_and_nested_blocks_give_the_same_report(tmp_path, scheme):
    """Outlines and labels moved into blocks (layer 0), then into nested, rotated, scaled and
    mirrored block references, read to the very same report numbers."""
    g = _samples()
    sketch = getattr(g, scheme)()
    flat = check(_save(build_doc(sketch), tmp_path / "flat.dxf")).report
    one = build_doc(sketch)
    assert blockify(one, [(0.0, 1.0, 1.0)], nested=False) > 30
    nested = build_doc(sketch)
    blockify(nested, PLACEMENTS, nested=True)
    assert not [e for e in nested.modelspace() if e.dxftype() == "LWPOLYLINE"
                and e.dxf.layer in ("PC-BLDG", "建筑轮廓")]
    for name, doc in (("one", one), ("nested", nested)):
        report = check(_save(doc, tmp_path / f"{name}.dxf")).report
        assert _key(report) == _key(flat), name


def test_minsert_array_and_cyclic_block(tmp_path):
    doc = ezdxf.new("R2018", units=6)
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (300, 0), (300, 200), (0, 200)], close=True, dxfattribs={"layer": "PC-SITE"})
    house = doc.blocks.new("HOUSE")
    house.add_lwpolyline([(0, 0), (10, 0), (10, 8), (0, 8)], close=True)   # layer 0
    # a 3 x 4 array of 10 x 8 m houses, 20 m apart: 12 masses of 80 m²
    msp.add_blockref("HOUSE", (20, 20), dxfattribs={"layer": "PC-BLDG", "row_count": 3, "row_spacing": 20,
                                                    "column_count": 4, "column_spacing": 20})
    loop = doc.blocks.new("LOOP")
    loop.add_blockref("LOOP", (1, 1))
    msp.add_blockref("LOOP", (250, 150), dxfattribs={"layer": "PC-BLDG"})
    report = check(_save(doc, tmp_path / "minsert.dxf"), Options(lang="en")).report
    masses = [m for b in report["buildings"] for m in b["masses"]]
    assert len(masses) == 12 and all(m["area_m2"] == pytest.approx(80.0) for m in masses)
    (cyclic,) = [f for f in report["findings"] if f["rule"] == "DRW-BLOCK"]
    assert "LOOP" in cyclic["message"] and "references itself" in cyclic["message"]


# -- units ----------------------------------------------------------------------------------------

def _largest_closed(path: Path, layer_suffix: str) -> float:
    doc = ezdxf.readfile(path)
    return max(Polygon(list(e.get_points("xy"))).area for e in doc.modelspace().query("LWPOLYLINE")
               if e.closed and e.dxf.layer.endswith(layer_suffix))


def test_units_that_lie_floorplan(tmp_path):
    """floorplan.dxf declares mm but is drawn in inches. Its largest footprint, 235,856 units²,
    is 0.24 m² as mm and 23.6 m² as cm (both outside 50 m² .. 5 km²) but 235,856 m² as m: the
    plausibility rule reads metres and says so; --units always wins."""
    path = realdata("dxf-siteplans", "floorplan.dxf")
    raw = _largest_closed(path, "$A-FOOTPRINT")
    assert raw == pytest.approx(235856.0)
    layers = _map(tmp_path, {"site": ["*A-FOOTPRINT"]})
    _, _, ext = read_site(path, Options(layers=layers, lang="en"))
    assert (ext.units_declared, ext.units_used) == ("mm", "m")
    (f,) = [f for f in ext.findings if f.rule == "DRW-UNITS"]
    assert f.status == "warning" and "declares mm" in f.message
    _, _, ext = read_site(path, Options(layers=layers, units="cm", lang="en"))
    assert ext.units_used == "cm" and not [f for f in ext.findings if f.rule == "DRW-UNITS"]


def test_units_that_lie_dxf1_and_api(tmp_path):
    """dxf_1.dxf declares cm (its frame, 外轮廓, is 3600 x 2100 cm = 756 m², plausible, so cm
    is kept); api-cw750-details.dxf declares nothing (metres: its sheet frame is 56,940 m²,
    plausible). In both, --units mm is what is used."""
    cases = [("dxf-siteplans", "dxf_1.dxf", {"site": ["外轮廓"]}, "cm"),
             ("dxf-misc", "api-cw750-details.dxf", {"site": ["FG-Frame"]}, "m")]
    for folder, name, layers, declared in cases:
        path = realdata(folder, name)
        _, _, ext = read_site(path, Options(layers=_map(tmp_path, layers), lang="en"))
        assert ext.units_used == declared and not [f for f in ext.findings if f.rule == "DRW-UNITS"]
        _, _, ext = read_site(path, Options(layers=_map(tmp_path, layers), units="mm", lang="en"))
        assert ext.units_used == "mm"


# -- versions and encodings -----------------------------------------------------------------------

SMALL = {"site": [[0, 0], [120, 0], [120, 90], [0, 90]], "buildings": [
    {"name": "1#", "use": "residential", "masses": [{"rect": [10, 10, 50, 22], "floors": 6, "height": 18.0}]},
    {"name": "2#", "use": "office", "carrier": "xdata", "masses": [{"rect": [60, 40, 100, 70], "floors": 3, "height": 12.0}]}]}
# FAR = (40·12·6 + 40·30·3) / (120·90) = (2880 + 3600) / 10800 = 0.6


@pytest.mark.parametrize("version", ["R12", "R2000", "R2004", "R2007", "R2010", "R2013", "R2018"])
@pytest.mark.parametrize("fmt", ["asc", "bin"])
def test_versions_ascii_and_binary(tmp_path, version, fmt):
    doc = build_doc(dict(SMALL, dxfversion=version))
    report = check(_save(doc, tmp_path / "v.dxf", fmt)).report
    assert report["indicators"]["site_area_m2"] == pytest.approx(10800.0)
    assert report["indicators"]["far"] == pytest.approx(0.6)
    assert {b["name"] for b in report["buildings"]} == {"1#", "2#"}


def test_gbk_codepage_text(tmp_path):
    """A pre-2007 file with $DWGCODEPAGE ANSI_936 stores Chinese as GBK bytes."""
    doc = build_doc(dict(SMALL, dxfversion="R2000", label_style="zh",
                         layers={"site": "用地红线", "building": "建筑轮廓", "text": "文字"}))
    doc.encoding = "gbk"
    path = _save(doc, tmp_path / "gbk.dxf")
    raw = path.read_bytes()
    assert "用地红线".encode("gbk") in raw and b"\\U+" not in raw
    report = check(path).report
    assert report["drawing"]["encoding"] == "gbk"
    assert report["indicators"]["far"] == pytest.approx(0.6)
    assert report["buildings"][0]["name"] == "1#" and report["buildings"][0]["masses"][0]["floors"] == 6


def test_shift_jis_codepage_text(tmp_path):
    """ANSI_932 (Shift-JIS): Japanese layer names and a label read through a layer map."""
    doc = build_doc(dict(SMALL, dxfversion="R2000",
                         layers={"site": "敷地境界線", "building": "建物", "text": "文字"}))
    doc.encoding = "cp932"
    for t in doc.modelspace().query("TEXT"):
        t.dxf.text = t.dxf.text.replace("1#", "Ａ棟")
    path = _save(doc, tmp_path / "sjis.dxf")
    assert "敷地境界線".encode("cp932") in path.read_bytes()
    layers = _map(tmp_path, {"site": ["敷地境界線"], "building": ["建物"]})
    report = check(path, Options(layers=layers)).report
    assert report["drawing"]["encoding"] == "cp932"
    assert sorted(b["name"] for b in report["buildings"]) == ["2#", "Ａ棟"]
    assert report["indicators"]["far"] == pytest.approx(0.6)
    small = check(realdata("dxf-misc", "small_r13.dxf")).report   # a real dos932 file
    assert small["drawing"]["encoding"] == "cp932"


def test_invalid_utf8_bytes_become_replacement_characters(tmp_path):
    path = _save(build_doc(SMALL), tmp_path / "bad.dxf")
    data = path.read_bytes().replace(b"1# residential", b"1\xff\xfe# residential", 1)
    path.write_bytes(data)
    report = check(path, Options(lang="en")).report
    json_file.dumps(report).encode("utf-8")   # no lone surrogates
    assert "1\ufffd\ufffd#" in {b["name"] for b in report["buildings"]}


def test_malformed_unicode_escapes_are_kept_as_text(tmp_path):
    """R2000-2004 files escape non-ASCII text as \\U+XXXX; a damaged escape stays as written."""
    sketch = dict(SMALL, dxfversion="R2004", label_style="zh",
                  buildings=[dict(b, name=f"{b['name'][0]}号楼") for b in SMALL["buildings"]])
    path = _save(build_doc(sketch), tmp_path / "esc.dxf")
    data = path.read_bytes()
    assert data.count(b"\\U+53f7") >= 2                  # 号, in the label and in the XDATA
    path.write_bytes(data.replace(b"\\U+53f7", b"\\U+5\x7f3", 2))
    report = check(path).report
    json_file.dumps(report)
    assert sorted(b["name"] for b in report["buildings"]) == ["1\\U+5\x7f3楼", "2\\U+5\x7f3楼"]


def test_mtext_codes_are_stripped(tmp_path):
    from plancheck.extract.labels import plain_text

    doc = ezdxf.readfile(realdata("dxf-misc", "mtext_complex_inline_codes.dxf"))
    texts = [plain_text(m) for m in doc.modelspace().query("MTEXT")]
    assert texts and not any(code in t for t in texts for code in ("\\P", "\\f", "\\H", "{\\"))
    doc = build_doc({"site": SMALL["site"]})
    doc.modelspace().add_lwpolyline([(10, 10), (50, 10), (50, 22), (10, 22)], close=True,
                                    dxfattribs={"layer": "PC-BLDG"})
    doc.modelspace().add_mtext("{\\fSimHei|b1|i0|c134;1#}\\P{\\H2.5x;住宅} \\C1;18层 \\L54.0米\\l",
                               dxfattribs={"layer": "PC-TEXT", "insert": (20, 15)})
    (b,) = check(_save(doc, tmp_path / "mtext.dxf")).report["buildings"]
    assert (b["name"], b["masses"][0]["use"], b["masses"][0]["floors"], b["height_m"]) == \
        ("1#", "residential", 18, 54.0)


def test_unsupported_entities_are_skipped_with_a_warning(tmp_path):
    path = _save(build_doc(SMALL), tmp_path / "custom.dxf")
    data = path.read_bytes()
    custom = (b"  0\r\nTCH_WALL\r\n  5\r\nFFF0\r\n330\r\n1F\r\n100\r\nAcDbEntity\r\n  8\r\nWALL\r\n"
              b"  0\r\nINSERT\r\n  5\r\nFFF1\r\n330\r\n1F\r\n100\r\nAcDbEntity\r\n  8\r\nPC-TEXT\r\n"
              b"100\r\nAcDbBlockReference\r\n 10\r\n20.0\r\n 20\r\n15.0\r\n 30\r\n0.0\r\n"  # no name
              b"  0\r\nINSERT\r\n  5\r\nFFF2\r\n330\r\n1F\r\n100\r\nAcDbEntity\r\n  8\r\nPC-TEXT\r\n"
              b"100\r\nAcDbBlockReference\r\n  2\r\nPC-NORTH\r\n")  # no insertion point
    end = data.index(b"ENDSEC", data.index(b"ENTITIES"))
    start = data.rindex(b"  0", 0, end)
    sep = b"\r\n" if b"\r\n" in data[:200] else b"\n"
    path.write_bytes(data[:start] + custom.replace(b"\r\n", sep) + data[start:])
    report = check(path, Options(lang="en")).report
    (f,) = [f for f in report["findings"] if f["rule"] == "DRW-UNSUPPORTED"]
    assert "TCH_WALL 1" in f["message"] and "INSERT without a block name 1" in f["message"]
    assert "INSERT without an insertion point 1" in f["message"]   # found by the mutation fuzz
    assert f["status"] == "warning" and report["drawing"]["north_deg"] == 90.0
    assert report["indicators"]["far"] == pytest.approx(0.6)


def test_absurd_coordinates_and_numbers_are_reported_not_fatal(tmp_path):
    """Infinite / NaN / 1e300 coordinates and 400-digit storey counts (damaged files) are
    drawing findings; the report stays strict JSON."""
    doc = build_doc(SMALL)
    msp = doc.modelspace()
    for x in (1e300, -1e300):
        msp.add_lwpolyline([(0, 0), (x, 0), (x, 5)], close=True, dxfattribs={"layer": "PC-BLDG"})
    msp.add_line((0, 0), (5e299, 1), dxfattribs={"layer": "PC-BLDG"})
    msp.add_lwpolyline([(70, 75), (80, 75), (80, 85), (70, 85)], close=True, dxfattribs={"layer": "PC-BLDG"})
    msp.add_text("3# 住宅 " + "9" * 400 + "F H=18", dxfattribs={"layer": "PC-TEXT", "insert": (75, 80)})
    path = _save(doc, tmp_path / "absurd.dxf")
    path.write_bytes(path.read_bytes().replace(b"\n5e+299\n", b"\nnan\n"))
    report = check(path, Options(lang="en")).report
    json_file.dumps(report)
    damaged = [f for f in report["findings"] if f["rule"] == "DRW-DAMAGED"]
    assert len(damaged) == 3 and all("infinite, NaN or beyond" in f["message"] for f in damaged)
    (three,) = [b for b in report["buildings"] if b["name"] == "3#"]
    assert three["floors"] is None and three["height_m"] == 18.0   # the storey count is not data
    assert report["indicators"]["gross_floor_area_m2"] is None


@pytest.mark.parametrize("fmt", ["asc", "bin"])
def test_file_without_model_space_fails_cleanly(tmp_path, fmt):
    path = _save(build_doc(dict(SMALL, dxfversion="R2000")), tmp_path / "nomodel.dxf", fmt)
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Model\x00", b"Modem\x00") if fmt == "bin"
                     else data.replace(b"\nModel\n", b"\nModem\n"))
    with pytest.raises(DrawingReadError, match="model space|lacks the entry 'MODEL'"):
        check(path)


def test_dwg_is_named_as_such(tmp_path):
    dwg = tmp_path / "plan.dwg"
    dwg.write_bytes(b"AC1027" + bytes(200))
    with pytest.raises(DrawingReadError, match="convert it to DXF first.*ODA File Converter"):
        check(dwg)


# -- limits ---------------------------------------------------------------------------------------

def test_limits_stop_with_a_clear_message(tmp_path, monkeypatch):
    path = _save(build_doc(SMALL), tmp_path / "s.dxf")
    monkeypatch.setenv("PLANCHECK_MAX_ENTITIES", "5")
    with pytest.raises(PlancheckError, match="PLANCHECK_MAX_ENTITIES"):
        check(path)
    monkeypatch.setenv("PLANCHECK_MAX_ENTITIES", "250")
    doc = build_doc(SMALL)
    block = doc.blocks.new("TREES")
    for i in range(60):
        block.add_circle((i, 0), 0.5)
    for i in range(5):   # about 200 records in the file, but 5 x 60 circles once opened
        doc.modelspace().add_blockref("TREES", (10 * i, 80), dxfattribs={"layer": "PC-GREEN"})
    with pytest.raises(PlancheckError, match="once its blocks are opened"):
        check(_save(doc, tmp_path / "trees.dxf"))
    monkeypatch.delenv("PLANCHECK_MAX_ENTITIES")
    monkeypatch.setenv("PLANCHECK_MAX_FILE_MB", "0.001")
    proc = run_cli("check", str(path), "--out", str(tmp_path / "out"))
    monkeypatch.delenv("PLANCHECK_MAX_FILE_MB")
    assert proc.returncode == 2 and "PLANCHECK_MAX_FILE_MB" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


# -- layer maps -----------------------------------------------------------------------------------

ROLE_LAYERS = {
    "cn-planning": {"site": "规划用地界线", "building": "建筑主轮廓", "existing": "现状建筑",
                    "road": "规划道路红线", "text": "楼号"},
    "cn-institute-codes": {"site": "M-用地红线-REDL", "building": "P-BULD-BMAX",
                           "existing": "Z_0_EXST(现有建筑)", "road": "P-ROAD-REDL", "text": "P-BULD-TEXT"},
    "us-ncs": {"site": "C-PROP-LINE", "building": "A-BLDG-OTLN", "existing": "A-BLDG-OTLN-E",
               "road": "C-ROAD-ROW", "text": "A-BLDG-IDEN"},
}
MAPPED = dict(SMALL, roads=[{"points": [[-10, 0], [130, 0]], "width": 30, "name": "X路"}], buildings=SMALL["buildings"] + [
    {"name": "E1", "use": "residential", "status": "existing", "masses": [{"rect": [10, 120, 40, 130], "floors": 2, "height": 6.0}]}])


@pytest.mark.parametrize("name", sorted(ROLE_LAYERS))
def test_shipped_layer_maps(tmp_path, name):
    """A drawing on an office's layer names, read with a shipped map by name, gives the report
    of the same drawing on PCDS-1 layers; a basement outline (地下室轮廓线) is ignored."""
    reference = check(_save(build_doc(MAPPED), tmp_path / "pcds.dxf")).report
    doc = build_doc(dict(MAPPED, layers=ROLE_LAYERS[name]))
    for layer in ("地下室轮廓线", "JZW_地下车库轮廓线", "A-BLDG-BSMT"):
        doc.modelspace().add_lwpolyline([(5, 5), (110, 5), (110, 80), (5, 80)], close=True, dxfattribs={"layer": layer})
    path = _save(doc, tmp_path / f"{name}.dxf")
    report = check(path, Options(layers=Path(name))).report
    assert _key(report) == _key(reference)
    (tmp_path / f"{name}.plancheck.yaml").write_text(f"layers: {name}\n", encoding="utf-8")
    assert _key(check(path).report) == _key(reference)   # named in the context file


def test_unknown_layer_map_name_exits_2(tmp_path):
    path = _save(build_doc(SMALL), tmp_path / "s.dxf")
    proc = run_cli("inspect", str(path), "--layers", "no-such-map")
    assert proc.returncode == 2 and "shipped: cn-institute-codes, cn-planning, us-ncs" in proc.stderr


# -- inspect --suggest ----------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _suggested(path: Path) -> tuple[dict, str]:
    """(the proposed map, the YAML text) that `plancheck inspect --suggest` prints."""
    from plancheck.read.context import parse_layer_map

    proc = run_cli("inspect", "--suggest", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    text = proc.stdout[proc.stdout.index("# plancheck layer map proposed"):]
    raw = yaml.safe_load(text)
    return parse_layer_map(raw["layers"], "suggestion"), text


#: what the proposal holds for each real site plan (see the layer tables in SOURCES.md)
EXPECTED = {
    # 外轮廓 ("outer outline") is named like no site, but it is the tightest outline that
    # encloses every building and holds no text: proposed as the site from its content
    "dxf_1.dxf": {"site": ["外轮廓"], "building": ["建筑物"], "road": ["道路线"], "green": ["A绿-1"]},
    "floorplan.dxf": {"building": ["xref-Bishop-Overland-08$0$A-FOOTPRINT"]},
    "Ceco.NET-Architecture-Tm-53.dxf": {"building": ["wall high"]},
    "dxf_4.dxf": {},
}


@pytest.mark.parametrize("path", SITEPLANS, ids=lambda p: p.name)
def test_inspect_suggest_on_real_site_plans(path):
    proposal, text = _suggested(path)
    assert proposal == EXPECTED[path.name]
    # none of them names a site layer: found from content or said to be missing
    assert ("# site: no layer found" in text) != ("site" in proposal)
    for role in proposal:
        assert f"  {role}:" in text
        assert ("# no layer is named as a site" if role == "site" else "# name contains") in text


def test_suggest_finds_an_unnamed_site_from_what_it_encloses(tmp_path):
    """A site on an office layer named like nothing: proposed because its one outline is the
    smallest that encloses every building. A tighter box that carries text (a title or legend
    box), a layer that misses a building, and a frame (a NEVER name) are not proposed."""
    doc = build_doc(dict(SMALL, layers={"site": "L-07"}))
    msp = doc.modelspace()
    msp.add_lwpolyline([(5, 5), (110, 5), (110, 75), (5, 75)], close=True, dxfattribs={"layer": "TB"})
    msp.add_text("Project 项目", dxfattribs={"layer": "TB", "insert": (8, 72)})
    msp.add_lwpolyline([(0, 0), (55, 0), (55, 30), (0, 30)], close=True, dxfattribs={"layer": "PAVE"})
    msp.add_lwpolyline([(-5, -5), (130, -5), (130, 95), (-5, 95)], close=True,
                       dxfattribs={"layer": "图框"})
    path = _save(doc, tmp_path / "unnamed.dxf")
    proposal, text = _suggested(path)
    assert proposal["site"] == ["L-07"]
    assert "its largest outline (10,800.0 m² read as m) encloses all 2 building outline(s)" in text
    saved = tmp_path / "unnamed.layers.yaml"
    saved.write_text(text, encoding="utf-8")
    _, _, ext = read_site(path, Options(layers=saved))
    assert ext.model.site.area == pytest.approx(120 * 90)


def test_suggested_map_reads_dxf1_buildings(tmp_path):
    path = realdata("dxf-siteplans", "dxf_1.dxf")
    proposal, text = _suggested(path)
    saved = tmp_path / "dxf_1.layers.yaml"
    saved.write_text(text, encoding="utf-8")
    _, _, ext = read_site(path, Options(layers=saved))
    assert len([f for f in ext.findings if f.rule == "DRW-CHAINED" and f.extra["layer"] == "建筑物"]) == 4
    assert len(ext.model.roads) > 0 and len(ext.model.greens) > 0


def test_suggest_on_an_office_drawing(tmp_path):
    """Office layer names: the proposal maps each to its role, with a reason, and ignores the
    basement; checking with it gives the PCDS-1 drawing's report."""
    layers = {"site": "规划用地界线", "building": "建筑主轮廓", "text": "楼号"}
    doc = build_doc(dict(SMALL, layers=layers))
    doc.modelspace().add_lwpolyline([(5, 5), (110, 5), (110, 80), (5, 80)], close=True,
                                    dxfattribs={"layer": "地下室轮廓线"})
    path = _save(doc, tmp_path / "office.dxf")
    proposal, text = _suggested(path)
    assert proposal == {"ignore": ["地下室轮廓线"], "site": ["规划用地界线"], "building": ["建筑主轮廓"],
                        "text": ["楼号"]}
    assert "1 of 1 text(s) read as building labels" in text
    saved = tmp_path / "office.layers.yaml"
    saved.write_text(text, encoding="utf-8")
    reference = check(_save(build_doc(SMALL), tmp_path / "pcds.dxf")).report
    assert _key(check(path, Options(layers=saved)).report) == _key(reference)


def test_damaged_entities_are_findings_in_check_and_suggest(tmp_path):
    """Entity data that cannot make a shape (found by the mutation fuzz): a spline whose knots
    do not match its control points, a 2D POLYLINE vertex without a location, a bulge that
    would need millions of points. Each is one DRW-DAMAGED finding in a check and is skipped by
    `inspect --suggest`; a bulge so flat its radius is 1e30 still reads as a straight edge."""
    doc = build_doc(SMALL)
    msp = doc.modelspace()
    bldg = {"layer": "PC-BLDG"}
    spline = msp.add_spline(dxfattribs=bldg)
    spline.control_points = [(70, 75, 0), (75, 80, 0), (80, 75, 0), (85, 80, 0)]
    spline.knots = [0, 0, 0, 0, 1, 1, 1]             # 4 control points, degree 3: 8 knots
    pline = msp.add_polyline2d([(70, 60), (80, 60), (80, 70)], close=True, dxfattribs=bldg)
    pline.vertices[1].dxf.discard("location")
    bulge = msp.add_lwpolyline([(102, 75, 1e12), (108, 75, 0), (108, 85, 0)], format="xyb",
                               close=True, dxfattribs=bldg)
    flat = msp.add_lwpolyline([(70, 2, 1e-30), (80, 2, 0), (80, 8, 0), (70, 8, 0)], format="xyb",
                              close=True, dxfattribs=bldg)
    path = tmp_path / "damaged.dxf"
    doc.saveas(path)
    report = check(path, Options(lang="en")).report
    damaged = {f["entity"]: f["message"] for f in report["findings"] if f["rule"] == "DRW-DAMAGED"}
    assert set(damaged) == {spline.dxf.handle, pline.dxf.handle, bulge.dxf.handle}
    assert "(SPLINE)" in damaged[spline.dxf.handle] and "knot values required" in damaged[spline.dxf.handle]
    assert "a vertex without a location" in damaged[pline.dxf.handle]
    assert "more than 100,000 points" in damaged[bulge.dxf.handle]
    (mass,) = [m for b in report["buildings"] for m in b["masses"] if m["entity"] == flat.dxf.handle]
    assert mass["area_m2"] == pytest.approx(60.0)
    proposal, _ = _suggested(path)
    assert proposal == {}                            # PCDS-1 layers: nothing to propose
