"""--context-buildings: existing buildings from GeoJSON, CityJSON or DXF, lined up with the
drawing and checked by the spacing rules.

The scene (metres, other zone): site 100 x 30 m; proposed 1# residential, 18.0 m, at
(20, 10)-(80, 22); a context residential building N1, 30.0 m, at (20, 40)-(80, 52), so the
two face each other north-south across 40 - 22 = 18.0 m. 第二十三条 asks for 1.2 x 18.0 =
21.6 m (the south building's height; 第二十八条's 13 m minimum is lower): 1# -> N1 fails,
18.0 against 21.6.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO, realdata

SITE = {"site": [[0, 0], [100, 0], [100, 30], [0, 30]], "buildings": [
    {"name": "1#", "use": "residential", "carrier": "xdata",
     "masses": [{"rect": [20, 10, 80, 22], "floors": 6, "height": 18.0}]}]}
#: published lengths of one degree on the WGS84 ellipsoid at latitude 30° (m)
DEG_LAT_30 = 110_852.4
DEG_LON_30 = 96_486.3


def _square(x0, y0, x1, y1, to=lambda x, y: [x, y]):
    return [[to(x0, y0), to(x1, y0), to(x1, y1), to(x0, y1), to(x0, y0)]]


def _features(to, crs=None):
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "N1", "properties": {"building": "apartments", "height": 30},
         "geometry": {"type": "Polygon", "coordinates": _square(20, 40, 80, 52, to)}},
        # 2 km away: beyond the 250 m radius, never loaded into the model
        {"type": "Feature", "id": "FAR", "properties": {"building": "apartments", "height": 30},
         "geometry": {"type": "Polygon", "coordinates": _square(2000, 40, 2060, 52, to)}},
        # on the site: the scheme replaces it
        {"type": "Feature", "id": "ON", "properties": {"building": "yes"},
         "geometry": {"type": "Polygon", "coordinates": _square(85, 2, 95, 8, to)}},
    ]}
    if crs:
        fc["crs"] = {"type": "name", "properties": {"name": crs}}
    return fc


def _spacing_with(report: dict, name: str) -> list[dict]:
    return [f for f in report["findings"] if f["family"] == "spacing" and name in f["subjects"]]


def _check(draw, tmp_path, fc, origin, **spec):
    from plancheck.extract.context_buildings import ContextSpec
    from plancheck.pipeline import Options, check

    path = draw(SITE, {"zone": "other"})
    city = tmp_path / "city.geojson"
    city.write_text(json.dumps(fc), encoding="utf-8")
    return check(path, Options(context_buildings=ContextSpec(city, origin=origin, **spec))).report


def test_projection_matches_published_degree_lengths():
    import numpy as np

    from plancheck.extract.context_buildings import local_projection

    p = local_projection(120.0, 30.0)(np.array([[120.01, 30.0], [120.0, 30.01]]))
    assert p[0, 0] == pytest.approx(0.01 * DEG_LON_30, abs=0.01)
    assert p[1, 1] == pytest.approx(0.01 * DEG_LAT_30, abs=0.01)
    assert abs(p[0, 1]) < 1e-9 and abs(p[1, 0]) < 1e-9


def test_projected_city_file_lines_up_through_the_origin(draw, tmp_path):
    """City-grid coordinates (CGCS2000 / 3-degree GK, EPSG:4547): the drawing's origin lies
    at (500000, 3400000) in the file."""
    ox, oy = 500_000.0, 3_400_000.0
    report = _check(draw, tmp_path, _features(lambda x, y: [ox + x, oy + y], "EPSG:4547"),
                    (ox, oy))
    note = report["context_buildings"]
    assert (note["loaded"], note["within_radius"], note["dropped_on_site"], note["used"]) == (3, 2, 1, 1)
    assert [b["name"] for b in report["buildings"] if b["status"] == "existing"] == ["ctx:N1"]
    n1 = next(b for b in report["buildings"] if b["name"] == "ctx:N1")
    assert n1["height_m"] == 30.0 and n1["use"] == "residential"
    assert n1["masses"][0]["carriers"]["height"] == "context"
    fails = [f for f in _spacing_with(report, "ctx:N1") if f["status"] == "fail"]
    assert len(fails) == 1
    assert fails[0]["measured"] == pytest.approx(18.0)
    assert fails[0]["required"] == pytest.approx(21.6)


def test_wgs84_city_file_is_projected_around_the_origin(draw, tmp_path):
    """The same scene in longitude/latitude, the drawing's origin at 120°E 30°N."""
    def lonlat(x, y):
        return [120.0 + x / DEG_LON_30, 30.0 + y / DEG_LAT_30]

    report = _check(draw, tmp_path, _features(lonlat), (120.0, 30.0))
    assert report["context_buildings"]["crs"] == "WGS84"
    fails = [f for f in _spacing_with(report, "ctx:N1") if f["status"] == "fail"]
    assert len(fails) == 1
    assert fails[0]["measured"] == pytest.approx(18.0, abs=0.01)


