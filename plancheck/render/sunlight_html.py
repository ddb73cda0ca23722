"""The HTML report's sunlight section: what the partial `sunlight.html.j2` and the script
`sunlight.js` need (figures as data URIs, receivers, the analysed windows for picking in
the 3D model). Everything comes from the report's `sunlight` section; nothing when absent."""

from __future__ import annotations

import base64
from pathlib import Path

TEMPLATES = Path(__file__).with_name("templates")
#: at most this many windows are handed to the page for picking (the rest are still coloured)
MAX_PICK = 20_000

WORDS = {
    "zh": {"title": "日照分析", "settings": "冬至日 {date}（{year} 年基准），东经 {lon:.4f}°、北纬 {lat:.4f}°，"
                                         "真太阳时，步长 {step:g} 分钟（取步长中点），窗台高 {sill:g} m，"
                                         "满窗（参考宽度两端 {width:g} m 均有日照），遮挡建筑范围 {radius:g} m",
           "building": "建筑", "rule": "规则", "requirement": "要求", "verdict": "结论",
           "worst": "最不利窗", "minutes": "分钟", "homes": "满足/不满足/未定", "estimate": "采样估算",
           "pick": "在三维模型中点击一个窗，查看其日照时段与遮挡建筑。", "floor": "层",
           "lit": "日照时段（真太阳时 / 北京时间）", "shaded": "无日照时段（遮挡）", "none": "无",
           "facade_behind": "太阳在立面背后", "continuous": "连续", "cumulative": "累计",
           "required": "要求", "status": "结论", "window": "窗", "unit": "户", "figure": "图",
           "facade": "墙面", "measures": {"continuous": "连续", "cumulative": "累计"},
           "statuses": {"pass": "满足", "fail": "不满足", "unknown": "未定"}},
    "en": {"title": "Sunlight analysis", "settings": "winter solstice {date} (reference year {year}), {lon:.4f}°E "
                                                  "{lat:.4f}°N, true solar time, {step:g}-minute steps "
                                                  "(midpoints), sill {sill:g} m, full window (both ends "
                                                  "of the {width:g} m reference width lit), obstructions "
                                                  "within {radius:g} m",
           "building": "building", "rule": "rule", "requirement": "requirement", "verdict": "verdict",
           "worst": "worst window", "minutes": "min", "homes": "pass/fail/unknown",
           "estimate": "sampled estimate",
           "pick": "Click a window in the 3D model to see its sunlit intervals and what shades it.",
           "floor": "floor", "lit": "sunlit (true solar time / Beijing time)",
           "shaded": "not sunlit (shaded by)", "none": "none", "facade_behind": "sun behind the facade",
           "continuous": "continuous", "cumulative": "cumulative", "required": "required",
           "status": "status", "window": "window", "unit": "home", "figure": "figure",
           "facade": "facade", "measures": {"continuous": "continuous", "cumulative": "cumulative"},
           "statuses": {"pass": "pass", "fail": "fail", "unknown": "unknown"}},
}


def context(report: dict, lang: str) -> dict:
    """`sunlight` for the template (None without an analysis); sunlight.js is in html.JS_FILES."""
    sun = report.get("sunlight")
    if not sun or not sun.get("receivers"):
        return {"sunlight": None}
    from plancheck.model.massing import origin
    from plancheck.render.sunlight_figures import figures

    w = WORDS.get(lang, WORDS["zh"])
    s = sun["settings"]
    ox, oy = origin(report)
    figs = [{"id": "sunlight-" + rel.rsplit("/", 1)[-1][:-4], "title": title,
             "uri": "data:image/png;base64," + base64.b64encode(png).decode("ascii"), "file": rel}
            for rel, title, png in figures(sun, lang)]
    by_file = {f["file"]: f["id"] for f in figs}
    picks = []
    for win in sun["windows"][:MAX_PICK]:
        (x0, y0), (x1, y1) = win["line"]
        picks.append({"p": [round((x0 + x1) / 2 - ox, 3), round(win["sill_z_m"] + 0.75, 3),
                            round(-((y0 + y1) / 2 - oy), 3)],
                      "b": win["building"], "f": win["floor"], "o": win["orientation"],
                      "fc": win["facade"], "w": win["window"], "u": win["unit"],
                      "c": win["continuous_minutes"], "cu": win["cumulative_minutes"],
                      "r": win["required_minutes"], "m": win["measure"], "s": win["status"],
                      "lit": win["lit"], "bjt": win["lit_bjt"], "sh": win["shaded"],
                      "why": win.get("reason")})
    finding_figs = {f["id"]: by_file[f["figure"]] for f in report.get("findings", [])
                    if f.get("figure") in by_file}
    data = {"windows": picks, "finding_figs": finding_figs, "words": w}
    settings = w["settings"].format(date=s["date"], year=s["year"], lon=s["lon_deg"], lat=s["lat_deg"],
                                    step=s["step_min"], sill=s["sill_m"], width=s["reference_width_m"],
                                    radius=s["radius_m"])
    from plancheck.render.sunlight_figures import ORIENT_EN

    def requirement(r: dict) -> str:
        """The receiver's requirement in the report's language (report.json has it in Chinese)."""
        req = r["requirement"]
        if lang == "zh" or req.get("minutes") is None:
            return req.get("text") or "—"
        words = f"{req['minutes']:g} min {req.get('measure') or ''} full-window sun on the winter solstice"
        return words + (" (not worse than before)" if req.get("no_worse") else "")

    def orient(o: str) -> str:
        return o if lang == "zh" else ORIENT_EN.get(o, o)

    if lang != "zh":
        data["words"] = dict(w, orient=ORIENT_EN)
    return {"sunlight": {"w": w, "settings": settings, "receivers": sun["receivers"], "figures": figs,
                         "data": data, "requirement": requirement, "orient": orient}}
