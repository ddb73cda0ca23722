"""Generate the attack corpus: hostile and odd inputs a submission folder can hold (issue 21).

Everything is made here, small and offline: no input is downloaded, none is bigger on disk than
a few hundred kB (the "50 MB" context file is sparse), and every one of them must end in a
report, a row, a skipped entry or one clear line, never a hang, a memory bomb or a traceback.
`python tests/attacks/generate.py DIR` writes the file-based ones into DIR for manual runs.
"""

from __future__ import annotations

import copy
import os
import shutil
import sys
from pathlib import Path

#: two homes 18.0 m apart north-south, both 18.0 m high: 第二十三条（一）1 asks for
#: 1.2 x 18.0 = 21.6 m (other zone), so SH-23-1 fails: 18.0 against 21.6
SCHEME = {
    "site": [[0, 0], [100, 0], [100, 80], [0, 80]],
    "buildings": [
        {"name": "1#", "use": "residential", "carrier": "xdata",
         "masses": [{"rect": [20, 10, 80, 22], "floors": 6, "height": 18.0}]},
        {"name": "2#", "use": "residential", "carrier": "xdata",
         "masses": [{"rect": [20, 40, 80, 52], "floors": 6, "height": 18.0}]},
    ],
}
CONTEXT = "zone: other\n"

#: the 550-byte kind of YAML alias bomb: 9 levels of 9 references, 9^9 = 387 M leaves when
#: expanded (the message's repr() of it grew past 6 GB)
BOMB_LEVELS = 9


def scheme_dxf(path: Path, sketch: dict | None = None) -> Path:
    from plancheck.sketch import write_dxf

    path.parent.mkdir(parents=True, exist_ok=True)
    write_dxf(sketch or SCHEME, path)
    return path


