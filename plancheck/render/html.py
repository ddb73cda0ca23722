"""The `html` format: report.html, one self-contained file (图文对应).

Everything is inside the file: figures as PNG data URIs, the plan as an SVG that plan.js draws
from the plan scene (planscene.py, the data plan.png is drawn from), the white model as an
embedded GLB drawn by a small bundled WebGL viewer (inline script, labels as HTML), CSS
inline (print.css: A3 landscape, plan.png in place of the SVG). filters.js holds the page's
one filter state (status, kind) that the plan and the viewer follow. A
Content-Security-Policy forbids every network request, so the report opens offline (from a USB
stick) and cannot leak. Each finding links to the figures that show it and each figure lists
its findings. Text from the drawing is escaped by Jinja2's autoescape; data handed to the
scripts is JSON with `<`, `>` and `&` escaped (no `</script>` can end its block), and the
scripts write it with textContent only.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from plancheck.render import sunlight_html
from plancheck.render.figures import (FILTER_GROUP, SEVERITY, STATUS_RGB, STATUS_WORD, FigureSet,
                                      compare, drawn, figure_set, group, grouped_segments, num,
                                      status_hex, sun_note, worst)

TEMPLATES = Path(__file__).with_name("templates")
#: inlined in this order; print.css last so it overrides the screen rules on paper
CSS_FILES = ("report.css", "plan.css", "print.css")
#: filters.js first: plan.js and viewer.js subscribe to it
JS_FILES = ("page.js", "filters.js", "plan.js", "viewer.js", "sunlight.js")
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'; connect-src 'none'; base-uri 'none'; form-action 'none'")
#: a report that links its figures (see MAX_PAGE) may also show images from beside it
CSP_LINKED = CSP.replace("img-src data:", "img-src data: 'self' file:")
#: report.html embeds its figures while the page stays under this many bytes; a larger page
#: (a scheme with a hundred fails) links them from the figures/ folder beside it instead, and
#: says so: a 40 MB page is slow to open and to mail. Its 3D model stays embedded up to half
#: this (a page opened from disk cannot read a file beside it); beyond, the viewer names
#: model.glb, written beside the page by the `glb` format.
MAX_PAGE = 8_000_000
#: what the page says when it links its figures
LINKED = {"zh": "图片较多，未内嵌于本网页：图片在同一目录的 figures/ 文件夹中，请与 report.html 一起保存、传送。",
          "en": "There are many figures, so this page links them instead of embedding them: they are "
                "in the figures/ folder beside report.html; keep and send the two together."}

FAMILY = {
    "zh": {"spacing": "建筑间距", "setback": "建筑离界距离", "road-setback": "道路红线后退",
           "road-height": "沿路建筑高度", "river-setback": "河道蓝线后退",
           "capacity": "容积率、密度、绿地率与高度", "facade": "建筑面宽与住宅层高", "sunlight": "日照",
           "drawing": "图纸问题"},
    "en": {"spacing": "Spacing between buildings", "setback": "Setback from the site boundary",
           "road-setback": "Setback from road red lines", "road-height": "Height along roads",
           "river-setback": "Setback from river blue lines",
           "capacity": "FAR, density, green ratio and height", "facade": "Facade width and storey height",
           "sunlight": "Sunlight", "drawing": "Drawing problems"},
}
STATUS = STATUS_WORD
#: the findings table and the list on the first screen: fails first, passes last
RANK = {s: k for k, s in enumerate(SEVERITY)}
#: above this many fails, errors, unknowns and warnings together, the first screen lists the
#: fails and errors one by one and the others one line per rule (a drawing without heights
#: can give hundreds of unknown pairs)
ISSUES_LISTED = 20
VERDICT = {"zh": {"pass": "通过", "fail": "不通过", "incomplete": "无法完整判定"},
           "en": {"pass": "PASS", "fail": "FAIL", "incomplete": "INCOMPLETE"}}
WORDS = {
    "zh": {"title": "规划审查报告", "verdict": "结论", "indicators": "技术经济指标", "indicator": "指标",
           "value": "数值", "limit": "限值", "status": "状态", "figures": "图纸与三维视图",
           "findings": "审查结果", "drawing": "图纸问题", "provenance": "来源与参数",
           "id": "编号", "rule": "条款", "clause": "条文", "subjects": "对象", "measured": "实测",
           "required": "要求", "message": "说明", "figure": "图", "shows": "本图所示审查项",
           "text": "条文原文", "model": "交互式三维白模", "model_help":
           "拖动旋转，Shift+拖动平移，滚轮缩放，双击复位；点击审查项的“三维”可定位。",
           "no_webgl": "此浏览器无法使用 WebGL，请用任意 glTF 查看器打开 model.glb。",
           "no_model": "三维白模较大，未内嵌于本网页：请用任意 glTF 查看器打开同一目录中的 model.glb。",
           "download": "下载 model.glb", "not_checked": "未检查的内容", "notes": "图形说明",
           "none": "无", "in3d": "三维", "summary": "统计", "drawing_file": "图纸文件",
           "ruleset": "规则集", "tool": "plancheck 版本", "units": "单位", "north": "指北方向",
           "tolerances": "容差", "context": "条件文件", "zone": "区域", "area": "地区类别",
           "coordinates": "坐标", "no_figure": "（无图：非几何指标）", "all": "全部",
           "show_pass": "显示合格项", "filter_status": "状态", "filter_group": "类别",
           "plan_help": "拖动平移，滚轮或 +/− 缩放，双击复位；悬停或点击尺寸线可对应到审查结果，"
                        "审查结果中的“图 1”链接可在图中定位。",
           "zoom_in": "放大", "zoom_out": "缩小", "reset": "复位", "callouts": "图中编号",
           "shows_pass": "及本图所示合格 {n} 项（全部合格 {total} 项；勾选“合格”显示）",
           "print_model": "三维白模见 model.glb 或三维总览图。",
           "issues": "不合格与未知项", "sun_fig": "日照图", "printed_on": "打印日期", "issues_none": "没有不合格或未知的审查项。", "evidence": "证据",
           "compare": "实测 与 要求", "title_col": "审查内容", "sunlight": "日照分析",
           "fold": "另有合格 {n} 项（已折叠）", "all_pass": "全部 {n} 项合格（已折叠）",
           "unfold": "展开合格项", "print_pass": "合格 {n} 项：{ids}（逐项见屏幕版或 report.json）",
           "off_plan": "平面图未绘出：", "off_plan_pass": "合格 {n} 项无平面尺寸（容积率、密度、绿地率、面宽等）",
           "per_rule": "同一条款{status} {n} 项，首项", "page": "第 {p} 页",
           "declared": "图纸声明 {d}，采用 {u}",
           "tol": {"close_gap_m": "闭合容差", "chain_snap_m": "线段连接容差", "arc_flatten_m": "圆弧离散弦高",
                   "window_on_edge_m": "窗线贴边容差", "road_label_radius_m": "道路标注搜索半径",
                   "site_area_min_m2": "用地面积下限", "site_area_max_m2": "用地面积上限",
                   "compare_m": "长度比较容差", "compare_ratio": "比率比较容差",
                   "outside_area_m2": "越界面积容差", "north_agree_deg": "指北一致容差",
                   "sun_origin_offset_m": "日照采样点外移", "sun_tie_m": "日照遮挡并列容差",
                   "boundary_on_line_m": "用地边界与红线重合容差", "angle_eps_deg": "布置角度容差",
                   "sun_minutes_eps": "日照分钟比较容差"},
           "coord_text": "图纸坐标，单位米（沿图纸自身坐标轴，按单位换算）",
           "groups": {"spacing": "建筑间距", "setback": "离界（用地、河道）",
                      "road": "道路（退让、沿路高度）", "capacity": "容量（高度、面宽）"}},
    "en": {"title": "Planning compliance report", "verdict": "Verdict", "indicators": "Indicators",
           "indicator": "indicator", "value": "value", "limit": "limit", "status": "status",
           "figures": "Plans and 3D views", "findings": "Findings", "drawing": "Drawing problems",
           "provenance": "Provenance", "id": "id", "rule": "rule", "clause": "article",
           "subjects": "subjects", "measured": "measured", "required": "required",
           "message": "message", "figure": "Fig.", "shows": "Findings shown",
           "text": "quoted regulation text", "model": "Interactive 3D white model", "model_help":
           "Drag to rotate, Shift+drag to pan, wheel to zoom, double-click to reset; a finding's "
           "“3D” link focuses it.",
           "no_webgl": "WebGL is not available in this browser; open model.glb in any glTF viewer.",
           "no_model": "The 3D model is too large to embed in this page: open model.glb, beside it, "
                       "in any glTF viewer.",
           "download": "download model.glb", "not_checked": "Not checked", "notes": "Figure notes",
           "none": "none", "in3d": "3D", "summary": "summary", "drawing_file": "drawing",
           "ruleset": "ruleset", "tool": "plancheck version", "units": "units", "north": "north",
           "tolerances": "tolerances", "context": "context file", "zone": "zone",
           "area": "area", "coordinates": "coordinates",
           "no_figure": "(no figure: not a geometric check)", "all": "all",
           "show_pass": "show passing findings", "filter_status": "status", "filter_group": "kind",
           "plan_help": "Drag to pan, wheel or +/− to zoom, double-click to reset; hover or click a "
                        "dimension to find its finding; a finding's “Fig. 1” link centres the plan on it.",
           "zoom_in": "zoom in", "zoom_out": "zoom out", "reset": "reset", "callouts": "Numbered on the plan",
           "shows_pass": "and {n} passing shown in this figure (of {total} passing; tick “pass” to show them)",
           "issues": "Fails and unknowns", "sun_fig": "sunlight sheet", "printed_on": "printed", "issues_none": "No finding fails or is unknown.",
           "evidence": "evidence", "compare": "measured vs required", "title_col": "what is checked",
           "sunlight": "Sunlight analysis", "fold": "{n} more passing (folded)",
           "all_pass": "all {n} pass (folded)", "unfold": "show passing findings",
           "print_pass": "{n} passing: {ids} (each listed on screen and in report.json)",
           "off_plan": "Not drawn on the plan: ",
           "off_plan_pass": "{n} passing without a plan dimension (FAR, density, green ratio, facade width...)",
           "per_rule": "{status}: {n} findings of this rule, the first", "page": "page {p}",
           "declared": "declared {d}, used {u}", "tol": {},
           "coord_text": "drawing coordinates in metres (the drawing's axes, scaled by the unit)",
           "print_model": "The 3D white model: see model.glb or the 3D overview figure.",
           "groups": {"spacing": "spacing", "setback": "setback (site, river)",
                      "road": "road (setback, height)", "capacity": "capacity (height, facade)"}},
}
#: (indicator key, zh label, en label, unit, condition key, comparison, capacity metric)
INDICATORS = [
    ("site_area_m2", "用地面积", "site area", "m²", None, None, None),
    ("gross_floor_area_m2", "建筑面积", "gross floor area", "m²", None, None, None),
    ("far", "容积率", "FAR", "", "far_max", "≤", "far"),
    ("building_density", "建筑密度", "building density", "%", "density_max", "≤", "building_density"),
    ("green_ratio", "绿地率", "green ratio", "%", "green_ratio_min", "≥", "green_ratio"),
    ("max_height_m", "最大建筑高度", "max height", "m", "height_max", "≤", "height"),
]


def _fmt(v, unit: str) -> str:
    if v is None:
        return "—"
    if unit == "%":
        return f"{v * 100:.2f} %"
    if unit == "m²":
        return f"{v:,.1f} m²"
    if unit == "m":
        return f"{v:.2f} m"
    return f"{v:.3f}"


_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
#: words the English report still meets in clause citations and messages (the regulation is
#: cited in Chinese in report.json); each becomes its English term
EN_TERMS = (("日照分析规则", "sunlight rules "), ("规划条件", "planning conditions"),
            ("冬至日", "winter solstice"), ("应用解释", "application note"), ("；", "; "), ("，", ", "), ("：", ": "), ("、", ", "),
            ("（", " ("), ("）", ")"), ("〔", "["), ("〕", "]"))


def _cn_number(text: str) -> int:
    """二十七 -> 27, 十一 -> 11, 四十九 -> 49, 一百 -> 100 (article numbers)."""
    n, cur = 0, 0
    for ch in text:
        if ch == "百":
            n, cur = n + (cur or 1) * 100, 0
        elif ch == "十":
            n, cur = n + (cur or 1) * 10, 0
        else:
            cur = _CN_DIGITS.get(ch, 0)
    return n + cur


def to_en(text: str | None) -> str:
    """A clause citation or message for the English report: 第二十七条（一）1 -> Art. 27(1) 1,
    第四、五、六、十一条 -> Art. 4, 5, 6, 11, 规划条件 -> planning conditions; building and road
    names (text from the drawing) pass through unchanged."""
    import re

    if not text:
        return text or ""
    num = "[一二三四五六七八九十百]+"
    out = re.sub(f"第((?:{num}、)*{num})条",
                 lambda m: "Art. " + ", ".join(str(_cn_number(x)) for x in m.group(1).split("、")), text)
    out = re.sub(f"（({num})）", lambda m: f"({_cn_number(m.group(1))})", out)
    for zh, en in EN_TERMS:
        out = out.replace(zh, en)
    return re.sub(r" {2,}", " ", out).strip()


def _one_language(note: str, lang: str):
    """report.json's bilingual notes (`消防间距…未检查 — fire spacing … was not checked`): the
    half in the report's language. A not-checked entry is `article — why (zh) — why (en)`: the
    article keeps its regulation name, marked as Chinese text in the English report."""
    from markupsafe import Markup, escape

    parts = note.split(" — ")
    if len(parts) == 3:
        head, zh, en = parts
        if lang == "zh":
            return Markup(f"{escape(head)} — {escape(zh)}")
        return Markup(f'<span lang="zh-CN">{escape(head)}</span> — {_zh_terms(to_en(en))}')
    if len(parts) != 2:
        return note
    zh, en = parts
    return zh if lang == "zh" else en


def _zh_terms(text: str):
    """English text with the regulation's own Chinese terms left in it (集中绿地) marked as
    Chinese, escaped."""
    import re

    from markupsafe import Markup, escape

    return Markup(re.sub(r"([\u3400-\u9fff\u3000-\u303f\uff00-\uffef]+)",
                         r'<span lang="zh-CN">\1</span>', str(escape(text))))


def css_string(text: str) -> str:
    """Text safe inside a CSS double-quoted string in a <style> block: everything but letters,
    digits and a few plain marks as a CSS escape (`\\3c ` for `<`), so a drawing named
    `x"; } </style><script>` stays text. Marked safe for Jinja: it holds no HTML metacharacter."""
    from markupsafe import Markup

    keep = set(" .,_-#/:()（）")
    return Markup("".join(c if (c.isalnum() or c in keep) else f"\\{ord(c):x} " for c in str(text)))


def _json_script(data) -> str:
    """JSON safe inside <script type=application/json> (no `</script>`, no HTML parsing)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _indicators(report: dict, lang: str) -> list[dict]:
    cond = report["context"].get("conditions") or {}
    cap = {}
    for f in report["findings"]:
        if f["family"] == "capacity" and f.get("metric"):
            cap.setdefault(f["metric"], []).append(f)
    rows = []
    for key, zh, en, unit, ckey, op, metric in INDICATORS:
        limit = cond.get(ckey) if ckey else None
        fs = cap.get(metric, [])
        if limit is None and fs and fs[0].get("required") is not None and metric != "height":
            limit = fs[0]["required"]   # the ruleset's fallback table gave the limit
        rows.append({"label": zh if lang == "zh" else en, "value": _fmt(report["indicators"].get(key), unit),
                     "limit": f"{op} {_fmt(limit, unit)}" if limit is not None else "",
                     "status": worst(f["status"] for f in fs) if fs else None,
                     "findings": [f["id"] for f in fs]})
    return rows


