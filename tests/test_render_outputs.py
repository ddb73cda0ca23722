"""Output folders: each run kind owns what it writes (check and sunlight may share a folder);
`check` tells its progress on stderr with -v (or on a terminal), never on stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_a_rerun_removes_only_its_own_stale_outputs(tmp_path):
    from plancheck.render.formats import MANIFEST, own_outputs

    figs = tmp_path / "figures"
    figs.mkdir()
    for name in ("sunlight-1u23.png", "sunlight-E2.png", "plan.png", "F0001.png", "mine.txt"):
        (figs / name).write_bytes(b"x")
    # `sunlight` wrote two sheets, `check` the plan and a finding view
    own_outputs(tmp_path, "sunlight", [figs / "sunlight-1u23.png", figs / "sunlight-E2.png"])
    own_outputs(tmp_path, "check", [figs / "plan.png", figs / "F0001.png"])
    # the next check no longer has F0001 failing: its view goes, nothing else does
    removed = own_outputs(tmp_path, "check", [figs / "plan.png"])
    assert removed == [(figs / "F0001.png").resolve()]
    assert sorted(p.name for p in figs.iterdir()) == ["mine.txt", "plan.png", "sunlight-1u23.png",
                                                       "sunlight-E2.png"]
    # a sunlight rerun with one receiver left removes the other sheet
    own_outputs(tmp_path, "sunlight", [figs / "sunlight-1u23.png"])
    assert not (figs / "sunlight-E2.png").exists() and (figs / "plan.png").exists()
    manifest = json.loads((tmp_path / MANIFEST).read_text("utf-8"))
    assert manifest == {"sunlight": ["figures/sunlight-1u23.png"], "check": ["figures/plan.png"]}
    # a manifest naming a path outside the folder never deletes it
    outside = tmp_path.parent / f"{tmp_path.name}-keep.txt"
    outside.write_text("keep")
    (tmp_path / MANIFEST).write_text(json.dumps({"check": ["../" + outside.name]}), "utf-8")
    assert own_outputs(tmp_path, "check", []) == [] and outside.exists()


def test_check_tells_its_progress_on_stderr_with_verbose(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "plancheck", "check", "samples/huangpu-residential.dxf",
                           "--out", str(tmp_path), "--format", "json", "--no-sunlight", "-v"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1, proc.stderr
    assert "plancheck: checking samples/huangpu-residential.dxf…" in proc.stderr
    assert "plancheck: writing json…" in proc.stderr and "plancheck:" not in proc.stdout
    quiet = subprocess.run([sys.executable, "-m", "plancheck", "check", "samples/huangpu-residential.dxf",
                            "--out", str(tmp_path), "--format", "json", "--no-sunlight"],
                           capture_output=True, text=True, cwd=REPO)
    assert "plancheck:" not in quiet.stderr          # not a terminal, no -v: silent


def test_an_empty_drawing_still_gets_every_output(tmp_path):
    """A DXF with nothing in it: report.json, the figures, an (empty) model.glb and report.html,
    not an internal error after report.json."""
    import ezdxf

    ezdxf.new().saveas(tmp_path / "empty.dxf")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "plancheck", "check", str(tmp_path / "empty.dxf"),
                           "--out", str(out), "--format", "json,glb,html", "-q"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode in (0, 1), proc.stderr
    assert "internal error" not in proc.stderr
    glb = (out / "model.glb").read_bytes()
    assert glb[:4] == b"glTF" and int.from_bytes(glb[8:12], "little") == len(glb)
    page = (out / "report.html").read_text("utf-8")
    assert "DRW-EMPTY" in page
