"""Setback from the site boundary (离界距离): `setback.boundary`."""

from __future__ import annotations

from typing import Iterator

from plancheck import tolerances as tol
from plancheck.evaluate.checks._beyond import sides
from plancheck.evaluate.checks._numbers import pair
from plancheck.evaluate.clauses import Clause
from plancheck.evaluate.engine import Evaluation
from plancheck.evaluate.geometry import Margin, closest, facing, governing, outside, segment
from plancheck.evaluate.registry import check_kind
from plancheck.findings import Finding
from plancheck.model.site import Building, Mass, height_class

_ZONED = {"oneOf": [
    {"type": "number", "minimum": 0},
    {"type": "null"},
    {"type": "object", "required": ["puxi-inner", "other"], "additionalProperties": False,
     "properties": {"puxi-inner": {"type": "number"}, "other": {"type": "number"}}},
]}
_CELL = {"type": "object", "required": ["k", "min"], "additionalProperties": False,
         "properties": {"k": _ZONED, "min": _ZONED}}
_ROWS = {"type": "object", "required": ["low", "multi", "high"], "additionalProperties": False,
         "properties": {c: _CELL for c in ("low", "multi", "high")}}
_GROUP = {"type": "object", "required": ["main", "secondary"], "additionalProperties": False,
          "properties": {"main": _ROWS, "secondary": _ROWS}}

SCHEMA = {
    "type": "object",
    "required": ["table", "height_cap_m", "gable_main_min_m", "point_ratio",
                 "facing_main_max_deg", "residential_uses", "detached_house"],
    "additionalProperties": False,
    "properties": {
        "table": {"type": "object", "required": ["residential", "non_residential"],
                  "additionalProperties": False,
                  "properties": {"residential": _GROUP, "non_residential": _GROUP}},
        "detached_house": _CELL,
        "height_cap_m": {"type": "number", "exclusiveMinimum": 0},
        "gable_main_min_m": {"type": "number", "minimum": 0},
        "point_ratio": {"type": "number", "minimum": 1},
        "facing_main_max_deg": {"type": "number", "minimum": 0, "maximum": 90},
        "residential_uses": {"type": "array", "items": {"type": "string"}},
        "edges": {"enum": ["land", "public-green"],
                  "description": "land: edges beyond which lies neighbouring land (not a road, "
                                 "river or public green); public-green: edges the context says "
                                 "border public green, where every building takes the "
                                 "residential values"},
    },
}

ZONE = {"zh": {"puxi-inner": "浦西内环线以内", "other": "其他地区"},
        "en": {"puxi-inner": "inside the Puxi inner ring", "other": "other areas"}}
CLASS = {"zh": {"low": "低层", "multi": "多层", "high": "高层"},
         "en": {"low": "low-rise", "multi": "multi-storey", "high": "high-rise"}}
GROUP = {"zh": {"residential": "居住建筑", "non_residential": "非居住建筑"},
         "en": {"residential": "residential", "non_residential": "non-residential"}}
ORIENT = {"zh": {True: "主要朝向", False: "次要朝向"}, "en": {True: "main", False: "secondary"}}


def zoned(value, zone: str | None) -> tuple[float | None, bool]:
    """A table value that may differ by zone -> (value, known). None value = no number."""
    if isinstance(value, dict):
        return (value[zone], True) if zone in value else (None, False)
    return value, True