def _viewer_data(report: dict, lang: str) -> dict:
    """What the WebGL viewer draws besides the GLB: dimension lines and labels (Y-up frame);
    each dimension's findings carry status and filter group for the page's filters."""
    from plancheck.render.massing import origin
    from plancheck.render.planscene import item

    ox, oy = origin(report)
    dims = []
    for (ax, ay, bx, by), fs in grouped_segments([f for f in report["findings"] if drawn(f)]):
        st = worst(f["status"] for f in fs)
        dims.append({"a": [ax - ox, 1.0, -(ay - oy)], "b": [bx - ox, 1.0, -(by - oy)],
                     "status": st, "colour": status_hex(st), "ids": [f["id"] for f in fs],
                     "items": [item(f, lang) for f in fs],
                     "label": " · ".join(item(f, lang)["text"] for f in fs)})
    names = [b["name"] for b in report["buildings"]]
    return {"dims": dims, "buildings": names, "words": {k: WORDS[lang][k] for k in ("no_webgl", "no_model")},
            "colours": {s: status_hex(s) for s in STATUS_RGB}}


#: the statuses the filters offer; warning counts as unknown and error as fail
FILTER_STATUS = {"fail": "fail", "error": "fail", "unknown": "unknown", "warning": "unknown",
                 "pass": "pass"}


