"""Benchmark: sun rays against building prisms, the numba kernel vs Embree (any-hit) vs trimesh's native tracer.

    .venv/bin/python benchmarks/sunlight.py                          # 500 buildings, 10,000 points x 100 suns
    taskset -c 0 .venv/bin/python benchmarks/sunlight.py --repeat 9  # pinned to one core (Embree's threads too)
    .venv/bin/python benchmarks/sunlight.py --buildings 2000 --suns 360

Scene (sunlight.md §3.1): a jittered 55 m grid of plots; 60 % slabs (30-44 x 11-16 m), 25 % L-shapes, 15 %
octagonal towers; heights 10-100 m. Facade points on random walls (by length) at sill heights 0.9 + 3n m below
the roof, pushed `SUN_ORIGIN_OFFSET_M` out along the wall's normal. Suns: 冬至 2001 (Shanghai, 121°28′E 31°14′N),
TST 9:00-15:00, `--suns` steps, at their midpoints.

Engines (all on the same scene; N points x M suns):
  numba      plancheck.geom.rays.first_blockers: facing mask, grid walk, the NEAREST blocker's id, all N x M
             rays decided (about half are behind their facade and never traced). Serial, warm cache.
  embree     embreex 4 through trimesh's scene wrapper, `query="OCCLUDED"` (any hit, yes/no), float32, on the
             facing rays only (the mask is not timed; it is the same work the kernel skips). Optional:
             `pip install -e '.[bench]'`. Embree runs its TBB threads: pin with taskset for one core.
  native     trimesh.ray.ray_triangle.RayMeshIntersector.intersects_any on --native-sample facing rays,
             extrapolated to all facing rays.

Times are wall clock and CPU (numba: the thread's; embree: the process's, i.e. all its threads), best of
--repeat with the range. Agreement: blocked (numba >= 0) vs occluded (embree), and numba vs the GEOS reference
(`first_blockers_reference`) on --ref-sample rays including the blocker id.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Polygon

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REG_LAT, REG_LON = 31 + 14 / 60, 121 + 28 / 60


def scene(n: int, seed: int = 0) -> tuple[list[Polygon], np.ndarray, np.ndarray]:
    """n footprints on a jittered 55 m grid (slabs / L-shapes / octagons, 60/25/15 %), heights 10-100 m."""
    rng = np.random.default_rng(seed)
    cols = int(math.ceil(math.sqrt(n)))
    polys = []
    for k in range(n):
        cx = (k % cols) * 55.0 + rng.uniform(-4, 4)
        cy = (k // cols) * 55.0 + rng.uniform(-4, 4)
        r = rng.random()
        if r < 0.60:
            w, d = rng.uniform(30, 44), rng.uniform(11, 16)
            xy = np.array([(-w / 2, -d / 2), (w / 2, -d / 2), (w / 2, d / 2), (-w / 2, d / 2)])
        elif r < 0.85:
            w, h, a, b = rng.uniform(30, 40), rng.uniform(25, 35), rng.uniform(11, 14), rng.uniform(11, 14)
            xy = np.array([(0, 0), (w, 0), (w, b), (a, b), (a, h), (0, h)]) - (w / 2, h / 2)
        else:
            rad = rng.uniform(10, 14)
            ang = np.arange(8) * np.pi / 4 + np.pi / 8
            xy = np.c_[rad * np.cos(ang), rad * np.sin(ang)]
        t = math.radians(rng.uniform(-10, 10))
        c, s = math.cos(t), math.sin(t)
        polys.append(Polygon(np.c_[cx + c * xy[:, 0] - s * xy[:, 1], cy + s * xy[:, 0] + c * xy[:, 1]]))
    top = rng.uniform(10, 100, n)
    return polys, np.zeros(n), top


def facade_points(polys, top, n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """n points on exterior walls (chosen by length), sill heights 0.9 + 3k below the roof, offset outward."""
    from plancheck.tolerances import SUN_ORIGIN_OFFSET_M
    rng = np.random.default_rng(seed)
    segs = []
    for i, p in enumerate(shapely.orient_polygons(np.asarray(polys, dtype=object))):
        ring = np.asarray(p.exterior.coords)                 # counter-clockwise: outward normal (dy, -dx)
        for (x0, y0), (x1, y1) in zip(ring[:-1], ring[1:]):
            segs.append((i, x0, y0, x1, y1))
    segs = np.array(segs)
    ln = np.hypot(segs[:, 3] - segs[:, 1], segs[:, 4] - segs[:, 2])
    pick = rng.choice(len(segs), size=n, p=ln / ln.sum())
    b, x0, y0, x1, y1 = segs[pick].T
    u = rng.random(n)
    nx, ny = (y1 - y0) / ln[pick], -(x1 - x0) / ln[pick]
    floors = np.floor((top[b.astype(int)] - 0.9) / 3.0)
    z = 0.9 + 3.0 * np.floor(rng.random(n) * floors)
    origins = np.c_[x0 + u * (x1 - x0) + SUN_ORIGIN_OFFSET_M * nx, y0 + u * (y1 - y0) + SUN_ORIGIN_OFFSET_M * ny, z]
    return origins, np.c_[nx, ny]


def timed(fn, repeat: int, cpu=time.thread_time) -> tuple[object, list[float], list[float]]:
    walls, cpus = [], []
    out = None
    for _ in range(repeat):
        c0, w0 = cpu(), time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(cpu() - c0)
    return out, walls, cpus


def rng_str(xs: list[float], scale: float = 1.0, fmt: str = "{:.3f}") -> str:
    xs = sorted(x * scale for x in xs)
    return f"{fmt.format(xs[0])} ({fmt.format(xs[0])}-{fmt.format(xs[-1])})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--buildings", type=int, default=500)
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--suns", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cell", type=float, default=30.0)
    ap.add_argument("--native-sample", type=int, default=2000)
    ap.add_argument("--ref-sample", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    t0 = time.perf_counter()
    from plancheck.geom.rays import build_prisms, first_blockers
    from plancheck.sunlight.sun import solstice_day, sun_path
    t_import = time.perf_counter() - t0

    polys, base, top = scene(args.buildings, args.seed)
    origins, normals = facade_points(polys, top, args.points, args.seed + 1)
    day = solstice_day(2001)
    w0 = time.perf_counter()
    path = sun_path(day, REG_LAT, REG_LON, 540.0, 900.0, step_min=360.0 / args.suns)
    t_sun = time.perf_counter() - w0
    suns = path.vectors
    n_rays = len(origins) * len(suns)
    verts = sum(len(p.exterior.coords) - 1 for p in polys)
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.asarray(polys, dtype=object))
    print(f"# python {platform.python_version()}, numpy {np.__version__}, load {os.getloadavg()[0]:.1f}, "
          f"cpus allowed {len(os.sched_getaffinity(0))}")
    print(f"scene: {len(polys)} buildings, {verts} footprint vertices, {(xmax - xmin) / 1e3:.2f} x "
          f"{(ymax - ymin) / 1e3:.2f} km; {len(origins)} facade points x {len(suns)} suns ({day}, TST 9-15) = "
          f"{n_rays:,} rays; sun path {t_sun * 1e3:.1f} ms")

    w0 = time.perf_counter()
    prisms = build_prisms(polys, base, top, cell_m=args.cell)
    first_blockers(prisms, origins[:1], normals[:1], suns[:1])
    t_first = time.perf_counter() - w0
    _, bwalls, _ = timed(lambda: build_prisms(polys, base, top, cell_m=args.cell), 3)
    print(f"numba: import {t_import:.2f} s, first build + call {t_first:.2f} s (cache load, or compile), then "
          f"build_prisms {min(bwalls) * 1e3:.1f} ms ({prisms.ncx} x {prisms.ncy} cells of {prisms.cell:.0f} m)")
    res, walls, cpus = timed(lambda: first_blockers(prisms, origins, normals, suns), args.repeat)
    facing = res != -2
    n_traced = int(facing.sum())
    blocked = res >= 0
    print(f"numba: {n_traced:,} rays traced ({n_traced / n_rays:.1%}), {blocked.sum() / n_traced:.2%} of them "
          f"blocked; wall {rng_str(walls)} s, cpu {rng_str(cpus)} s")
    best = min(cpus)
    print(f"numba: {n_rays / best / 1e6:.2f} M rays/s decided, {n_traced / best / 1e6:.2f} M traced rays/s "
          f"(best cpu); wall best {n_rays / min(walls) / 1e6:.2f} M rays/s")

    ii, jj = np.nonzero(facing)
    blk = blocked[ii, jj]
    ray_o = origins[ii]
    ray_d = suns[jj]
    summary = {"numba_cpu": best, "numba_wall": min(walls)}

    # -- embree any-hit
    try:
        import embreex  # noqa: F401
        import trimesh
        have_embree = True
    except ImportError:
        have_embree = False
        print("embree: skipped (embreex not installed; pip install -e '.[bench]')")
    if have_embree:
        from trimesh.ray.ray_pyembree import RayMeshIntersector
        w0 = time.perf_counter()
        parts = [trimesh.creation.extrude_polygon(p, h - b0).apply_translation((0, 0, b0))
                 for p, b0, h in zip(polys, base, top)]
        mesh = trimesh.util.concatenate(parts)
        t_mesh = time.perf_counter() - w0
        w0 = time.perf_counter()
        rmi = RayMeshIntersector(mesh)
        emb = rmi._scene
        t_bvh = time.perf_counter() - w0
        d32 = ray_d.astype(np.float32)
        emb.run(ray_o[:10], d32[:10], query="OCCLUDED")
        occ, ewalls, ecpus = timed(lambda: emb.run(ray_o, d32, query="OCCLUDED"), args.repeat, time.process_time)
        occ = np.asarray(occ) != -1                           # embreex OCCLUDED: 0 occluded, -1 free
        agree = occ == blk
        print(f"embree: {len(mesh.faces):,} triangles; extrude {t_mesh:.2f} s, scene {t_bvh * 1e3:.0f} ms; "
              f"OCCLUDED on the {n_traced:,} facing rays: wall {rng_str(ewalls)} s, process cpu {rng_str(ecpus)} s")
        ebest = min(ecpus)
        print(f"embree: {n_traced / ebest / 1e6:.2f} M traced rays/s (best cpu), {n_traced / min(ewalls) / 1e6:.2f} "
              f"(best wall); numba/embree speed: cpu {ebest / best:.2f}x, wall {min(ewalls) / min(walls):.2f}x")
        print(f"embree vs numba: {int((~agree).sum())} of {n_traced:,} traced rays disagree "
              f"({(~agree).mean():.2e}); numba-only blocked {int((blk & ~occ).sum())}, "
              f"embree-only {int((~blk & occ).sum())}")
        summary.update(embree_cpu=ebest, embree_wall=min(ewalls))
        bad = np.flatnonzero(~agree)[:50]
        if len(bad):
            from plancheck.geom.reference import first_blockers_reference
            sides = [int(first_blockers_reference(polys, base, top, origins[ii[k]:ii[k] + 1], normals[ii[k]:ii[k] + 1],
                                                  suns[jj[k]:jj[k] + 1])[0, 0] >= 0) == int(blk[k]) for k in bad]
            print(f"embree vs numba: the GEOS reference agrees with numba on {sum(sides)} of the first {len(bad)} "
                  f"disagreements")

    if have_embree and args.native_sample:
        # -- trimesh native, on a sample
        from trimesh.ray.ray_triangle import RayMeshIntersector as Native
        nat = Native(mesh)
        rng = np.random.default_rng(5)
        sample = rng.choice(n_traced, size=min(args.native_sample, n_traced), replace=False)
        w0 = time.perf_counter()
        with np.errstate(all="ignore"):
            hit = nat.intersects_any(ray_o[sample], ray_d[sample])
        t_nat = time.perf_counter() - w0
        rate = len(sample) / t_nat
        print(f"native: {len(sample)} rays in {t_nat:.2f} s = {rate:,.0f} rays/s, {n_traced / rate:,.0f} s "
              f"extrapolated to the facing rays ({n_traced / rate / best:,.0f}x numba); disagrees with numba on "
              f"{int((hit != blk[sample]).sum())} of {len(sample)}")

    # -- the GEOS reference on a sample (blocker ids included)
    if args.ref_sample:
        from plancheck.geom.reference import first_blockers_reference
        rng = np.random.default_rng(6)
        pts = rng.choice(len(origins), size=max(1, args.ref_sample // len(suns)), replace=False)
        w0 = time.perf_counter()
        ref = first_blockers_reference(polys, base, top, origins[pts], normals[pts], suns)
        t_ref = time.perf_counter() - w0
        print(f"reference: {ref.size:,} rays in {t_ref:.1f} s; numba differs on {int((ref != res[pts]).sum())}")
    print("summary:", {k: round(v, 4) for k, v in summary.items()})


if __name__ == "__main__":
    main()
