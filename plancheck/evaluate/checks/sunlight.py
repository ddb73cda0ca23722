"""Sunlight (日照) checks: the Shanghai sunlight rules run by plancheck's own analysis
(plancheck.sunlight), as evidence.

The evidence "sunlight" (`ev.evidence("sunlight")`) is the analysis, memoised per receiver:
the spacing pass asks it for the receivers its 第二十七条-path and 第三十条 pairs leave open and
judges those pairs with the result; the check kinds below give the evidence per receiver for
the receivers the spacing pass asked about ("spacing" evidence, `sun_requests`). Behind one
switch: `Evaluation.sunlight` (`--no-sunlight`); off, the evidence still says which buildings
could shade which (geometry only) but runs no analysis.
"""

from __future__ import annotations

from plancheck.evaluate.clauses import Clause
from plancheck.evaluate.engine import Evaluation
from plancheck.evaluate.registry import check_kind, evidence
from plancheck.findings import Finding
from plancheck.sunlight.output import figure_name

_NUM = {"type": "number", "exclusiveMinimum": 0}
_REQ = {"type": "object", "required": ["minutes", "measure"], "additionalProperties": False,
        "properties": {"minutes": _NUM, "measure": {"enum": ["continuous", "cumulative"]}}}
_TIME = {"type": "string", "pattern": "^[0-9]{1,2}:[0-9]{2}$"}
_ANALYSIS = {
    "type": "object",
    "required": ["year", "day", "lat_deg", "lon_deg", "clock", "step_min", "sill_m",
                 "reference_width_m", "sample_spacing_m", "radius_m", "min_segment_min",
                 "effective_time"],
    "properties": {
        "year": {"type": "integer"}, "day": {"enum": ["winter-solstice"]},
        "lat_deg": {"type": "number", "minimum": -90, "maximum": 90},
        "lon_deg": {"type": "number", "minimum": -180, "maximum": 180},
        "clock": {"enum": ["true-solar-time"]}, "step_min": _NUM, "sill_m": {"type": "number"},
        "reference_width_m": _NUM, "sample_spacing_m": _NUM, "radius_m": _NUM,
        "min_segment_min": {"type": "number", "minimum": 0}, "unknown_height_m": _NUM,
        "effective_time": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["off_south_deg", "east", "west"],
            "properties": {
                "off_south_deg": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
                "east": {"type": "array", "items": _TIME, "minItems": 2, "maxItems": 2},
                "west": {"type": "array", "items": _TIME, "minItems": 2, "maxItems": 2}}}},
    },
}
_USES = {"type": "array", "items": {"type": "string"}, "minItems": 1}


# -- the shared analysis -------------------------------------------------------------------------

class _State:
    """The sunlight rules, the receivers each role needs, and results as they are computed."""

    def __init__(self, ev: Evaluation):
        from plancheck.sunlight.rules import SunRules

        self.ev = ev
        self.rules = SunRules.of(ev.ruleset)
        #: the one switch: False (`--no-sunlight`) runs no analysis
        self.enabled = bool(ev.sunlight) and self.rules is not None
        self.after: dict[int, object] = {}
        self.before: dict[int, object] = {}
        self._doc: dict | None = None

    @property
    def zone(self):
        return self.ev.context.zone

    @property
    def detached(self) -> bool:
        return bool(getattr(self.ev.context, "detached_house_area", False))

    def pair_receivers(self, pair: tuple[int, int], art30: bool) -> list[int]:
        """The buildings of a pair whose sunlight decides it: for 第三十条 the listed building,
        else the residential member(s), each only if the other could shade it (geometry
        only: a building wholly north of another, or beyond the radius, cannot)."""
        from plancheck.sunlight.analysis import could_shade

        m, r = self.ev.model, self.rules
        if r is None:
            return []
        role = "art30" if art30 else "residential"
        out = []
        for k in (0, 1):
            me, other = pair[k], pair[1 - k]
            if r.role_of(m, me) == role and could_shade(m, other, me, r.settings.radius_m):
                out.append(me)
        return out

    def describe(self, r: dict) -> str:
        """A receiver's result in words (for the spacing findings it decides)."""
        return describe(self.ev, r)

    @staticmethod
    def figure(building: str) -> str:
        return figure_name(building)

    def existing(self) -> list[int]:
        return self.rules.receivers(self.ev.model)[1] if self.rules else []

    def results(self, bis: list[int]) -> None:
        """Analyse the buildings not yet analysed (existing ones also without the scheme)."""
        from plancheck.sunlight.analysis import analyse

        m, s = self.ev.model, self.rules
        todo = [b for b in dict.fromkeys(bis) if b not in self.after]
        if not todo:
            return
        zh = self.ev.lang == "zh"
        self.after.update(analyse(m, todo, s.settings, s.point_ratio, zh=zh, uses=s.receiver_uses))
        exist = [b for b in todo if m.buildings[b].status == "existing"]
        if exist and "no_worse" in s.clauses:
            prop = frozenset(i for i, b in enumerate(m.buildings) if b.status == "proposed")
            self.before.update(analyse(m, exist, s.settings, s.point_ratio, exclude=prop, zh=zh,
                                       uses=s.receiver_uses))
        self._doc = None

    def analyse_all(self, jobs: int = 1, progress=None) -> None:
        """Every receiver `plancheck sunlight` reports (SunRules.receivers: the proposed homes
        and 第三十条 buildings, the existing ones the scheme could shade), over `jobs`
        processes; the same memo the spacing pass fills on demand."""
        from plancheck.sunlight.analysis import analyse

        m, s = self.ev.model, self.rules
        prop, exist = s.receivers(m)
        todo = [b for b in dict.fromkeys(prop + exist) if b not in self.after]
        ex = [b for b in exist if b not in self.before]
        total, done = len(todo) + len(ex), [0]

        def tick(n: int) -> None:
            done[0] += n
            if progress:
                progress(done[0], total)

        if progress:
            progress(0, total)
        zh = self.ev.lang == "zh"
        self.after.update(analyse(m, todo, s.settings, s.point_ratio, zh=zh, jobs=jobs,
                                  progress=tick, uses=s.receiver_uses))
        if ex:
            prop_ids = frozenset(i for i, b in enumerate(m.buildings) if b.status == "proposed")
            self.before.update(analyse(m, ex, s.settings, s.point_ratio, exclude=prop_ids, zh=zh,
                                       jobs=jobs, progress=tick, uses=s.receiver_uses))
        self._doc = None

    def doc(self) -> dict:
        from plancheck.sunlight.output import document

        if self._doc is None:
            self._doc = document(self.ev.model, self.rules, self.zone, self.detached, self.after,
                                 self.before, self.ev.lang == "zh")
        return self._doc

    def receiver(self, bi: int) -> dict | None:
        name = self.ev.model.buildings[bi].name
        return next((r for r in self.doc()["receivers"] if r["building"] == name), None)