def counts(report: dict) -> dict[str, int]:
    """The page's one set of counts, from report.json's summary: the header, the filter bars,
    the family headings and the figure captions all show these numbers."""
    summary = report.get("summary") or {}
    return {s: int(summary.get(s, 0)) for s in SEVERITY}


def _plan_filters(report: dict, scene: dict, lang: str, n: dict) -> dict:
    """The filter bar's choices with the report's counts (the same numbers as the header: a
    finding the plan cannot draw, such as a sunlight finding, is named under the bar)."""
    status = {"fail": n["fail"] + n["error"], "unknown": n["unknown"] + n["warning"], "pass": n["pass"]}
    on_plan = {i["group"] for d in scene["dims"] for i in d["items"]} | \
              {i["group"] for m in scene["marks"] for i in m["items"]}
    groups: dict[str, int] = {}
    for f in report["findings"]:
        g = group(f["family"])
        if f["family"] != "drawing" and g in on_plan:
            groups[g] = groups.get(g, 0) + 1
    known = list(dict.fromkeys(FILTER_GROUP.values()))
    order = [g for g in known if g in groups] + sorted(g for g in groups if g not in known)
    words = WORDS[lang]["groups"]
    return {"status": list(status.items()),
            "groups": [(g, words.get(g) or FAMILY[lang].get(g, g), groups[g]) for g in order]}


