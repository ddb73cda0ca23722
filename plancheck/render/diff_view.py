"""Renderings of a revision diff (results.diff): a rich terminal table, diff.json and diff.html.

All text from the drawings (building names, messages) is escaped: rich `Text` in the terminal
(bidi controls shown as codes), Jinja2 autoescape in diff.html (render/pages.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from plancheck.render.json_file import write_atomic

CHANGES = frozenset(("new", "fixed", "changed", "unchanged", "gone"))
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

    from plancheck.render.pages import visible_bidi

    head = Text()
    head.append("diff ", style="bold")
    head.append(visible_bidi(d["old"]["path"]))
    head.append(" → ")
    head.append(visible_bidi(d["new"]["path"]))
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
        t.add_row(Text(r["change"], style=_style(r)), Text(visible_bidi(r["rule"])),
                  Text(visible_bidi(" ".join(r["subjects"]))), Text(visible_bidi(_side(r["old"]))),
                  Text(visible_bidi(_side(r["new"]))),
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


STATUSES = frozenset(("pass", "fail", "unknown", "warning", "error"))


def page(d: dict) -> str:
    """diff.html: the autoescaping template (every value escaped, attributes included; classes
    only from closed sets), a CSP without scripts, names isolated in <bdi>."""
    from plancheck.render import pages

    def text(v) -> str:
        return "" if v is None else str(v)

    rows = []
    for r in d["findings"]:
        side = r.get("new") or r.get("old") or {}
        rows.append({
            "change": text(r.get("change")), "change_class": pages.token(r.get("change"), CHANGES),
            "status_class": pages.token(side.get("status"), STATUSES),
            "rule": text(r.get("rule")), "clause": text(r.get("clause")),
            "subjects": [text(s) for s in r.get("subjects") or []],
            "old": _side(r["old"]), "new": _side(r["new"]), "delta": _signed(r["measured_delta"]),
            "message": text(side.get("message"))})
    indicators = [{"label": LABELS.get(r["indicator"], r["indicator"]), "old": _num(r["old"]),
                   "new": _num(r["new"]), "delta": _signed(r["delta"])} for r in d["indicators"]]
    counts = ", ".join(f"{n} {c}" for c, n in d["counts"].items())
    return pages.render("diff.html.j2", csp=pages.csp(), d=d, rows=rows, indicators=indicators,
                        counts=counts)