@check_kind("setback.boundary", "setback", SCHEMA)
def boundary(ev: Evaluation, clause: Clause) -> Iterator[Finding]:
    """Distance from each proposed mass to each site-boundary edge against the 离界距离 table.

    Measures: for every proposed mass and every edge of the site outline that borders
    neighbouring land, the shortest distance between them (`edges: land`: edges, or the parts of
    them, that run along a road red line or river blue line within
    `tolerances.BOUNDARY_ON_LINE_M`, or that the context `boundary:` says border a road, river
    or public green, are left out; `edges: public-green`: only the edges the context says border
    public green, where every use takes the residential values). The facade facing the edge decides the row: when the mass's
    main-facade normal (N-S for a point building) lies within `facing_main_max_deg` of the
    edge's inward normal, the main orientation faces it; otherwise a secondary facade does,
    which counts as main when wider than `gable_main_min_m`. The row (residential group incl.
    `residential_uses` / non-residential × main / secondary × the mass's own height class)
    gives required = max(k·min(H, height_cap_m), min); in a detached-house area a low-rise
    residential main orientation uses `detached_house`. A cell with neither k nor min (按消防间距
    控制) requires 0 here: the mass need only lie inside the site. One finding per building:
    the mass/edge with the smallest margin measured − required.
    Fails when: a margin is below zero, or a mass reaches outside the site (then measured is
    minus how far its outermost vertex lies beyond the boundary).
    Unknown when: there is no site outline; or, no edge failing, a mass lacks its height or
    use, or its cell differs by zone and no zone is given.
    """
    p = clause.params
    proposed = ev.model.proposed
    site = ev.model.site
    which = p.get("edges", "land")
    all_sides = sides(ev) if site is not None else []
    if which == "public-green":
        edges = [s for s in all_sides if s.beyond == "public-green"]
        if not edges:
            return
    else:
        edges = [s for s in all_sides if s.beyond in (None, "residential", "other")]
    for b in sorted(proposed, key=lambda b: b.name):
        if site is None:
            why = "未找到用地红线" if ev.lang == "zh" else "the drawing has no site outline"
            yield ev.finding(clause, "unknown", _unknown_msg(ev, b.name, why), [b.name])
            continue
        cands = [c for m in b.masses
                 for c in _candidates(ev, p, b, m, edges, outside_too=which == "land")]
        decided = governing(cands, tol.COMPARE_M)
        if decided is None:
            continue
        status, c = decided
        msg = _unknown_msg(ev, b.name, c.why) if status == "unknown" else _message(ev, b, status, c)
        yield ev.finding(clause, status, msg, [b.name], c.measured, c.required, "m", c.geometry,
                         **({"orientation": c.info["orientation"]} if "orientation" in c.info
                            else {}))


def _candidates(ev: Evaluation, p: dict, b: Building, m: Mass, edges,
                outside_too: bool = True) -> list[Margin]:
    site = ev.model.site
    green = p.get("edges") == "public-green"
    rows = [(s.edge, _required(ev, p, b, m, s.edge.normal_deg, green)) for s in edges]
    out = []
    for e, (req, info, why) in rows:
        d, a, q = closest(m.outline, e.line)
        if why:
            out.append(Margin(None, d, None, segment(a, q), why))
        else:
            out.append(Margin(d - req, d, req, segment(a, q), info=info))
    beyond = outside(m.outline, site) if outside_too else None
    if beyond is not None:
        depth, a, q = beyond
        near = min(rows, key=lambda r: r[0].line.distance(_pt(q))) if rows else None
        if near is None or near[0].line.distance(_pt(q)) > tol.BOUNDARY_ON_LINE_M:
            # outside across a road / river edge: no 第三十三条 distance there (0 m required)
            req, info = 0.0, {"main": True, "gable_as_main": False, "mass": m.label}
        else:
            _, (req, info, why) = near
            req = 0.0 if req is None else req
        out.append(Margin(-depth - req, -depth, req, segment(a, q),
                          info={**info, "outside": True, "mass": m.label}))
    return out


def _pt(xy):
    from shapely.geometry import Point

    return Point(xy)


def _required(ev: Evaluation, p: dict, b: Building, m: Mass, normal_deg: float,
              green: bool = False):
    """(required, info, why-unknown) for one mass facing one direction."""
    lang = ev.lang
    f = facing(m.outline, normal_deg, p["point_ratio"], p["facing_main_max_deg"],
               p["gable_main_min_m"])
    info = {"orientation": "main" if f.main else "secondary", "main": f.main,
            "gable_as_main": f.gable_as_main, "gable_m": f.facade_width_m, "mass": m.label,
            "gable_limit": p["gable_main_min_m"], "cap": p["height_cap_m"]}
    if m.height_m is None:
        return None, info, (f"{m.label} 缺少高度" if lang == "zh" else f"{m.label} has no height")
    use = m.use or b.use
    if use is None:
        return None, info, (f"{m.label} 缺少用途" if lang == "zh" else f"{m.label} has no use")
    # 第三十三条（三）: public green beyond the edge -> the residential values for every use
    group = "residential" if green or use in p["residential_uses"] else "non_residential"
    info["green"] = green
    cls = height_class(m.height_m)
    cell = p["table"][group]["main" if f.main else "secondary"][cls]
    detached = ev.context.detached_house_area and group == "residential" and cls == "low" \
        and f.main
    if detached:
        cell = p["detached_house"]
    zone = ev.context.zone
    k, k_known = zoned(cell["k"], zone)
    mn, mn_known = zoned(cell["min"], zone)
    by_zone = isinstance(cell["k"], dict) or isinstance(cell["min"], dict)
    info.update(group=group, cls=cls, zone=zone if by_zone else None, detached=detached)
    if not (k_known and mn_known):
        why = (f"{m.label} 的离界距离随区域而定，但未给出区域（浦西内环线以内 / 其他地区）" if lang == "zh"
               else f"{m.label}: the setback depends on the zone (puxi-inner / other), which is not given")
        return None, info, why
    h = min(m.height_m, p["height_cap_m"])
    info.update(k=k, min=mn, h=h, capped=h < m.height_m, fire=k is None and mn is None)
    return max(k * h if k is not None else 0.0, mn if mn is not None else 0.0), info, None


