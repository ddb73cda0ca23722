"""The batch's own outputs: index.html (a sortable table linking every report, the submission
folders with nothing to check, the skipped files), summary.csv (the rows) and summary.json.
Skipped files are in no total and no row. Text from file names and messages is escaped
(HTML) or neutralised (CSV cells that a spreadsheet would read as a formula)."""

from __future__ import annotations

import csv
import html
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


def _no_drawing_html(notes: list[dict]) -> str:
    """The submission folders with no drawing: visible, above the table."""
    if not notes:
        return ""
    e, items = html.escape, []
    for n in notes:
        names = [Path(p).name for p in n["skipped"]]
        shown = ", ".join(e(x) for x in names[:NAMED]) + (
            f" and {len(names) - NAMED} more" if len(names) > NAMED else "")
        what = f"only {shown}" if names else "no files"
        items.append(f"<li><b>{e(n['folder'])}</b>: nothing to check ({what}, no drawing)</li>")
    return (f"<div class='empty' id='no-drawing'><p>{len(notes)} submission folder(s) hold no "
            f"drawing (.dxf, .dwg):</p><ul>{''.join(items)}</ul></div>")


def _skipped_html(skipped: list[dict]) -> str:
    """Every skipped file with the reason, folded under a count per reason."""
    if not skipped:
        return ""
    e = html.escape
    by_reason = sorted(Counter(s["reason"] for s in skipped).items(), key=lambda kv: (-kv[1], kv[0]))
    counts = ", ".join(f"{n} {e(reason)}" for reason, n in by_reason)
    rows = "".join(f"<tr><td>{e(s['path'])}</td><td>{e(s['reason'])}</td></tr>" for s in skipped)
    return (f"<details id='skipped'><summary>{len(skipped)} file(s) skipped, not checked "
            f"({counts})</summary><table><thead><tr><th>file</th><th>reason</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></details>")


def index_html(out: Path, summary: dict) -> str:
    e = html.escape
    body = []
    for r in summary["rows"]:
        link = _link(out, r["folder"]) if r["verdict"] != "error" else None
        name = e(r["drawing"])
        cell = f"<a href='{e(link)}'>{name}</a>" if link else name
        sort = {"error": 0, "fail": 1, "incomplete": 2, "pass": 3}[r["verdict"]]
        nums = [(r.get("fails"), False), (r.get("unknowns"), False), (r.get("far"), False),
                (r.get("density"), True), (r.get("max_height_m"), False)]
        tds = "".join(f"<td data-v='{'' if v is None else v}'>{_num(v, pct)}</td>" for v, pct in nums)
        body.append(f"<tr class='{r['verdict']}'><td>{cell}</td>"
                    f"<td data-v='{sort}'>{r['verdict']}</td>{tds}"
                    f"<td>{e(r.get('message') or '')}</td></tr>")
    t = summary["totals"]
    skipped = summary["skipped"]
    skip_note = f" · <a href='#skipped'>{len(skipped)} other file(s) skipped</a>" if skipped else ""
    attribution = "".join(f"<p class='attr'>Context buildings: {e(a)}</p>"
                          for a in summary.get("attribution", []))
    return f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>plancheck batch</title>
<style>
body{{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:1.5em}}
table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:.25em .6em;text-align:left}}
th{{background:#f4f4f4}} #t th{{cursor:pointer;user-select:none}} #t th::after{{content:" \\2195";color:#aaa}}
tr.error td:nth-child(2){{color:#b00;font-weight:bold}} tr.fail td:nth-child(2){{color:#d00}}
tr.incomplete td:nth-child(2){{color:#a60}} tr.pass td:nth-child(2){{color:#070}}
.empty{{border-left:4px solid #a60;background:#fff8e6;padding:.4em .8em}} .empty li{{margin:.2em 0}}
details{{margin-top:1em}} summary{{cursor:pointer}}
.attr{{color:#666;font-size:.9em}}
</style></head><body>
<h1>plancheck batch</h1>
<p>{summary['drawings']} drawings: {t['pass']} pass, {t['fail']} fail, {t['incomplete']} incomplete,
{t['error']} error ({summary['resumed']} resumed) · plancheck {e(summary['tool']['version'])} ·
started {e(summary['started'])} · {summary['elapsed_s']} s ·
<a href="summary.csv">summary.csv</a> · <a href="summary.json">summary.json</a>{skip_note}</p>
{_no_drawing_html(summary['no_drawing'])}
<table id="t"><thead><tr><th>drawing</th><th>verdict</th><th>fails</th><th>unknowns</th>
<th>FAR</th><th>density</th><th>max height (m)</th><th>message</th></tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table>
{_skipped_html(skipped)}
{attribution}
<script>
document.querySelectorAll("#t th").forEach((th, col) => th.addEventListener("click", () => {{
  const tb = document.querySelector("#t tbody"), rows = Array.from(tb.rows);
  const dir = th.dataset.dir === "asc" ? -1 : 1; th.dataset.dir = dir > 0 ? "asc" : "desc";
  const key = r => {{ const c = r.cells[col], v = c.dataset.v;
    return v === undefined ? c.textContent : (v === "" ? Infinity : parseFloat(v)); }};
  rows.sort((a, b) => {{ const x = key(a), y = key(b);
    return (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y))) * dir; }});
  rows.forEach(r => tb.appendChild(r));
}}));
</script>
</body></html>
"""