def _issues(report: dict) -> list[dict]:
    """The first screen's list: every fail, error, unknown and warning, fails first; past
    ISSUES_LISTED, unknowns and warnings are one line per rule (count and first finding)."""
    bad = sorted((f for f in report["findings"] if f["status"] != "pass"),
                 key=lambda f: RANK.get(f["status"], 9))
    if len(bad) <= ISSUES_LISTED:
        return [{"f": f, "n": 1} for f in bad]
    out, per_rule = [], {}
    for f in bad:
        if f["status"] in ("fail", "error"):
            out.append({"f": f, "n": 1})
        elif (f["status"], f["rule"]) in per_rule:
            per_rule[(f["status"], f["rule"])]["n"] += 1
        else:
            per_rule[(f["status"], f["rule"])] = {"f": f, "n": 1}
            out.append(per_rule[(f["status"], f["rule"])])
    return out


def _shows(fig, by_id: dict, limit: int = 12) -> dict:
    """A figure's caption list: every non-passing finding, the passing ones only as a count
    when there are many (the plan and overview show a hundred and more)."""
    ids = sorted((fid for fid in fig.findings if fid in by_id),
                 key=lambda fid: RANK.get(by_id[fid]["status"], 9))
    if len(ids) <= limit:
        return {"ids": ids, "passing": 0}
    keep = [fid for fid in ids if by_id[fid]["status"] != "pass"]
    return {"ids": keep, "passing": len(ids) - len(keep)}


