"""plancheck batch: an intake folder of good, bad and oddly named files; worker isolation
(timeouts, crashes); resuming; interruption; a real Dask LocalCluster; start-up imports."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import REPO

SAMPLES = REPO / "samples"
#: a drawing with no failing finding (roads are absent, so two road rules are unknown)
QUIET_SKETCH = {"site": [[0, 0], [100, 0], [100, 100], [0, 100]],
                "buildings": [{"name": "1#", "use": "residential", "carrier": "xdata",
                               "masses": [{"rect": [20, 20, 80, 32], "floors": 6, "height": 18.0}]}],
                "greens": [[[0, 60], [100, 60], [100, 100], [0, 100]]]}
QUIET_CONTEXT = {"zone": "other", "area": "between-rings", "conditions": {
    "far_max": 2.0, "density_max": 0.3, "green_ratio_min": 0.35, "height_max": 50}}
ODD_NAMES = ["名字 方案.dxf", "e\u202egnp.dxf", "new\nline.dxf", "<img src=x onerror=alert(1)>.dxf",
             "=cmd|' calc'!A0.dxf", "a" * 240 + ".dxf", "CON.dxf"]


def _cli(*args, cwd=REPO, **kw):
    return subprocess.run([sys.executable, "-m", "plancheck", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600, **kw)


def _copy_sample(dst: Path, stem: str = "huangpu-residential") -> Path:
    shutil.copy(SAMPLES / f"{stem}.dxf", dst / f"{stem}.dxf")
    shutil.copy(SAMPLES / f"{stem}.plancheck.yaml", dst / f"{stem}.plancheck.yaml")
    return dst / f"{stem}.dxf"


@pytest.fixture(scope="module")
def intake(tmp_path_factory):
    """Two good drawings (the sample: fails; a quiet one: no failure) and every kind of bad
    file, some under odd names; plus files that are not drawings at all."""
    from plancheck.sketch import write_dxf

    root = tmp_path_factory.mktemp("intake")
    _copy_sample(root)
    (root / "sub").mkdir()
    write_dxf(QUIET_SKETCH, root / "sub" / "quiet.dxf")
    (root / "sub" / "quiet.plancheck.yaml").write_text(yaml.safe_dump(QUIET_CONTEXT), "utf-8")
    sample = (SAMPLES / "huangpu-residential.dxf").read_bytes()
    bad = {
        "empty.dxf": b"",
        "truncated.dxf": sample[: len(sample) // 3],
        "corrupt.dxf": b"  0\nSECTION\n  2\nENTITIES\n" + os.urandom(4000),
        "drawing.dwg": b"AC1032" + os.urandom(2000),
        "photo.png": b"\x89PNG\r\n\x1a\n" + os.urandom(3000),
        "notes.txt": "施工说明\n".encode("utf-8"),
        "json-inside.dxf": (Path(__file__).parent / "data" / "sarif-2.1.0-rtm.5.json").read_bytes()[:5000],
        "garbage-20mb.dxf": os.urandom(20_000_000),
    }
    for name, data in bad.items():
        (root / name).write_bytes(data)
    with open(root / "huge.dxf", "wb") as fh:       # sparse: 600 MB, over the 500 MB default
        fh.truncate(600_000_000)
    for name in ODD_NAMES:                           # each one a copy of the quiet drawing
        shutil.copy(root / "sub" / "quiet.dxf", root / name)
    (root / ".hidden.dxf").write_bytes(sample)
    (root / "orphan.plancheck.yaml").write_text("zone: other\n", "utf-8")
    return root


@pytest.fixture(scope="module")
def batch_run(intake, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "batch"
    t0 = time.perf_counter()
    proc = _cli("batch", str(intake), "--out", str(out), "-j", "2", "--format", "json,sarif")
    return proc, out, time.perf_counter() - t0


def test_every_file_gets_a_row_and_no_traceback(intake, batch_run):
    proc, out, _ = batch_run
    assert proc.returncode == 2, proc.stderr        # worst result: a drawing was unusable
    assert "Traceback" not in proc.stdout + proc.stderr
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    rows = {Path(r["drawing"]).name: r for r in summary["rows"]}
    files = [p for p in intake.rglob("*") if p.is_file() and not p.name.startswith(".")
             and not p.name.endswith(".plancheck.yaml")]
    assert set(rows) == {p.name for p in files}          # nothing lost
    assert len(summary["rows"]) == len(files)
    for name in ("empty.dxf", "truncated.dxf", "drawing.dwg", "photo.png",
                 "notes.txt", "json-inside.dxf", "garbage-20mb.dxf", "huge.dxf"):
        assert rows[name]["verdict"] == "error" and rows[name]["exit"] == 2, name
        assert rows[name]["message"], name
    # random bytes after a valid section head: ezdxf recovers an empty drawing, which the
    # check reports through its own drawing findings (DRW-TRUNCATED / DRW-EMPTY are errors)
    corrupt = rows["corrupt.dxf"]
    assert corrupt["verdict"] == "error" or corrupt["errors"] >= 1
    assert "DWG" in rows["drawing.dwg"]["message"]
    assert "empty" in rows["empty.dxf"]["message"]
    assert "larger than --max-size 500 MB" in rows["huge.dxf"]["message"]
    assert rows["huangpu-residential.dxf"]["verdict"] == "fail"
    assert rows["huangpu-residential.dxf"]["fails"] == 5       # V1 (two paths), V2 (x2), V3
    assert rows["quiet.dxf"]["verdict"] == "incomplete" and rows["quiet.dxf"]["exit"] == 0
    # the quiet drawing: FAR 60 x 12 x 6 / 100 x 100 = 0.432, density 720 / 10000 = 0.072
    assert rows["quiet.dxf"]["far"] == pytest.approx(0.432)
    assert rows["quiet.dxf"]["density"] == pytest.approx(0.072)
    for name in ODD_NAMES:          # a drawing under an odd name is still a drawing
        assert rows[name]["verdict"] == "incomplete", name    # no context file: no zone
    skipped = {Path(s["path"]).name: s["reason"] for s in summary["skipped"]}
    assert skipped == {".hidden.dxf": "hidden file", "orphan.plancheck.yaml": "context file with no drawing"}


def test_output_folders_stay_inside_out(batch_run):
    _, out, _ = batch_run
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    real = out.resolve()
    folders = [r["folder"] for r in summary["rows"]]
    assert len(set(folders)) == len(folders)
    for folder in folders:
        assert (out / folder).resolve().parent == real
        assert len(folder.encode("utf-8")) <= 90
        assert not any(c in folder for c in "/\\\n\u202e.") and not folder.startswith("-")
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == [
        "index.html", "summary.csv", "summary.json"]
    assert not list(out.rglob("*.tmp"))                       # atomic writes leave nothing


def test_safe_names_for_hostile_paths(tmp_path):
    from plancheck.batch.discover import safe_name

    hostile = ["../../x.dxf", "/etc/passwd", "..\\..\\win.dxf", "a/../../b.dxf", "", "..",
               "\u202e\u0000evil", "CON", "名字/方案.dxf", "é" * 200, "🏢.dxf", "-rf.dxf"]
    names = [safe_name(h, str(i)) for i, h in enumerate(hostile)]
    assert len(set(names)) == len(names)
    for n in names:
        assert (tmp_path / n).resolve().parent == tmp_path.resolve()
        assert n and "/" not in n and "\\" not in n and ".." not in n and "\x00" not in n
        assert len(n.encode("utf-8")) <= 80 + 9
    assert safe_name("名字/方案.dxf", "x").startswith("名字_方案-")


def test_drawings_named_with_dot_dot_and_absolute_paths(tmp_path):
    """Paths given as ../../x.dxf and as absolute paths: the reports land inside --out."""
    from plancheck.sketch import write_dxf

    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    drawing = tmp_path / "x.dxf"
    write_dxf(QUIET_SKETCH, drawing)
    out = tmp_path / "a" / "out"
    proc = _cli("batch", "../../x.dxf", str(drawing.resolve()), "--out", str(out), "-q",
                "--format", "json", cwd=deep)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert len(summary["rows"]) == 1                 # the same file, given twice
    assert summary["rows"][0]["drawing"] == "../../x.dxf"
    assert [p.parent for p in out.rglob("report.json")] == [out / summary["rows"][0]["folder"]]


def test_index_summary_csv_escape_and_link(batch_run):
    _, out, _ = batch_run
    index = (out / "index.html").read_text("utf-8")
    assert "<img src=x" not in index
    assert "&lt;img src=x onerror=alert(1)&gt;" in index
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    for r in summary["rows"]:
        if r["verdict"] != "error":
            assert f"href='{r['folder']}/report.json'" in index or r["folder"] not in index
            assert (out / r["folder"] / "report.json").is_file()
            assert (out / r["folder"] / "report.sarif").is_file()
    import csv

    with open(out / "summary.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(summary["rows"])
    from plancheck.batch.outputs import to_csv

    text = to_csv([{"drawing": "=HYPERLINK(\"x\")", "verdict": "fail"}])
    assert "'=HYPERLINK" in text                      # not a formula in a spreadsheet


def test_worker_isolation_timeouts_and_crashes():
    """A child that dies or hangs is replaced; the next call works."""
    from plancheck.batch.isolated import Crashed, Isolated, Timeout

    iso = Isolated()
    try:
        assert iso.call("math:sqrt", (16.0,), 60) == 4.0
        pid = iso.proc.pid
        with pytest.raises(Crashed, match="exit code 3"):
            iso.call("os:_exit", (3,), 60)
        iso.call("math:sqrt", (1.0,), 60)
        with pytest.raises(Crashed, match="SIGKILL"):
            iso.call("os:kill", (iso.proc.pid, signal.SIGKILL), 60)    # it kills itself
        with pytest.raises(Timeout):        # an hour's sleep cannot end within the 0.5 s
            iso.call("time:sleep", (3600,), 0.5)
        assert iso.call("math:sqrt", (9.0,), 60) == 3.0
        assert iso.proc.pid != pid
    finally:
        iso.close()


def _blocking_worker_env(monkeypatch=None) -> dict:
    """The environment under which drawings named block*.dxf never finish (tests/blocking_worker.py)."""
    from blocking_worker import HOOK

    path = os.pathsep.join(p for p in (str(Path(__file__).parent), os.environ.get("PYTHONPATH")) if p)
    if monkeypatch is not None:
        monkeypatch.setenv("PYTHONPATH", path)
        monkeypatch.setenv("PLANCHECK_BATCH_WORKER", HOOK)
    return dict(os.environ, PYTHONPATH=path, PLANCHECK_BATCH_WORKER=HOOK)


def test_a_drawing_past_its_timeout_is_an_error_row(tmp_path, monkeypatch):
    """block.dxf's check never ends (deterministically, on any machine): it is stopped at the
    timeout, becomes an error row, and the batch goes on with a fresh worker. The timeout is
    far above what the quiet drawing needs (well under a second), so only block.dxf meets it."""
    from plancheck.batch import BatchOptions, run_batch
    from plancheck.sketch import write_dxf

    _blocking_worker_env(monkeypatch)
    write_dxf(QUIET_SKETCH, tmp_path / "block.dxf")
    write_dxf(QUIET_SKETCH, tmp_path / "quiet.dxf")
    result = run_batch([tmp_path], BatchOptions(out=tmp_path / "out", jobs=1, timeout=15.0))
    rows = {Path(r["drawing"]).name: r for r in result.rows}
    assert rows["block.dxf"]["verdict"] == "error" and rows["block.dxf"]["exit"] == 2
    assert rows["block.dxf"]["message"] == ("timed out after 15 s (--timeout); the check was "
                                           "stopped")
    assert rows["quiet.dxf"]["verdict"] == "incomplete"      # the batch went on
    assert (tmp_path / "out" / rows["quiet.dxf"]["folder"] / "report.json").is_file()
    assert not (tmp_path / "out" / rows["block.dxf"]["folder"] / "report.json").exists()
    assert result.exit_code == 2


def test_resume_force_and_changes(tmp_path):
    from plancheck.batch import BatchOptions, run_batch
    from plancheck.sketch import write_dxf

    src = tmp_path / "in"
    src.mkdir()
    _copy_sample(src)
    write_dxf(QUIET_SKETCH, src / "quiet.dxf")
    (src / "quiet.plancheck.yaml").write_text(yaml.safe_dump(QUIET_CONTEXT), "utf-8")
    bo = BatchOptions(out=tmp_path / "out", jobs=2)
    first = run_batch([src], bo)
    assert first.exit_code == 1 and not any(r["resumed"] for r in first.rows)
    report = (tmp_path / "out" / first.rows[0]["folder"] / "report.json").stat().st_mtime_ns

    again = run_batch([src], bo)
    assert all(r["resumed"] for r in again.rows)
    assert [r["verdict"] for r in again.rows] == [r["verdict"] for r in first.rows]
    assert (tmp_path / "out" / first.rows[0]["folder"] / "report.json").stat().st_mtime_ns == report

    # a changed context file is a different check: the quiet drawing becomes failing
    (src / "quiet.plancheck.yaml").write_text(yaml.safe_dump(
        {**QUIET_CONTEXT, "conditions": {**QUIET_CONTEXT["conditions"], "far_max": 0.4}}), "utf-8")
    changed = {Path(r["drawing"]).name: r for r in run_batch([src], bo).rows}
    assert changed["huangpu-residential.dxf"]["resumed"] is True
    assert changed["quiet.dxf"]["resumed"] is False
    assert changed["quiet.dxf"]["verdict"] == "fail"     # FAR 0.432 > 0.4

    forced = run_batch([src], BatchOptions(out=tmp_path / "out", jobs=2, force=True))
    assert not any(r["resumed"] for r in forced.rows)


def test_an_interrupted_batch_leaves_no_half_written_report(tmp_path):
    from plancheck.sketch import write_dxf

    src = tmp_path / "in"
    src.mkdir()
    write_dxf(QUIET_SKETCH, src / "site0.dxf")
    for i in range(1, 5):
        shutil.copy(src / "site0.dxf", src / f"site{i}.dxf")
    shutil.copy(src / "site0.dxf", src / "block.dxf")   # never finishes: the kill always comes first
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "plancheck", "batch", str(src), "--out",
                             str(out), "-j", "2", "-q", "--format", "json"], cwd=REPO, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_blocking_worker_env())
    try:
        deadline = time.monotonic() + 300
        while not list(out.glob("*/batch.json")) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)          # the batch and its worker processes
        proc.wait()
    done = list(out.glob("*/batch.json"))
    assert 1 <= len(done) < 6
    for report in out.rglob("report.json"):
        json.loads(report.read_text("utf-8"))        # complete, or not there at all
    proc = _cli("batch", str(src), "--out", str(out), "-j", "2", "-q", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert len(summary["rows"]) == 6
    assert summary["resumed"] >= len(done)
    assert {r["verdict"] for r in summary["rows"]} == {"incomplete"}     # no context: no zone


def test_dask_local_cluster_gives_the_local_results(tmp_path):
    """A real LocalCluster with three worker processes; every row and report as locally."""
    distributed = pytest.importorskip("distributed")
    from plancheck.batch import BatchOptions, run_batch
    from plancheck.sketch import write_dxf

    src = tmp_path / "in"
    src.mkdir()
    _copy_sample(src)
    write_dxf(QUIET_SKETCH, src / "quiet.dxf")
    (src / "quiet.plancheck.yaml").write_text(yaml.safe_dump(QUIET_CONTEXT), "utf-8")
    (src / "broken.dxf").write_bytes(b"  0\nSECTION\n  2\nHEADER\n")
    (src / "readme.txt").write_text("not a drawing", "utf-8")
    local = run_batch([src], BatchOptions(out=tmp_path / "local", jobs=2))
    with distributed.LocalCluster(n_workers=3, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = run_batch([src], BatchOptions(out=tmp_path / "dask",
                                               scheduler=cluster.scheduler_address))
    assert remote.exit_code == local.exit_code == 2

    def strip(rows):
        return [{k: v for k, v in r.items() if k not in ("seconds",)} for r in rows]

    assert strip(remote.rows) == strip(local.rows)
    for r in local.rows:
        a, b = tmp_path / "local" / r["folder"], tmp_path / "dask" / r["folder"]
        assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())
        if r["verdict"] != "error":
            assert json.loads((a / "report.json").read_text("utf-8")) == \
                json.loads((b / "report.json").read_text("utf-8"))


def test_unreachable_scheduler_is_one_line(tmp_path):
    pytest.importorskip("distributed")
    _copy_sample(tmp_path)
    proc = _cli("batch", str(tmp_path / "huangpu-residential.dxf"), "--out", str(tmp_path / "o"),
                "--scheduler", "tcp://127.0.0.1:9", "-q")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "Dask scheduler" in proc.stderr


def test_exit_codes_follow_the_worst_drawing(tmp_path):
    from plancheck.batch import BatchOptions, run_batch
    from plancheck.sketch import write_dxf

    write_dxf(QUIET_SKETCH, tmp_path / "quiet.dxf")
    (tmp_path / "quiet.plancheck.yaml").write_text(yaml.safe_dump(QUIET_CONTEXT), "utf-8")
    quiet = [tmp_path / "quiet.dxf"]
    assert run_batch(quiet, BatchOptions(out=tmp_path / "o1")).exit_code == 0
    strict = run_batch(quiet, BatchOptions(out=tmp_path / "o2", strict=True))
    assert strict.exit_code == 1                       # two road rules are unknown
    nothing = _cli("batch", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o3"), "-q",
                   "--format", "json")
    assert nothing.returncode == 2 and "no such file" in (tmp_path / "o3" / "summary.json").read_text("utf-8")


HEAVY = ("numpy", "shapely", "ezdxf", "numba", "scipy", "matplotlib", "pyvista", "vtk",
         "dask", "distributed", "trimesh", "pandas")


@pytest.mark.parametrize("argv", [["--help"], ["rules", "list"], ["batch", "--help"],
                                  ["diff", "--help"]])
def test_light_commands_import_no_heavy_library(argv):
    code = ("import sys\nfrom plancheck.cli import app\n"
            f"try:\n    app({argv!r})\nexcept SystemExit:\n    pass\n"
            f"print('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    marker = [line for line in proc.stdout.splitlines() if line.startswith("HEAVY=")]
    assert marker == ["HEAVY="], (marker, proc.stderr[-500:])


def test_pre_commit_hooks_run_as_declared(tmp_path):
    """The hooks' entries are real commands: run each on a quiet drawing, as pre-commit
    would (the entry, then the staged file names)."""
    import shlex

    from plancheck.sketch import write_dxf

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert {h["id"] for h in hooks} == {"plancheck", "plancheck-strict"}
    write_dxf(QUIET_SKETCH, tmp_path / "quiet.dxf")
    (tmp_path / "quiet.plancheck.yaml").write_text(yaml.safe_dump(QUIET_CONTEXT), "utf-8")
    codes = {}
    for hook in hooks:
        argv = shlex.split(hook["entry"])
        assert argv[0] == "plancheck" and hook["language"] == "python"
        assert re.search(hook["files"], "site.DXF") and not re.search(hook["files"], "a.dwg")
        proc = _cli(*argv[1:], "quiet.dxf", cwd=tmp_path)
        codes[hook["id"]] = proc.returncode
        assert (tmp_path / ".plancheck-reports" / "index.html").is_file()
    assert codes == {"plancheck": 0, "plancheck-strict": 1}    # two road rules are unknown
