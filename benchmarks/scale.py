"""How `plancheck check` scales with the scheme (issue #19): wall time and peak memory of the
real CLI, in a fresh process, on grids of N residential slabs (`slab_grid`: 11-storey 33 m
slabs 60 x 13 m, 31 m apart north-south: short of 第二十三条's 39.6 m, not of 第二十七条's 30 m,
so every north-south pair is decided by the sunlight evidence, as 1#-3# in the sample; no
windows drawn, so each slab is sampled on its south facade, 195 windows a floor) and on the
bundled sample.

    .venv/bin/python benchmarks/scale.py                         # N = 10, 50, 200, 1000, every mode
    .venv/bin/python benchmarks/scale.py --sizes 10 50 --modes json nosun
    .venv/bin/python benchmarks/scale.py --sizes 1000 --cap 120  # stop any run after 120 s
    .venv/bin/python benchmarks/scale.py --sample --sizes        # the sample only

Modes (columns): `default` is `check` as a user runs it (sunlight, figures, HTML); `json` is
`check --format json` (sunlight, no figures); `nosun` is `check --no-sunlight --format json`;
`nosunfig` (not in the default set) is `check --no-sunlight` with its figures and HTML, where a
large plan's label placement shows.
Each run is one child process, timed on the wall clock; its peak resident memory is the
child's own `ru_maxrss` (os.wait4), so runs never mix. A run past `--cap` seconds is killed
and shown as `>cap`. Prints the load average before and after: the machine is shared, so read
times as ±30 %. Times are never asserted anywhere; this only prints.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MODES = {
    "default": [],
    "json": ["--format", "json"],
    "nosun": ["--no-sunlight", "--format", "json"],
    "nosunfig": ["--no-sunlight"],
}
TITLES = {"default": "default `check`", "json": "`--format json`",
          "nosun": "`--no-sunlight --format json`", "nosunfig": "`--no-sunlight` (figures, HTML)"}


def slab_grid(n: int) -> dict:
    """`n` residential slabs on a square grid whose north-south pairs need the sunlight."""
    import math

    cols = max(1, math.ceil(math.sqrt(n)))
    rows = max(1, math.ceil(n / cols))
    px, py = 60 + 20, 13 + 31                       # 20 m gables, 31 m north-south
    margin = 40
    width, depth = 2 * margin + cols * px - 20, 2 * margin + rows * py - 31
    buildings = []
    for i in range(n):
        x, y = margin + (i % cols) * px, margin + (i // cols) * py
        buildings.append({"name": f"{i + 1}#", "use": "residential", "carrier": "text",
                          "masses": [{"rect": [x, y, x + 60, y + 13], "floors": 11,
                                      "height": 33.0}]})
    return {"units": "m", "site": [[0, 0], [width, 0], [width, depth], [0, depth]],
            "buildings": buildings}


def run_one(drawing: Path, out: Path, mode: str, cap: float) -> tuple[float, float, int | None]:
    """(wall seconds, peak RSS MB, exit code or None when killed at the cap)."""
    cmd = [sys.executable, "-m", "plancheck", "check", str(drawing), "--out", str(out), "-q",
           *MODES[mode]]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    killed = False
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - t0 > cap and not killed:
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
        time.sleep(0.02)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0, 1) and not killed:
        print(f"  ! {drawing.name} {mode}: exit {proc.returncode}: {err.strip()[-400:]}",
              file=sys.stderr)
    return wall, ru.ru_maxrss / 1024.0, None if killed else proc.returncode


def fmt(res: tuple[float, float, int | None] | None, cap: float) -> str:
    if res is None:
        return "—"
    wall, mb, rc = res
    t = f">{cap:.0f} s" if rc is None else f"{wall:.1f} s"
    return f"{t} / {mb:,.0f} MB"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[10, 50, 200, 1000],
                    help="numbers of residential slabs (slab_grid)")
    ap.add_argument("--modes", nargs="+", choices=list(MODES), default=["default", "json", "nosun"])
    ap.add_argument("--sample", action="store_true", help="also the bundled sample drawing")
    ap.add_argument("--cap", type=float, default=300.0, help="kill a run after this many seconds")
    ap.add_argument("--skip", nargs="*", default=["1000:default", "1000:json"],
                    metavar="N:MODE", help="runs not to make (default: 1000 with sunlight)")
    args = ap.parse_args(argv)

    from plancheck.sketch import write_dxf

    skip = set(args.skip or ())
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    rows: list[tuple[str, dict]] = []
    with tempfile.TemporaryDirectory() as tmp:
        drawings: list[tuple[str, str, Path]] = []
        if args.sample:
            drawings.append(("sample", "the sample", REPO / "samples" / "huangpu-residential.dxf"))
        for n in args.sizes:
            path = Path(tmp) / f"grid-{n}.dxf"
            write_dxf(slab_grid(n), path)
            drawings.append((str(n), f"grid of {n} residential slabs", path))
        for key, label, path in drawings:
            row = {}
            for mode in args.modes:
                if f"{key}:{mode}" in skip:
                    continue
                row[mode] = run_one(path, Path(tmp) / f"out-{key}-{mode}", mode, args.cap)
                print(f"  {label:32} {mode:8} {fmt(row[mode], args.cap)}"
                      f"{'' if row[mode][2] is None else f'  (exit {row[mode][2]})'}", flush=True)
            rows.append((label, row))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print("| drawing | " + " | ".join(TITLES[m] for m in args.modes) + " |")
    print("|---|" + "---|" * len(args.modes))
    for label, row in rows:
        print(f"| {label} | " + " | ".join(fmt(row.get(m), args.cap) for m in args.modes) + " |")
    print("\n(wall time / peak RSS of the child process; — not run)")


if __name__ == "__main__":
    main()