def test_levels_only_height_is_an_estimate_and_says_so(draw, tmp_path):
    import jsonschema

    fc = _features(lambda x, y: [x, y])
    # 6 levels, no height: 6 x 3.3 = 19.8 m with --storey-height 3.3
    fc["features"][0]["properties"] = {"building": "residential", "building:levels": "6"}
    report = _check(draw, tmp_path, fc, None, storey_height_m=3.3)
    n1 = next(b for b in report["buildings"] if b["name"] == "ctx:N1")
    assert n1["height_m"] == pytest.approx(19.8) and n1["floors"] == 6
    assert n1["masses"][0]["carriers"]["height"] == "estimated"
    assert report["context_buildings"]["estimated_heights"] == ["ctx:N1"]
    schema = json.loads((REPO / "plancheck" / "results" / "report.schema.json").read_text("utf-8"))
    jsonschema.validate(report, schema)


def test_no_height_is_unknown_never_a_guess(draw, tmp_path):
    fc = _features(lambda x, y: [x, y])
    fc["features"][0]["properties"] = {"building": "apartments"}
    report = _check(draw, tmp_path, fc, None)
    assert report["context_buildings"]["no_height"] == ["ctx:N1"]
    rows = _spacing_with(report, "ctx:N1")
    # never a guess, and decided when its height cannot matter (issue #20, values as ranges):
    # N1 stands 40 - 22 = 18 m north of the 18 m 1#, which needs 1.2 x 18 = 21.6 m whatever
    # N1's height is
    (f,) = rows
    assert (f["status"], f["measured"], f["required"]) == ("fail", 18.0, 21.6)
    assert "ctx:N1 高度未标注（任意高度）；按其任何高度均不满足" in f["message"]


def test_cityjson_footprints_and_heights():
    """shared/realdata/SOURCES.md: Rotterdam 16 buildings, height from z up to 18.3 m; Zürich
    49 buildings (161 parts merged into them), up to 31.4 m; Delft 160 with measuredHeight."""
    from plancheck.extract.city_files import attributes, read_file

    rot = read_file(realdata("footprints", "rotterdam_subset.json"))
    heights = [attributes(r.props) for r in rot.records]
    assert len(rot.records) == len(rot.footprints) == 16 and not rot.geographic
    assert max(a.height_m for a in heights) == pytest.approx(18.3, abs=0.05)
    assert {a.height_from for a in heights} == {"z-range"}
    zur = read_file(realdata("footprints", "zurich_subset_lod2.json"))
    assert len(zur.records) == 49
    assert max(attributes(r.props).height_m for r in zur.records) == pytest.approx(31.4, abs=0.05)
    assert all(fp.area > 1.0 for fp in zur.footprints)
    delft = read_file(realdata("footprints", "delft.json"))
    assert len(delft.records) == 160
    assert {attributes(r.props).height_from for r in delft.records} == {"measuredHeight"}


def test_dxf_of_existing_buildings_with_an_offset(draw, tmp_path):
    """A base-map DXF drawn 1000 m east of the site drawing's origin: E1 labelled 30 m high,
    E2 with floors only (5 x 3.0 = 15.0 m, estimated)."""
    from plancheck.extract.context_buildings import ContextSpec
    from plancheck.pipeline import Options, check
    from plancheck.sketch import write_dxf

    base = tmp_path / "base.dxf"
    write_dxf({"buildings": [
        {"name": "E1", "use": "residential", "status": "existing", "carrier": "text",
         "masses": [{"rect": [1020, 40, 1080, 52], "floors": 10, "height": 30.0}]},
        {"name": "E2", "use": "office", "status": "existing", "carrier": "xdata",
         "masses": [{"rect": [1020, 60, 1080, 72], "floors": 5, "height": 15.0,
                     "omit": ["height"]}]}]}, base)
    path = draw(SITE, {"zone": "other"})
    report = check(path, Options(context_buildings=ContextSpec(base, origin=(1000.0, 0.0)))).report
    by_name = {b["name"]: b for b in report["buildings"]}
    assert by_name["ctx:E1"]["height_m"] == 30.0
    assert by_name["ctx:E1"]["masses"][0]["outline"][0] in ([20.0, 40.0], [80.0, 40.0],
                                                             [80.0, 52.0], [20.0, 52.0])
    assert by_name["ctx:E2"]["height_m"] == pytest.approx(15.0)
    assert by_name["ctx:E2"]["masses"][0]["carriers"]["height"] == "estimated"
    fails = [f for f in _spacing_with(report, "ctx:E1") if f["status"] == "fail"]
    assert [f["measured"] for f in fails] == [pytest.approx(18.0)]


