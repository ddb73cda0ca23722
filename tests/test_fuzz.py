"""Fuzzing tier: random PCDS-1 drawings (Hypothesis) and byte-mutated real DXF files.

The default suite (and CI) runs a short, deterministic sample: a seeded corpus of fixed size,
`PER_FILE` mutations of each input under 300 kB (48 inputs today). The long runs:

    PLANCHECK_FUZZ_LONG=1 pytest -q tests/test_fuzz.py -k mutation      # 2,000, big files too
    PLANCHECK_FUZZ_N=10000 pytest -q tests/test_fuzz.py -k mutation      # any number
    PLANCHECK_FUZZ_EXAMPLES=500 pytest -q tests/test_fuzz.py -k scheme    # random schemes

A mutated input must end with a report or a clean PlancheckError (the CLI's exit 2); any
other exception, a swallowed clause crash or a hang fails the test and is listed.
PLANCHECK_FUZZ_SEED picks other inputs, PLANCHECK_FUZZ_LOG names a file for progress and
the failures, PLANCHECK_FUZZ_KEEP a folder where failing inputs are saved for replay.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import signal
import time
import traceback
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plancheck.errors import PlancheckError
from plancheck.findings import FAMILIES, STATUSES
from plancheck.pipeline import Options, check
from plancheck.render import json_file
from plancheck.sketch import build_doc
from tests.conftest import REALDATA, REPO
from tests.variants import blockify, explode_outlines

CRASH_WORDS = ("the check crashed", "条款检查出错")


# -- Hypothesis: random valid-ish schemes --------------------------------------------------------

LAYER_NAMES = {  # role -> names a drawing may use (canonical PCDS-1 or an alias)
    "site": ("PC-SITE", "用地红线", "规划用地红线"),
    "building": ("PC-BLDG", "建筑轮廓", "拟建建筑"),
    "existing": ("PC-BLDG-EXIST", "现状建筑"),
    "text": ("PC-TEXT", "文字", "标注"),
}


def _segment_area(chord: float, bulge: float) -> float:
    """Area between a chord and its bulge arc: r²/2 (θ - sin θ), θ = 4 atan(b)."""
    theta = 4 * math.atan(abs(bulge))
    r = chord / (2 * math.sin(theta / 2))
    return r * r / 2 * (theta - math.sin(theta))


@st.composite
def schemes(draw):
    """(sketch, hand-computed proposed GFA, has_arcs): 1-4 buildings side by side in a site."""
    width = draw(st.integers(120, 400))
    depth = draw(st.integers(120, 300))
    n = draw(st.integers(1, 4))
    cell = (width - 20) / n
    buildings, gfa, arcs = [], 0.0, False
    for i in range(n):
        w = draw(st.floats(8.0, max(8.0, min(60.0, cell - 12)), allow_nan=False))
        d = draw(st.floats(8.0, 40.0, allow_nan=False))
        x0 = round(10 + i * cell + 2, 3)
        y0 = round(draw(st.floats(10.0, depth - d - 10)), 3)
        w, d = round(w, 3), round(d, 3)
        floors = draw(st.integers(1, 30))
        height = round(floors * 3.0 + draw(st.floats(0.0, 2.0)), 2)
        kind = draw(st.sampled_from(["rect", "L", "arc"]))
        mass = {"floors": floors, "height": height}
        if kind == "rect":
            mass["rect"] = [x0, y0, x0 + w, y0 + d]
            area = w * d
        elif kind == "L":  # the north-east corner notched out: a x b
            a, b = round(w * draw(st.floats(0.2, 0.8)), 3), round(d * draw(st.floats(0.2, 0.8)), 3)
            mass["outline"] = [[x0, y0], [x0 + w, y0], [x0 + w, y0 + d - b], [x0 + w - a, y0 + d - b],
                               [x0 + w - a, y0 + d], [x0, y0 + d]]
            area = w * d - a * b
        else:  # the north edge bulges outwards (CCW ring: positive bulge on edge 2 -> 3)
            bulge = round(draw(st.floats(0.05, 0.4)), 3)
            mass["outline"] = [[x0, y0], [x0 + w, y0], [x0 + w, y0 + d], [x0, y0 + d]]
            mass["bulges"] = [0.0, 0.0, bulge, 0.0]
            area = w * d + _segment_area(w, bulge)
            arcs = True
            if y0 + d + w * bulge / 2 > depth - 2:   # keep the bulge inside the site
                mass["bulges"][2] = 0.0
                area = w * d
        existing = draw(st.booleans()) and i == n - 1 and n > 1
        carrier = draw(st.sampled_from(["text", "mtext", "xdata", "attrib"]))
        buildings.append({"name": f"{i + 1}#", "use": draw(st.sampled_from(["residential", "office", "住宅"])),
                          "status": "existing" if existing else "proposed", "carrier": carrier,
                          "masses": [mass]})
        if not existing:
            gfa += area * floors
    layers = {role: draw(st.sampled_from(names)) for role, names in LAYER_NAMES.items()}
    sketch = {"units": "m", "north": 90, "site": [[0, 0], [width, 0], [width, depth], [0, depth]],
              "buildings": buildings, "layers": layers,
              "label_style": draw(st.sampled_from(["en", "zh"]))}
    return sketch, gfa, arcs


def _moved(sketch: dict, dx: float, dy: float) -> dict:
    """The same scheme shifted by (dx, dy) metres."""
    out = json.loads(json.dumps(sketch))

    def mv(points):
        return [[x + dx, y + dy] for x, y in points]

    out["site"] = mv(out["site"])
    for b in out["buildings"]:
        for m in b["masses"]:
            if "rect" in m:
                x0, y0, x1, y1 = m["rect"]
                m["rect"] = [x0 + dx, y0 + dy, x1 + dx, y1 + dy]
            else:
                m["outline"] = mv(m["outline"])
    return out


#: how the variant is drawn: closed polylines, loose LINEs/ARCs, or nested block references
#: (rotated, scaled, mirrored: uniform scales, as arcs need)
DRAWN = ("flat", "lines", "blocks")
PLACEMENTS = [(33.0, 1.5, 1.5), (-120.0, -1.0, 1.0), (270.0, 0.8, -0.8)]


def _write(folder: Path, sketch: dict, name: str, drawn: str = "flat") -> Path:
    doc = build_doc(sketch)
    if drawn == "lines":
        explode_outlines(doc)
    elif drawn == "blocks":
        blockify(doc, PLACEMENTS, nested=True)
    path = folder / f"{name}.dxf"
    doc.saveas(path)
    return path


def _report(path: Path) -> dict:
    report = check(path, Options(lang="en")).report
    for f in report["findings"]:
        assert f["family"] in FAMILIES and f["status"] in STATUSES, f
        assert not any(w in f["message"] for w in CRASH_WORDS), f["message"]
    json_file.dumps(report).encode("utf-8")  # writable as report.json (strict JSON, UTF-8)
    return report


INDICATORS = ("site_area_m2", "gross_floor_area_m2", "far", "building_density", "max_height_m")


@settings(max_examples=int(os.environ.get("PLANCHECK_FUZZ_EXAMPLES", "30")), deadline=None,
          derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(scheme=schemes(), units=st.sampled_from(["m", "cm", "mm"]),
       north=st.floats(0.0, 359.9), shift=st.sampled_from([(0, 0), (1234.5, -987.25),
                                                           (500_000.0, 3_400_000.0)]),
       drawn=st.sampled_from(DRAWN))
def test_random_scheme_invariants(tmp_path, scheme, units, north, shift, drawn):
    """GFA equals the hand formula; indicators do not change under rotation with a north
    arrow, translation, unit scaling, nor when outlines are drawn as loose lines or inside
    nested blocks; every finding is well-formed."""
    sketch, gfa, arcs = scheme
    base = _report(_write(tmp_path, sketch, "base"))
    ind = base["indicators"]
    rel = 1e-3 if arcs else 1e-6   # arcs are flattened (sagitta <= 0.01 m): slightly inside
    assert ind["gross_floor_area_m2"] == pytest.approx(gfa, rel=rel)
    width, depth = sketch["site"][2]
    assert ind["site_area_m2"] == pytest.approx(width * depth, rel=1e-9)

    variant = dict(_moved(sketch, *shift), units=units, north=north, north_arrow=True)
    other = _report(_write(tmp_path, variant, "variant", drawn))
    for key in INDICATORS:
        a, b = ind[key], other["indicators"][key]
        assert (a is None) == (b is None), key
        if a is not None:
            assert b == pytest.approx(a, rel=rel, abs=1e-6), key
    slack = 1e-2 if arcs else 1e-3
    assert _codes(base, slack) == _codes(other, slack)


def _codes(report: dict, slack: float) -> Counter:
    """Clause and drawing outcomes, except those sitting on a threshold (float noise may flip
    them) and the notes that outlines were chained from loose lines."""
    return Counter((f["rule"], f["status"], tuple(f["subjects"])) for f in report["findings"]
                   if f["rule"] != "DRW-CHAINED" and (
                       f["measured"] is None or f["required"] is None
                       or abs(f["measured"] - f["required"]) > slack))


# -- byte-level mutation of real drawings -------------------------------------------------------

#: layer maps that make the real site plans exercise the extractor (chaining, blocks, labels)
MAPS = {
    "dxf_1.dxf": {"building": ["建筑物"], "road": ["道路线"], "green": ["A绿-1"], "site": ["外轮廓"]},
    "floorplan.dxf": {"building": ["*A-FOOTPRINT"], "text": ["A-TEXT"]},
    "Ceco.NET-Architecture-Tm-53.dxf": {"building": ["wall high"], "site": ["topography"]},
    "dxf_4.dxf": {"building": ["电气设备"], "window": ["WINDOW"]},
    "insert_bricscad_level_1.dxf": {"building": ["0"]},
}
MUTATIONS = ("truncate", "flip", "digits", "drop", "duplicate", "swap")


def _inputs() -> list[Path]:
    files = sorted(p for sub in ("dxf-misc", "dxf-siteplans") for p in (REALDATA / sub).glob("*")
                   if p.suffix.lower() == ".dxf") if REALDATA.exists() else []
    return files + sorted((REPO / "samples").glob("*.dxf"))


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One random mutation: truncate, flip bytes, change digits, drop/duplicate/swap lines."""
    how = rng.choice(MUTATIONS)
    if how == "truncate":
        return data[: rng.randrange(len(data))], how
    if how == "flip":
        buf = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        return bytes(buf), how
    if how == "digits":
        buf = bytearray(data)
        spots = [i for i in (rng.randrange(len(buf)) for _ in range(400)) if 48 <= buf[i] <= 57]
        for i in spots[: rng.randint(1, 6)]:
            buf[i] = rng.choice(b"0123456789-.")
        return bytes(buf), how
    lines = data.split(b"\n")
    if how == "drop":
        for _ in range(rng.randint(1, 6)):
            if len(lines) > 1:
                del lines[rng.randrange(len(lines))]
    elif how == "duplicate":
        i = rng.randrange(len(lines))
        lines[i:i] = lines[i: i + rng.randint(1, 40)]
    else:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines), how