def _basis(lang: str, i: dict) -> str:
    """How the requirement was made: row and arithmetic."""
    zh = lang == "zh"
    row = [GROUP[lang][i["group"]], CLASS[lang][i["cls"]]]
    if i.get("green"):
        row.insert(0, "界外为公共绿地（第三十三条（三））" if zh else "public green beyond (第三十三条（三）)")
    if i.get("zone"):
        row.insert(0, ZONE[lang][i["zone"]])
    if i["gable_as_main"]:
        row.append(f"山墙宽度 {i['gable_m']:.2f} m > {i['gable_limit']:g} m 按主要朝向" if zh else
                   f"gable {i['gable_m']:.2f} m wide > {i['gable_limit']:g} m counts as main")
    if i["detached"]:
        row.append("低层独立式住宅" if zh else "detached house")
    parts = []
    if i.get("k") is not None:
        hs = f"{i['h']:.2f} m" + ((f" (按{i['cap']:g}米计)" if zh else f" (capped at {i['cap']:g} m)")
                                  if i["capped"] else "")
        parts.append(f"{i['k']:g}×H = {i['k']:g}×{hs} = {i['k'] * i['h']:.2f} m")
    if i.get("min") is not None:
        parts.append(f"{'最小' if zh else 'min'} {i['min']:g} m")
    return ("，" if zh else ", ").join(row) + ("：" if zh else ": ") + \
        (("，" if zh else ", ").join(parts))


def _message(ev: Evaluation, b: Building, status: str, c: Margin) -> str:
    zh = ev.lang == "zh"
    i = c.info
    if i.get("outside"):
        part = "" if i["mass"] == b.name else (f"（{i['mass']}）" if zh else f" ({i['mass']})")
        return (f"拟建建筑 {b.name}{part}超出用地红线 {-c.measured:.2f} m，应位于基地内且离界不小于 "
                f"{c.required:.2f} m" if zh else
                f"proposed building {b.name}{part} reaches {-c.measured:.2f} m beyond the "
                f"site boundary; it must lie inside the site, {c.required:.2f} m from it")
    if i.get("fire"):
        return (f"{b.name} {ORIENT['zh'][i['main']]}离界距离 {c.measured:.2f} m（{_basis('zh', i)}按消防间距控制，"
                f"本条无规划最小值；消防间距未检查）" if zh else
                f"{b.name} {ORIENT['en'][i['main']]} boundary setback {c.measured:.2f} m ("
                f"{_basis('en', i)}governed by fire spacing, no planning minimum here; fire "
                f"spacing not checked)")
    ms, rs = pair(c.measured, c.required, 2, tol.COMPARE_M)
    if zh:
        verb = "不小于" if status == "pass" else "小于"
        return (f"{b.name} {ORIENT['zh'][i['main']]}离界距离 {ms} m，{verb}要求 "
                f"{rs} m（{_basis('zh', i)}）")
    verb = "meets" if status == "pass" else "is less than"
    return (f"{b.name} {ORIENT['en'][i['main']]} boundary setback {ms} m {verb} the "
            f"required {rs} m ({_basis('en', i)})")


def _unknown_msg(ev: Evaluation, name: str, why: str | None) -> str:
    return (f"{name} 离界距离无法判定：{why}" if ev.lang == "zh"
            else f"{name}: boundary setback cannot be decided: {why}")