def context_rows(report: dict, lang: str) -> list[tuple[str, str]]:
    from markupsafe import Markup, escape

    w = WORDS[lang]
    d = report["drawing"]
    rs = report["ruleset"]
    ctx = report["context"]
    units = d.get("units") or {}
    rows = [
        (w["drawing_file"], f"{d.get('path')}  （sha256 {d.get('sha256')}）" if lang == "zh"
         else f"{d.get('path')}  (sha256 {d.get('sha256')})"),
        (w["ruleset"], Markup(f"{escape(rs.get('id'))} {escape(rs.get('version'))} — "
                              f"<span lang=\"zh-CN\">{escape(rs.get('title'))}</span>"
                              + (f"  ({escape(rs['path'])})" if rs.get("path") else "")
                              + "".join(f"; {escape(name)} sha256 {escape(sha)}"
                                        for name, sha in (rs.get("files") or {}).items()))),
        (w["tool"], f"{report['tool']['name']} {report['tool']['version']}"),
        (w["units"], w["declared"].format(d=units.get("declared"), u=units.get("used"))),
        (w["north"], f"{d.get('north_deg', 90.0):.2f}° ({d.get('north_from') or '—'})"),
        (w["context"], str(ctx.get("file") or "—")),
        (w["zone"], f"{ctx.get('zone') or '—'} / {ctx.get('area') or '—'}"),
        (w["tolerances"], "，".join(f"{w['tol'].get(k, k)} {v:g}" for k, v in
                                   (report.get("provenance") or {}).get("tolerances", {}).items())
         if lang == "zh" else ", ".join(f"{k} = {v:g}" for k, v in
                                        (report.get("provenance") or {}).get("tolerances", {}).items())),
        (w["coordinates"], w["coord_text"] if (report.get("provenance") or {}).get("coordinates")
         else ""),
    ]
    return rows


