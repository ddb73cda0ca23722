"""Capacity: FAR, building density, green ratio and height against the planning conditions
(`capacity.condition`), the 第十四条 fallback table (`capacity.table`) and per-use minimums
(`capacity.use_minimum`). Every finding carries `metric`."""

from __future__ import annotations

from typing import Iterator

from plancheck import tolerances as tol
from plancheck.evaluate.clauses import Clause
from plancheck.evaluate.engine import Evaluation
from plancheck.evaluate.registry import check_kind
from plancheck.findings import Finding

METRICS = ("far", "building_density", "green_ratio", "height")
NAMES = {"zh": {"far": "容积率", "building_density": "建筑密度", "green_ratio": "绿地率",
                "height": "建筑高度"},
         "en": {"far": "FAR", "building_density": "building density", "green_ratio": "green ratio",
                "height": "height"}}
AREAS = ("inner-ring", "between-rings", "new-town", "central-town", "town")
AREA_ZH = {"inner-ring": "内环线以内", "between-rings": "内外环线之间", "new-town": "新城",
           "central-town": "中心镇", "town": "一般镇和其它地区"}
USE_ZH = {"residential": "居住", "office": "办公", "commercial": "商业", "hotel": "旅馆",
          "school": "学校", "kindergarten": "托幼", "hospital": "医院", "industrial": "工业",
          "other": "其他"}
GROUP_ZH = {"residential": "居住建筑", "commercial": "商业、办公"}
CLASS_ZH = {"low": "低层", "multi": "多层", "high": "高层"}

CONDITION_SCHEMA = {
    "type": "object",
    "required": ["metric", "condition", "limit", "when_missing"],
    "additionalProperties": False,
    "properties": {
        "metric": {"enum": list(METRICS)},
        "condition": {"enum": ["far_max", "density_max", "green_ratio_min", "height_max"]},
        "limit": {"enum": ["max", "min"]},
        "when_missing": {"enum": ["defer", "unknown"]},
    },
}
_CELL = {"oneOf": [{"type": "null"}, {
    "type": "object", "required": ["density", "far"], "additionalProperties": False,
    "properties": {"density": {"type": "number"}, "far": {"type": "number"}}}]}
TABLE_SCHEMA = {
    "type": "object",
    "required": ["metric", "condition", "max_site_area_m2", "groups", "table"],
    "additionalProperties": False,
    "properties": {
        "metric": {"enum": ["far", "building_density"]},
        "condition": {"enum": ["far_max", "density_max"]},
        "max_site_area_m2": {"type": "number", "exclusiveMinimum": 0},
        "reduction": {"type": "array", "items": {
            "type": "object", "required": ["area_max_m2", "j"], "additionalProperties": False,
            "properties": {"area_max_m2": {"type": "number"}, "j": {"type": "number"}}}},
        "groups": {"type": "object", "additionalProperties": {
            "type": "array", "items": {"type": "string"}}},
        "detached_row": {"type": "string"},
        "table": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": False,
            "properties": {a: _CELL for a in AREAS}}},
    },
}
USE_MIN_SCHEMA = {
    "type": "object",
    "required": ["metric", "condition", "minimums"],
    "additionalProperties": False,
    "properties": {
        "metric": {"const": "green_ratio"},
        "condition": {"const": "green_ratio_min"},
        "minimums": {"type": "object", "additionalProperties": {"type": "number"}},
    },
}


def _indicator(ev: Evaluation, metric: str) -> float | None:
    return getattr(ev.indicators, metric)


def _fmt(metric: str, v: float) -> str:
    return f"{v:.2f} m" if metric == "height" else \
        (f"{v:.3f}" if metric == "far" else f"{v * 100:.2f}%")


def _fmt_pair(metric: str, value: float, limit: float, slack: float) -> tuple[str, str]:
    """`_fmt` of both, at the precision where they differ (34.998% < 35%)."""
    from plancheck.evaluate.checks._numbers import pair

    if metric == "height":
        a, b = pair(value, limit, 2, slack)
        return f"{a} m", f"{b} m"
    if metric == "far":
        return pair(value, limit, 3, slack)
    a, b = pair(value, limit, 2, slack, scale=100.0)
    return f"{a}%", f"{b}%"


