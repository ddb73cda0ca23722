"""The HTML report's sunlight section: what the partial `sunlight.html.j2` and the script
`sunlight.js` need (figures as data URIs, receivers, the analysed windows for picking in
the 3D model). Everything comes from the report's `sunlight` section; nothing when absent."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

TEMPLATES = Path(__file__).with_name("templates")
#: at most this many windows are handed to the page for picking (the rest are still coloured)
MAX_PICK = 20_000
#: the window table lists the failing and undecided windows, up to this many (the rest counted)
MAX_ROWS = 300
ZONE = {"zh": {"puxi-inner": "浦西内环线以内地区", "other": "其他地区"},
        "en": {"puxi-inner": "inside the Puxi inner ring", "other": "other areas"}}
PARAMS = {
    "zh": {"params": "计算参数", "zone": "地区", "place": "经纬度", "place_v": "东经 {lon}、北纬 {lat}",
           "date": "日期", "date_v": "冬至日 {date}（{year} 年基准）", "clock": "时间",
           "clock_v": "真太阳时；有效时间按墙面朝向取下表", "table": "日照有效时间表",
           "south": "正南", "off": "南偏东/西 {a}°–{b}°", "east": "偏东", "west": "偏西",
           "step": "计算步长", "step_v": "{step:g} 分钟（取各步中点）", "full": "满窗",
           "full_v": "窗台高 {sill:g} m，参考宽度（窗宽，最大 {width:g} m）两端均有日照方计",
           "run": "最短时段", "run_v": "累计日照只计连续不少于 {run:g} 分钟的时段",
           "sampling": "窗", "sampling_v": "按图中 PC-WINDOW 窗；未绘窗的建筑每层主要朝向按 {width:g} m 窗、"
                                         "{gap:g} m 间距采样（规划阶段保守估算）",
           "obstruct": "遮挡建筑", "obstruct_v": "{radius:g} m 范围内全部建筑（含本楼裙房等自身体量）",
           "sun": "太阳位置", "sun_v": "NREL SPA 太阳位置算法（pvlib），几何高度角（不计大气折射）",
           "shading": "实际遮挡建筑", "skipped": "未分析的墙面",
           "skipped_v": "墙面 {facade}（{orientation}）：不在日照有效时间表内", "windows_t": "不满足与无法判定的窗",
           "win_id": "窗编号", "facade": "墙面", "orientation": "朝向", "lit": "日照时段 真太阳时（北京时间）",
           "cont": "连续", "cum": "累计", "req": "要求", "status": "结论", "by": "遮挡建筑",
           "more": "另有 {n} 个窗未列出（见 sunlight.json）", "homes_h": "满足/不满足/未定（计数单位）",
           "homes_unit": "户", "windows_unit": "采样窗", "drawn_unit": "窗",
           "before_after": "不得恶化：方案前 → 方案后（分钟）",
           "before_note": "方案前 = 不计入拟建建筑的日照分析；方案后 = 计入拟建建筑；不得恶化按窗计数",
           "not_analysed": "未分析的住宅及第三十条建筑", "why": "原因",
           "sampled": "采样窗：该建筑未绘窗，按每层主要朝向的窗宽与间距采样（规划阶段保守估算），编号为 墙面/序号"},
    "en": {"params": "Parameters", "zone": "area", "place": "longitude, latitude", "place_v": "{lon} E, {lat} N",
           "date": "date", "date_v": "winter solstice {date} (reference year {year})", "clock": "time",
           "clock_v": "true solar time; the effective window by facade orientation below",
           "table": "effective sunlight hours", "south": "due south", "off": "{a}°–{b}° off south",
           "east": "east", "west": "west", "step": "step", "step_v": "{step:g} min (step midpoints)",
           "full": "full window", "full_v": "sill {sill:g} m; both ends of the reference width (the window's, "
                                              "at most {width:g} m) lit",
           "run": "shortest run", "run_v": "cumulative sun counts runs of at least {run:g} min",
           "sampling": "windows", "sampling_v": "the drawn PC-WINDOW windows; a building without them is "
                                               "sampled with {width:g} m windows every {gap:g} m on each "
                                               "floor's main facades (conservative estimate)",
           "obstruct": "obstructions", "obstruct_v": "every building within {radius:g} m (the receiver's own "
                                                     "masses included)",
           "sun": "sun position", "shading": "buildings that shade it", "skipped": "facades not analysed",
           "skipped_v": "facade {facade} ({orientation}): outside the effective-hours table",
           "windows_t": "Windows that fail or are undecided", "win_id": "window", "facade": "facade",
           "orientation": "orientation", "lit": "sunlit, true solar time (Beijing time)",
           "cont": "continuous", "cum": "cumulative", "req": "required", "status": "status",
           "by": "shaded by", "more": "{n} more windows not listed (see sunlight.json)",
           "homes_h": "pass/fail/unknown (counted in)", "homes_unit": "homes", "windows_unit": "sampled windows",
           "drawn_unit": "windows", "before_after": "no worse: before → after (min)",
           "before_note": "before = analysed without the proposed buildings; after = with them; "
                          "no-worse counts windows",
           "not_analysed": "Homes and Art. 30 buildings not analysed", "why": "why",
           "sampled": "sampled window: the building has no drawn windows, so each floor's main facades are "
                      "sampled (conservative planning-stage estimate), numbered facade/sample"},
}


def dms(deg: float) -> str:
    """121.4667 -> 121°28′ (degrees and minutes, as sunlight reports print them)."""
    d = int(deg)
    m = round((deg - d) * 60)
    if m == 60:
        d, m = d + 1, 0
    return f"{d}°{m:02d}′"


def window_id(win: dict) -> str:
    """A reviewer's window number: building, floor, window (`1#-1F-W5A`), never an entity alone."""
    return f"{win['building']}-{win['floor']}F-W{win['window']}"