def _model_inline(glb: bytes, link: bool) -> bool:
    """Does the page embed its model? Always, but a linked page only a model under half
    MAX_PAGE (the viewer then names model.glb beside it)."""
    return not link or len(glb) * 4 / 3 <= MAX_PAGE / 2


def _figures(report: dict, lang: str, scope: str) -> FigureSet:
    from plancheck.render.scene3d import gl_available

    return figure_set(report, lang, with_3d=gl_available(), scope=scope)


def build_html(report: dict, lang: str = "zh", figures: FigureSet | None = None,
               glb: bytes | None = None, scope: str = "fails", link: bool = False) -> str:
    """The page; with `link`, its figures are `figures/<file>` beside it, not data URIs."""
    import jinja2

    lang = lang if lang in WORDS else "zh"
    if figures is None:
        figures = _figures(report, lang, scope)
    if glb is None:
        from plancheck.render.glb import glb_bytes

        glb = glb_bytes(report)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    numbered = {fig.key: n for n, fig in enumerate(figures.figures, start=1)}
    fig_of = {}
    for fig in figures.figures:
        for fid in fig.findings:
            fig_of.setdefault(fid, []).append(fig.key)
    in_model = {fid for d in _viewer_data(report, lang)["dims"] for fid in d["ids"]}
    families: dict[str, list[dict]] = {}
    for f in report["findings"]:
        if f["family"] != "drawing":
            families.setdefault(f["family"], []).append(f)
    for rows in families.values():     # fails, errors, unknowns, warnings, then passes
        rows.sort(key=lambda f: RANK.get(f["status"], 9))
    order = [fam for fam in FAMILY["zh"] if fam in families] + \
        sorted(fam for fam in families if fam not in FAMILY["zh"])
    drawing = sorted((f for f in report["findings"] if f["family"] == "drawing"),
                     key=lambda f: RANK.get(f["status"], 9))
    by_id = {f["id"]: f for f in report["findings"]}
    from plancheck.render.planscene import scene as plan_scene

    scene = plan_scene(report, lang)
    in_plan = {i["id"] for d in scene["dims"] for i in d["items"]} | \
              {i["id"] for m in scene["marks"] for i in m["items"]}
    has_plan = "plan" in numbered
    for fid in sorted(in_plan) if has_plan else ():
        if "plan" not in fig_of.get(fid, []):
            fig_of.setdefault(fid, []).insert(0, "plan")
    sun = sunlight_html.context(report, lang, scope)
    if link and sun["sunlight"]:
        for fig in sun["sunlight"]["figures"]:
            fig["uri"] = fig["file"]
    sun_fig = {}
    if sun["sunlight"] and lang == "en":    # the reasons cite articles: Art. N, terms marked zh
        sun["sunlight"]["not_analysed"] = [{**x, "required_why": _zh_terms(to_en(x.get("required_why")))}
                                           for x in sun["sunlight"]["not_analysed"]]
    if sun["sunlight"]:
        ids = {fig["file"]: fig["id"] for fig in sun["sunlight"]["figures"]}
        sun_fig = {f["id"]: ids[f["figure"]] for f in report["findings"] if f.get("figure") in ids}
    w = WORDS[lang]
    evidence: dict[str, list[dict]] = {}
    for f in report["findings"]:
        links = []
        if f["id"] in sun_fig:         # the sunlight sheet that decided it comes first
            links.append({"href": "#" + sun_fig[f["id"]], "text": w["sun_fig"]})
        for key in fig_of.get(f["id"], []):
            links.append({"href": "#fig-" + key, "text": f"{w['figure']} {numbered[key]}",
                          "plan": f["id"] if key == "plan" else None})
        if f["id"] in in_model:
            links.append({"href": "#fig-model", "text": w["in3d"], "focus": f["id"]})
        elif sun["sunlight"] and f["id"] in sun["sunlight"]["finding_windows"]:
            # the worst window in the 3D model, its details beside it (sunlight.js)
            links.append({"href": "#fig-model", "text": w["in3d"], "sunwin": f["id"]})
        if not links and f["family"] == "capacity":
            links.append({"href": "#indicators", "text": w["indicators"]})
        evidence[f["id"]] = links
    n = counts(report)
    off_plan = [f for f in report["findings"] if f["family"] != "drawing" and f["id"] not in in_plan]
    fam_counts = {fam: {s_: sum(1 for f in rows if f["status"] == s_) for s_ in SEVERITY}
                  for fam, rows in families.items()}
    return env.get_template("report.html.j2").render(
        lang=lang, w=WORDS[lang], csp=CSP_LINKED if link else CSP, report=report,
        verdict=VERDICT[lang][report["verdict"]],
        status_word=STATUS[lang], family_word=FAMILY[lang], families=[(fam, families[fam]) for fam in order],
        drawing_findings=drawing, indicators=_indicators(report, lang), figures=figures.figures,
        numbered=numbered, fig_of=fig_of, in_model=in_model, by_id=by_id,
        notes=figures.notes + ([LINKED[lang]] if link else []),
        provenance=context_rows(report, lang), num=num, sun_note=sun_note, status_hex=status_hex,
        png_uri=lambda fig: f"figures/{fig.file}" if link else
        "data:image/png;base64," + base64.b64encode(fig.png).decode("ascii"),
        glb_b64=base64.b64encode(glb).decode("ascii") if _model_inline(glb, link) else "",
        viewer_data=_viewer_data(report, lang), json_script=_json_script,
        plan_scene=scene, in_plan=in_plan, filters=_plan_filters(report, scene, lang, n),
        shows=lambda fig: _shows(fig, by_id), counts=n, issues=_issues(report), evidence=evidence,
        compare=lambda f, clause=False: compare(f, clause=clause, lang=lang), fam_counts=fam_counts,
        clause=lambda f: (f.get("clause") or "") if lang == "zh" else to_en(f.get("clause")),
        msg=lambda f: f["message"] if lang == "zh" else to_en(f["message"]),
        what=lambda f: (f["message"] if lang == "zh" else to_en(f["message"])) if f["family"] == "drawing"
        else (f.get("title") or f["rule"]) if lang == "zh" else FAMILY["en"].get(f["family"], f["rule"]),
        colon="：" if lang == "zh" else ": ",
        not_checked=[_one_language(n, lang) for n in report.get("not_checked", [])],
        off_plan_bad=[f for f in off_plan if f["status"] != "pass"],
        off_plan_pass=sum(1 for f in off_plan if f["status"] == "pass"), rank=RANK,
        page_head=css_string(f"{w['title']} · {report['drawing'].get('path')} · sha256 "
                             f"{(report['drawing'].get('sha256') or '')[:12]}"),
        page_foot=css_string(f"{w['verdict']}：{VERDICT[lang][report['verdict']]} · plancheck "
                             f"{report['tool']['version']}"),
        css="\n".join((TEMPLATES / f).read_text("utf-8") for f in CSS_FILES),
        scripts=[(TEMPLATES / f).read_text("utf-8") for f in JS_FILES],
        **sun,
    )