@evidence("sunlight")
def _evidence(ev: Evaluation) -> _State:
    return _State(ev)


def state(ev: Evaluation) -> _State:
    return ev.evidence("sunlight")


def _requests(ev: Evaluation) -> dict:
    """The receivers the spacing pass asked the analysis about."""
    return ev.evidence("spacing").sun_requests


def _t(ev: Evaluation, zh: str, en: str) -> str:
    return zh if ev.lang == "zh" else en


def _finding(ev: Evaluation, clause: Clause, st: _State, bi: int) -> Finding | None:
    rec = st.receiver(bi)
    if rec is None:
        return None
    b = ev.model.buildings[bi]
    w = rec["worst"]
    req = rec["requirement"]
    est = rec["estimate"]
    how = _t(ev, "（未绘窗：按每层主要朝向 1.8 m 窗、0.3 m 间距采样的规划阶段保守估算）" if est else "",
             " (no windows drawn: the conservative planning-stage estimate, 1.8 m windows every 0.3 m on every floor's main facades)" if est else "")
    counts = rec["homes"]
    unit_zh, unit_en = ("窗" if est or not rec["windows_drawn"] else "户/窗"), ("windows" if est else "homes")
    if w is None:
        msg = _t(ev, f"{b.name} 无可分析的窗（朝向均超出日照有效时间表）{how}",
                 f"{b.name} has no window that can be analysed (every facade is outside the 日照有效时间表){how}")
        return ev.finding(clause, "unknown", msg, [b.name], unit="min", figure=figure_name(b.name),
                          skipped=rec["skipped"])
    where = _t(ev, f"{w['building']} {w['floor']} 层 {w['orientation']} 墙面 {w['facade']} 窗 {w['window']}",
               f"{w['building']} floor {w['floor']}, {w['orientation']} facade {w['facade']}, window {w['window']}")
    measure = _t(ev, "连续" if req["measure"] == "continuous" else "累计", req["measure"])
    if req["no_worse"]:
        head = _t(ev, f"{b.name}（现状住宅）建设前后日照比较：", f"{b.name} (existing homes), before and after the scheme: ")
    else:
        head = f"{b.name} "
    stats = _t(ev, f"{counts['fail']} 个{unit_zh}不满足、{counts['unknown']} 个无法判定、{counts['pass']} 个满足",
               f"{counts['fail']} {unit_en} fail, {counts['unknown']} unknown, {counts['pass']} pass")
    msg = _t(ev, f"{head}要求{req['text']}；最不利窗 {where}：{measure} {w['minutes']:g} 分钟；{stats}{how}",
             f"{head}needs {req['text']}; worst window {where}: {w['minutes']:g} min {measure}; {stats}{how}")
    status = rec["verdict"]
    return ev.finding(clause, status, msg, [b.name], measured=float(w["minutes"]),
                      required=float(w["required"]), unit="min", figure=figure_name(b.name),
                      worst=w, estimate=est, homes=counts, measure=req["measure"])