def _compare(ev: Evaluation, clause: Clause, metric: str, subject: str, value: float,
             limit: float, kind: str, basis: str) -> Finding:
    slack = tol.COMPARE_M if metric == "height" else tol.COMPARE_RATIO
    ok = value <= limit + slack if kind == "max" else value >= limit - slack
    name = NAMES[ev.lang][metric]
    vs, ls = _fmt_pair(metric, value, limit, slack)
    if ev.lang == "zh":
        verb = ("不超过" if ok else "超过") if kind == "max" else ("不低于" if ok else "低于")
        who = "" if subject == "site" else f"{subject} "
        msg = f"{who}{name} {vs}，{verb}{basis} {ls}"
    else:
        verb = ("within" if ok else "above") if kind == "max" else ("at least" if ok else "below")
        who = "" if subject == "site" else f"{subject} "
        msg = f"{who}{name} {vs} is {verb} {basis} {ls}"
    return ev.finding(clause, "pass" if ok else "fail", msg, [subject], value, float(limit),
                      "m" if metric == "height" else "", metric=metric)


def _unknown(ev, clause, metric: str, subject: str, why_zh: str, why_en: str,
             value: float | None = None) -> Finding:
    name = NAMES[ev.lang][metric]
    msg = f"{name}无法判定：{why_zh}" if ev.lang == "zh" else f"{name} cannot be decided: {why_en}"
    return ev.finding(clause, "unknown", msg, [subject], value, None,
                      "m" if metric == "height" else "", metric=metric)


@check_kind("capacity.condition", "capacity", CONDITION_SCHEMA)
def condition(ev: Evaluation, clause: Clause) -> Iterator[Finding]:
    """An indicator against the parcel's planning conditions (规划条件, context `conditions`).

    Measures: the site's FAR, building density or green ratio (proposed buildings only,
    subject `site`), or for `height` each proposed building's height (subject the building);
    against the context condition named by `condition`, as a maximum or minimum (`limit`).
    Fails when: the value is above the maximum (below the minimum).
    Unknown when: the condition is missing and `when_missing` is `unknown` (with `defer` the
    clause says nothing: a fallback clause reports instead); or the indicator cannot be
    computed (no site outline, a building without floors or height).
    """
    p = clause.params
    metric, limit = p["metric"], ev.context.conditions.get(p["condition"])
    basis = "规划条件" if ev.lang == "zh" else "the planning conditions' limit"
    if limit is None:
        if p["when_missing"] == "unknown":
            yield _unknown(ev, clause, metric, "site", f"未给出规划条件 {p['condition']}（上下文文件 conditions）",
                           f"the planning condition {p['condition']} is not given (context conditions)")
        return
    if metric == "height":
        for b in sorted(ev.model.proposed, key=lambda b: b.name):
            if b.height_m is None:
                yield _height_range(ev, clause, b, limit, p["limit"], basis)
            else:
                yield _compare(ev, clause, metric, b.name, b.height_m, limit, p["limit"], basis)
        return
    value = _indicator(ev, metric)
    if value is None:
        yield _unknown(ev, clause, metric, "site", "指标无法计算（缺少用地红线或建筑层数）",
                       "the indicator cannot be computed (no site outline, or floors missing)")
        return
    yield _compare(ev, clause, metric, "site", value, limit, p["limit"], basis)