class _Hang(Exception):
    pass


def _alarm(_signum, _frame):
    raise _Hang()


def suggest(path: Path) -> None:
    """What `plancheck inspect --suggest` does: the layer table and a map that parses."""
    import yaml
    from rich.console import Console

    from plancheck.extract import suggest as sg
    from plancheck.read.context import parse_layer_map
    from plancheck.read.dxf import load

    try:
        found = sg.analyse(load(path))
    except PlancheckError as exc:
        assert "\n" not in str(exc).strip(), f"a multi-line error: {exc!r}"
        return
    Console(file=io.StringIO(), width=120).print(sg.render(found))
    parse_layer_map(yaml.safe_load(found.yaml(path.name))["layers"] or {}, "suggestion")


def run_one(path: Path, layers: Path | None, seconds: int) -> str:
    """'report' or 'clean' (PlancheckError), else raises; renders what the CLI would render,
    and the layer-map suggestion too (it is what a designer runs on an odd drawing first)."""
    from rich.console import Console

    from plancheck.render import terminal

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        suggest(path)
        try:
            report = check(path, Options(layers=layers, lang="en")).report
        except PlancheckError as exc:
            assert "\n" not in str(exc).strip(), f"a multi-line error: {exc!r}"
            return "clean"
        json_file.dumps(report).encode("utf-8")
        console = Console(file=io.StringIO(), width=120)
        console.print(terminal.summary(report))
        console.print(terminal.inspection(report))
        crashed = [f["message"] for f in report["findings"] if any(w in f["message"] for w in CRASH_WORDS)]
        assert not crashed, f"a clause crashed: {crashed[0]}"
        return "report"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def fuzz(n: int, seed: int, tmp: Path, big: bool = True, seconds: int = 120,
         progress: Path | None = None) -> tuple[Counter, list[str]]:
    """Run `n` mutated inputs, taking the files in turn (those over 300 kB only if `big`);
    every 500 runs the counts so far are written to `progress`."""
    import yaml

    rng = random.Random(seed)
    files = _inputs()
    rounds = [p for p in files if big or p.stat().st_size < 300_000]
    maps = {}
    for name, m in MAPS.items():
        maps[name] = tmp / f"{name}.layers.yaml"
        maps[name].write_text(yaml.safe_dump(m, allow_unicode=True), encoding="utf-8")
    cache = {p: p.read_bytes() for p in files}
    keep = Path(os.environ.get("PLANCHECK_FUZZ_KEEP") or tmp)  # where failing inputs are saved
    keep.mkdir(parents=True, exist_ok=True)
    outcomes: Counter = Counter()
    failures: list[str] = []
    order = [rounds[i % len(rounds)] for i in range(n)] if rounds else []
    for k, src in enumerate(order):
        data, how = mutate(cache[src], rng)
        target = tmp / f"m{k % 4}{src.suffix}"
        target.write_bytes(data)
        try:
            outcomes[run_one(target, maps.get(src.name), seconds)] += 1
        except _Hang:
            outcomes["hang"] += 1
            failures.append(f"#{k} {src.name} {how}: no result within {seconds} s")
            (keep / f"hang-{k}-{src.name}").write_bytes(data)
        except Exception:  # noqa: BLE001 - this is what the fuzzer looks for
            outcomes["crash"] += 1
            failures.append(f"#{k} {src.name} {how}:\n{traceback.format_exc(limit=-4)}")
            (keep / f"crash-{k}-{src.name}").write_bytes(data)
        if progress and (k + 1) % 500 == 0:
            progress.write_text(f"{k + 1}/{n}: {dict(outcomes)}\n", encoding="utf-8")
    return outcomes, failures


