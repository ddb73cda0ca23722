"""Hand-checkable indicators (PCDS-1 §4) and their invariance under how the scheme is drawn."""

from __future__ import annotations

import pytest

from plancheck.pipeline import Options, check

SITE = [[0, 0], [200, 0], [200, 200], [0, 200]]          # 40,000 m²


def two_slabs(**extra):
    return {
        "site": SITE,
        "buildings": [
            {"name": "1#", "use": "residential", "masses": [{"rect": [20, 20, 80, 32], "floors": 6, "height": 18.0}]},
            {"name": "2#", "use": "residential", "masses": [{"rect": [20, 60, 80, 72], "floors": 11, "height": 33.0}]},
        ],
        "greens": [[[100, 100], [150, 100], [150, 150], [100, 150]]],  # 2,500 m²
        **extra,
    }


def podium_tower():
    return {
        "site": SITE,
        "buildings": [{"name": "5#", "use": "commercial", "masses": [
            {"rect": [50, 50, 130, 100], "floors": 4, "height": 18.0, "use": "commercial"},   # 4,000 m²
            {"rect": [70, 60, 100, 90], "floors": 30, "height": 96.0, "use": "residential"},  # 900 m²
        ]}],
    }


def indicators(path, **opts):
    return check(path, Options(**opts)).report["indicators"]


def test_two_rectangles_exact(draw):
    ind = indicators(draw(two_slabs()))
    # 60 x 12 = 720 m² each; 720 x 6 + 720 x 11 = 12,240 m²
    assert ind["site_area_m2"] == pytest.approx(40000.0, abs=1e-9)
    assert ind["gross_floor_area_m2"] == pytest.approx(12240.0, abs=1e-6)
    assert ind["far"] == pytest.approx(12240.0 / 40000.0, abs=1e-12)
    assert ind["building_density"] == pytest.approx(1440.0 / 40000.0, abs=1e-12)
    assert ind["green_ratio"] == pytest.approx(2500.0 / 40000.0, abs=1e-12)
    assert ind["max_height_m"] == 33.0


def test_tower_inside_podium(draw):
    report = check(draw(podium_tower())).report
    # tower_area x tower_floors + (podium_area - tower_area) x podium_floors
    expected = 900 * 30 + (4000 - 900) * 4
    assert report["indicators"]["gross_floor_area_m2"] == pytest.approx(expected, abs=1e-6)
    # density counts the union of footprints: the tower adds nothing to the podium
    assert report["indicators"]["building_density"] == pytest.approx(4000 / 40000, abs=1e-12)
    (b,) = report["buildings"]
    assert (b["name"], b["height_m"], b["floors"], b["height_class"]) == ("5#", 96.0, 30, "high")
    assert b["use"] == "residential"  # the tallest mass's use
    # each label went to the smallest containing outline
    floors = sorted(m["floors"] for m in b["masses"])
    assert floors == [4, 30]


def test_floor_area_field_wins(draw):
    sketch = podium_tower()
    sketch["buildings"][0]["masses"][1].update(floor_area=25000.0, carrier="xdata")
    ind = indicators(draw(sketch))
    assert ind["gross_floor_area_m2"] == pytest.approx(25000.0 + 3100 * 4, abs=1e-6)


def test_height_classes(draw):
    sketch = {"site": SITE, "buildings": [
        {"name": n, "use": "residential", "masses": [{"rect": [10 + 30 * i, 10, 30 + 30 * i, 22], "floors": f, "height": h}]}
        for i, (n, f, h) in enumerate([("a", 3, 10.0), ("b", 4, 10.01), ("c", 8, 24.0), ("d", 9, 24.01)])]}
    classes = {b["name"]: b["height_class"] for b in check(draw(sketch)).report["buildings"]}
    assert classes == {"a": "low", "b": "multi", "c": "multi", "d": "high"}


def same_numbers(a: dict, b: dict) -> None:
    for key, value in a["indicators"].items():
        assert b["indicators"][key] == pytest.approx(value, rel=1e-9, abs=1e-6), key
    strip = lambda r: sorted((x["name"], x["height_m"], x["floors"], round(x["footprint_area_m2"], 6),
                              round(x["floor_area_m2"] or 0, 6)) for x in r["buildings"])
    assert strip(a) == strip(b)
    key = lambda r: sorted((f["rule"], f["status"], tuple(f["subjects"]),
                            None if f["measured"] is None else round(f["measured"], 6),
                            None if f["required"] is None else round(f["required"], 6))
                           for f in r["findings"] if f["family"] != "drawing")
    assert key(a) == key(b)


ZH_LAYERS = {"site": "用地红线", "building": "建筑轮廓", "existing": "现状建筑", "road": "道路红线",
             "green": "绿地", "text": "文字"}


@pytest.mark.parametrize("variant", [
    {"north": 120.0},                                   # rotated, with a PC-NORTH arrow
    {"north": 35.0, "units": "mm"},                     # rotated and in millimetres
    {"units": "cm"},
    {"label_style": "zh", "layers": ZH_LAYERS},
    # R2004 writes Chinese layer names and labels as \U+XXXX escapes
    {"dxfversion": "R2004", "label_style": "zh", "units": "mm", "north": 200.0, "layers": ZH_LAYERS},
])
def test_same_scheme_drawn_differently_same_numbers(draw, variant):
    base = check(draw(podium_tower() | {"greens": two_slabs()["greens"]}, name="base")).report
    other = check(draw(podium_tower() | {"greens": two_slabs()["greens"]} | variant, name="variant")).report
    same_numbers(base, other)
    if "north" in variant:
        assert other["drawing"]["north_deg"] == pytest.approx(variant["north"])
        assert other["drawing"]["north_from"] == "PC-NORTH block"


def test_context_north_beats_block(draw):
    path = draw(two_slabs(north=120.0), context={"north": 100.0})
    d = check(path).report["drawing"]
    assert (d["north_deg"], d["north_from"]) == (100.0, "context")


BIG_SITE = [[0, 0], [300, 0], [300, 300], [0, 300]]    # 90,000 m²


def test_units_plausibility_rule(draw):
    # drawn in mm but declared m: 9e10 m² is implausible; as cm it would be 9e6 m² (> 5 km²),
    # so exactly one other unit (mm) makes the site plausible
    report = check(draw(two_slabs(site=BIG_SITE, units="mm", declared_units="m"))).report
    assert report["drawing"]["units"] == {"declared": "m", "used": "mm"}
    assert report["indicators"]["site_area_m2"] == pytest.approx(90000.0)
    assert any(f["rule"] == "DRW-UNITS" and f["status"] == "warning" for f in report["findings"])


def test_units_ambiguous_stops(draw):
    # a 40,000 m² site drawn in mm, declared m: both cm (4 km²) and mm fit -> ask for --units
    from plancheck.errors import UnitsError

    with pytest.raises(UnitsError, match="--units"):
        check(draw(two_slabs(units="mm", declared_units="m")))


def test_units_flag_always_wins(draw):
    report = check(draw(two_slabs(units="mm", declared_units="m")), Options(units="m")).report
    assert report["drawing"]["units"]["used"] == "m"
    assert report["indicators"]["site_area_m2"] == pytest.approx(4e10)
    assert not any(f["rule"] == "DRW-UNITS" for f in report["findings"])
