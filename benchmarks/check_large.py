"""Time `plancheck check` on a large drawing (issue: 5,000 masses in under 10 s).

    .venv/bin/python benchmarks/check_large.py [N_MASSES ...]

Writes the drawing from `samples.generate.grid_scheme` into a temp folder, then runs the
real CLI in a fresh process (start-up, reading, extraction, rules, report) three times and
prints the best and median wall times.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from plancheck.sketch import write_dxf  # noqa: E402
from samples.generate import grid_scheme  # noqa: E402


def main(sizes: list[int]) -> None:
    print(f"{'masses':>8} {'file MB':>8} {'best s':>8} {'median s':>9} {'exit':>5}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"grid-{n}.dxf"
            write_dxf(grid_scheme(n), path)
            times, rc = [], None
            for _ in range(3):
                t0 = time.perf_counter()
                proc = subprocess.run([sys.executable, "-m", "plancheck", "check", str(path),
                                       "--out", str(Path(tmp) / "out"), "-q", "--format", "json"], cwd=REPO)
                times.append(time.perf_counter() - t0)
                rc = proc.returncode
            print(f"{n:>8} {path.stat().st_size / 1e6:>8.1f} {min(times):>8.2f} "
                  f"{statistics.median(times):>9.2f} {rc:>5}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 5000])