#: mutations of each small input in the default suite's corpus (the inputs in turn, one seed)
PER_FILE = 3
#: inputs of PLANCHECK_FUZZ_LONG=1
LONG_N = 2000


def test_mutation_fuzz(tmp_path):
    """Every mutated real DXF ends with a report or a clean error: zero tracebacks."""
    if not _inputs():
        pytest.skip("no real data")
    small = [p for p in _inputs() if p.stat().st_size < 300_000]
    long_run = bool(os.environ.get("PLANCHECK_FUZZ_LONG"))
    default_n = LONG_N if long_run else PER_FILE * len(small)
    n = int(os.environ.get("PLANCHECK_FUZZ_N") or default_n)
    seed = int(os.environ.get("PLANCHECK_FUZZ_SEED", "20240601"))
    started = time.time()
    # the default corpus mutates the files under 300 kB, each PER_FILE times (most take
    # 0.1 s a run, the two samples a few seconds: they run the sunlight analysis); the long
    # run all of them
    log = Path(os.environ["PLANCHECK_FUZZ_LOG"]) if os.environ.get("PLANCHECK_FUZZ_LOG") else None
    big = long_run or n > 1000 or bool(os.environ.get("PLANCHECK_FUZZ_BIG"))
    if not big:
        assert n >= len(small), "the corpus mutates every small input at least once"
    outcomes, failures = fuzz(n, seed, tmp_path, big=big, progress=log)
    summary = f"{n} mutated inputs in {time.time() - started:.0f} s: {dict(outcomes)}"
    print(summary)
    if log:
        log.write_text(summary + "\n" + "\n".join(failures), encoding="utf-8")
    assert not failures, summary + "\n" + "\n".join(failures[:5])
    assert outcomes["report"] + outcomes["clean"] == n