def _height_range(ev: Evaluation, clause: Clause, b, limit: float, kind: str, basis: str) -> Finding:
    """A building without HEIGHT against a height cap: its height is the range 附录一 allows
    its residential FLOORS (values.py), else any height; decided when the whole range is on
    one side of the cap, else unknown naming the threshold."""
    from plancheck.evaluate.values import building_height, floor_classes

    zh = ev.lang == "zh"
    r = building_height(b.masses, b.use == "residential", floor_classes(ev.ruleset))
    what = (f"{b.name} 高度未标注（{r.text(True)}）" if zh else
            f"{b.name} has no height ({r.text(False)})")
    ranges = {b.name: {"height_m": r.as_dict()}}
    # (lo, hi]: every height is above lo, so lo >= the cap already exceeds it (COMPARE_M is
    # slack for measured values, not for a bound of the regulation's classes)
    if kind == "max" and (r.hi <= limit + tol.COMPARE_M or r.lo >= limit):
        ok = r.hi <= limit + tol.COMPARE_M
        msg = (f"{what}；按其任何高度均{'不超过' if ok else '超过'}{basis} {limit:g} m" if zh else
               f"{what}: whatever its height it is {'within' if ok else 'above'} {basis} {limit:g} m")
        return ev.finding(clause, "pass" if ok else "fail", msg, [b.name], None, float(limit),
                          "m", metric="height", ranges=ranges)
    f = _unknown(ev, clause, "height", b.name,
                 f"{what}：高度 > {limit:g} m 时不满足" if kind == "max" else f"{b.name} 缺少高度",
                 f"{what}: it fails when the height is above {limit:g} m" if kind == "max"
                 else f"{b.name} has no height")
    f.extra["ranges"] = ranges
    return f


def _site_group(ev: Evaluation, groups: dict[str, list[str]]):
    """(group, height class) of the proposed scheme, or (None, reason_zh, reason_en)."""
    proposed = ev.model.proposed
    uses = {b.use for b in proposed}
    if None in uses:
        return None, "有拟建建筑缺少用途", "a proposed building has no use"
    found = {g for u in uses for g, members in groups.items() if u in members}
    if len(found) != 1 or any(not any(u in m for m in groups.values()) for u in uses):
        return (None, f"用途 {'、'.join(USE_ZH.get(u, u) for u in sorted(uses))} 不属于第十四条的单一用途"
                "（居住 / 商业办公）基地",
                f"uses {', '.join(sorted(uses))} do not make a single-use site under 第十四条")
    heights = [b.height_m for b in proposed]
    if any(h is None for h in heights):
        # values as ranges: a building without HEIGHT whose 附录一 class its residential FLOORS
        # give still gives the scheme's class (the tallest building's)
        from plancheck.evaluate.values import building_height, floor_classes
        from plancheck.model.site import LOW_MAX_M, MULTI_MAX_M

        classes = floor_classes(ev.ruleset)
        order = ("low", "multi", "high")
        seen = []
        for b in proposed:
            r = building_height(b.masses, b.use == "residential", classes)
            cls = next((c for c, lo, hi in (("low", 0.0, LOW_MAX_M),
                                            ("multi", LOW_MAX_M, MULTI_MAX_M),
                                            ("high", MULTI_MAX_M, float("inf")))
                        if (r.known and lo < r.lo <= hi) or (not r.known and lo <= r.lo and r.hi <= hi)),
                       None)
            if cls is None:
                return None, "有拟建建筑缺少高度", "a proposed building has no height"
            seen.append(cls)
        return found.pop(), max(seen, key=order.index), None
    tallest = max(proposed, key=lambda b: b.height_m)
    return found.pop(), tallest.height_class, None


