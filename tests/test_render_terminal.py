"""Terminal renderings: `inspect` keeps drawing problems and clause findings apart and points
at --suggest; finding lines read as comparisons."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

REPO = Path(__file__).resolve().parents[1]


def _text(renderable) -> str:
    console = Console(record=True, width=200, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_inspect_lists_clause_fails_apart_from_drawing_problems():
    from plancheck.pipeline import Options, check
    from plancheck.render import terminal

    report = check(REPO / "samples" / "huangpu-residential.dxf", Options(sunlight=False)).report
    text = _text(terminal.inspection(report))
    drawing_part, _, clause_part = text.partition("Clause findings")
    fid = next(f["id"] for f in report["findings"] if f["rule"] == "SH-49-1" and f["status"] == "fail")
    assert fid not in drawing_part and fid in clause_part               # SH-49-1 is no drawing problem
    assert "87.00 m > 78.00 m" in clause_part                           # a height over its limit
    assert "12.00 m < 15.00 m" in clause_part                           # a setback short of its minimum
    assert "inspect --suggest" in text


def test_a_pdf_passed_as_a_drawing_is_named_a_pdf(tmp_path):
    import subprocess
    import sys

    pdf = tmp_path / "site.dxf"
    pdf.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Annot /Subtype /Link >>\nendobj\n0\nSECTION\n")
    proc = subprocess.run([sys.executable, "-m", "plancheck", "check", str(pdf), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2
    assert "PDF" in proc.stderr and "Invalid group code" not in proc.stderr, proc.stderr
