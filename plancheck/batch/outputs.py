"""The batch's own outputs: index.html (a sortable table linking every report, the submission
folders with nothing to check, the skipped files), summary.csv (the rows) and summary.json.
Skipped files are in no total and no row. Text from file names and messages is escaped
(HTML) or neutralised (CSV cells that a spreadsheet would read as a formula)."""

from __future__ import annotations

import csv
import io
import json
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from plancheck import __version__
from plancheck.render.json_file import write_atomic

COLUMNS = ("drawing", "verdict", "exit", "fails", "unknowns", "errors", "warnings", "far",
           "density", "green_ratio", "max_height_m", "site_area_m2", "seconds", "resumed",
           "folder", "message")
REPORT_FILES = ("report.html", "report.json")   # what the index links, best first


def write_outputs(out: Path, result, bo) -> list[Path]:
    totals = {v: sum(r["verdict"] == v for r in result.rows)
              for v in ("pass", "fail", "incomplete", "error")}
    summary = {
        "schema": "plancheck.batch/1",
        "tool": {"name": "plancheck", "version": __version__},
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(result.started)),
        "elapsed_s": round(result.elapsed_s, 3),
        "scheduler": bo.scheduler, "jobs": None if bo.scheduler else bo.jobs,
        "drawings": len(result.rows), "totals": totals,
        "resumed": sum(bool(r.get("resumed")) for r in result.rows),
        "exit_code": result.exit_code, "rows": result.rows, "skipped": result.skipped,
        "no_drawing": result.no_drawing,
    }
    attribution = sorted({r["attribution"] for r in result.rows if r.get("attribution")})
    if attribution:
        summary["attribution"] = attribution
    text = json.dumps(summary, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    return [write_atomic(out / "summary.json", text),
            write_atomic(out / "summary.csv", to_csv(result.rows).encode("utf-8-sig")),
            write_atomic(out / "index.html", index_html(out, summary))]


def _cell(v):
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v              # a spreadsheet must not run a drawing's name as a formula
    return "" if v is None else v


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in COLUMNS])
    return buf.getvalue()


def _num(v, pct: bool = False) -> str:
    if v is None:
        return ""
    return f"{v * 100:.2f} %" if pct else f"{v:,.2f}" if isinstance(v, float) else str(v)


def _link(out: Path, folder: str) -> str | None:
    for name in REPORT_FILES:
        if (out / folder / name).is_file():
            return quote(f"{folder}/{name}")
    return None


#: files named per submission folder with nothing to check (the rest are counted)
NAMED = 5
VERDICTS = {"error": 0, "fail": 1, "incomplete": 2, "pass": 3}
#: the table's sorting (allowed by its hash in the page's Content-Security-Policy)
SORT_JS = """
document.querySelectorAll("#t th").forEach((th, col) => th.addEventListener("click", () => {
  const tb = document.querySelector("#t tbody"), rows = Array.from(tb.rows);
  const dir = th.dataset.dir === "asc" ? -1 : 1; th.dataset.dir = dir > 0 ? "asc" : "desc";
  const key = r => { const c = r.cells[col], v = c.dataset.v;
    return v === undefined ? c.textContent : (v === "" ? Infinity : parseFloat(v)); };
  rows.sort((a, b) => { const x = key(a), y = key(b);
    return (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y))) * dir; });
  rows.forEach(r => tb.appendChild(r));
}));
"""


def index_html(out: Path, summary: dict) -> str:
    """index.html: the autoescaping template (render/pages.py), a CSP allowing only the sorting
    script, names and messages isolated in <bdi>."""
    from plancheck.render import pages

    rows = []
    for r in summary["rows"]:
        verdict = pages.token(r["verdict"], tuple(VERDICTS), "error")
        nums = [(r.get("fails"), False), (r.get("unknowns"), False), (r.get("far"), False),
                (r.get("density"), True), (r.get("max_height_m"), False)]
        rows.append({"verdict": verdict, "sort": VERDICTS[verdict], "drawing": r["drawing"],
                     "link": _link(out, r["folder"]) if verdict != "error" else None,
                     "nums": [("" if v is None else v, _num(v, pct)) for v, pct in nums],
                     "message": r.get("message") or ""})
    notes = []
    for n in summary["no_drawing"]:
        names = [Path(p).name for p in n["skipped"]]
        notes.append({"folder": n["folder"], "names": names[:NAMED],
                      "more": max(0, len(names) - NAMED)})
    skipped = summary["skipped"]
    by_reason = sorted(Counter(x["reason"] for x in skipped).items(), key=lambda kv: (-kv[1], kv[0]))
    return pages.render("batch_index.html.j2", csp=pages.csp((SORT_JS,)), s=summary,
                        t=summary["totals"], rows=rows, notes=notes, skipped=skipped,
                        skip_counts=", ".join(f"{n} {reason}" for reason, n in by_reason),
                        attribution=summary.get("attribution", []), script=SORT_JS)
