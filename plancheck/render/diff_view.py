"""Renderings of a revision diff (results.diff): a rich terminal table, diff.json and diff.html.

All text from the drawings (building names, messages) is escaped: rich `Text`, `html.escape`.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from plancheck.render.json_file import write_atomic

CHANGE_STYLE = {"new": "bold red", "fixed": "bold green", "changed": "yellow", "unchanged": "dim",
                "gone": "dim"}
LABELS = {"site_area_m2": "site area 用地面积 (m²)", "gross_floor_area_m2": "floor area 建筑面积 (m²)",
          "far": "FAR 容积率", "building_density": "density 建筑密度",
          "green_ratio": "green ratio 绿地率", "max_height_m": "max height 最大高度 (m)"}


def _num(v) -> str:
    if v is None:
        return "—"
    return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.1f}"


def _signed(v) -> str:
    return "—" if v is None else ("+" if v > 0 else "") + _num(v)


def terminal(d: dict, show_unchanged: bool = False):
    """A rich renderable: verdicts, counts, indicator deltas, then the changed findings."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    head = Text()
    head.append("diff ", style="bold")
    head.append(d["old"]["path"])
    head.append(" → ")
    head.append(d["new"]["path"])
    head.append(f"\nverdict {d['verdict']['old']} → {d['verdict']['new']}; ")
    head.append(", ".join(f"{n} {c}" for c, n in d["counts"].items()))
    ind = Table(title="Indicators 指标", title_justify="left")
    for col in ("indicator", "old", "new", "Δ"):
        ind.add_column(col, justify="left" if col == "indicator" else "right")
    for row in d["indicators"]:
        ind.add_row(LABELS.get(row["indicator"], row["indicator"]), _num(row["old"]),
                    _num(row["new"]), _signed(row["delta"]))
    t = Table(title="Findings 问题", title_justify="left")
    for col in ("change", "rule", "subjects", "old", "new", "Δ measured"):
        t.add_column(col)
    for r in d["findings"]:
        if r["change"] in ("unchanged", "gone") and not show_unchanged:
            continue
        t.add_row(Text(r["change"], style=_style(r)), Text(r["rule"]),
                  Text(" ".join(r["subjects"])), Text(_side(r["old"])), Text(_side(r["new"])),
                  _signed(r["measured_delta"]))
    return Group(head, ind, t)


def _style(r: dict) -> str:
    """A new finding that passes is news, not trouble."""
    if r["change"] == "new" and r["new"]["status"] == "pass":
        return "green"
    return CHANGE_STYLE[r["change"]]


def _side(f: dict | None) -> str:
    if f is None:
        return "—"
    if f["measured"] is None:
        return f["status"]
    req = "" if f["required"] is None else f" / {_num(f['required'])}"
    return f"{f['status']} {_num(f['measured'])}{req} {f['unit'] or ''}".strip()


def write(d: dict, out_dir: Path) -> list[Path]:
    """diff.json and diff.html in `out_dir` (atomic writes)."""
    text = json.dumps(d, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    return [write_atomic(out_dir / "diff.json", text), write_atomic(out_dir / "diff.html", page(d))]


def page(d: dict) -> str:
    e = html.escape
    ind = "".join(
        f"<tr><td>{e(LABELS.get(r['indicator'], r['indicator']))}</td><td>{_num(r['old'])}</td>"
        f"<td>{_num(r['new'])}</td><td>{_signed(r['delta'])}</td></tr>" for r in d["indicators"])
    rows = "".join(
        f"<tr class='{r['change']} {(r['new'] or r['old'])['status']}'><td>{r['change']}</td><td>{e(r['rule'])}</td>"
        f"<td>{e(r.get('clause') or '')}</td><td>{e(' '.join(r['subjects']))}</td>"
        f"<td>{e(_side(r['old']))}</td><td>{e(_side(r['new']))}</td>"
        f"<td>{_signed(r['measured_delta'])}</td>"
        f"<td>{e((r['new'] or r['old'])['message'])}</td></tr>" for r in d["findings"])
    counts = ", ".join(f"{n} {c}" for c, n in d["counts"].items())
    return f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>plancheck diff</title>
<style>
body{{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:1.5em}}
table{{border-collapse:collapse;margin:1em 0}} td,th{{border:1px solid #ccc;padding:.25em .5em;text-align:left}}
tr.new td:first-child{{color:#b00;font-weight:bold}} tr.new.pass td:first-child{{color:#070;font-weight:normal}} tr.fixed td:first-child{{color:#070;font-weight:bold}}
tr.changed td:first-child{{color:#a60}} tr.unchanged,tr.gone{{color:#888}}
</style></head><body>
<h1>plancheck diff</h1>
<p>old: <code>{e(d['old']['path'])}</code> ({e(d['verdict']['old'])})<br>
new: <code>{e(d['new']['path'])}</code> ({e(d['verdict']['new'])})</p>
<p>{e(counts)}</p>
<h2>Indicators 指标</h2>
<table><tr><th>indicator</th><th>old</th><th>new</th><th>Δ</th></tr>{ind}</table>
<h2>Findings 问题</h2>
<table><tr><th>change</th><th>rule</th><th>clause</th><th>subjects</th><th>old</th><th>new</th>
<th>Δ measured</th><th>message</th></tr>{rows}</table>
</body></html>
"""
