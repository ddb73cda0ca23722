"""Terminal summary of a sunlight document (`plancheck sunlight`): one row per receiver."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

_STYLE = {"pass": "green", "fail": "bold red", "unknown": "yellow"}


def summary(doc: dict, drawing_findings, written, lang: str = "zh"):
    zh = lang == "zh"
    parts = []
    if doc.get("unclassified"):
        parts.append(Text(doc["message"], style="yellow"))
    if not doc["receivers"]:
        if not doc.get("unclassified"):
            parts.append(Text(doc.get("message", "nothing to analyse")))
    else:
        t = Table(title="日照分析（冬至日 满窗，真太阳时）" if zh else
                  "Sunlight analysis (冬至日, full window, true solar time)", title_justify="left")
        for col in (("建筑", "building"), ("规则", "rule"), ("要求", "requirement"),
                    ("结论", "verdict"), ("最不利窗", "worst window"), ("分钟", "min"),
                    ("满足/不满足/未定", "pass/fail/unknown"), ("窗", "windows"),
                    ("规定要求分析", "required")):
            t.add_column(col[0] if zh else col[1], overflow="fold")
        for r in doc["receivers"]:
            w = r["worst"]
            where = "—" if w is None else (f"{w['floor']}层 {w['orientation']} {w['facade']}" if zh
                                           else f"floor {w['floor']} {w['orientation']} {w['facade']}")
            h = r["homes"]
            req = r["requirement"]["text"] + (("（不得恶化）" if zh else " (no worse)")
                                              if r["requirement"]["no_worse"] else "")
            if r["estimate"]:
                req += "（采样估算）" if zh else " (sampled estimate)"
            t.add_row(Text(r["building"]), r["rule"], Text(req),
                      Text(r["verdict"], style=_STYLE[r["verdict"]]), Text(where),
                      "—" if w is None else f"{w['minutes']:g}",
                      f"{h['pass']}/{h['fail']}/{h['unknown']}", str(r["windows"]),
                      ("是" if zh else "yes") if r.get("required") else ("否" if zh else "no"))
        parts.append(t)
        for r in doc["receivers"]:
            if r.get("required_why"):
                parts.append(Text(f"{r['building']}: {r['required_why']}",
                                  style="" if r.get("required") else "dim"))
        skipped = [(r["building"], s) for r in doc["receivers"] for s in r["skipped"]
                   if s["what"] == "outside-table"]
        if skipped:
            parts.append(Text(("不作日照分析的立面（超出日照有效时间表）：" if zh else
                               "facades not analysed (outside the 日照有效时间表): ")
                              + ", ".join(f"{b} {s['facade']} {s['orientation']}" for b, s in skipped[:12])
                              + (" …" if len(skipped) > 12 else ""), style="dim"))
    for f in drawing_findings:
        if f.family == "drawing" and f.status in ("error", "warning"):
            parts.append(Text(f"{f.rule} {f.status}: {f.message}", style="yellow"))
    parts.append(Text(f"{len(doc['windows'])} windows, {doc['rays']:,} rays, "
                      f"{doc.get('seconds', 0):.2f} s → " + ", ".join(str(p) for p in written),
                      style="dim"))
    return Group(*parts)