@check_kind("capacity.table", "capacity", TABLE_SCHEMA)
def table(ev: Evaluation, clause: Clause) -> Iterator[Finding]:
    """FAR or building density against the 第十四条 fallback (Table 2, FAR × (1 − J)).

    Measures: only when the planning condition `condition` is not given. The row is the
    use group (`groups`: every proposed building's use in one group) and the height class of
    the tallest proposed building (`detached_row` for low-rise residential in a detached-
    house area); the column is the context `area`. FAR limit = table FAR × (1 − J), J from
    `reduction` (the first row with site area <= area_max_m2); density limit = table density.
    Fails when: the indicator exceeds the limit.
    Unknown when: the site is larger than `max_site_area_m2` (a detailed plan governs), the
    context gives no `area`, the scheme has no single use group / a building lacks use or
    height, the table has no such cell, or the indicator cannot be computed.
    """
    p = clause.params
    metric = p["metric"]
    if p["condition"] in ev.context.conditions or not ev.model.proposed:
        return
    zh = ev.lang == "zh"
    site_area = ev.indicators.site_area_m2
    if site_area is None:
        yield _unknown(ev, clause, metric, "site", "未给出规划条件，且缺少用地红线",
                       "no planning conditions and no site outline")
        return
    if site_area > p["max_site_area_m2"] + tol.COMPARE_M:
        yield _unknown(ev, clause, metric, "site",
                       f"未给出规划条件；基地面积 {site_area:.0f} m² 大于 {p['max_site_area_m2']:g} m²，"
                       "应按详细规划 / 规划条件控制",
                       f"no planning conditions; the site ({site_area:.0f} m²) is over "
                       f"{p['max_site_area_m2']:g} m², so a detailed plan governs")
        return
    area = ev.context.area
    if area is None:
        yield _unknown(ev, clause, metric, "site", "未给出规划条件，也未给出地区（context area）",
                       "neither planning conditions nor the area (context `area`) are given")
        return
    group, cls, why_en = _site_group(ev, p["groups"])
    if group is None:
        yield _unknown(ev, clause, metric, "site", f"未给出规划条件；{cls}", f"no planning conditions; {why_en}")
        return
    row = f"{group}_{cls}"
    if group == "residential" and cls == "low" and ev.context.detached_house_area \
            and p.get("detached_row"):
        row = p["detached_row"]
    cell = p["table"].get(row, {}).get(area)
    if cell is None:
        yield _unknown(ev, clause, metric, "site", f"未给出规划条件；表2没有 {row} / {area} 一栏",
                       f"no planning conditions; Table 2 has no cell {row} / {area}")
        return
    value = _indicator(ev, metric)
    if value is None:
        yield _unknown(ev, clause, metric, "site", "指标无法计算（缺少建筑层数）",
                       "the indicator cannot be computed (floors missing)")
        return
    label = (("低层独立式住宅" if row == p.get("detached_row") else GROUP_ZH.get(group, group)
              + CLASS_ZH[cls]) + "，" + AREA_ZH[area]) if zh else f"{row}, {area}"
    if metric == "far":
        j = next((r["j"] for r in p.get("reduction", []) if site_area <= r["area_max_m2"] + tol.COMPARE_M),
                 0.0)
        limit = cell["far"] * (1.0 - j)
        basis = (f"表2（{label}）上限 {cell['far']:g}×(1−{j:g}) =" if zh else
                 f"Table 2 ({label}) {cell['far']:g} × (1 − {j:g}) =")
    else:
        limit = cell["density"]
        basis = f"表2（{label}）上限" if zh else f"Table 2 ({label}) limit"
    yield _compare(ev, clause, metric, "site", value, limit, "max", basis)


@check_kind("capacity.use_minimum", "capacity", USE_MIN_SCHEMA)
def use_minimum(ev: Evaluation, clause: Clause) -> Iterator[Finding]:
    """Green ratio against a minimum set by the scheme's use, when no planning condition sets it.

    Measures: only when `condition` is not in the context. Every proposed building's use
    must have a minimum in `minimums`; the requirement is the largest of them.
    Fails when: the site's green ratio is below it.
    Unknown when: a proposed building's use is missing or not listed, or the ratio cannot
    be computed (no site outline).
    """
    p = clause.params
    metric = p["metric"]
    if p["condition"] in ev.context.conditions or not ev.model.proposed:
        return
    uses = sorted({b.use or "?" for b in ev.model.proposed})
    unlisted = [u for u in uses if u not in p["minimums"]]
    if unlisted:
        yield _unknown(ev, clause, metric, "site",
                       f"未给出规划条件 green_ratio_min，且用途 {'、'.join(USE_ZH.get(u, u) for u in unlisted)} "
                       "没有规定的最低绿地率",
                       f"no green_ratio_min condition, and use(s) {', '.join(unlisted)} have no "
                       "listed minimum")
        return
    value = _indicator(ev, metric)
    if value is None:
        yield _unknown(ev, clause, metric, "site", "缺少用地红线", "no site outline")
        return
    limit = max(p["minimums"][u] for u in uses)
    basis = (f"{'、'.join(USE_ZH.get(u, u) for u in uses)}项目的最低要求" if ev.lang == "zh"
             else f"the minimum for {', '.join(uses)}")
    yield _compare(ev, clause, metric, "site", value, limit, "min", basis)


