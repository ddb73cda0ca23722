"""Batch throughput: 100 sample drawings with 1 and 2 local workers and on a 2-worker Dask
LocalCluster.

    .venv/bin/python benchmarks/batch.py [N_DRAWINGS] [--no-dask]

The drawings are copies of the two bundled samples (samples/huangpu-residential.dxf, metres,
and huangpu-residential-mm.dxf, millimetres and rotated), each with its context file, half
and half. Every run starts from an empty output folder (nothing resumed) and includes
starting the worker processes. Prints wall time, drawings per second and the speed-up over
one local worker, and checks that every run gives the same rows. It also measures how much
parallelism the machine offers two busy processes at that moment (a shared machine may give
one core, capping any speed-up at 1x).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from plancheck.batch import BatchOptions, run_batch  # noqa: E402


def make_drawings(folder: Path, n: int) -> None:
    for k in range(n):
        stem = ("huangpu-residential", "huangpu-residential-mm")[k % 2]
        shutil.copy(REPO / "samples" / f"{stem}.dxf", folder / f"site{k:03d}.dxf")
        shutil.copy(REPO / "samples" / f"{stem}.plancheck.yaml", folder / f"site{k:03d}.plancheck.yaml")


def _spin(n: int) -> float:
    t0 = time.perf_counter()
    x = 0
    for i in range(n):
        x += i * i
    return time.perf_counter() - t0


def available_parallelism(n: int = 10_000_000) -> float:
    """How many cores this machine gives two busy processes right now (2.0 on an idle
    2-core machine; ~1.0 when other jobs hold one core): the ceiling for any speed-up."""
    from concurrent.futures import ProcessPoolExecutor

    one = _spin(n)
    with ProcessPoolExecutor(2) as ex:
        t0 = time.perf_counter()
        list(ex.map(_spin, [n, n]))
        two = time.perf_counter() - t0
    return 2 * one / two


def rows_of(result) -> list[tuple]:
    return sorted((r["drawing"], r["verdict"], r["fails"], r["unknowns"]) for r in result.rows)


def main(argv: list[str]) -> None:
    n = int(next((a for a in argv if a.isdigit()), 100))
    print(f"{n} drawings; cores: {os.cpu_count()}; load average before: {os.getloadavg()[0]:.2f}; "
          f"available parallelism for 2 processes: {available_parallelism():.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        make_drawings(src, n)
        runs = []

        def run(label: str, **kw) -> None:
            t0 = time.perf_counter()
            result = run_batch([src], BatchOptions(out=Path(tmp) / label, **kw))
            wall = time.perf_counter() - t0
            runs.append((label, wall, result))
            per = sorted(r["seconds"] for r in result.rows)
            print(f"{label:<22} {wall:8.1f} s  {n / wall:6.2f} drawings/s  "
                  f"(median {per[len(per) // 2]:.2f} s per drawing in its worker)", flush=True)

        run("local, 1 worker", jobs=1)
        run("local, 2 workers", jobs=2)
        if "--no-dask" not in argv:
            from distributed import LocalCluster

            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster:
                run("LocalCluster, 2 workers", scheduler=cluster.scheduler_address)
        base = runs[0][1]
        print("speed-up over 1 local worker: " + ", ".join(
            f"{label} {base / wall:.2f}x" for label, wall, _ in runs[1:]))
        same = all(rows_of(r) == rows_of(runs[0][2]) for _, _, r in runs)
        print(f"same rows in every run: {same}; load average after: {os.getloadavg()[0]:.2f}; "
              f"available parallelism after: {available_parallelism():.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
