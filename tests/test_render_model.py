"""The white model: masses extruded to their HEIGHT (volume = area x height), holes kept,
model.glb with one node per building named as the building, Y-up, unknown heights not guessed."""

from __future__ import annotations

import json
import struct

import pytest

from plancheck.pipeline import Options, check

SITE = [[0, 0], [200, 0], [200, 160], [0, 160]]
# L-shape: 40 x 12 plus a 12 x 18 wing = 480 + 216 = 696 m²
L_SHAPE = [[20, 20], [60, 20], [60, 32], [32, 32], [32, 50], [20, 50]]


def scheme():
    return {"site": SITE, "buildings": [
        {"name": "1#", "use": "residential", "masses": [
            {"outline": L_SHAPE, "floors": 6, "height": 18.0}]},
        {"name": "2#", "use": "residential", "status": "existing", "masses": [
            {"rect": [100, 100, 160, 113], "floors": 11, "height": 33.0}]},
        # podium 50 x 30 = 1500 m² at 12 m, tower 20 x 15 = 300 m² at 60 m, one building
        {"name": "商业楼", "use": "commercial", "masses": [
            {"rect": [100, 20, 150, 50], "floors": 3, "height": 12.0},
            {"rect": [110, 25, 130, 40], "floors": 20, "height": 60.0}]},
        {"name": "<script>alert(1)</script>", "use": "office", "carrier": "xdata", "masses": [
            {"rect": [20, 100, 50, 110], "floors": 2, "height": 7.5}]},
        {"name": "N#", "use": "office", "carrier": "xdata", "masses": [
            {"rect": [60, 100, 70, 110], "floors": 2, "omit": ["height"]}]},
    ], "roads": [{"points": [[-10, 0], [210, 0]], "width": 24, "name": "南路", "carrier": "xdata"}]}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from plancheck.sketch import write_dxf

    path = tmp_path_factory.mktemp("model") / "site.dxf"
    write_dxf(scheme(), path)
    return check(path, Options()).report


def test_mass_volume_is_area_times_height(report):
    from plancheck.render.massing import solids

    by = {(s.building, round(s.footprint.area, 6)): s for s in solids(report)}
    expected = {("1#", 696.0): 696.0 * 18.0, ("2#", 780.0): 780.0 * 33.0,
                ("商业楼", 1500.0): 1500.0 * 12.0, ("商业楼", 300.0): 300.0 * 60.0,
                ("<script>alert(1)</script>", 300.0): 300.0 * 7.5}
    for key, volume in expected.items():
        s = by[key]
        assert s.mesh.is_watertight
        assert s.mesh.volume == pytest.approx(volume, rel=1e-12)
        assert s.mesh.bounds[0][2] == 0.0 and s.mesh.bounds[1][2] == pytest.approx(volume / key[1])


def test_holes_are_respected():
    """A courtyard block from report data: 40 x 40 with a 20 x 20 hole -> 1200 m² x 15 m."""
    from plancheck.render.massing import solids

    rep = {"buildings": [{"name": "院", "status": "proposed", "masses": [{
        "outline": [[0, 0], [40, 0], [40, 40], [0, 40], [0, 0]],
        "holes": [[[10, 10], [10, 30], [30, 30], [30, 10], [10, 10]]], "height_m": 15.0}]}]}
    (s,) = solids(rep)
    assert s.footprint.area == 1200.0
    assert s.mesh.is_watertight and s.mesh.volume == pytest.approx(1200.0 * 15.0, rel=1e-12)


def test_missing_height_is_a_thin_marked_slab_not_a_guess(report):
    from plancheck.render.massing import UNKNOWN_SLAB_M, solids

    (s,) = [s for s in solids(report) if s.building == "N#"]
    assert s.height_m is None and not s.height_known
    assert s.mesh.bounds[1][2] == pytest.approx(UNKNOWN_SLAB_M)


def _glb_json(data: bytes) -> dict:
    magic, version, length = struct.unpack("<4sII", data[:12])
    assert magic == b"glTF" and version == 2 and length == len(data)
    n, kind = struct.unpack("<I4s", data[12:20])
    assert kind == b"JSON"
    return json.loads(data[20:20 + n])


def test_glb_nodes_are_named_after_buildings_and_y_up(report, tmp_path):
    import io

    import trimesh

    from plancheck.render import glb

    (path,) = glb.render(report, tmp_path)
    data = path.read_bytes()
    doc = _glb_json(data)
    names = [n.get("name") for n in doc["nodes"]]
    for b in ("1#", "2#", "商业楼", "<script>alert(1)</script>", "N#"):
        assert names.count(b) == 1, names
    assert "site" in names
    # reloaded: the tower's node reaches glTF +Y = 60 m (height is up), volumes survive export
    scene = trimesh.load(io.BytesIO(data), file_type="glb")
    meshes = scene.dump(concatenate=False)
    by = {m.metadata.get("name"): m for m in meshes}
    tower = by["商业楼"]
    assert tower.bounds[1][1] == pytest.approx(60.0) and tower.bounds[0][1] == pytest.approx(0.0)
    assert by["1#"].volume == pytest.approx(696.0 * 18.0, rel=1e-6)
    # north (drawing +Y) is glTF -Z: 2# (y 100..113) lies at z -113..-100 before the origin shift
    ox, oy = doc["scenes"][0]["extras"]["plancheck_origin"]
    z0, z1 = by["2#"].bounds[0][2], by["2#"].bounds[1][2]
    assert (z0, z1) == (pytest.approx(-(113 - oy)), pytest.approx(-(100 - oy)))
