"""Time the full visual report of a 200-building scheme (issue: under 30 s).

    .venv/bin/python benchmarks/render.py [N_BUILDINGS ...]

Writes `samples.generate.grid_scheme(n)` (with the sample's planning conditions as context)
into a temp folder and runs the real CLI in a fresh process, three times each:

* `check --format json` (the check alone, rendering skipped),
* `check` with the default formats (json, png figures, glb model, html report): a figure
  per fail and unknown,
* `check --figures all`: a figure per finding, passes too (capped as the 3D views are),
* `report report.json` (re-rendering html, glb and png from the saved report),

then prints best and median wall times, the number of figures, the HTML size (its figures
linked, not embedded, past html.MAX_PAGE) and the GLB size.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from plancheck.sketch import write_dxf  # noqa: E402
from samples.generate import grid_scheme, residential_context  # noqa: E402


def timed(args: list[str]) -> tuple[float, int]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "plancheck", *args], cwd=REPO,
                          capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"plancheck {' '.join(args)} failed:\n{proc.stderr}")
    return time.perf_counter() - t0, proc.returncode


def main(sizes: list[int]) -> None:
    print(f"{'buildings':>9} {'what':<28} {'best s':>7} {'median s':>9}  notes")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"grid-{n}.dxf"
            write_dxf(grid_scheme(n), path)
            ctx = residential_context()
            ctx["roads"] = []
            path.with_suffix(".plancheck.yaml").write_text(yaml.safe_dump(ctx, allow_unicode=True))
            out = Path(tmp) / f"out-{n}"
            runs = {
                "check --format json": ["check", str(path), "--out", str(out), "-q", "--format", "json"],
                "check (all formats)": ["check", str(path), "--out", str(out), "-q"],
                "check --figures all": ["check", str(path), "--out", str(out), "-q", "--figures", "all"],
                "report report.json": ["report", str(out / "report.json")],
            }
            for what, args in runs.items():
                times = [timed(args)[0] for _ in range(3)]
                note = ""
                if what != "check --format json":
                    figs = json.loads((out / "figures" / "figures.json").read_text("utf-8"))["figures"]
                    note = (f"{len(figs)} figures, report.html "
                            f"{(out / 'report.html').stat().st_size / 1e6:.1f} MB, "
                            f"model.glb {(out / 'model.glb').stat().st_size / 1e3:.0f} kB")
                print(f"{n:>9} {what:<28} {min(times):>7.2f} {statistics.median(times):>9.2f}  {note}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [200])