class _Table:
    """A small table of the distinct values of a column (JSON-able, compared by value): each
    window holds an index into it instead of the value."""

    def __init__(self):
        self.values: list = []
        self._index: dict[str, int] = {}

    def __call__(self, value) -> int:
        key = json.dumps(value, ensure_ascii=False)
        if key not in self._index:
            self._index[key] = len(self.values)
            self.values.append(value)
        return self._index[key]


def _num(x):
    """168.0 -> 168 (the page shows the same number; the JSON is shorter). A zero keeps its
    float and its sign: the viewer's yaw is atan2 of the normal, and atan2 tells -0 from 0."""
    return int(x) if isinstance(x, float) and x.is_integer() and x != 0 else x


def _shading(sun: dict) -> dict[str, set]:
    """Each receiver building's shading buildings, from the document's columns."""
    cols = sun.get("windows") or {}
    if not cols.get("count"):
        return {}
    sh, recv = cols["shaded"], sun["receivers"]
    out: dict[str, set] = {}
    si = bi = 0
    for k, n in enumerate(sh["count"]):
        if n:
            nb = sum(sh["by_count"][si:si + n])
            out.setdefault(recv[cols["receiver"][k]]["building"], set()).update(sh["by"][bi:bi + nb])
            si, bi = si + n, bi + nb
    return out


