"""Unusable files exit 2 with one clear line and no traceback; damaged ones are recovered."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REALDATA, realdata


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "plancheck", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def assert_clean_exit2(proc: subprocess.CompletedProcess, words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert words in lines[0]


@pytest.fixture
def site_dxf(draw):
    return draw({"site": [[0, 0], [200, 0], [200, 200], [0, 200]], "buildings": [
        {"name": "1#", "use": "residential", "masses": [{"rect": [20, 20, 80, 32], "floors": 6, "height": 18}]}]})


@pytest.mark.parametrize("content, words", [
    (b"hello world\n", "not a DXF file"),
    (b"", "empty"),
    (bytes(range(256)) * 20, "not a DXF file"),
    (b"AC1032\x00\x00\x00binary dwg body", "DWG"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "not a DXF file"),
])
def test_garbage_exits_2(tmp_path, content, words):
    bad = tmp_path / "bad.dxf"
    bad.write_bytes(content)
    assert_clean_exit2(run_cli("check", str(bad), "--out", str(tmp_path / "out")), words)


def test_missing_file_and_folder(tmp_path):
    assert_clean_exit2(run_cli("check", str(tmp_path / "nope.dxf")), "no such file")
    assert_clean_exit2(run_cli("check", str(tmp_path)), "folder")


def test_truncated_in_header_exits_2(tmp_path, site_dxf):
    cut = tmp_path / "cut.dxf"
    cut.write_bytes(site_dxf.read_bytes()[:400])
    assert_clean_exit2(run_cli("check", str(cut)), "truncated")


def test_truncated_in_entities_is_recovered_and_flagged(tmp_path, site_dxf):
    from plancheck.pipeline import check

    data = site_dxf.read_bytes()
    cut = tmp_path / "cut.dxf"
    cut.write_bytes(data[: data.rindex(b"PC-TEXT")])  # cut inside the last entity (the label)
    report = check(cut).report
    (f,) = [f for f in report["findings"] if f["rule"] == "DRW-TRUNCATED"]
    assert f["status"] == "error" and report["verdict"] != "pass"
    assert report["drawing"]["recovered"] is True
    assert report["indicators"]["site_area_m2"] > 0  # the site came before the cut


def test_bad_context_and_flags(tmp_path, site_dxf):
    ctx = tmp_path / "ctx.yaml"
    ctx.write_text("zone: [unclosed\n", encoding="utf-8")
    assert_clean_exit2(run_cli("check", str(site_dxf), "--context", str(ctx)), "not valid YAML")
    ctx.write_text("zone: downtown\n", encoding="utf-8")
    assert_clean_exit2(run_cli("check", str(site_dxf), "--context", str(ctx)), "zone must be one of")
    assert_clean_exit2(run_cli("check", str(site_dxf), "--units", "furlong"), "--units must be one of")
    assert_clean_exit2(run_cli("check", str(site_dxf), "--figures", "passes"), "--figures must be one of")


def test_binary_dxf_reads():
    from plancheck.pipeline import check

    report = check(realdata("dxf-misc", "bin_dxf_r12.dxf")).report
    assert report["drawing"]["entities"] == 3
    assert any(f["rule"] == "DRW-SITE-MISSING" for f in report["findings"])


def test_recoverable_file_warns():
    from plancheck.pipeline import check

    report = check(realdata("dxf-misc", "recover01.dxf")).report
    assert report["drawing"]["recovered"] is True
    assert any(f["rule"] in ("DRW-RECOVERED", "DRW-TRUNCATED") for f in report["findings"])


REAL_FILES = sorted(p for sub in ("dxf-misc", "dxf-siteplans") for p in (REALDATA / sub).glob("*")
                    if p.suffix.lower() == ".dxf") if REALDATA.exists() else []


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_every_real_file_inspects_or_exits_2(path):
    """`plancheck inspect` reads each real DXF (saying what is missing) or exits 2 cleanly."""
    proc = run_cli("inspect", str(path))
    assert "Traceback" not in proc.stdout + proc.stderr
    if proc.returncode == 2:
        assert len([l for l in proc.stderr.splitlines() if l.strip()]) == 1
    else:
        assert proc.returncode == 0, proc.stderr
        assert "Layers" in proc.stdout and "DRW-SITE-MISSING" in proc.stdout
