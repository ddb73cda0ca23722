"""Terminal renderings (rich) of report.json and of what `inspect` recognised.

Functions return rich renderables; only the CLI prints them. Text that comes from a drawing
is always wrapped in `Text` so rich never reads it as markup.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from plancheck.render.figures import compare, sun_note
from plancheck.render.pages import visible_bidi

STATUS_STYLE = {"pass": "green", "fail": "bold red", "unknown": "yellow", "warning": "magenta",
                "error": "red"}
VERDICT_STYLE = {"pass": "bold green", "fail": "bold red", "incomplete": "bold yellow"}
INDICATORS = [  # key, label, unit, condition key, comparison
    ("site_area_m2", "site area 用地面积", "m²", None, None),
    ("gross_floor_area_m2", "gross floor area 建筑面积", "m²", None, None),
    ("far", "FAR 容积率", "", "far_max", "<="),
    ("building_density", "building density 建筑密度", "%", "density_max", "<="),
    ("green_ratio", "green ratio 绿地率", "%", "green_ratio_min", ">="),
    ("max_height_m", "max height 最大高度", "m", "height_max", "<="),
]


def _num(v, unit: str = "") -> str:
    if v is None:
        return "unknown"
    if unit == "%":
        return f"{v * 100:.2f} %"
    if unit in ("m²",):
        return f"{v:,.1f} {unit}"
    return f"{v:.3f}" if unit == "" else f"{v:.2f} {unit}"


def indicator_table(report: dict) -> Table:
    conditions = report["context"].get("conditions") or {}
    t = Table(title="Indicators 指标", title_justify="left")
    for col in ("indicator", "value", "limit"):
        t.add_column(col)
    for key, label, unit, cond, op in INDICATORS:
        limit = conditions.get(cond) if cond else None
        shown = "" if limit is None else f"{op} {_num(limit, unit)}"
        t.add_row(label, _num(report["indicators"].get(key), unit), shown)
    return t


#: Without --verbose, at most this many unknown / warning findings of one rule are listed;
#: the rest are counted on one line (report.json and report.html keep every one).
PER_RULE = 5
COLLAPSED = ("unknown", "warning")


def findings_list(report: dict, statuses: tuple[str, ...], title: str = "Findings 问题",
                  per_rule: int | None = None) -> Group | None:
    """One block per finding: a head line that never splits a code, then the message.

    With `per_rule`, unknown and warning findings beyond that many per rule are folded into
    one line with their count; fails and errors are always listed.
    """
    rows = [f for f in report["findings"] if f["status"] in statuses]
    if not rows:
        return None
    parts: list[Text] = [Text(title, style="bold italic")]
    seen: dict[tuple[str, str], int] = {}
    for f in rows:
        key = (f["status"], f["rule"])
        seen[key] = seen.get(key, 0) + 1
        if per_rule is not None and f["status"] in COLLAPSED and seen[key] > per_rule:
            continue
        parts += _finding(f)
    for (status, rule), count in seen.items():
        if per_rule is not None and status in COLLAPSED and count > per_rule:
            more = Text(f"      … {count - per_rule} more ")
            more.append(status, style=STATUS_STYLE[status])
            more.append(f" {rule}", style="bold")
            more.append(" (--verbose or report.json lists them all)", style="dim")
            parts.append(more)
    return Group(*parts)


def _finding(f: dict) -> list[Text]:
    head = Text(f"{f['id']} ")
    head.append(f"{f['status']:<7}", style=STATUS_STYLE[f["status"]])
    head.append(f" {f['rule']}", style="bold")
    if f.get("clause") and f["family"] != "drawing":
        head.append(f" {f['clause']}")
    if f["subjects"]:
        head.append("  " + visible_bidi(" / ".join(f["subjects"])))
    if f["measured"] is not None or f["required"] is not None:
        # `12.00 m < 15.00 m`: the comparison, in the language the message is written in
        zh = any("\u4e00" <= ch <= "\u9fff" for ch in f["message"])
        head.append(f"  {compare(f, lang='zh' if zh else 'en')}")
    body = Text("        ")
    body.append(visible_bidi(f["message"]))
    return [head, body]


def _opt(v) -> str:
    return "—" if v is None else f"{v:.2f}"


def summary(report: dict, out_file: str | None = None, verbose: bool = False) -> Group:
    d = report["drawing"]
    head = Text()
    head.append("plancheck ", style="bold")
    head.append(d["path"])
    head.append(f"  units {d['units']['used']}  north {d['north_deg']:.1f}°  ruleset "
                f"{report['ruleset']['id']} {report['ruleset']['version']}\n")
    head.append("verdict: ")
    head.append(report["verdict"].upper(), style=VERDICT_STYLE[report["verdict"]])
    counts = "  ".join(f"{k} {v}" for k, v in report["summary"].items())
    head.append(f"   ({counts})")
    parts = [head, indicator_table(report)]
    shown = ("fail", "error", "unknown", "warning", "pass") if verbose else \
        ("fail", "error", "unknown", "warning")
    listed = findings_list(report, shown, per_rule=None if verbose else PER_RULE)
    if listed is not None:
        parts.append(listed)
    if out_file:
        parts.append(Text(f"written: {out_file}", style="dim"))
    line = not_checked_line(report)
    if line:
        parts.append(Text(line, style="dim"))
    return Group(*parts)


def not_checked_line(report: dict) -> str | None:
    """The summary's last line: what the ruleset does not check (the reasons are in
    report.json `not_checked` and report.html)."""
    notes = report.get("not_checked") or []
    if not notes:
        return None
    silent = [n for n in notes if "gave no finding on this run" in n]
    declared = [n for n in notes if n not in silent]

    def heads(rows: list[str]) -> str:
        return "; ".join(n.split(" — ", 1)[0].strip() for n in rows)

    line = f"not checked ({len(declared)}): {heads(declared)}"
    if silent:
        line += f"; no finding on this drawing ({len(silent)}): {heads(silent)}"
    return line + " — why: report.json not_checked, report.html"


def inspection(report: dict) -> Group:
    """What was recognised: layers -> roles, buildings with carriers, roads, drawing findings."""
    d = report["drawing"]
    head = Text(f"{d['path']}  DXF {d['dxf_version']}  encoding {d['encoding']}  "
                f"entities {d['entities']}\nunits declared {d['units']['declared']}, used "
                f"{d['units']['used']}; north {d['north_deg']:.1f}° ({d['north_from']})")
    layers = Table(title="Layers 图层", title_justify="left")
    for col in ("layer", "role", "entities"):
        layers.add_column(col, overflow="fold")
    for name, info in d["layers"].items():
        layers.add_row(Text(visible_bidi(name)), Text(info["role"] or "—", style="" if info["role"] else "dim"),
                       ", ".join(f"{k} {v}" for k, v in info["entities"].items()))
    bld = Table(title="Buildings 建筑", title_justify="left")
    for col in ("name", "status", "entity", "use", "floors", "height m", "area m²", "carriers"):
        bld.add_column(col, overflow="fold")
    for b in report["buildings"]:
        for m in b["masses"]:
            bld.add_row(Text(visible_bidi(b["name"])), b["status"], m["entity"], _q(m["use"]), _q(m["floors"]),
                        _q(m["height_m"]), f"{m['area_m2']:.1f}",
                        Text(_carriers(m["carriers"])))
    roads = Table(title="Roads 道路红线", title_justify="left")
    for col in ("entity", "name", "width m", "from"):
        roads.add_column(col)
    for r in report["roads"]:
        roads.add_row(r["entity"], Text(visible_bidi(r["name"] or "—")), _q(r["width_m"]), r["width_from"] or "—")
    site = report["indicators"]["site_area_m2"]
    parts = [head, Text(f"site area: {_num(site, 'm²')}"), layers, bld, roads]
    bad = ("fail", "error", "unknown", "warning")
    drawing = {**report, "findings": [f for f in report["findings"] if f["family"] == "drawing"]}
    clauses = {**report, "findings": [f for f in report["findings"] if f["family"] != "drawing"]}
    listed = findings_list(drawing, bad, "Drawing findings 图纸问题", per_rule=PER_RULE)
    if listed is not None:
        parts.append(listed)
    # the clause findings are not drawing problems: their own heading (check gives the review)
    listed = findings_list(clauses, bad, "Clause findings 条款审查 (plancheck check "
                           "gives the full review)", per_rule=PER_RULE)
    if listed is not None:
        parts.append(listed)
    parts.append(Text(f"layers not recognised as expected? plancheck inspect --suggest {d['path']} "
                      "proposes a layer map (--layers FILE)", style="dim"))
    return Group(*parts)


def _carriers(carriers: dict[str, str]) -> str:
    """`text: NAME USE` style: which carrier gave which field."""
    by: dict[str, list[str]] = {}
    for field, carrier in carriers.items():
        by.setdefault(carrier, []).append(field)
    return "; ".join(f"{c}: {' '.join(fs)}" for c, fs in by.items())


def _q(v) -> Text:
    return Text("missing", style="yellow") if v is None else Text(str(v))