def compact_windows(wins: list[dict], north: float, ox: float, oy: float) -> dict:
    """The windows handed to the 3D viewer for picking, column by column (sunlight.js decodes
    them into one object per window: p, n, b, f, o, fc, w, u, c, cu, r, m, s, lit, bjt, sh, why).

    Per window: `p` its centre in the viewer's frame (x, y, z flattened, rounded to mm), `f`
    floor, `w` window, `c` / `cu` continuous / cumulative minutes, and indices into tables:
    `rc` its receiver (building, required minutes, measure: shared by the receiver's windows),
    `fa` its facade (facade, orientation, outward normal n as viewer x, z), `u` unit, `s`
    status, `why` reason, `lit` its sunlit intervals (each [from, to, from Beijing time, to
    Beijing time]) and `sh` its shaded intervals (each [from, to, by])."""
    tables = {k: _Table() for k in ("receivers", "facades", "units", "statuses", "reasons", "lit", "shaded")}
    cols: dict[str, list] = {k: [] for k in ("p", "f", "w", "c", "cu", "rc", "fa", "u", "s", "why", "lit", "sh")}
    for win in wins:
        (x0, y0), (x1, y1) = win["line"]
        a = math.radians(north - float(win.get("azimuth_deg", 180.0)))   # outward, drawing frame
        cols["p"] += [_num(round((x0 + x1) / 2 - ox, 3)), _num(round(win["sill_z_m"] + 0.75, 3)),
                      _num(round(-((y0 + y1) / 2 - oy), 3))]
        cols["f"].append(win["floor"])
        cols["w"].append(win["window"])
        cols["c"].append(_num(win["continuous_minutes"]))
        cols["cu"].append(_num(win["cumulative_minutes"]))
        cols["rc"].append(tables["receivers"]([win["building"], win["required_minutes"], win["measure"]]))
        cols["fa"].append(tables["facades"]([win["facade"], win["orientation"],
                                             [_num(round(math.cos(a), 4)), _num(round(-math.sin(a), 4))]]))
        cols["u"].append(tables["units"](win["unit"]))
        cols["s"].append(tables["statuses"](win["status"]))
        cols["why"].append(tables["reasons"](win.get("reason")))
        cols["lit"].append([tables["lit"]([t0, t1, bj[0], bj[1]])
                            for (t0, t1), bj in zip(win["lit"], win["lit_bjt"])])
        cols["sh"].append([tables["shaded"]([x["from"], x["to"], list(x["by"])])
                           for x in win["shaded"]])
    return {"count": len(wins), **cols, "tables": {k: t.values for k, t in tables.items()}}


def _params(sun: dict, lang: str) -> list[tuple[str, str]]:
    t = PARAMS.get(lang, PARAMS["zh"])
    s = sun["settings"]
    table = []
    for row in s.get("effective_time", []):
        a, b = row["off_south_deg"]
        east, west = row["east"], row["west"]
        where = t["south"] if (a, b) == (0, 0) else t["off"].format(a=a, b=b)
        span = f"{east[0]}–{east[1]}" if east == west else \
            f"{t['east']} {east[0]}–{east[1]}，{t['west']} {west[0]}–{west[1]}"
        table.append(f"{where} {span}")
    zone = sun.get("zone")
    return [
        (t["zone"], ZONE.get(lang, ZONE["zh"]).get(zone, zone or "—")),
        (t["place"], t["place_v"].format(lon=dms(s["lon_deg"]), lat=dms(s["lat_deg"]))),
        (t["date"], t["date_v"].format(date=s["date"], year=s["year"])),
        (t["clock"], t["clock_v"]),
        (t["table"], "；".join(table) if lang == "zh" else "; ".join(table).replace("，", ", ")),
        (t["step"], t["step_v"].format(step=s["step_min"])),
        (t["full"], t["full_v"].format(sill=s["sill_m"], width=s["reference_width_m"])),
        (t["run"], t["run_v"].format(run=s.get("min_segment_min", 5))),
        (t["sampling"], t["sampling_v"].format(width=s["reference_width_m"], gap=s.get("sample_spacing_m", 0.3))),
        (t["obstruct"], t["obstruct_v"].format(radius=s["radius_m"])),
        (t["sun"], t["sun_v"] if lang == "zh" and s.get("sun") else (s.get("sun") or "—")),
    ]

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