def _emit(ev: Evaluation, clause: Clause, bis: list[int]) -> list[Finding]:
    st = state(ev)
    if not st.enabled:
        return []
    st.results(bis)
    out = [f for bi in dict.fromkeys(bis) if (f := _finding(ev, clause, st, bi)) is not None]
    return sorted(out, key=lambda f: f.subjects)


_DOC = """Measures: {what}: plancheck's sunlight analysis (NREL SPA sun, 1-minute steps at
their midpoints, true solar time, the facade's 日照有效时间表 window, 满窗 = both ends of
each window's reference width lit on the sill plane), against every mass within the radius.
Fails when: {fails}
Unknown when: a receiver mass has no HEIGHT or FLOORS, an obstruction without HEIGHT could
change the verdict, {unknown_extra}or no facade of the building is in the table."""


@check_kind("sunlight.residential", "sunlight", {
    "type": "object", "required": ["analysis", "uses", "ordinary", "detached_by_high_rise"],
    "additionalProperties": False,
    "properties": {"analysis": _ANALYSIS, "uses": _USES, "ordinary": _REQ,
                   "detached_by_high_rise": _REQ}})
def residential(ev: Evaluation, clause: Clause):
    if not state(ev).enabled:
        return []
    return _emit(ev, clause, _requests(ev)["residential"])


residential.__doc__ = _DOC.format(
    what="the residential buildings a 第二十七条-path pair (SH-27 left to the sunlight) leaves "
         "shaded: each home's (or sampled window's) longest continuous winter-solstice sun",
    fails="a home (drawn windows grouped by UNIT; without drawn windows every sampled window) "
          "gets less than the continuous minutes required (1 h; 2 h for a low-rise detached "
          "house shaded by a high-rise).",
    unknown_extra="")


@check_kind("sunlight.article_thirty", "sunlight", {
    "type": "object", "required": ["analysis", "uses", "minutes", "measure"],
    "additionalProperties": False,
    "properties": {"analysis": _ANALYSIS, "uses": _USES, "measure": {"enum": ["continuous", "cumulative"]},
                   "minutes": {"oneOf": [_NUM, {"type": "object", "required": ["puxi-inner", "other"],
                                                "additionalProperties": False,
                                                "properties": {"puxi-inner": _NUM, "other": _NUM}}]}}})
def art30(ev: Evaluation, clause: Clause):
    if not state(ev).enabled:
        return []
    return _emit(ev, clause, _requests(ev)["art30"])


art30.__doc__ = _DOC.format(
    what="hospital, school and kindergarten buildings a neighbour could shade (SH-30 left to the sunlight): "
         "the cumulative winter-solstice sun of each window, counting runs of at least the "
         "minimum segment",
    fails="a window gets less than the cumulative minutes required (3 h; 2 h inside the Puxi "
          "inner ring).",
    unknown_extra="the zone is not given and the minutes lie between the two requirements, ")


@check_kind("sunlight.no_worse", "sunlight", {
    "type": "object", "required": ["analysis", "uses", "requirement"], "additionalProperties": False,
    "properties": {"analysis": _ANALYSIS, "uses": _USES, "requirement": _REQ}})
def no_worse(ev: Evaluation, clause: Clause):
    st = state(ev)
    if not st.enabled:
        return []
    # [SUN21] 第二条: the analysis is required where the 第二十七条 path is used
    if not _requests(ev)["path27"]:
        return []
    return _emit(ev, clause, st.existing())


no_worse.__doc__ = _DOC.format(
    what="when the scheme uses the 第二十七条 path (a pair left to the sunlight; [SUN21] 第二条), "
         "the existing residential buildings near it (within the radius of a proposed building "
         "that could shade them), each window with and without the proposed buildings",
    fails="a window that met the requirement before the scheme no longer does, or one already "
          "short loses minutes.",
    unknown_extra="")


# -- describing the evidence (the spacing pass words its findings with it) ----------------------

def describe(ev: Evaluation, r: dict) -> str:
    """One receiver's result, for a spacing finding decided by it."""
    w = r["worst"]
    if w is None:
        return _t(ev, f"{r['building']} 无可分析的窗", f"{r['building']}: no window to analyse")
    return _t(
        ev, f"{r['building']} {_zh_verdict(r['verdict'])}（{r['rule']}：要求{r['requirement']['text']}；"
            f"最不利窗 {w['floor']} 层 {w['orientation']} 墙面 {w['facade']}：{w['minutes']:g} 分钟"
            f"{'，未绘窗，保守估算' if r['estimate'] else ''}）",
        f"{r['building']} {r['verdict']} ({r['rule']}: needs {r['requirement']['text']}; worst "
        f"window floor {w['floor']}, {w['orientation']} facade {w['facade']}: {w['minutes']:g} min"
        f"{', no windows drawn: conservative estimate' if r['estimate'] else ''})")


def _zh_verdict(v: str) -> str:
    return {"pass": "满足", "fail": "不满足", "unknown": "无法判定"}[v]