def test_context_file_key_with_a_relative_path(draw, tmp_path):
    from plancheck.pipeline import check

    (tmp_path / "city.geojson").write_text(json.dumps(_features(lambda x, y: [x, y])), "utf-8")
    path = draw(SITE, {"zone": "other", "context_buildings": {"file": "city.geojson",
                                                              "radius": 100}})
    report = check(path).report
    assert report["context_buildings"]["radius_m"] == 100.0
    assert "ctx:N1" in {b["name"] for b in report["buildings"]}


def _cli(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "plancheck", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_shanghai_osm_footprints_with_attribution(tmp_path):
    """The Huangpu sample placed with its origin at 121.500°E 31.236°N (Lujiazui): OSM
    buildings around it are loaded with their OSM heights, and the ODbL attribution shows."""
    city = realdata("footprints", "shangHai.buildings.geojson")
    out = tmp_path / "out"
    proc = _cli("check", "samples/huangpu-residential.dxf", "--out", str(out), "--format",
                "json,sarif,junit", "--context-buildings", str(city),
                "--context-origin", "121.500,31.236", "--lang", "en")
    assert proc.returncode == 1, proc.stderr
    assert "© OpenStreetMap contributors" in proc.stdout
    report = json.loads((out / "report.json").read_text("utf-8"))
    note = report["context_buildings"]
    assert note["attribution"] == "© OpenStreetMap contributors" and note["license"] == "ODbL-1.0"
    assert note["used"] > 0
    # a building's height: its own OSM height (any clipped piece's), raised by the heights of
    # its parts (Tilezen root_id); unknown when the building itself has none
    own, parts = {}, {}
    for f in json.loads(city.read_text("utf-8"))["features"]:
        p = f["properties"]
        if p.get("root_id") is not None:
            if p.get("height"):
                parts.setdefault(str(p["root_id"]), []).append(float(p["height"]))
        elif own.get(str(p["id"])) is None:
            own[str(p["id"])] = p.get("height")
    ctx = [b for b in report["buildings"] if b["name"].startswith("ctx:")]
    assert len(ctx) == note["used"]
    for b in ctx:
        oid = b["name"].split()[0][4:]
        expected = max([float(own[oid])] + parts.get(oid, [])) if own.get(oid) else None
        assert b["height_m"] == expected, b["name"]
    assert any(s.startswith("ctx:") for f in report["findings"] for s in f["subjects"])
    sarif = json.loads((out / "report.sarif").read_text("utf-8"))
    assert sarif["runs"][0]["properties"]["contextBuildings"]["attribution"] == note["attribution"]
    assert "OpenStreetMap" in (out / "report.junit.xml").read_text("utf-8")


def test_wgs84_without_origin_is_one_clear_line(tmp_path):
    city = tmp_path / "c.geojson"
    city.write_text(json.dumps(_features(lambda x, y: [120 + x / 1e5, 30 + y / 1e5])), "utf-8")
    proc = _cli("check", "samples/huangpu-residential.dxf", "--out", str(tmp_path / "o"),
                "--context-buildings", str(city))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "--context-origin" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_bad_city_files_are_one_clear_line(tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text("{]", encoding="utf-8")
    for args in (["--context-buildings", str(bad)],
                 ["--context-buildings", str(tmp_path / "missing.geojson")],
                 ["--context-origin", "1,2"]):
        proc = _cli("check", "samples/huangpu-residential.dxf", "--out", str(tmp_path / "o"), *args)
        assert proc.returncode == 2, args
        assert "Traceback" not in proc.stderr and proc.stderr.startswith("plancheck: error:")
