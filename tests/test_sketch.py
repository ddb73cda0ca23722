"""plancheck.sketch and samples/generate.py, checked by reading the DXFs back with ezdxf."""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
from pathlib import Path

import ezdxf
import pytest
from ezdxf.lldxf.encoding import decode_dxf_unicode
from shapely.geometry import LineString, Point, Polygon

from plancheck.sketch import build_doc, label_text, ring_points, write_dxf

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def _load_generate():
    spec = importlib.util.spec_from_file_location("samples_generate", SAMPLES / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generate()


def _write(tmp_path: Path, sketch: dict, name: str = "s.dxf") -> ezdxf.document.Drawing:
    path = tmp_path / name
    write_dxf(sketch, path)
    return ezdxf.readfile(path)


def _d(s: str) -> str:
    return decode_dxf_unicode(s)


def _xdata(entity) -> dict[str, str]:
    if not entity.has_xdata("PLANCHECK"):
        return {}
    pairs = (_d(t.value).split("=", 1) for t in entity.get_xdata("PLANCHECK") if t.code == 1000)
    return dict(pairs)


def _vertices(entity) -> list[tuple[float, float]]:
    if entity.dxftype() == "LWPOLYLINE":
        return [(x, y) for x, y, *_ in entity.get_points("xy")]
    return [(v.dxf.location.x, v.dxf.location.y) for v in entity.vertices]


def _to_model(p, scale: float = 1.0, north: float = 90.0) -> tuple[float, float]:
    """Drawing point -> metres, north-up (the inverse of the writer's transform)."""
    a = math.radians(90.0 - north)
    x, y = p[0] / scale, p[1] / scale
    return (math.cos(a) * x - math.sin(a) * y, math.sin(a) * x + math.cos(a) * y)


def _masses_by_label(doc, layer: str, text_layer: str) -> dict[str, Polygon]:
    """Building outlines on `layer`, keyed by the TEXT label inside (smallest outline wins)."""
    msp = doc.modelspace()
    polys = [Polygon(_vertices(e)) for e in msp.query(f'LWPOLYLINE[layer=="{layer}"]')]
    out: dict[str, Polygon] = {}
    for t in msp.query(f'TEXT[layer=="{text_layer}"]'):
        pt = Point(t.dxf.insert.x, t.dxf.insert.y)
        owners = sorted((p for p in polys if p.contains(pt)), key=lambda p: p.area)
        if owners:
            out[_d(t.dxf.text)] = owners[0]
    return out


# -- the writer on small sketches ----------------------------------------------------------

SMALL = {
    "site": [[0, 0], [100, 0], [100, 80], [0, 80]],
    "buildings": [
        {"name": "1#", "use": "residential", "masses": [
            {"rect": [10, 10, 70, 23], "floors": 18, "height": 54.0,
             "windows": [{"from": [20, 10], "to": [23, 10], "floors": "3-18", "unit": "1801"}]}]},
        {"name": "2#", "use": "commercial", "carrier": "attrib", "masses": [
            {"rect": [10, 40, 90, 70], "floors": 4, "height": 18.0},
            {"rect": [20, 45, 50, 65], "floors": 28, "height": 87.0, "carrier": "xdata",
             "floor_area": 16800}]},
    ],
    "roads": [{"points": [[-10, 0], [110, 0]], "width": 40, "name": "漕溪北路"}],
}


def test_canonical_layers_units_and_vertices(tmp_path):
    doc = _write(tmp_path, SMALL)
    assert doc.header["$INSUNITS"] == 6
    names = {layer.dxf.name for layer in doc.layers}
    assert {"PC-SITE", "PC-BLDG", "PC-BLDG-EXIST", "PC-ROAD", "PC-GREEN", "PC-RIVER",
            "PC-WINDOW", "PC-TEXT"} <= names
    assert "PLANCHECK" in doc.appids
    (site,) = doc.modelspace().query('LWPOLYLINE[layer=="PC-SITE"]')
    assert site.closed and _vertices(site) == [(0, 0), (100, 0), (100, 80), (0, 80)]


def test_units_scale_and_declared_units_lie(tmp_path):
    for units, code, k in (("m", 6, 1), ("cm", 5, 100), ("mm", 4, 1000)):
        doc = _write(tmp_path, {**SMALL, "units": units}, f"{units}.dxf")
        assert doc.header["$INSUNITS"] == code
        (site,) = doc.modelspace().query('LWPOLYLINE[layer=="PC-SITE"]')
        assert _vertices(site)[2] == (100 * k, 80 * k)
        (label,) = [t for t in doc.modelspace().query("TEXT") if t.dxf.text.startswith("1#")]
        assert label.dxf.height == pytest.approx(2.5 * k)
    liar = _write(tmp_path, {**SMALL, "units": "mm", "declared_units": "m"}, "liar.dxf")
    assert liar.header["$INSUNITS"] == 6
    assert _vertices(liar.modelspace().query('LWPOLYLINE[layer=="PC-SITE"]')[0])[1] == (1e5, 0)
    none = _write(tmp_path, {**SMALL, "declared_units": "none"}, "none.dxf")
    assert none.header["$INSUNITS"] == 0


def test_rotation_and_north_arrow(tmp_path):
    doc = _write(tmp_path, {**SMALL, "north": 120, "units": "mm"})
    (site,) = doc.modelspace().query('LWPOLYLINE[layer=="PC-SITE"]')
    x, y = _vertices(site)[1]  # sketch (100, 0) rotated 30 degrees CCW, in mm
    assert (x, y) == (pytest.approx(100_000 * math.cos(math.radians(30))),
                      pytest.approx(100_000 * math.sin(math.radians(30))))
    (arrow,) = doc.modelspace().query('INSERT[name=="PC-NORTH"]')
    assert arrow.dxf.rotation == pytest.approx(30.0)  # north points at 30 + 90 = 120 degrees
    north_up = _write(tmp_path, SMALL, "up.dxf")
    assert not north_up.modelspace().query('INSERT[name=="PC-NORTH"]')
    forced = _write(tmp_path, {**SMALL, "north_arrow": True}, "forced.dxf")
    assert forced.modelspace().query('INSERT[name=="PC-NORTH"]')[0].dxf.rotation == 0
    hidden = _write(tmp_path, {**SMALL, "north": 120, "north_arrow": False}, "hidden.dxf")
    assert not hidden.modelspace().query('INSERT[name=="PC-NORTH"]')


def test_carriers_xdata_attrib_text_and_windows(tmp_path):
    doc = _write(tmp_path, SMALL)
    msp = doc.modelspace()
    (road,) = msp.query('LINE[layer=="PC-ROAD"]')
    assert _xdata(road) == {"WIDTH": "40", "NAME": "漕溪北路"}
    (window,) = msp.query('LINE[layer=="PC-WINDOW"]')
    assert _xdata(window) == {"FLOORS": "3-18", "UNIT": "1801"}
    assert (window.dxf.start.x, window.dxf.start.y, window.dxf.end.x) == (20, 10, 23)
    tower = [e for e in msp.query('LWPOLYLINE[layer=="PC-BLDG"]') if _xdata(e)]
    assert _xdata(tower[0]) == {"NAME": "2#", "USE": "commercial", "FLOORS": "28",
                                "HEIGHT": "87.0", "FLOOR_AREA": "16800.0"}
    (ref,) = msp.query('INSERT[name=="PC-BLDG-DATA"]')
    assert {a.dxf.tag: a.dxf.text for a in ref.attribs} == {
        "NAME": "2#", "USE": "commercial", "FLOORS": "4", "HEIGHT": "18.0"}
    # the podium's block sits inside the podium but outside the tower drawn inside it
    podium, tower_poly = Polygon([(10, 40), (90, 40), (90, 70), (10, 70)]), Polygon(
        [(20, 45), (50, 45), (50, 65), (20, 65)])
    at = Point(ref.dxf.insert.x, ref.dxf.insert.y)
    assert podium.contains(at) and not tower_poly.contains(at)
    (label,) = msp.query("TEXT")
    assert label.dxf.text == "1# residential 18F H=54.0" and label.dxf.layer == "PC-TEXT"
    assert Polygon([(10, 10), (70, 10), (70, 23), (10, 23)]).contains(
        Point(label.dxf.insert.x, label.dxf.insert.y))


def test_closed_modes_omit_and_mtext(tmp_path):
    sketch = {"units": "mm", "buildings": [{"name": "A栋", "use": "办公", "masses": [
        {"rect": [0, 0, 20, 10], "floors": 3, "height": 9.9, "closed": "repeat"},
        {"rect": [40, 0, 60, 10], "floors": 3, "height": 9.9, "closed": "gap:0.5",
         "carrier": "mtext"},
        {"rect": [80, 0, 100, 10], "floors": 3, "height": 9.9, "omit": ["height"],
         "carrier": "attrib"}]}], "label_style": "zh"}
    msp = _write(tmp_path, sketch).modelspace()
    repeat, gap, flag = msp.query('LWPOLYLINE[layer=="PC-BLDG"]')
    assert not repeat.closed and _vertices(repeat)[0] == _vertices(repeat)[-1]
    assert not gap.closed and math.dist(_vertices(gap)[0], _vertices(gap)[-1]) == \
        pytest.approx(500.0)
    assert flag.closed and len(_vertices(flag)) == 4
    (mtext,) = msp.query("MTEXT")
    assert "\\f" in mtext.text and mtext.plain_text() == "A栋 办公 3层 9.9米"
    (ref,) = msp.query("INSERT")
    assert {a.dxf.tag: a.dxf.text for a in ref.attribs} == {
        "NAME": "A栋", "USE": "办公", "FLOORS": "3"}


def test_text_carrier_rejects_floor_area():
    sketch = {"buildings": [{"name": "1#", "use": "office", "masses": [
        {"rect": [0, 0, 10, 10], "floors": 1, "height": 4.0, "floor_area": 100}]}]}
    with pytest.raises(ValueError, match="FLOOR_AREA"):
        build_doc(sketch)


def test_r12_uses_polyline_and_has_no_insunits(tmp_path):
    doc = _write(tmp_path, {**SMALL, "dxfversion": "R12", "units": "mm"})
    assert doc.dxfversion == "AC1009" and "$INSUNITS" not in doc.header
    (site,) = doc.modelspace().query('POLYLINE[layer=="PC-SITE"]')
    assert site.is_closed and _vertices(site)[2] == (100_000, 80_000)


def test_labels_and_bulges():
    assert label_text("1#", "住宅", 18, 54, "zh") == "1# 住宅 18层 54.0米"
    assert label_text("A栋", "office", 24, 99.6) == "A栋 office 24F H=99.6"
    # a half-disc: bulge 1 on the closing edge bulges outwards, area = 20x10 + pi*5^2/2
    ring = Polygon(ring_points([(0, 0), (20, 0), (20, 10), (0, 10)], [0, 0, 0, 1], 64))
    assert ring.area == pytest.approx(200 + math.pi * 25 / 2, rel=1e-3)
    assert ring.bounds[0] == pytest.approx(-5.0)


def test_deterministic_bytes(tmp_path):
    for sketch in (gen.residential_scheme(), gen.residential_scheme_mm()):
        write_dxf(sketch, tmp_path / "a.dxf")
        write_dxf(sketch, tmp_path / "b.dxf")
        data = (tmp_path / "a.dxf").read_bytes()
        assert data == (tmp_path / "b.dxf").read_bytes()
        assert b"{00000000-0000-0000-0000-000000000000}" in data  # pinned GUIDs


# -- the committed samples ------------------------------------------------------------

def test_generate_check_passes_and_detects_drift(tmp_path):
    script = str(SAMPLES / "generate.py")
    for seed in ("0", "1"):  # ezdxf orders some output by set iteration: must not matter
        env = {**os.environ, "PYTHONHASHSEED": seed}
        ok = subprocess.run([sys.executable, script, "--check"], capture_output=True, text=True,
                            env=env)
        assert ok.returncode == 0, ok.stderr
    stale = subprocess.run([sys.executable, script, "--check", "--out", str(tmp_path)],
                           capture_output=True, text=True)
    assert stale.returncode == 1 and "huangpu-residential.dxf" in stale.stderr


def test_mm_sample_chinese_layers_escaped_and_rotated():
    raw = (SAMPLES / "huangpu-residential-mm.dxf").read_bytes()
    assert b"\\U+7528\\U+5730\\U+7ea2\\U+7ebf" in raw  # 用地红线 as R2004 writes it
    doc = ezdxf.readfile(SAMPLES / "huangpu-residential-mm.dxf")
    assert doc.dxfversion == "AC1018" and doc.header["$INSUNITS"] == 4
    layers = {_d(layer.dxf.name) for layer in doc.layers}
    assert set(gen.LAYERS_ZH.values()) <= layers
    msp = doc.modelspace()
    (site,) = [e for e in msp.query("LWPOLYLINE") if _d(e.dxf.layer) == "用地红线"]
    # sketch vertex (270, 0) m -> rotated 30 degrees CCW, in millimetres
    x, y = _vertices(site)[1]
    assert x == pytest.approx(270_000 * math.cos(math.radians(30)))
    assert y == pytest.approx(270_000 * math.sin(math.radians(30)))
    (arrow,) = msp.query('INSERT[name=="PC-NORTH"]')
    assert arrow.dxf.rotation == pytest.approx(30.0)
    labels = {_d(t.dxf.text) for t in msp.query("TEXT")}
    assert "1# 住宅 18层 54.0米" in labels and not any(t.startswith("9#") for t in labels)
    assert "10# 商业 28层 87.0米" in labels and "蒙自路 红线宽度20米" in labels
    (mtext,) = msp.query("MTEXT")
    assert _d(mtext.plain_text()) == "13# 办公 2层 8.0米"
    roads = {_xdata(e).get("NAME"): _xdata(e) for e in msp.query("LINE") if _xdata(e)}
    assert roads["中山南一路"]["WIDTH"] == "40" and "WIDTH" not in roads["局门路"]


def test_samples_describe_the_same_scheme():
    """Every outline of the mm/rotated drawing maps back onto the metre drawing."""
    m = ezdxf.readfile(SAMPLES / "huangpu-residential.dxf").modelspace()
    mm = ezdxf.readfile(SAMPLES / "huangpu-residential-mm.dxf").modelspace()
    for en, zh in (("PC-SITE", "用地红线"), ("PC-BLDG", "建筑轮廓"), ("PC-BLDG-EXIST", "现状建筑"),
                   ("PC-GREEN", "绿地")):
        a = sorted(tuple(_vertices(e)) for e in m.query(f'LWPOLYLINE[layer=="{en}"]'))
        b = sorted(tuple((round(x, 6), round(y, 6)) for x, y in
                         (_to_model(p, 1000, 120) for p in _vertices(e)))
                   for e in mm.query("LWPOLYLINE") if _d(e.dxf.layer) == zh)
        assert len(a) == len(b) > 0
        for ring_a, ring_b in zip(a, b):
            assert len(ring_a) == len(ring_b)
            for pa, pb in zip(ring_a, ring_b):
                assert pa == pytest.approx(pb, abs=1e-6)


def test_sample_carriers_and_context():
    doc = ezdxf.readfile(SAMPLES / "huangpu-residential.dxf")
    msp = doc.modelspace()
    assert doc.header["$INSUNITS"] == 6
    xdata = [_xdata(e) for e in msp.query('LWPOLYLINE[layer=="PC-BLDG"]') if _xdata(e)]
    assert {x["NAME"] for x in xdata} == {"5#", "12#"}
    attribs = [{a.dxf.tag: a.dxf.text for a in r.attribs}
               for r in msp.query('INSERT[name=="PC-BLDG-DATA"]')]
    assert sorted(a["NAME"] for a in attribs) == ["2#", "9#"]
    assert len(msp.query('LWPOLYLINE[layer=="PC-BLDG"]')) == 14  # 13 buildings, 10# has 2
    assert len(msp.query('LWPOLYLINE[layer=="PC-BLDG-EXIST"]')) == 5
    # every building label lies inside an outline (no orphans), on both sample drawings
    for name, layers in (("huangpu-residential", ("PC-BLDG", "PC-BLDG-EXIST", "PC-TEXT")),
                         ("huangpu-residential-mm", ("建筑轮廓", "现状建筑", "文字"))):
        space = ezdxf.readfile(SAMPLES / f"{name}.dxf").modelspace()
        outlines = [Polygon(_vertices(e)) for e in space.query("LWPOLYLINE")
                    if _d(e.dxf.layer) in layers[:2]]
        labels = [e for e in space.query("TEXT MTEXT INSERT") if _d(e.dxf.layer) == layers[2]
                  and not (e.dxftype() == "INSERT" and e.dxf.name == "PC-NORTH")]
        assert len(labels) == 16  # 14 proposed + 5 existing masses, less 3 on XDATA
        for e in labels:
            assert any(o.contains(Point(e.dxf.insert.x, e.dxf.insert.y)) for o in outlines)
    # the road-width text sits within 30 m of its own red line, nearer to it than to any other
    roads = {e.dxf.handle: e for e in msp.query('LINE LWPOLYLINE[layer=="PC-ROAD"]')}
    (width_text,) = msp.query('TEXT[layer=="PC-ROAD"]')
    assert width_text.dxf.text == "蒙自路 W=20"
    at = Point(width_text.dxf.insert.x, width_text.dxf.insert.y)
    dist = {h: (LineString(_vertices(e)) if e.dxftype() == "LWPOLYLINE" else LineString(
        [e.dxf.start.vec2, e.dxf.end.vec2])).distance(at) for h, e in roads.items()}
    nearest = min(dist, key=dist.get)
    assert roads[nearest].dxftype() == "LWPOLYLINE" and dist[nearest] <= 30.0
    context = (SAMPLES / "huangpu-residential.plancheck.yaml").read_text(encoding="utf-8")
    assert "zone: other" in context and "name: 局门路" in context


def test_sample_intended_violations_measure_as_documented():
    """README numbers: V1 30 m <= 31 m < 1.2 x 33 = 39.6 m (the 第二十七条 path: the sunlight
    analysis decides it); V2 12 m < 15 m; V3 3 m < 4.95 m."""
    doc = ezdxf.readfile(SAMPLES / "huangpu-residential.dxf")
    masses = _masses_by_label(doc, "PC-BLDG", "PC-TEXT")
    one, three = masses["1# residential 18F H=54.0"], masses["3# residential 11F H=33.0"]
    gap = one.distance(three)
    assert gap == pytest.approx(123.0 - 92.0)     # 1#'s south face y = 123, 3#'s north face y = 92
    assert gap < 1.2 * 33.0                        # Art.23, other zone: short of 39.6 m
    assert gap >= max(0.5 * 33.0, 30.0)            # Art.27 (1), high <-> high N-S: not short of 30 m
    # 1#'s three south windows lie on its south face, facing 3# across the gap
    windows = [LineString([e.dxf.start.vec2, e.dxf.end.vec2])
               for e in doc.modelspace().query('LINE[layer=="PC-WINDOW"]')]
    facing = [w for w in windows if w.distance(one) < 1e-9 and w.distance(three) == pytest.approx(gap)]
    assert len(facing) == 3
    tower = masses["10# commercial 28F H=87.0"]
    (south_road,) = [e for e in doc.modelspace().query('LINE[layer=="PC-ROAD"]')
                     if _xdata(e).get("WIDTH") == "40"]
    red_line = LineString([south_road.dxf.start.vec2, south_road.dxf.end.vec2])
    assert tower.distance(red_line) == pytest.approx(12.0)
    assert tower.distance(red_line) < 15.0  # Art.34: 60 < h <= 100 m beside a road with D > 24 m
    seven, eight = masses["7# residential 3F H=9.9"], masses["8# residential 3F H=9.9"]
    assert seven.distance(eight) == pytest.approx(3.0)
    assert seven.distance(eight) < max(0.5 * 9.9, 4.0)  # Art.25 gable spacing, low-rise


def test_grid_scheme_is_large_and_plausible(tmp_path):
    big = gen.grid_scheme(5000)
    assert len(big["buildings"]) == 5000
    assert 50 <= Polygon(big["site"]).area <= 5e6
    doc = _write(tmp_path, gen.grid_scheme(120, windows=True))
    msp = doc.modelspace()
    assert len(msp.query('LWPOLYLINE[layer=="PC-BLDG"]')) == 120
    assert len(msp.query('LINE[layer=="PC-WINDOW"]')) == 120
    assert len(msp.query("TEXT")) == 108  # every 10th mass carries XDATA instead