def render(report: dict, out_dir: Path, context=None) -> list[Path]:
    """The `html` format: report.html, carrying its figures and model; a page over MAX_PAGE
    links its figures (and a large model) instead, written beside it (figures/, model.glb:
    the `png` and `glb` formats' files)."""
    from plancheck.render.figures import scope_of
    from plancheck.render.glb import glb_bytes
    from plancheck.render.json_file import write_atomic

    lang = getattr(context, "lang", "zh") or "zh"
    lang = lang if lang in WORDS else "zh"
    scope = scope_of(context)
    figures = _figures(report, lang, scope)
    glb = glb_bytes(report)
    files = [(f"figures/{fig.file}", fig.png) for fig in figures.figures]
    if (report.get("sunlight") or {}).get("receivers"):
        from plancheck.render.sunlight_figures import figures as sun_figures

        files += [(rel, png) for rel, _title, png in sun_figures(report["sunlight"], lang, report, scope)]
    inline = sum(len(png) for _rel, png in files) * 4 // 3      # the figures as base64
    # build the likelier page first (figures over half the budget: linked), the other only
    # when the first shows it was the wrong one (a 50-building page takes a second to build)
    link = inline > MAX_PAGE // 2
    page = build_html(report, lang, figures, glb, scope=scope, link=link)
    size = len(page.encode("utf-8"))
    if link:       # the embedded page's size: the linked one's and what it left out
        size += inline + (0 if _model_inline(glb, link) else len(glb) * 4 // 3)
    if link != (size > MAX_PAGE):
        link = not link
        page = build_html(report, lang, figures, glb, scope=scope, link=link)
    if not link:
        return [write_atomic(out_dir / "report.html", page)]
    if not _model_inline(glb, link):
        files.append(("model.glb", glb))
    return [write_atomic(out_dir / rel, data) for rel, data in files] + \
        [write_atomic(out_dir / "report.html", page)]
