"""City-scale context: a scheme checked against 100,000 existing buildings.

    .venv/bin/python benchmarks/context.py [N_BUILDINGS] [--no-e2e]

1. Pair search: the Huangpu sample's proposed masses against N synthetic existing buildings
   (a seeded jittered grid of rotated rectangles, 30 m pitch, the scheme in the middle):
   all (proposed, existing) pairs within the reach, with the numba kernels
   (`plancheck.geom.pairs_between`) and with a shapely STRtree (`query(..., "dwithin")` plus
   `shapely.distance`), in the same run; the pair sets must agree.
2. End to end (unless --no-e2e): the same buildings written as a GeoJSON in metres, then
   `plancheck check samples/huangpu-residential.dxf --context-buildings ...` in-process:
   load + select (extract.context_buildings.add_context) and the whole check.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def city(n: int, seed: int = 7, pitch: float = 30.0) -> np.ndarray:
    """n rotated rectangles (8-24 m x 8-16 m) on a jittered grid centred on the sample site."""
    rng = np.random.default_rng(seed)
    side = math.ceil(math.sqrt(n))
    ij = np.stack(np.divmod(np.arange(n), side), axis=1).astype(float)
    centre = ij * pitch - side * pitch / 2 + np.array([135.0, 95.0])
    centre += rng.uniform(-4, 4, size=(n, 2))
    w, h = rng.uniform(8, 24, n), rng.uniform(8, 16, n)
    a = rng.uniform(0, math.pi, n)
    corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
    local = corners[None, :, :] * np.stack([w, h], axis=1)[:, None, :]
    c, s = np.cos(a)[:, None], np.sin(a)[:, None]
    x = local[..., 0] * c - local[..., 1] * s + centre[:, 0:1]
    y = local[..., 0] * s + local[..., 1] * c + centre[:, 1:2]
    return shapely.polygons(np.stack([x, y], axis=2))


def proposed_masses():
    from plancheck.pipeline import read_site, Options

    _, _, ext = read_site(REPO / "samples" / "huangpu-residential.dxf", Options())
    return np.array([m.outline for b in ext.model.proposed for m in b.masses], dtype=object)


def timed(fn, repeat: int = 5):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, times


def strtree_pairs(prop, tree_geoms, reach):
    tree = shapely.STRtree(tree_geoms)
    i, j = tree.query(prop, predicate="dwithin", distance=reach)
    d = shapely.distance(prop[i], tree_geoms[j])
    order = np.lexsort((j, i))
    return i[order], j[order], d[order]


def pair_search(n: int) -> np.ndarray:
    from plancheck.geom import pack, pairs_between

    buildings = city(n)
    prop = proposed_masses()
    print(f"{len(prop)} proposed masses (samples/huangpu-residential.dxf) against "
          f"{n:,} existing buildings")
    t0 = time.perf_counter()
    rings = pack(buildings)
    t_pack = time.perf_counter() - t0
    prop_rings = pack(prop)
    print(f"pack {n:,} footprints into flat arrays: {t_pack:.3f} s")
    print(f"{'reach m':>8} {'pairs':>7} {'numba first s':>14} {'numba warm s':>13} "
          f"{'STRtree s':>10} {'STRtree(no build) s':>20} {'agree':>6}")
    for reach in (50.0, 100.0, 250.0):
        t0 = time.perf_counter()
        i, j, d = pairs_between(prop_rings, rings, reach)
        first = time.perf_counter() - t0
        (i, j, d), warm = timed(lambda: pairs_between(prop_rings, rings, reach))
        (si, sj, sd), st = timed(lambda: strtree_pairs(prop, buildings, reach), repeat=3)
        tree = shapely.STRtree(buildings)

        def query_only():
            a, b = tree.query(prop, predicate="dwithin", distance=reach)
            return shapely.distance(prop[a], buildings[b])

        _, stq = timed(query_only, repeat=3)
        agree = (np.array_equal(i, si) and np.array_equal(j, sj)
                 and np.allclose(d, sd, atol=1e-6))
        print(f"{reach:>8.0f} {len(i):>7} {first:>14.3f} {statistics.median(warm):>13.4f} "
              f"{statistics.median(st):>10.3f} {statistics.median(stq):>20.3f} {str(agree):>6}")
    return buildings


def end_to_end(buildings: np.ndarray) -> None:
    from plancheck.extract.context_buildings import ContextSpec, add_context
    from plancheck.pipeline import Options, check, read_site

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "city.geojson"
        coords = shapely.get_coordinates(buildings).reshape(len(buildings), 5, 2).round(3)
        features = [{"type": "Feature", "id": k, "properties": {
            "building": "apartments" if k % 3 else "office", "height": float(9 + (k * 7) % 90)},
            "geometry": {"type": "Polygon", "coordinates": [c.tolist()]}}
            for k, c in enumerate(coords)]
        path.write_text(json.dumps({"type": "FeatureCollection", "crs": {
            "type": "name", "properties": {"name": "local metres"}}, "features": features}))
        print(f"\nGeoJSON of {len(buildings):,} buildings: {path.stat().st_size / 1e6:.1f} MB")
        spec = ContextSpec(path, origin=(0.0, 0.0))
        _, _, ext = read_site(REPO / "samples" / "huangpu-residential.dxf", Options())
        t0 = time.perf_counter()
        _, note = add_context(ext.model, spec)
        t_add = time.perf_counter() - t0
        print(f"load + select (add_context): {t_add:.2f} s; {note['loaded']:,} loaded, "
              f"{note['within_radius']} within {note['radius_m']:.0f} m, "
              f"{note['dropped_on_site']} on the site, {note['used']} used")
        sample = REPO / "samples" / "huangpu-residential.dxf"
        t0 = time.perf_counter()
        base = check(sample).report
        t_base = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = check(sample, Options(context_buildings=spec)).report
        t_all = time.perf_counter() - t0
        ctx = sum(any(s.startswith("ctx:") for s in f["subjects"]) for f in report["findings"])
        print(f"whole check without context: {t_base:.2f} s ({len(base['findings'])} findings); "
              f"with {len(buildings):,} context buildings: {t_all:.2f} s "
              f"({len(report['findings'])} findings, {ctx} naming a context building)")


def main(argv: list[str]) -> None:
    n = int(next((a for a in argv if a.isdigit()), 100_000))
    import os

    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    buildings = pair_search(n)
    if "--no-e2e" not in argv:
        end_to_end(buildings)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
