"""The command line: exit codes, outputs, context pick-up, escaping, report contract."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import jsonschema
import pytest

from tests.test_bad_input import run_cli

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "plancheck" / "results" /
                     "report.schema.json").read_text("utf-8"))
SITE = [[0, 0], [200, 0], [200, 200], [0, 200]]


def scheme(name="1#", height=18.0):
    return {"site": SITE, "buildings": [{"name": name, "use": "residential", "masses": [
        {"rect": [20, 20, 80, 32], "floors": 6, "height": height}]}]}


def test_version_and_help():
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("plancheck 0.")
    proc = run_cli("--help")
    assert proc.returncode == 0 and "check" in proc.stdout and "inspect" in proc.stdout


@pytest.mark.parametrize("command", ["check", "sunlight", "inspect", "report", "diff", "batch", "rules"])
def test_help_shows_no_placeholder_on_flags_and_lists_formats(command):
    """A flag takes no value, so its help line has no `<bool>`; --format says what it takes."""
    from plancheck.render.formats import FORMATS

    proc = run_cli(command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert "<bool>" not in proc.stdout
    if "--format" in proc.stdout:
        flat = re.sub(r"[│\s]+", " ", proc.stdout)      # rich's box and wrapping
        assert all(name in flat.split("One or more of:")[1] for name in FORMATS), flat


def test_help_imports_no_heavy_library():
    """`plancheck --help` must start light: the drawing stack is imported by commands only."""
    import subprocess
    import sys

    code = ("import sys; sys.argv=['plancheck','--help']\n"
            "from plancheck import cli\n"
            "try: cli.app()\nexcept SystemExit: pass\n"
            "heavy={'ezdxf','shapely','numpy','numba','pyvista','matplotlib','trimesh'} & set(sys.modules)\n"
            "print('HEAVY', sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert "HEAVY []" in out


def test_check_writes_report_that_follows_the_contract(draw, tmp_path):
    path = draw(scheme(), context={"zone": "other", "area": "between-rings",
                                   "conditions": {"far_max": 2.5}})
    out = tmp_path / "out"
    proc = run_cli("check", str(path), "--out", str(out))
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads((out / "report.json").read_text("utf-8"))
    jsonschema.validate(report, SCHEMA)
    # the context file beside the drawing was picked up without --context
    assert report["context"]["zone"] == "other"
    assert report["context"]["conditions"] == {"far_max": 2.5}
    assert report["drawing"]["sha256"] == __import__("hashlib").sha256(path.read_bytes()).hexdigest()
    assert report["summary"] == {s: sum(f["status"] == s for f in report["findings"])
                                 for s in ("pass", "fail", "unknown", "warning", "error")}
    assert proc.returncode == (1 if report["summary"]["fail"] else 0)


def test_default_out_folder_is_reports_stem(draw, tmp_path):
    path = draw(scheme(), name="my scheme")
    proc = run_cli("check", str(path), "-q", cwd=tmp_path)
    assert proc.returncode in (0, 1) and proc.stdout == ""
    assert (tmp_path / "reports" / "my_scheme" / "report.json").is_file()


def test_strict_counts_unknown(draw, tmp_path):
    # no site: the data finding is an error -> verdict incomplete; exit 0 normally, 1 with --strict
    sk = scheme()
    del sk["site"]
    path = draw(sk)
    normal = run_cli("check", str(path), "--out", str(tmp_path / "a"))
    # the outputs of this drawing are the normal run's; --strict changes only the exit code
    strict = run_cli("check", str(path), "--out", str(tmp_path / "b"), "--strict", "--format", "json")
    report = json.loads((tmp_path / "a" / "report.json").read_text("utf-8"))
    assert report["verdict"] == "incomplete"
    if not report["summary"]["fail"]:
        assert normal.returncode == 0
    assert strict.returncode == 1


def test_drawing_text_is_never_markup(draw, tmp_path):
    name = "[bold red]x[/bold red]<script>alert(1)</script>"
    path = draw(scheme(name=name.replace(" ", "_")))
    proc = run_cli("inspect", str(path), "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    assert "[bold_red]x[/bold_red]<script>alert(1)</script>" in proc.stdout.replace("\n", "")


def test_english_messages(draw, tmp_path):
    sk = scheme()
    del sk["site"]
    proc = run_cli("check", str(draw(sk)), "--lang", "en", "--out", str(tmp_path))
    report = json.loads((tmp_path / "report.json").read_text("utf-8"))
    (f,) = [f for f in report["findings"] if f["rule"] == "DRW-SITE-MISSING"]
    assert f["message"].startswith("no site parcel")


def test_terminal_folds_repeated_unknowns_but_lists_every_fail():
    """A real drawing without heights or road widths gives hundreds of unknown pairs: the
    terminal lists 5 per rule and counts the rest; every fail is listed; --verbose lists all."""
    from rich.console import Console

    from plancheck.render import terminal

    def finding(i, rule, status):
        return {"id": f"F{i:04d}", "rule": rule, "clause": "第三十四条", "family": "road-setback",
                "status": status, "subjects": [f"{i}#"], "measured": None, "required": None,
                "unit": "m", "message": f"message {i}"}

    report = {"findings": [finding(i, "SH-34", "unknown") for i in range(1, 13)]
              + [finding(i, "SH-23-1", "fail") for i in range(13, 20)]}

    def shown(per_rule):
        console = Console(file=io.StringIO(), width=200)
        console.print(terminal.findings_list(report, ("fail", "unknown"), per_rule=per_rule))
        return console.file.getvalue()

    folded = shown(terminal.PER_RULE)
    assert [i for i in range(1, 20) if f"message {i}\n" in folded] == [1, 2, 3, 4, 5, *range(13, 20)]
    assert "… 7 more unknown SH-34" in folded
    everything = shown(None)
    assert all(f"message {i}\n" in everything for i in range(1, 20)) and "more" not in everything