MIN_AREA_SCHEMA = {
    "type": "object",
    "required": ["metric", "groups", "minimums"],
    "additionalProperties": False,
    "properties": {
        "metric": {"const": "site_area"},
        "groups": {"type": "object", "additionalProperties": {
            "type": "array", "items": {"type": "string"}}},
        "minimums": {"type": "array", "items": {
            "type": "object", "required": ["group", "class", "min_m2"], "additionalProperties": False,
            "properties": {"group": {"type": "string"}, "class": {"enum": ["low", "multi", "high"]},
                           "min_m2": {"type": "number", "exclusiveMinimum": 0}}}},
    },
}
CLASS_EN = {"low": "low-rise", "multi": "multi-storey", "high": "high-rise"}
GROUP_NAME = {"zh": {"residential": "居住建筑", "public": "公共建筑"},
              "en": {"residential": "residential", "public": "public"}}


@check_kind("capacity.min_site_area", "capacity", MIN_AREA_SCHEMA)
def min_site_area(ev: Evaluation, clause: Clause) -> Iterator[Finding]:
    """The site area against the minimum for building separately (单独建设的最小基地面积).

    Measures: each proposed building's use group (`groups`) and height class give a minimum
    (`minimums`; a group/class not listed gives none); the requirement is the largest of them,
    compared with the site area (subject `site`, unit m²).
    Fails when: the site area is below the requirement.
    Unknown when: the site area cannot be computed (no site outline), or a building lacks its
    use or height and the buildings that have them do not already fail.
    """
    p = clause.params
    zh = ev.lang == "zh"
    group_of = {u: g for g, members in p["groups"].items() for u in members}
    need, who, missing = 0.0, None, []
    for b in sorted(ev.model.proposed, key=lambda b: b.name):
        if b.use is None or b.height_m is None:
            missing.append(b.name)
            continue
        g = group_of.get(b.use)
        row = next((r for r in p["minimums"] if r["group"] == g and r["class"] == b.height_class), None)
        if row is not None and row["min_m2"] > need:
            need, who = float(row["min_m2"]), (b, g)
    area = ev.indicators.site_area_m2
    metric = p["metric"]
    if area is None:
        if need or missing:
            msg = ("基地面积无法计算（缺少用地红线）" if zh
                   else "the site area cannot be computed (no site outline)")
            yield ev.finding(clause, "unknown", msg, ["site"], None, need or None, "m²", metric=metric)
        return
    ok = area >= need - tol.COMPARE_M
    if missing and ok:
        names = "、".join(missing) if zh else ", ".join(missing)
        msg = (f"最小基地面积无法判定：{names} 缺少用途或高度" if zh else
               f"the minimum site area cannot be decided: {names} lack a use or height")
        yield ev.finding(clause, "unknown", msg, ["site"], area, need or None, "m²", metric=metric)
        return
    if who is None:
        return   # no proposed building with a listed minimum (low-rise public, industrial...)
    b, g = who
    from plancheck.evaluate.checks._numbers import pair

    vs, ls = pair(area, need, 2, tol.COMPARE_M)
    kind = f"{CLASS_ZH[b.height_class]}{GROUP_NAME['zh'][g]}" if zh else \
        f"{CLASS_EN[b.height_class]} {GROUP_NAME['en'][g]}"
    if zh:
        msg = (f"基地面积 {vs} m²，{'不小于' if ok else '小于'}{kind}（{b.name}）单独建设的最小基地面积 {ls} m²"
               + ("" if ok else "（第十八条所列例外情形除外）"))
    else:
        msg = (f"site area {vs} m² is {'at least' if ok else 'below'} the minimum for a {kind} "
               f"building ({b.name}) built separately, {ls} m²"
               + ("" if ok else " (unless one of 第十八条's listed exceptions applies)"))
    yield ev.finding(clause, "pass" if ok else "fail", msg, ["site"], area, need, "m²",
                     metric=metric)