def context(report: dict, lang: str, scope: str = "fails") -> dict:
    """`sunlight` for the template (None without an analysis); sunlight.js is in html.JS_FILES.
    `scope`: which facade sheets (style.FIGURE_SCOPES), as the `png` format draws them."""
    sun = report.get("sunlight")
    if not sun or not sun.get("receivers"):
        return {"sunlight": None}
    from plancheck.render.massing import origin
    from plancheck.render.sunlight_figures import figures

    w = WORDS.get(lang, WORDS["zh"])
    s = sun["settings"]
    ox, oy = origin(report)
    figs = [{"id": "sunlight-" + rel.rsplit("/", 1)[-1][:-4], "title": title,
             "uri": "data:image/png;base64," + base64.b64encode(png).decode("ascii"), "file": rel}
            for rel, title, png in figures(sun, lang, report, scope)]
    by_file = {f["file"]: f["id"] for f in figs}
    from plancheck.sunlight.output import iter_window_records

    cols = sun.get("windows") or {}
    count = cols.get("count") or 0
    # a large scheme's windows are never all held as dicts at once: the picked ones, the
    # failing ones for the table, and the shading buildings in one pass over the rest
    wins = list(iter_window_records(sun, range(min(count, MAX_PICK))))
    north = float(report["drawing"].get("north_deg", 90.0))
    picks = compact_windows(wins, north, ox, oy)
    finding_figs = {f["id"]: by_file[f["figure"]] for f in report.get("findings", [])
                    if f.get("figure") in by_file}
    # each sunlight finding's worst window, for its "3D" link (the viewer looks at it)
    index = {(win["building"], win["floor"], win["facade"], str(win["window"])): k
             for k, win in enumerate(wins)}
    finding_windows = {}
    for f in report.get("findings", []):
        wst = f.get("worst") if f.get("family") == "sunlight" else None
        if wst:
            k = index.get((wst.get("building"), wst.get("floor"), wst.get("facade"), str(wst.get("window"))))
            if k is not None:
                finding_windows[f["id"]] = k
    data = {"windows": picks, "finding_figs": finding_figs, "finding_windows": finding_windows,
            "words": w}
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
    t = PARAMS.get(lang, PARAMS["zh"])
    shading = _shading(sun)
    bad_rows = [k for k, st in enumerate(cols.get("status") or ()) if st != "pass"]
    bad = list(iter_window_records(sun, bad_rows[:MAX_ROWS]))
    rows = [{"id": window_id(win), "facade": win["facade"], "orientation": orient(win["orientation"]),
             "lit": "，".join(f"{a}–{b}（{bj[0][:5]}–{bj[1][:5]}）" for (a, b), bj in zip(win["lit"], win["lit_bjt"]))
             if lang == "zh" else ", ".join(f"{a}–{b} ({bj[0][:5]}–{bj[1][:5]})"
                                            for (a, b), bj in zip(win["lit"], win["lit_bjt"])),
             "cont": win["continuous_minutes"], "cum": win["cumulative_minutes"],
             "req": win["required_minutes"], "measure": win["measure"], "status": win["status"],
             "by": sorted({b for sh in win.get("shaded") or [] for b in sh.get("by") or []}),
             # 不得恶化: the minutes without the proposed buildings, in the requirement's measure
             "before": (win.get("before") or {}).get(f"{win['measure']}_minutes"),
             "estimate": not win.get("drawn", True)}
            for win in bad]
    receivers = [dict(r, shading=sorted(shading.get(r["building"], ())),
                      # what the counts count: homes, or windows (sampled ones; under 不得恶化
                      # each window is compared with itself before the scheme)
                      counted=t["windows_unit"] if r.get("estimate") else
                      t["drawn_unit"] if r["requirement"].get("no_worse") else t["homes_unit"],
                      skipped_text=[t["skipped_v"].format(facade=k.get("facade"), orientation=orient(k.get("orientation") or ""))
                                    for k in r.get("skipped") or [] if k.get("what") == "outside-table"])
                 for r in sun["receivers"]]
    return {"sunlight": {"w": w, "t": t, "finding_windows": finding_windows, "settings": settings, "receivers": receivers, "figures": figs,
                         "data": data, "requirement": requirement, "orient": orient,
                         "params": _params(sun, lang), "windows": rows,
                         "no_worse": any(x["before"] is not None for x in rows),
                         "not_analysed": sun.get("not_analysed") or [],
                         "more": max(0, len(bad_rows) - MAX_ROWS)}}