def alias_bomb(key: str = "far_max") -> str:
    """A context file whose `conditions.<key>` (or `north`, a road name...) is an alias bomb."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, BOMB_LEVELS):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    top = f"*a{BOMB_LEVELS - 1}"
    body = {"far_max": f"conditions:\n  far_max: {top}\n", "north": f"north: {top}\n",
            "road": f"roads:\n  - name: {top}\n    width: 20\n"}[key]
    return "\n".join(lines) + "\n" + body


def sparse_file(path: Path, size: int) -> Path:
    """A file of `size` bytes that takes no disk (a 50 MB context file)."""
    with open(path, "wb") as fh:
        fh.write(b"zone: other\n# ")
        fh.truncate(size)
    return path


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def gbk_name(folder: Path, stem: str = "设计") -> Path:
    """A drawing whose file name is GBK bytes, not UTF-8 (a zip made on a Chinese Windows)."""
    raw = os.fsencode(folder) + b"/" + stem.encode("gbk") + b".dxf"
    scheme_dxf(folder / "tmp-gbk.dxf")
    os.rename(os.fsencode(folder / "tmp-gbk.dxf"), raw)
    return Path(os.fsdecode(raw))


def symlink_loop(folder: Path) -> tuple[Path, Path]:
    a, b = folder / "loop-a.dxf", folder / "loop-b.dxf"
    os.symlink(b.name, a)
    os.symlink(a.name, b)
    return a, b


def long_name(folder: Path, nbytes: int = 253) -> Path:
    """A drawing whose name is `nbytes` bytes long (file systems allow 255): `<stem>.plancheck.yaml`
    beside it cannot exist."""
    stem = "a" * (nbytes - 4)
    return scheme_dxf(folder / f"{stem}.dxf")


def cjk_names(n: int = 49) -> list[str]:
    return ["长" * n, "住宅楼" * 70]


def trimmed_ruleset(dest: Path, drop: str = "spacing.yaml") -> Path:
    """A copy of the installed Shanghai ruleset with a clause file removed; its header still
    says "shanghai 2010" with the official title."""
    from plancheck.evaluate.ruleset import rulesets_dir

    shutil.copytree(rulesets_dir() / "shanghai", dest)
    (dest / "clauses" / drop).unlink()
    return dest


def nested_blocks(path: Path, depth: int = 1200) -> Path:
    """A building outline inside `depth` nested block references."""
    import ezdxf

    doc = ezdxf.new()
    prev = None
    for i in range(depth):
        b = doc.blocks.new(f"B{i}")
        if prev is None:
            b.add_lwpolyline([(20, 10), (80, 10), (80, 22), (20, 22)], close=True,
                             dxfattribs={"layer": "PC-BLDG"})
        else:
            b.add_blockref(prev, (0, 0))
        prev = f"B{i}"
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (100, 0), (100, 80), (0, 80)], close=True,
                       dxfattribs={"layer": "PC-SITE"})
    msp.add_blockref(prev, (0, 0))
    doc.saveas(path)
    return path


def empty_dxf(path: Path) -> Path:
    import ezdxf

    ezdxf.new().saveas(path)
    return path


# -- CityJSON -------------------------------------------------------------------------------------

def cityjson(x0: float = 20.0, y0: float = 40.0, x1: float = 60.0, y1: float = 52.0,
             h: float = 30.0) -> dict:
    """One 40 m x 12 m LoD1 block, its footprint at (x0, y0)-(x1, y1), height h."""
    v = [[x0, y0, 0], [x1, y0, 0], [x1, y1, 0], [x0, y1, 0],
         [x0, y0, h], [x1, y0, h], [x1, y1, h], [x0, y1, h]]
    solid = [[[[0, 3, 2, 1]], [[4, 5, 6, 7]], [[0, 1, 5, 4]], [[1, 2, 6, 5]], [[2, 3, 7, 6]],
              [[3, 0, 4, 7]]]]
    return {"type": "CityJSON", "version": "2.0",
            "transform": {"scale": [1.0, 1.0, 1.0], "translate": [0.0, 0.0, 0.0]},
            "CityObjects": {"N1": {"type": "Building", "attributes": {"measuredHeight": h},
                                   "geometry": [{"type": "Solid", "lod": "1",
                                                 "boundaries": solid}]}},
            "vertices": v}


def _set(doc: dict, fn) -> dict:
    doc = copy.deepcopy(doc)
    fn(doc)
    return doc


def cityjson_variants() -> dict[str, dict]:
    """Malformed CityJSON documents: each must be one clear line naming the file, never an
    internal error, and never a building in the wrong place."""
    good = cityjson()
    n1 = lambda d: d["CityObjects"]["N1"]                                    # noqa: E731
    geom = lambda d: n1(d)["geometry"][0]                                   # noqa: E731
    return {
        # a negative index took a vertex from the end: the block came out 280 m away
        "negative-index": _set(good, lambda d: geom(d)["boundaries"][0][0][0].__setitem__(0, -8)),
        "index-past-end": _set(good, lambda d: geom(d)["boundaries"][0][0][0].__setitem__(0, 99)),
        "float-index": _set(good, lambda d: geom(d)["boundaries"][0][0][0].__setitem__(0, 1.5)),
        "string-index": _set(good, lambda d: geom(d)["boundaries"][0][0][0].__setitem__(0, "0")),
        "bool-index": _set(good, lambda d: geom(d)["boundaries"][0][0][0].__setitem__(0, True)),
        "boundaries-too-shallow": _set(good, lambda d: geom(d).__setitem__("boundaries", [0, 1, 2])),
        "boundaries-missing": _set(good, lambda d: geom(d).pop("boundaries")),
        "vertices-not-triples": _set(good, lambda d: d.__setitem__("vertices", [[0, 0], [1, 1]])),
        "vertices-text": _set(good, lambda d: d["vertices"].__setitem__(0, ["x", 0, 0])),
        "vertices-nan": _set(good, lambda d: d["vertices"].__setitem__(0, [float("nan"), 0, 0])),
        "vertices-object": _set(good, lambda d: d.__setitem__("vertices", {"0": [0, 0, 0]})),
        "transform-short": _set(good, lambda d: d["transform"].__setitem__("scale", [1, 1])),
        "transform-missing-translate": _set(good, lambda d: d["transform"].pop("translate")),
        "cityobjects-list": _set(good, lambda d: d.__setitem__("CityObjects", [n1(d)])),
        "object-not-mapping": _set(good, lambda d: d["CityObjects"].__setitem__("N2", 7)),
        "children-not-list": _set(good, lambda d: n1(d).__setitem__("children", "N1-part")),
        "geometry-not-list": _set(good, lambda d: n1(d).__setitem__("geometry", {"type": "Solid"})),
        "attributes-list": _set(good, lambda d: n1(d).__setitem__("attributes", [1, 2])),
    }


def multipolygon_geojson() -> dict:
    """One id, two blocks (a MultiPolygon), a bow-tie ring, and one id split over two features."""
    sq = lambda x0, y0, x1, y1: [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]  # noqa: E731
    props = {"building": "apartments", "height": 30}
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "M", "properties": props,
         "geometry": {"type": "MultiPolygon", "coordinates": [[sq(20, 40, 40, 52)], [sq(60, 40, 80, 52)]]}},
        {"type": "Feature", "id": "B", "properties": props,
         "geometry": {"type": "Polygon", "coordinates": [[[20, 60], [80, 72], [80, 60], [20, 72], [20, 60]]]}},
        {"type": "Feature", "id": "S", "properties": props,
         "geometry": {"type": "Polygon", "coordinates": [sq(20, 90, 30, 100)]}},
        {"type": "Feature", "id": "S", "properties": props,
         "geometry": {"type": "Polygon", "coordinates": [sq(70, 90, 80, 100)]}},
    ]}


# -- reports --------------------------------------------------------------------------------------

HTML_PAYLOAD = "<img src=x onerror=\"document.title='pwned'\">"
#: breaks out of a single-quoted attribute (diff.html put `status` into class='...' unescaped)
ATTR_PAYLOAD = "x'><img src=x onerror=\"document.title='pwned'\">"
BIDI_NAME = "1#\u202egnp.exe"           # shows as "1#exe.png" unless isolated


def hostile_diff() -> dict:
    """A diff (as `plancheck diff` builds it) whose every text field is a payload."""
    side = {"id": "F0001", "status": ATTR_PAYLOAD, "measured": 1.0, "required": 2.0,
            "unit": "m", "message": f"</td><script>document.title='pwned'</script>{HTML_PAYLOAD}"}
    return {"schema": "plancheck.diff/1",
            "old": {"path": f"{BIDI_NAME}<b>old</b>", "sha256": "0" * 64, "ruleset": {}, "tool": "x"},
            "new": {"path": HTML_PAYLOAD, "sha256": "1" * 64, "ruleset": {}, "tool": "x"},
            "verdict": {"old": HTML_PAYLOAD, "new": "fail"},
            "indicators": [{"indicator": HTML_PAYLOAD, "old": 1.0, "new": 2.0, "delta": 1.0}],
            "summary": {}, "counts": {"new": 1, HTML_PAYLOAD: 0}, "new_failures": 1,
            "findings": [{"change": ATTR_PAYLOAD, "rule": HTML_PAYLOAD, "clause": HTML_PAYLOAD,
                          "family": "spacing", "subjects": [BIDI_NAME, HTML_PAYLOAD],
                          "old": dict(side), "new": dict(side), "measured_delta": 0.5}]}


def malformed_reports(good: dict) -> dict[str, dict]:
    """report.json files that `diff` must refuse in one line (each breaks one field it reads)."""
    def f0(d):
        return d["findings"][0]
    return {
        "status-payload": _set(good, lambda d: f0(d).__setitem__("status", HTML_PAYLOAD)),
        "subjects-text": _set(good, lambda d: f0(d).__setitem__("subjects", "1#")),
        "subjects-numbers": _set(good, lambda d: f0(d).__setitem__("subjects", [1, 2])),
        "rule-missing": _set(good, lambda d: f0(d).pop("rule")),
        "measured-text": _set(good, lambda d: f0(d).__setitem__("measured", "18 m")),
        "finding-list": _set(good, lambda d: d["findings"].__setitem__(0, [1])),
        "findings-mapping": _set(good, lambda d: d.__setitem__("findings", {"F1": {}})),
        "indicators-missing": _set(good, lambda d: d.pop("indicators")),
        "indicator-text": _set(good, lambda d: d["indicators"].__setitem__("far", "high")),
        "summary-list": _set(good, lambda d: d.__setitem__("summary", [])),
        "drawing-missing": _set(good, lambda d: d.pop("drawing")),
        "tool-text": _set(good, lambda d: d.__setitem__("tool", "plancheck")),
    }


def main(folder: str) -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    scheme_dxf(out / "scheme.dxf")
    (out / "bomb.plancheck.yaml").write_text(alias_bomb(), encoding="utf-8")
    sparse_file(out / "big.plancheck.yaml", 50 * 2**20)
    (out / "evil-layers.yaml").write_text('building: ["re:(a+)+$"]\n', encoding="utf-8")
    gbk_name(out)
    symlink_loop(out)
    long_name(out)
    nested_blocks(out / "nested.dxf")
    empty_dxf(out / "empty.dxf")
    import json

    for name, doc in cityjson_variants().items():
        (out / f"city-{name}.json").write_text(json.dumps(doc), encoding="utf-8")
    print(f"attack corpus written to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "attack-corpus")
