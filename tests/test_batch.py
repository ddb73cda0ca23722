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


#: files beside the drawings of an intake folder: skipped, never rows
NOT_DRAWINGS = {"photo.png": b"\x89PNG\r\n\x1a\n" + os.urandom(3000),
                "notes.txt": "施工说明\n".encode("utf-8"),
                "设计说明.PDF": b"%PDF-1.4\n" + os.urandom(2000),
                "sub/quiet.json": b'{"site": "quiet"}',
                "README": b"intake", "<svg onload=alert(1)>.png": b"\x89PNG\r\n\x1a\n"}


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
    drawing, some under odd names; plus files that are not drawings at all (skipped)."""
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
        "json-inside.dxf": (Path(__file__).parent / "data" / "sarif-2.1.0-rtm.5.json").read_bytes()[:5000],
        "garbage-20mb.dxf": os.urandom(20_000_000),
    }
    for name, data in {**bad, **NOT_DRAWINGS}.items():
        (root / name).write_bytes(data)
    with open(root / "huge.dxf", "wb") as fh:       # sparse: 600 MB, over the 500 MB default
        fh.truncate(600_000_000)
    for name in ODD_NAMES + ["SHOUT.DXF"]:           # each one a copy of the quiet drawing
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


def test_every_drawing_gets_a_row_and_no_traceback(intake, batch_run):
    proc, out, _ = batch_run
    assert proc.returncode == 2, proc.stderr        # worst result: a drawing was unusable
    assert "Traceback" not in proc.stdout + proc.stderr
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    rows = {Path(r["drawing"]).name: r for r in summary["rows"]}
    files = [p for p in intake.rglob("*") if p.is_file() and not p.name.startswith(".")
             and p.suffix.lower() in (".dxf", ".dwg")]
    assert set(rows) == {p.name for p in files}          # no drawing lost
    assert len(summary["rows"]) == len(files) == summary["drawings"]
    assert sum(summary["totals"].values()) == len(files)  # skipped files are in no total
    for name in ("empty.dxf", "truncated.dxf", "drawing.dwg", "json-inside.dxf",
                 "garbage-20mb.dxf", "huge.dxf"):
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
    # samples/README.md: V1 (SH-27 settled on sunlight + SH-SUN-27 for 1#), V2 (SH-34,
    # SH-49-1; the edge is a red line, so no SH-33-1), V3 (SH-25), V4 (SH-SUN-9, E2): 2 + 2 + 1 + 1
    assert rows["huangpu-residential.dxf"]["fails"] == 2 + 2 + 1 + 1
    assert rows["quiet.dxf"]["verdict"] == "incomplete" and rows["quiet.dxf"]["exit"] == 0
    # the quiet drawing: FAR 60 x 12 x 6 / 100 x 100 = 0.432, density 720 / 10000 = 0.072
    assert rows["quiet.dxf"]["far"] == pytest.approx(0.432)
    assert rows["quiet.dxf"]["density"] == pytest.approx(0.072)
    for name in ODD_NAMES + ["SHOUT.DXF"]:   # a drawing under an odd name is still a drawing
        assert rows[name]["verdict"] == "incomplete", name    # no context file: no zone
    skipped = {Path(s["path"]).name: s["reason"] for s in summary["skipped"]}
    assert skipped == {".hidden.dxf": "hidden file", "orphan.plancheck.yaml": "context file with no drawing",
                       "photo.png": "not a drawing: .png", "notes.txt": "not a drawing: .txt",
                       "设计说明.PDF": "not a drawing: .pdf", "quiet.json": "not a drawing: .json",
                       "README": "not a drawing (no extension)",
                       "<svg onload=alert(1)>.png": "not a drawing: .png"}
    assert "skipped: " in proc.stdout and "not a drawing: .pdf" in proc.stdout
    # the intake folder holds drawings of its own: one flat intake, its sub/ folder a part of it
    assert summary["no_drawing"] == []


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
        ".plancheck-batch.lock", "index.html", "summary.csv", "summary.json"]   # lock: test_attacks
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
    assert "<svg" not in index and ("&lt;svg onload=alert(1)&gt;.png</bdi></td>"
                                    "<td dir=\"auto\"><bdi>not a drawing: .png") in index
    assert "设计说明.PDF</bdi></td><td dir=\"auto\"><bdi>not a drawing: .pdf" in index  # the skipped list
    assert "no-drawing" not in index                                # no empty submission
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    for r in summary["rows"]:
        if r["verdict"] != "error":
            assert f'href="{r["folder"]}/report.json"' in index or r["folder"] not in index
            assert (out / r["folder"] / "report.json").is_file()
            assert (out / r["folder"] / "report.sarif").is_file()
    import csv

    with open(out / "summary.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(summary["rows"])
    from plancheck.batch.outputs import to_csv

    text = to_csv([{"drawing": "=HYPERLINK(\"x\")", "verdict": "fail"}])
    assert "'=HYPERLINK" in text                      # not a formula in a spreadsheet


def _submissions(root: Path) -> Path:
    """An intake folder of submissions as a reviewer gets it (intake/<submission>/...)."""
    from plancheck.sketch import write_dxf

    for d in ("a/docs", "b", "c", "d/图纸", "d/说明", "e", ".git"):
        (root / d).mkdir(parents=True)
    write_dxf(QUIET_SKETCH, root / "a" / "site.dxf")
    (root / "a" / "site.plancheck.yaml").write_text(yaml.safe_dump(QUIET_CONTEXT), "utf-8")
    (root / "a" / "site.json").write_text('{"submitted": "2024-06-01"}', "utf-8")
    (root / "a" / "docs" / "说明.pdf").write_bytes(b"%PDF-1.4\n")          # beside a drawing
    (root / "b" / "old.dwg").write_bytes(b"AC1032" + bytes(200))           # a DWG: converter
    (root / "b" / "damaged.DWG").write_bytes(bytes(200))                    # by its name only
    (root / "b" / "fake.DXF").write_text("a .dxf that is no DXF", "utf-8")   # a clean error row
    (root / "b" / "b.zip").write_bytes(b"PK\x03\x04")
    (root / "c" / "<b>design</b>.pdf".replace("/", "_")).write_bytes(b"%PDF-1.4\n")   # alone
    (root / "c" / "c.plancheck.yaml").write_text("zone: other\n", "utf-8")
    write_dxf(QUIET_SKETCH, root / "d" / "图纸" / "site.dxf")               # a drawing deeper down
    (root / "d" / "说明" / "design.pdf").write_bytes(b"%PDF-1.4\n")
    (root / ".git" / "config").write_text("[core]\n", "utf-8")            # not a submission
    (root / "list.xlsx").write_bytes(b"PK\x03\x04")                       # the intake's own list
    return root


def test_non_drawings_are_skipped_and_empty_submissions_noted(tmp_path):
    from plancheck.batch import BatchOptions, run_batch

    root = _submissions(tmp_path / "intake")
    out = root / "reports"                     # --out inside the intake: not a submission
    result = run_batch([root], BatchOptions(out=out, jobs=2))
    rows = {Path(r["drawing"]).relative_to(root).as_posix(): r for r in result.rows}
    assert set(rows) == {"a/site.dxf", "b/old.dwg", "b/damaged.DWG", "b/fake.DXF", "d/图纸/site.dxf"}
    assert rows["a/site.dxf"]["verdict"] == rows["d/图纸/site.dxf"]["verdict"] == "incomplete"
    assert "ODA File Converter" in rows["b/old.dwg"]["message"]
    assert "ODA File Converter" in rows["b/damaged.DWG"]["message"]
    assert "not a DXF file" in rows["b/fake.DXF"]["message"]
    skipped = {Path(s["path"]).relative_to(root).as_posix(): s["reason"] for s in result.skipped}
    assert skipped == {".git": "hidden folder", "list.xlsx": "not a drawing: .xlsx",
                       "a/site.json": "not a drawing: .json", "a/docs/说明.pdf": "not a drawing: .pdf",
                       "b/b.zip": "not a drawing: .zip", "c/<b>design<_b>.pdf": "not a drawing: .pdf",
                       "c/c.plancheck.yaml": "context file with no drawing",
                       "d/说明/design.pdf": "not a drawing: .pdf"}
    # c holds only a PDF (and a context file), e nothing: a and d have drawings at some depth
    assert [(Path(n["folder"]).relative_to(root).as_posix(),
             sorted(Path(p).name for p in n["skipped"])) for n in result.no_drawing] == [
        ("c", ["<b>design<_b>.pdf", "c.plancheck.yaml"]), ("e", [])]
    assert result.exit_code == 2               # the DWGs and the fake DXF, nothing else

    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["totals"] == {"pass": 0, "fail": 0, "incomplete": 2, "error": 3}
    assert summary["drawings"] == 5 and summary["exit_code"] == 2
    assert summary["skipped"] == result.skipped and summary["no_drawing"] == result.no_drawing
    import csv

    with open(out / "summary.csv", encoding="utf-8-sig", newline="") as fh:
        assert sorted(Path(r["drawing"]).name for r in csv.DictReader(fh)) == [
            "damaged.DWG", "fake.DXF", "old.dwg", "site.dxf", "site.dxf"]
    index = (out / "index.html").read_text("utf-8")
    empty = index[index.index('<div class="empty"'):index.index("</div>")]
    assert "2 submission folder(s)" in empty
    assert (f'<b dir="auto"><bdi>{root / "c"}</bdi></b>: nothing to check (only '
            '<bdi>&lt;b&gt;design&lt;_b&gt;.pdf</bdi>, <bdi>c.plancheck.yaml') in empty
    assert f'<b dir="auto"><bdi>{root / "e"}</bdi></b>: nothing to check (no files' in empty
    assert "<b>design" not in index                                 # file names are escaped
    assert "8 file(s) skipped, not checked (3 not a drawing: .pdf, 1 context file" in index


def test_skipped_files_leave_the_exit_code_alone(tmp_path):
    """The reported case: a JSON file beside every drawing. The drawings' rows only, exit 0."""
    from plancheck.sketch import write_dxf

    for i in range(3):
        write_dxf(QUIET_SKETCH, tmp_path / f"site{i}.dxf")
        (tmp_path / f"site{i}.plancheck.yaml").write_text(yaml.safe_dump(QUIET_CONTEXT), "utf-8")
        (tmp_path / f"site{i}.json").write_text("{}", "utf-8")
    (tmp_path / "说明.pdf").write_bytes(b"%PDF-1.4\n")
    out = tmp_path / "out"
    proc = _cli("batch", str(tmp_path), "--out", str(out), "-j", "2", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["drawings"] == 3 and summary["totals"]["error"] == 0
    assert sorted(Path(s["path"]).name for s in summary["skipped"]) == [
        "site0.json", "site1.json", "site2.json", "说明.pdf"]
    assert "skipped: " in proc.stdout and "(not a drawing: .json)" in proc.stdout
    assert "nothing to check" not in proc.stdout
    # a file named on the command line is checked, whatever it is: the user asked for it
    named = _cli("batch", str(tmp_path / "说明.pdf"), str(tmp_path / "site0.dxf"), "--out",
                 str(tmp_path / "named"), "-q", "--format", "json")
    assert named.returncode == 2
    rows = json.loads((tmp_path / "named" / "summary.json").read_text("utf-8"))["rows"]
    assert [(Path(r["drawing"]).name, r["verdict"]) for r in rows] == [
        ("说明.pdf", "error"), ("site0.dxf", "incomplete")]
    assert "not a DXF file" in rows[0]["message"]


def test_what_counts_as_a_submission_folder(tmp_path):
    """Pure discovery: the folders named, or directly inside one named, with no drawing at
    any depth; a named folder with drawings of its own is one submission."""
    from plancheck.batch import BatchOptions, run_batch
    from plancheck.batch.discover import discover
    from plancheck.errors import PlancheckError

    root = _submissions(tmp_path / "intake")

    def notes(*paths, out=None):
        _, _, found = discover(list(paths), out)
        return [(n["folder"], [Path(p).name for p in n["skipped"]]) for n in found]

    assert notes(root) == [(str(root / "c"), ["<b>design<_b>.pdf", "c.plancheck.yaml"]),
                           (str(root / "e"), [])]
    assert notes(root / "a") == []               # one submission with its docs/: nothing noted
    # named alone, d has no drawing of its own: it reads as an intake of two submissions,
    # 图纸 and 说明 (the README says so); the note is true, if not needed
    assert notes(root / "d") == [(str(root / "d" / "说明"), ["design.pdf"])]
    assert notes(root / "a", root / "c") == [(str(root / "c"), ["<b>design<_b>.pdf", "c.plancheck.yaml"])]
    (root / "e" / "f.dxf").write_bytes(b"")
    assert [f for f, _ in notes(root)] == [str(root / "c")]
    (root / "link").symlink_to(root / "d", target_is_directory=True)
    items, skipped, _ = discover([root], root / "reports")
    assert {"path": str(root / "link"), "reason": "link to a folder (not followed)"} in skipped
    assert sum("图纸" in i.display for i in items) == 1                # not found twice
    # a file named on its own and found in a folder: a row, not also a skipped file
    items, skipped, found = discover([root / "c" / "c.plancheck.yaml", root])
    assert [i.display for i in items][0] == str(root / "c" / "c.plancheck.yaml")
    assert not any(s["path"].endswith("c.plancheck.yaml") for s in skipped)
    assert found[0]["skipped"] == [str(root / "c" / "<b>design<_b>.pdf")]
    # a folder with no drawing at all, named alone: one line, no batch
    with pytest.raises(PlancheckError, match=r"no drawings \(.dxf, .dwg\) found in .*2 other file"):
        run_batch([root / "c"], BatchOptions(out=tmp_path / "o"))


def test_terminal_summary_counts_many_skipped_files(tmp_path):
    """A real intake's hundreds of PDFs are one line per reason in the terminal, not a page."""
    from rich.console import Console

    from plancheck.batch import BatchResult
    from plancheck.cli import SKIPPED_LISTED, _batch_summary

    skipped = ([{"path": f"in/s{i}/说明.pdf", "reason": "not a drawing: .pdf"} for i in range(30)]
               + [{"path": "in/.DS_Store", "reason": "hidden file"}])
    result = BatchResult([], skipped, 0.0, 1.0, 0,
                         no_drawing=[{"folder": "in/s7", "skipped": ["in/s7/说明.pdf"]}])
    console = Console(record=True, width=200)
    console.print(_batch_summary(result, tmp_path))
    text = console.export_text()
    assert len(skipped) > SKIPPED_LISTED and "说明.pdf (not a drawing" not in text
    assert "skipped 31 files, not checked: 30 not a drawing: .pdf, 1 hidden file" in text
    assert "nothing to check in in/s7: no drawing, only 1 other file(s)" in text


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
    far above what the quiet drawing's call needs (about 0.5 s warm; a fresh machine may first
    compile the numba kernels, several seconds under a busy parallel suite), so only block.dxf
    meets it."""
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
         "dask", "distributed", "trimesh", "pandas", "pvlib")


@pytest.mark.parametrize("argv", [["--help"], ["rules", "list"], ["batch", "--help"],
                                  ["diff", "--help"], ["sunlight", "--help"]])
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
