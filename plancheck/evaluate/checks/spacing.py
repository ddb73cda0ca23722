"""Spacing between buildings (建筑间距): 第二十三条 to 第三十一条 with the 应用解释.

One pass over all mass pairs decides every spacing clause at once (the "spacing" evidence,
computed once per evaluation);
each clause's check kind then yields the findings that clause governs. A pair of buildings
gives one finding (plus one 第三十条 finding when a hospital, school or kindergarten is in
it): the governing mass pair, the one with the smallest margin measured − required, with
failing pairs first, then undecided ones.

Per mass pair (`spacing_pairs.placements`): the separation direction(s) and their
arrangement (facing / perpendicular / gable) pick the rule; the rule's terms give the
coefficient-path requirement (第二十三、二十五、二十六、二十八条, or 第三十一条), and for
high-rise residential pairs the 第二十七条 distances give the sunlight path. No regulation
number is written here: every one comes from the clauses' params.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterator

import numpy as np
import shapely

from plancheck import tolerances as tol
from plancheck.errors import RulesetError
from plancheck.evaluate import spacing_pairs as sp
from plancheck.evaluate.clauses import Clause
from plancheck.evaluate.engine import Evaluation
from plancheck.evaluate.registry import check_kind, evidence
from plancheck.evaluate.values import Range, height_range
from plancheck.findings import Finding
from plancheck.model.site import height_class

# -- params schemas -------------------------------------------------------------------------------

_NUM = {"type": "number", "minimum": 0}
_ZONED = {"oneOf": [_NUM, {"type": "object", "required": ["puxi-inner", "other"],
                           "additionalProperties": False,
                           "properties": {"puxi-inner": _NUM, "other": _NUM}}]}


def _obj(props: dict[str, dict]) -> dict:
    """A params object: exactly these keys, all required."""
    return {"type": "object", "required": sorted(props), "additionalProperties": False,
            "properties": props}


_FM = _obj({"factor": _NUM, "min_m": _ZONED})
SCHEMAS = {
    "par_ns": _obj({"factor": _ZONED, "point_ratio": {"type": "number", "minimum": 1},
                    "ns_max_deg": {"type": "number", "minimum": 0, "maximum": 90},
                    "reach_factor": {"type": "number", "minimum": 1},
                    "residential_floor_classes": _obj({
                        c: {"type": "array", "minItems": 3, "maxItems": 3,
                            "items": {"type": ["number", "null"]}}
                        for c in ("low", "multi", "high")})}),
    "par_ew": _obj({"factor": _ZONED, "min_m": _NUM, "min_high_m": _NUM}),
    "perp": _obj({"factor_ns": _ZONED, "factor_ew": _ZONED, "other_factor": _NUM,
                  "min_m": _NUM, "min_high_m": _NUM, "gable_width_max_m": _NUM,
                  "parallel_max_deg": {"type": "number", "minimum": 0, "maximum": 90},
                  "cap_at_parallel": {"type": "boolean"}}),
    "gable": _obj({"low_multi": _obj({"factor": _NUM, "min_m": _NUM}),
                   "high": _obj({"factor": _NUM, "min_m": _NUM, "max_m": _NUM})}),
    "detached": _obj({"factor": _NUM}),
    "sun": _obj({"parallel_ns": _FM, "parallel_ew_high": _FM,
                 "parallel_ew_mixed": _obj({"min_m": _NUM}), "perp_high": _FM,
                 "perp_mixed": _obj({"min_m": _NUM}), "gable": _obj({"min_m": _NUM}),
                 "height_cap_m": _NUM}),
    "min_ns": _obj({"low_low_m": _NUM, "low_to_multi_north_m": _NUM,
                    "multi_low_to_high_north_m": _NUM}),
    "nr_north": _obj({"residential_uses": {"type": "array", "items": {"type": "string"}}}),
    "art30": _obj({"uses": {"type": "array", "items": {"type": "string"}},
                   "hours": _ZONED}),
    "nonres": _obj({"high_ns": _FM, "high_ew": _FM, "high_multi_m": _NUM,
                    "multi_multi_m": _NUM, "low_any_m": _NUM, "height_cap_m": _NUM,
                    "stepped_as_multi": {"type": "boolean"}}),
}

#: role -> check kind name
KINDS = {
    "par_ns": "spacing.residential_parallel_ns", "par_ew": "spacing.residential_parallel_ew",
    "perp": "spacing.residential_perpendicular", "gable": "spacing.gable",
    "detached": "spacing.detached_house", "sun": "spacing.sunlight_path",
    "min_ns": "spacing.minimum_ns", "nr_north": "spacing.nonresidential_north",
    "art30": "spacing.article_thirty", "nonres": "spacing.nonresidential",
}

ZONES = ("puxi-inner", "other")
ZONE_TEXT = {"zh": {"puxi-inner": "浦西内环线以内", "other": "其他地区"},
             "en": {"puxi-inner": "inside the Puxi inner ring", "other": "other areas"}}
CLASS_TEXT = {"zh": {"low": "低层", "multi": "多层", "high": "高层"},
              "en": {"low": "low-rise", "multi": "multi-storey", "high": "high-rise"}}
NAME_MARK = ("\x00A\x00", "\x00B\x00")   # building names in cached requirement texts
USE_TEXT = {"school": "学校", "kindergarten": "幼儿园、托儿所", "hospital": "医院、疗养院"}


# -- the check kinds (one per clause role; all read the shared pass) ------------------------------

def _kind(role: str):
    def fn(ev: Evaluation, clause: Clause) -> Iterator[Finding]:
        yield from ev.evidence("spacing").findings.get(clause.id, [])
    fn.__name__ = role
    return fn


def _register(role: str, doc: str) -> None:
    fn = _kind(role)
    fn.__doc__ = doc
    check_kind(KINDS[role], "spacing", SCHEMAS[role])(fn)


_register("par_ns", """南北向平行布置的居住建筑 (第二十三条（一）1).

Measures: residential pairs (or a non-residential mass south of a residential one, 第二十九条
（一）) facing each other north-south: the minimum distance between the outlines.
Fails when: it is below factor(zone) × the southern mass's height, unless a 第二十八条
minimum is larger (then SH-28 governs) or the 第二十七条 path applies (then SH-27 governs).
Unknown when: a missing height (or zone) could change the verdict: the
message names it and the threshold that decides it (values as ranges, values.py).
""")
_register("par_ew", """东西向平行布置的居住建筑 (第二十三条（一）2).

Measures: residential pairs facing each other east-west: the minimum distance.
Fails when: below max(factor(zone) × the taller height (H′, 应用解释), min_m, min_high_m when
a high-rise is in the pair) and the 第二十七条 path does not apply.
Unknown when: a missing height (or zone) could change the verdict: the
message names it and the threshold that decides it (values as ranges, values.py).
""")
_register("perp", """垂直布置的居住建筑 (第二十三条（二）).

Measures: residential pairs whose long axes differ by more than parallel_max_deg, one showing
its gable (B <= gable_width_max_m) to the other's main facade: the minimum distance. A wider
gable makes the pair parallel (第二十三条（二）3).
Fails when: below the perpendicular requirement (north-south: factor_ns × the southern height;
east-west: factor_ew × the gable-showing mass's height and other_factor × the other's; min_m;
min_high_m with a high-rise), capped at the parallel value (应用解释), and the 第二十七条 path
does not apply.
Unknown when: a missing height (or zone) could change the verdict: the
message names it and the threshold that decides it (values as ranges, values.py).
""")
_register("gable", """山墙间距 (第二十五条; 应用解释 for pairs with a high-rise).

Measures: residential (or mixed, 第二十九条（三）) pairs standing end to end: the distance.
Fails when: below max(0.5 × taller height, 4 m) for multi/low pairs, or below
min(max(0.5 × taller height, 13 m), 30 m) with a high-rise and the 13 m of 第二十七条（六）
is not met either (else SH-27 governs).
Unknown when: a missing height (or zone) could change the verdict: the
message names it and the threshold that decides it (values as ranges, values.py).
""")
_register("detached", """低层独立式住宅地区 (第二十六条).

Measures: with `detached_house_area: true` in the context, residential pairs facing
north-south: the distance.
Fails when: below factor × the southern height (replaces 第二十三条（一）1).
Unknown when: a missing height (or zone) could change the verdict: the
message names it and the threshold that decides it (values as ranges, values.py).
""")
_register("sun", """高层居住建筑的日照间距 (第二十七条).

Measures: residential pairs with a high-rise that miss the coefficient requirement: the
distance against the 第二十七条 distances (heights capped at height_cap_m, 应用解释).
Fails when: below the 第二十七条 distance too; or at or above it and the sunlight evidence
(plancheck's analysis, asked for by this pass; SH-SUN-27 gives it per receiver) finds a
shaded home short of its winter-solstice sun. Passes when it finds every shaded member lit
enough, or when neither building can shade the other's homes (wholly north of them, or
beyond the radius: geometry alone, with or without the analysis).
Unknown when: at or above it and the analysis is off (--no-sunlight) or cannot decide; the
finding carries both thresholds. A pair meeting the coefficient requirement passes under its
第二十三、二十五、二十六、二十八条 clause instead.
""")
_register("min_ns", """南北向平行布置的最小间距 (第二十八条).

Measures: residential pairs facing north-south whose governing threshold is the 第二十八条
minimum (low↔low, low with multi to its north, multi/low with high-rise to its north).
Fails when: the distance is below that minimum.
Unknown when: never (a missing height is reported under SH-23-1).
""")
_register("nr_north", """非居住建筑位于居住建筑北侧 (第二十九条（二）→ 第三十一条).

Measures: a non-residential mass (not a 第三十条 building) north of a residential one, in
parallel: the distance against the 第三十一条 table. Also every pair where a use is missing.
Fails when: below the table value.
Unknown when: a use is missing, or a missing height could change the verdict (the message
names the threshold).
""")
_register("art30", """医院、学校、幼托 (第三十条).

Measures: every pair with a hospital, school or kindergarten mass: the distance, and whether
the other mass stands wholly north of it (then it cannot shade it on the winter solstice: pass).
Fails when: the other mass could shade it and the sunlight evidence (SH-SUN-30 gives it per
building) finds the building short of its requirement.
Unknown when: the other mass could shade it and the analysis is off (--no-sunlight) or
cannot decide (a missing height, the zone).
""")
_register("nonres", """非居住建筑之间 (第三十一条).

Measures: non-residential pairs (no 第三十条 building) in parallel, facing: the distance.
Fails when: below the table value (high↔high: factor × height, min; high↔multi, multi↔multi,
low↔any: minimums). Other arrangements are governed by fire spacing (not checked: no finding).
Unknown when: a missing height (or zone) could change the verdict: the
message names it and the threshold that decides it (values as ranges, values.py).
""")


# -- the shared pass -------------------------------------------------------------------------------

@dataclass
class SpacingPass:
    """The spacing findings per clause id, and what the sunlight evidence was asked for."""

    findings: dict[str, list[Finding]] = field(default_factory=dict)
    #: receivers (building indices) whose sunlight decides a pair: "residential" (第二十七条
    #: path), "art30" (第三十条); "path27": some pair rests on the 第二十七条 path ([SUN21] 第二条)
    sun_requests: dict = field(default_factory=lambda: {"residential": [], "art30": [],
                                                        "path27": False, "why": {}})
    # sun_requests["why"]: building index -> [{"pair", "rule", "clause"}]: the pairs whose
    # verdict that building's sunlight decides


@evidence("spacing")
def _pass(ev: Evaluation) -> SpacingPass:
    return _evaluate(ev)


@dataclass
class Rules:
    clauses: dict[str, Clause]

    @classmethod
    def of(cls, ev: Evaluation) -> "Rules":
        by_kind = {}
        for c in ev.ruleset.clauses:
            by_kind.setdefault(c.check, c)
        missing = [k for k in KINDS.values() if k not in by_kind]
        if missing:
            raise RulesetError(f"the spacing rules need a clause for each of {', '.join(missing)}")
        return cls({role: by_kind[kind] for role, kind in KINDS.items()})

    def p(self, role: str) -> dict:
        return self.clauses[role].params

    @cached_property
    def factors(self) -> set[float]:
        """Every height factor of the spacing clauses (both zones' values)."""
        out: set[float] = set()

        def walk(v, key=""):
            if isinstance(v, dict):
                for k, x in v.items():
                    walk(x, k if k not in ZONES else key)
            elif key in ("factor", "factor_ns", "factor_ew", "other_factor") and \
                    isinstance(v, (int, float)):
                out.add(float(v))
        for c in self.clauses.values():
            walk(c.params)
        return out

    @cached_property
    def caps(self) -> set[float]:
        """Heights above which the rules stop growing (应用解释: 100 m)."""
        return {float(self.p(r)["height_cap_m"]) for r in ("sun", "nonres")}

    def reach(self, h: np.ndarray) -> np.ndarray:
        """Each mass's reach: reach_factor × the most any rule could ask of a pair it is in,
        max(largest factor × the taller height, largest minimum for the pair's height
        classes); a missing height reaches as far as any minimum."""
        p = self.p
        factors = [_zmax(p("par_ns")["factor"]), p("detached")["factor"],
                   _zmax(p("perp")["factor_ns"]), _zmax(p("perp")["factor_ew"]),
                   p("perp")["other_factor"], _zmax(p("par_ew")["factor"]),
                   p("gable")["low_multi"]["factor"], p("gable")["high"]["factor"],
                   p("nonres")["high_ns"]["factor"], p("nonres")["high_ew"]["factor"]]
        low = [p("min_ns")["low_low_m"], p("min_ns")["low_to_multi_north_m"],
               p("par_ew")["min_m"], p("perp")["min_m"], p("gable")["low_multi"]["min_m"],
               p("nonres")["multi_multi_m"], p("nonres")["low_any_m"]]
        sun = p("sun")
        high = low + [p("min_ns")["multi_low_to_high_north_m"], p("par_ew")["min_high_m"],
                      p("perp")["min_high_m"], p("gable")["high"]["max_m"],
                      p("nonres")["high_multi_m"], _zmax(p("nonres")["high_ns"]["min_m"]),
                      _zmax(p("nonres")["high_ew"]["min_m"])] + \
            [_zmax(v["min_m"]) for v in sun.values() if isinstance(v, dict)]
        known = np.nan_to_num(h, nan=0.0)
        base = np.where(np.isnan(h) | (known > _multi_max()), max(high), max(low))
        return p("par_ns")["reach_factor"] * np.maximum(base, max(factors) * known)


def _zmax(v) -> float:
    return max(v.values()) if isinstance(v, dict) else v


def _multi_max() -> float:
    from plancheck.model.site import MULTI_MAX_M

    return MULTI_MAX_M


# -- masses and pairs ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Side:
    """One mass of a pair, as the rules see it."""

    building: int          # index into model.buildings
    name: str              # building name (subjects)
    h: float | None
    cls: str | None        # low / multi / high
    cls31: str | None      # class for 第三十一条 (a stepped multi/low building counts as multi)
    use: str | None        # the mass's use, else the building's
    group: str | None      # "res", "nonres", "art30"; None when the use is unknown
    rng: Range | None = None   # the height as a range: what a missing HEIGHT can be
    bcls: str | None = None    # the building's height class (stepped podiums, 第三十一条)


def _sides(ev: Evaluation, rules: Rules) -> tuple[list[Side], list, np.ndarray]:
    res_uses = set(rules.p("nr_north")["residential_uses"])
    art30_uses = set(rules.p("art30")["uses"])
    stepped = rules.p("nonres")["stepped_as_multi"]
    sides, outlines, proposed = [], [], []
    for bi, b in enumerate(ev.model.buildings):
        b_use = b.use if len(b.masses) > 1 else None
        for m in b.masses:
            use = m.use or b_use
            group = None if use is None else (
                "res" if use in res_uses else "art30" if use in art30_uses else "nonres")
            cls = height_class(m.height_m)
            cls31 = "multi" if stepped and cls == "low" and b.height_class == "multi" else cls
            src = getattr(b, "sources", {}).get("height") or m.carriers.get("height") or "drawn"
            rng = height_range(m.height_m, m.floors, group == "res",
                               rules.p("par_ns")["residential_floor_classes"], src)
            sides.append(Side(bi, b.name, m.height_m, cls, cls31, use, group, rng,
                              b.height_class))
            outlines.append(m.outline)
            proposed.append(b.status == "proposed")
    return sides, outlines, np.array(proposed, dtype=bool)


def _evaluate(ev: Evaluation) -> dict[str, list[Finding]]:
    from plancheck.geom import pack

    rules = Rules.of(ev)
    sides, outlines, proposed = _sides(ev, rules)
    if len(sides) < 2:
        return SpacingPass()
    h = np.array([np.nan if s.h is None else s.h for s in sides])
    i_idx, j_idx, dist = sp.candidate_pairs(outlines, proposed, rules.reach(h))
    order = [(s.name, s.building) for s in sides]
    pairs = [(i, j, d) if order[i] <= order[j] else (j, i, d)
             for i, j, d in zip(i_idx.tolist(), j_idx.tolist(), dist.tolist())
             if sides[i].building != sides[j].building]
    if not pairs:
        return SpacingPass()
    # subjects in name order: i is the first subject's mass
    ii = np.array([p[0] for p in pairs])
    jj = np.array([p[1] for p in pairs])
    used, inverse = np.unique(np.concatenate([ii, jj]), return_inverse=True)
    geoms = sp.mass_geoms([outlines[u] for u in used], rules.p("par_ns")["point_ratio"])
    pls = sp.placements(geoms, inverse[:len(ii)], inverse[len(ii):],
                        rules.p("perp")["parallel_max_deg"], rules.p("par_ns")["ns_max_deg"])
    ctx = Ctx(ev, rules)
    bounds = shapely.bounds(np.asarray(outlines, dtype=object))
    ys = bounds[:, [1, 3]].tolist()
    best: dict[tuple, tuple[Outcome, int]] = {}
    for k, (i, j, d) in enumerate(pairs):
        for o in ctx.pair(sides[i], sides[j], pls[k], d, (tuple(ys[i]), tuple(ys[j]))):
            key = (sides[i].building, sides[j].building, o.role == "art30")
            if key not in best or o.rank < best[key][0].rank:
                best[key] = (o, k)
    result = SpacingPass()
    _with_sunlight(ev, ctx, [o for o, _ in best.values() if o.by_sunlight], sides, pairs, best,
                   result.sun_requests)
    rings = pack(outlines)
    witness = _witness()
    out = result.findings
    for key in sorted(best, key=lambda key: _subjects(best[key][0])):
        o, k = best[key]
        i, j, _ = pairs[k]
        _, pa, pb = witness(rings, i, j)
        if o.offset is not None:      # a diagonal pair's offset: drawn from the nearest corner
            pa, pb = sp.component_segment(pa, o.offset, pb)
        clause = rules.clauses[o.role]
        msg, extra = ctx.render(o)
        out.setdefault(clause.id, []).append(ev.finding(
            clause, o.status, msg, _subjects(o), o.measured, _r(o.required), "m",
            _seg(pa, pb), **extra))
    return result


def _with_sunlight(ev: Evaluation, ctx: "Ctx", left: list["Outcome"], sides, pairs, best,
                   requests: dict) -> None:
    """Judge the pairs the spacing rules leave to the sunlight (第二十七条 path, 第三十条) with
    the sunlight evidence: a pair whose other building cannot shade the home (or the 第三十条
    building) passes (geometry: wholly north of it, or beyond the radius); otherwise the
    analysis of the buildings it could shade decides it, when the analysis is on."""
    if not left:
        return
    sun = ev.evidence("sunlight")
    if sun.rules is None:
        return
    where = {id(o): pairs[k] for o, k in best.values()}
    recv = {}
    for o in left:
        i, j, _ = where[id(o)]
        recv[id(o)] = sun.pair_receivers((sides[i].building, sides[j].building), o.role == "art30")
        if o.role == "sun":
            requests["path27"] = True
        requests["art30" if o.role == "art30" else "residential"].extend(recv[id(o)])
        clause = ctx.r.clauses[o.role]
        for b in recv[id(o)]:
            requests["why"].setdefault(b, []).append(
                {"pair": list(o.names), "rule": clause.id, "clause": clause.article})
    for key in ("residential", "art30"):
        requests[key] = list(dict.fromkeys(requests[key]))
    error = None
    if sun.enabled:
        try:
            sun.results(requests["residential"] + requests["art30"])
        except Exception as exc:  # noqa: BLE001 - the analysis must not lose the spacing findings
            error = f"{type(exc).__name__}: {exc}"
    for o in left:
        bis = recv[id(o)]
        if not bis:
            o.status, o.sunlight = "pass", {"status": "pass", "receivers": []}
            o.margin = 0.0 if o.margin is None else o.margin
            continue
        if not sun.enabled or error:
            o.sun_error = error
            continue
        recs = [r for r in (sun.receiver(b) for b in bis) if r is not None]
        if not recs:
            continue
        verdicts = [r["verdict"] for r in recs]
        o.status = "fail" if "fail" in verdicts else \
            "pass" if all(v == "pass" for v in verdicts) else "unknown"
        o.sunlight = {"status": o.status,
                      "receivers": [{"building": r["building"], "rule": r["rule"],
                                     "verdict": r["verdict"], "worst": r["worst"],
                                     "estimate": r["estimate"],
                                     "figure": sun.figure(r["building"])} for r in recs]}
        o.sun_parts = [sun.describe(r) for r in recs]


def _witness():
    """f(rings, i, j) -> (d, a, b): closest points of masses i and j; the numba kernel is
    called directly (unless JIT is off) to skip the per-call environment lookup."""
    from plancheck import geom

    if geom.jit_enabled():
        from plancheck.geom.kernels import closest_points_rings
        return lambda rings, i, j: closest_points_rings(rings, i, rings, j)
    return geom.closest_points


def _subjects(o: "Outcome") -> list[str]:
    return [o.names[0], o.names[1]]


# -- requirements -----------------------------------------------------------------------------------

class _NeedZone(Exception):
    """A zone-dependent number was needed and the context gives no zone."""


@dataclass
class Term:
    value: float
    text: str
    product: bool = False            # k × H: the message shows "= value"

    def render(self) -> str:
        return f"{self.text} = {self.value:.2f} m" if self.product else self.text


@dataclass
class Req:
    """What one rule asks of one separation direction."""

    role: str                        # clause role of the coefficient path
    desc: str                        # "南北向平行布置的居住建筑" ...
    required: float | None = None
    terms: list[Term] = field(default_factory=list)
    sun: float | None = None         # 第二十七条 distance, when that path is open
    sun_terms: list[Term] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    why: str | None = None           # undecidable: the reason


@dataclass
class Outcome:
    role: str                        # clause role it is reported under
    status: str
    names: tuple[str, str]
    measured: float
    required: float | None
    margin: float | None
    req: Req | None = None
    pl: sp.Placement | None = None
    dr: sp.Direction | None = None
    message: str = ""                # set directly only for 第三十条 outcomes
    prefix: str = ""                 # decided over a range of values: says so, before the message
    prefix_why: str = ""             # undecided over a range: the thresholds, after the reason
    ranges: dict | None = None       # the missing values' ranges (report extra)
    #: left to the sunlight (第二十七条 path, 第三十条); then what the sunlight evidence says
    by_sunlight: bool = False
    sunlight: dict | None = None     # {"status", "receivers"}; receivers [] = nothing to shade
    sun_parts: list[str] = field(default_factory=list)
    sun_error: str | None = None

    @property
    def rank(self) -> tuple:
        """Governing order: fail, unknown, pass; then the smallest margin."""
        order = {"fail": 0, "unknown": 1, "pass": 2}[self.status]
        return (order, -np.inf if self.margin is None else self.margin)

    @property
    def offset(self) -> sp.Direction | None:
        """A diagonal pair's judged offset direction (its geometry is drawn along it)."""
        return self.dr if self.pl is not None and self.pl.relation == "diag" else None


class Ctx:
    """Rule logic for one evaluation (zone, language, clause params)."""

    def __init__(self, ev: Evaluation, rules: Rules):
        self.ev, self.r, self.zh = ev, rules, ev.lang == "zh"
        self.zone = ev.context.zone
        self.detached = bool(ev.context.detached_house_area)
        self.geo = rules.p("perp")
        self.stepped = rules.p("nonres")["stepped_as_multi"]
        self.cache: dict[tuple, Req | None] = {}
        self.sides: tuple[Side, Side] = ()

    def t(self, zh: str, en: str) -> str:
        return zh if self.zh else en

    def z(self, v) -> float:
        if not isinstance(v, dict):
            return v
        if self.zone is None:
            raise _NeedZone
        return v[self.zone]

    # -- one mass pair -------------------------------------------------------------------------
    def pair(self, a: Side, b: Side, pl: sp.Placement, d: float, ys) -> list[Outcome]:
        """The outcomes of one mass pair: the spacing rule's and, with a 第三十条 building,
        that article's. `ys`: each mass's (south, north) extent."""
        sides = (a, b)
        out = []
        if "art30" in (a.group, b.group):
            out.append(self.art30(sides, d, ys))
        o = self.spacing(sides, pl, d)
        if o is not None:
            out.append(o)
        return out

    def at(self, sides, pl: sp.Placement, d: float) -> Outcome | None:
        """The spacing outcome with the values as they are (None: fire spacing only)."""
        judged = []
        for dr in pl.dirs:
            req = self.requirement(sides, dr)
            if req is None:          # governed by fire spacing (or 第三十条) only
                return None
            diag = pl.relation == "diag"
            judged.append(self.judge(sides, req, dr.gap_m if diag else d, pl, dr))
        return _either(judged)

    # -- values as ranges ----------------------------------------------------------------------
    def spacing(self, sides, pl: sp.Placement, d: float) -> Outcome | None:
        """The spacing outcome; a missing height or zone is a range of values (values.py): the
        pair is decided when every value in it gives the same verdict, else `unknown` naming
        the value and the thresholds that would decide it."""
        base = self.at(sides, pl, d)
        if base is None or base.status != "unknown" or None in (sides[0].group, sides[1].group):
            return base
        missing = [k for k in (0, 1) if sides[k].h is None]
        if not missing and self.zone is not None:
            return base
        zones = list(ZONES) if self.zone is None else [self.zone]
        grids = [self.samples(sides[k], pl, d) for k in missing]
        saved, results = self.zone, []
        try:
            for z in zones:
                self.zone = z
                combos = itertools.product(*grids)
                if len(missing) == 2:    # the four corners first: a counter-example comes early
                    corners = [(a, b) for a in grids[0][:2] for b in grids[1][:2]]
                    combos = itertools.chain(corners, (c for c in combos if not (
                        c[0] in grids[0][:2] and c[1] in grids[1][:2])))
                for combo in combos:
                    s2 = list(sides)
                    for k, (h, _) in zip(missing, combo):
                        s2[k] = self.with_height(sides[k], h)
                    o = self.at(tuple(s2), pl, d)
                    results.append((z, tuple(h for h, _ in combo), o))
                    if len(missing) == 2 and len({r[2].status for r in results}) > 1:
                        break        # two unknown heights: one counter-example is enough
                else:
                    continue
                break
        finally:
            self.zone = saved
        statuses = {r[2].status for r in results}
        if len(statuses) == 1 and statuses <= {"pass", "fail"}:
            st = statuses.pop()
            z, hs, o = (max if st == "fail" else min)(results, key=lambda r: r[2].margin)
            o.prefix = self._decided_text(sides, missing, st, z, hs)
            o.ranges = self._ranges(sides, missing)
            return o
        if statuses == {"unknown"} and all(r[2].by_sunlight for r in results):
            # every value leaves it to the sunlight (第二十七条 path): the sunlight evidence
            # decides, shown with the least favourable (largest) 第二十七条 distance
            z, hs, o = max(results, key=lambda r: r[2].required)
            o.prefix = self._decided_text(sides, missing, "unknown", z, hs)
            o.ranges = self._ranges(sides, missing)
            return o
        base.prefix_why = (len(missing) == 2 and self.zone is not None
                           and self._scan2(sides, pl, d, missing, grids)) or \
            self._undecided_text(sides, missing, zones, grids, results)
        base.ranges = self._ranges(sides, missing)
        return base

    def with_height(self, s: Side, h: float) -> Side:
        cls = height_class(h)
        cls31 = "multi" if self.stepped and cls == "low" and s.bcls == "multi" else cls
        return Side(s.building, s.name, h, cls, cls31, s.use, s.group, s.rng, s.bcls)

    def samples(self, s: Side, pl: sp.Placement, d: float) -> list[tuple[float, bool]]:
        """Heights to try in a side's range: every point where a verdict can change (the
        height classes' limits, the height caps, and each h where k × h meets a measured
        distance, for every factor k of these clauses), and one height inside each piece
        between them: within a piece every requirement is continuous and non-decreasing in
        the height, so the verdict is the same all through it. (h, is_breakpoint) pairs,
        extremes first."""
        from plancheck.model.site import LOW_MAX_M, MULTI_MAX_M

        r = s.rng or Range(0.0, math.inf, "missing")
        dists = {d} | {dr.gap_m for dr in pl.dirs}
        bps = {LOW_MAX_M, MULTI_MAX_M} | set(self.r.caps) | {
            (x + tol.COMPARE_M) / k for x in dists for k in self.r.factors if k > 0}
        bps = sorted(b for b in bps if r.lo < b < r.hi)
        pts: list[tuple[float, bool]] = []
        prev = r.lo
        for b in bps:
            pts += [((prev + b) / 2, False), (b, True)]
            prev = b
        if math.isinf(r.hi):
            pts.append((prev + max(1.0, prev), False))
        else:
            if r.hi > prev:
                pts.append(((prev + r.hi) / 2, False))
            pts.append((r.hi, True))
        return [pts[0], pts[-1]] + pts[1:-1] if len(pts) > 2 else pts

    def _ranges(self, sides, missing) -> dict:
        return {sides[k].name: {"height_m": sides[k].rng.as_dict()} for k in missing
                if sides[k].rng is not None}

    def _missing_text(self, sides, missing) -> str:
        parts = [self.t(f"{sides[k].name} 高度未标注（{sides[k].rng.text(True)}）",
                        f"{sides[k].name} has no height ({sides[k].rng.text(False)})")
                 for k in missing]
        if self.zone is None:
            parts.append(self.t("未给出区域（浦西内环线以内 / 其他地区）",
                                "no zone given (puxi-inner / other)"))
        return self.t("，", "; ").join(parts)

    def _decided_text(self, sides, missing, status, zone, hs) -> str:
        what = self.t("、".join(["高度"] * bool(missing) + ["区域"] * (self.zone is None)),
                      " and ".join(["height"] * bool(missing) + ["zone"] * (self.zone is None)))
        word = self.t({"pass": "满足", "fail": "不满足", "unknown": "需日照分析"}[status],
                      {"pass": "passes", "fail": "fails", "unknown": "needs a sunlight analysis"}[status])
        case = [self.t(f"{sides[k].name} 高度 {h:.2f} m", f"{sides[k].name} at {h:.2f} m")
                for k, h in zip(missing, hs)]
        if self.zone is None:
            case.append(ZONE_TEXT["zh" if self.zh else "en"][zone])
        fav = self.t("最有利" if status == "fail" else "最不利",
                     "most favourable" if status == "fail" else "least favourable")
        if status == "unknown":
            word = self.t("需日照分析", "needs a sunlight analysis")
        return self.t(
            f"{self._missing_text(sides, missing)}；按其任何{what}均{word}（以下按{fav}情形："
            f"{'、'.join(case)} 计）：",
            f"{self._missing_text(sides, missing)}: it {word} whatever its {what} "
            f"(shown for the {fav} case, {', '.join(case)}): ")

    def _word(self, status: str) -> str:
        return self.t({"pass": "满足", "fail": "不满足", "unknown": "需日照分析"}[status],
                      {"pass": "it passes", "fail": "it fails",
                       "unknown": "a sunlight analysis decides"}[status])

    def _undecided_text(self, sides, missing, zones, grids, results) -> str:
        """What would decide an undecided pair: per zone, the height runs of each verdict."""
        sep = self.t("，", ", ")
        if len(missing) == 1:
            k = missing[0]
            pts = grids[0]
            per_zone = []
            for z in zones:
                st = [o.status for zz, _, o in results if zz == z]
                per_zone.append((z, self._runs(sides[k].name, sides[k].rng, pts, st)))
            if len({t for _, t in per_zone}) == 1:
                return per_zone[0][1]
            return self.t("；", "; ").join(
                f"{ZONE_TEXT['zh' if self.zh else 'en'][z]}{self.t('：', ': ')}{t}"
                for z, t in per_zone)
        # two heights (or the zone alone): one example of each verdict
        seen: dict[str, tuple] = {}
        for z, hs, o in results:
            seen.setdefault(o.status, (z, hs))
        ex = []
        for st, (z, hs) in seen.items():
            case = [f"{sides[k].name} {self.t('取', 'at')} {h:.2f} m" for k, h in zip(missing, hs)]
            if self.zone is None:
                case.append(ZONE_TEXT["zh" if self.zh else "en"][z])
            ex.append(self.t(f"{'、'.join(case)} 时{self._word(st)}",
                             f"{self._word(st)} with {', '.join(case)}"))
        return self.t("例如 ", "e.g. ") + sep.join(ex)

    def _scan2(self, sides, pl: sp.Placement, d: float, missing, grids) -> str | None:
        """Two heights missing, undecided: the verdict along one height with the other at
        either end of its range (what is said holds at those two values; between them the
        message does not claim anything): the first height whose value changes it there
        (the southern or taller one, mostly), else None."""
        out = []
        for a in (0, 1):
            if out:
                break
            b = 1 - a
            ka, kb = missing[a], missing[b]
            ends = [grids[b][0][0], grids[b][-1 if len(grids[b]) < 2 else 1][0]]
            texts = []
            for hb in ends:
                sts = []
                for ha, _ in grids[a]:
                    s2 = list(sides)
                    s2[ka] = self.with_height(sides[ka], ha)
                    s2[kb] = self.with_height(sides[kb], hb)
                    sts.append(self.at(tuple(s2), pl, d).status)
                if len(set(sts)) > 1:
                    texts.append((hb, self._runs(sides[ka].name, sides[ka].rng, grids[a], sts)))
                else:
                    texts.append((hb, None))
            if all(t is None for _, t in texts):
                continue
            other = sides[kb].name
            if texts[0][1] == texts[1][1]:
                out.append(texts[0][1] + self.t(
                    f"（{other} 取 {ends[0]:.2f} m 或 {ends[1]:.2f} m 时均如此）",
                    f" (with {other} at {ends[0]:.2f} m or at {ends[1]:.2f} m alike)"))
            else:
                out.append(self.t("；", "; ").join(
                    self.t(f"{other} 取 {hb:.2f} m 时：{t or '不随 ' + sides[ka].name + ' 高度变化'}",
                           f"with {other} at {hb:.2f} m: {t or 'whatever ' + sides[ka].name + chr(39) + 's height'}")
                    for hb, t in texts))
        return self.t("；", "; ").join(out) or None

    def _runs(self, name: str, rng: Range, pts, statuses) -> str:
        """'2# 高度 ≤ 16.67 m 时满足，> 16.67 m 时不满足' from the sampled verdicts (a verdict
        changes only at a breakpoint sample: the boundary is that breakpoint)."""
        order = sorted(range(len(pts)), key=lambda i: pts[i][0])
        runs: list[list] = []          # [status, lo, lo_incl, hi, hi_incl]
        prev = None
        for i in order:
            h, bp = pts[i]
            st = statuses[i]
            if not runs:
                runs.append([st, rng.lo, False, None, True])
            elif st != runs[-1][0]:
                ph, pbp = prev
                if pbp:
                    runs[-1][3:5] = [ph, True]
                    runs.append([st, ph, False, None, True])
                else:
                    runs[-1][3:5] = [h, False]
                    runs.append([st, h, True, None, True])
            prev = (h, bp)
        runs[-1][3:5] = [rng.hi, True]
        if len(runs) == 1:
            return self.t(f"{name} 任何高度均{self._word(runs[0][0])}",
                          f"{self._word(runs[0][0])} whatever {name}'s height")
        out = []
        for n, (st, lo, lo_in, hi, hi_in) in enumerate(runs):
            if n == 0:
                cond = f"{'≤' if hi_in else '<'} {_num(hi)} m"
            elif n == len(runs) - 1:
                cond = f"{'≥' if lo_in else '>'} {_num(lo)} m"
            else:
                cond = f"{_num(lo)}–{_num(hi)} m"
            out.append(self.t(f"{name} 高度 {cond} 时{self._word(st)}",
                              f"{self._word(st)} when {name}'s height is {cond}"))
        return self.t("，", ", ").join(out)

    def requirement(self, sides: tuple[Side, Side], dr: sp.Direction) -> Req | None:
        """The rule for one direction of a pair (None: fire spacing only). Texts name the
        masses by placeholder, so pairs alike share one computation."""
        a, b = sides
        key = (self.zone, a.group, b.group, a.h, b.h, a.cls31, b.cls31, dr.kind, dr.compass, dr.lower,
               dr.gable, None if dr.gable_m is None else round(dr.gable_m, 6))
        if key not in self.cache:
            self.sides = sides
            self.cache[key] = self._requirement(sides, dr)
        return self.cache[key]

    def nm(self, s: Side) -> str:
        """Placeholder for a mass's building name in a requirement's texts."""
        return NAME_MARK[0] if s is self.sides[0] else NAME_MARK[1]

    def _requirement(self, sides: tuple[Side, Side], dr: sp.Direction) -> Req | None:
        groups = [s.group for s in sides]
        if None in groups:
            who = "、".join(self.nm(s) for s in sides if s.group is None)
            return Req("nr_north", self.t("建筑", "buildings"), why=self.t(
                f"{who} 缺少用途，无法确定适用条款（居住 / 非居住）",
                f"{who} has no use: residential or non-residential rules cannot be chosen"))
        if groups == ["res", "res"]:
            return self.residential(sides, dr)
        if "res" in groups:
            r = groups.index("res")
            n = 1 - r
            if dr.compass == "ns" and dr.kind != "gable" and dr.lower == r:
                # the non-residential mass stands north of the residential one: 第二十九条（二）
                if groups[n] == "art30" or dr.kind != "facing":
                    return None
                return self.nonresidential(sides, dr, "nr_north")
            req = self.residential(sides, dr)
            req.notes.append(self.t(
                "非居住建筑山墙与居住建筑山墙，按第二十五、二十七条控制（第二十九条（三））"
                if dr.kind == "gable" else
                "非居住建筑位于居住建筑南侧或东西侧，按居住建筑控制（第二十九条（一））",
                "non-residential gable facing a residential gable: 第二十五、二十七条 (第二十九条（三）)"
                if dr.kind == "gable" else
                "a non-residential building south, east or west of a residential one is "
                "held to the residential rules (第二十九条（一）)"))
            return req
        if "art30" in groups or dr.kind != "facing":
            return None
        return self.nonresidential(sides, dr, "nonres")

    def _heights(self, req: Req, sides) -> Req | None:
        missing = [self.nm(s) for s in sides if s.h is None]
        if missing:
            req.why = self.t(f"{'、'.join(missing)} 缺少建筑高度",
                             f"{', '.join(missing)} has no height")
            return req
        return None

    def _zoned(self, build, req: Req) -> Req:
        """Run `build(req)`; a missing zone makes the requirement undecidable, with both values."""
        try:
            return build(req)
        except _NeedZone:
            vals = []
            for zone in ZONES:
                self.zone = zone
                try:
                    vals.append((zone, build(Req(req.role, req.desc)).required))
                finally:
                    self.zone = None
            req.why = self.t(
                "未给出区域（浦西内环线以内 / 其他地区）：" + "，".join(
                    f"{ZONE_TEXT['zh'][z]}要求 {v:.2f} m" for z, v in vals),
                "no zone given (puxi-inner / other): " + ", ".join(
                    f"{ZONE_TEXT['en'][z]} {v:.2f} m" for z, v in vals))
            return req

    # -- residential rules (第二十三至二十八条) ------------------------------------------------------
    def residential(self, sides, dr: sp.Direction) -> Req:
        wide = dr.kind == "perp" and dr.gable_m > self.geo["gable_width_max_m"] + tol.COMPARE_M
        ns = dr.compass == "ns"
        if dr.kind == "gable":
            req = Req("gable", self.t("居住建筑山墙", "residential gable-to-gable"))
            return self._heights(req, sides) or self.res_gable(req, sides)
        if dr.kind == "facing" or wide:
            role = ("detached" if self.detached else "par_ns") if ns else "par_ew"
            req = Req(role, self._desc("facing", ns))
            if wide:
                req.desc = self._desc("perp", ns)
                req.notes.append(self.t(
                    f"山墙宽度 {dr.gable_m:.2f} m 大于 {self.geo['gable_width_max_m']:g} m，"
                    f"按平行布置控制（第二十三条（二）3）",
                    f"gable {dr.gable_m:.2f} m wide > {self.geo['gable_width_max_m']:g} m: "
                    f"the parallel rules apply (第二十三条（二）3)"))
            build = (lambda q: self.res_facing_ns(q, sides, dr)) if ns else \
                (lambda q: self.res_facing_ew(q, sides, None))
        else:
            req = Req("perp", self._desc("perp", ns))
            build = lambda q: self.res_perp(q, sides, dr)  # noqa: E731
        return self._heights(req, sides) or self._zoned(build, req)

    def _desc(self, kind: str, ns: bool) -> str:
        way = self.t("南北向" if ns else "东西向", "north-south" if ns else "east-west")
        if kind == "facing":
            return self.t(f"{way}平行布置的居住建筑",
                          f"residential buildings in parallel, facing {way}")
        return self.t(f"{way}垂直布置的居住建筑",
                      f"residential buildings at right angles, spaced {way}")

    def times(self, k: float, s: Side, who_zh: str, who_en: str, cap: float | None = None) -> Term:
        """k × a mass's height (capped at `cap` when given): a product term."""
        h = s.h if cap is None else min(s.h, cap)
        shown = f"{s.h:.2f} m" + (self.t(f"（按 {cap:g} m 计）", f" (taken as {cap:g} m)")
                                  if cap is not None and s.h > cap else "")
        return Term(k * h, self.t(f"{who_zh} {self.nm(s)} 高度 {shown} 的 {_f(k)} 倍",
                                  f"{_f(k)} × the {who_en} {self.nm(s)}'s height {shown}"), True)

    def least(self, v: float, zh: str = "最小值", en: str = "at least") -> Term:
        return Term(v, self.t(f"{zh} {v:g} m", f"{en} {v:g} m"))

    def res_facing_ns(self, req: Req, sides, dr: sp.Direction) -> Req:
        s, n = sides[dr.lower], sides[1 - dr.lower]
        if self.detached:
            req.terms.append(self.times(self.r.p("detached")["factor"], s, "南侧建筑",
                                        "southern"))
            req.terms[-1].text += self.t("（第二十六条）", " (第二十六条)")
        else:
            req.terms.append(self.times(self.z(self.r.p("par_ns")["factor"]), s, "南侧建筑",
                                        "southern"))
        m = self.r.p("min_ns")
        floor = {("low", "low"): m["low_low_m"], ("low", "multi"): m["low_to_multi_north_m"],
                 ("low", "high"): m["multi_low_to_high_north_m"],
                 ("multi", "high"): m["multi_low_to_high_north_m"]}.get((s.cls, n.cls))
        if floor is not None:
            req.terms.append(self.least(
                floor, f"{CLASS_TEXT['zh'][s.cls]}与其北侧{CLASS_TEXT['zh'][n.cls]}最小（第二十八条）",
                f"{CLASS_TEXT['en'][s.cls]} with {CLASS_TEXT['en'][n.cls]} to its north "
                f"(第二十八条): at least"))
            if floor > req.terms[0].value:
                req.role = "min_ns"
        req.required = max(t.value for t in req.terms)
        if s.cls == "high":        # 第二十七条（一）1 / （二）1
            c = self.r.p("sun")
            self._sun(req, [self.times(c["parallel_ns"]["factor"], s, "南侧高层", "southern "
                                       "high-rise", c["height_cap_m"]),
                            self.least(self.z(c["parallel_ns"]["min_m"]))])
        return req

    def res_facing_ew(self, req: Req, sides, h1: Side | None) -> Req:
        """East-west parallel; H′ is `h1`'s height when given (perpendicular cap), else the taller."""
        p = self.r.p("par_ew")
        tall = h1 or max(sides, key=lambda s: s.h)
        req.terms.append(self.times(self.z(p["factor"]), tall, *(
            ("主朝向遮挡建筑", "obstructing") if h1 else ("较高建筑", "taller"))))
        req.terms.append(self.least(p["min_m"]))
        highs = [s for s in sides if s.cls == "high"]
        if highs:
            req.terms.append(self.least(p["min_high_m"], "含高层最小（应用解释图示）",
                                        "with a high-rise (应用解释 figures) at least"))
        req.required = max(t.value for t in req.terms)
        if highs and h1 is None:   # 第二十七条（一）2 / （二）2
            c = self.r.p("sun")
            if len(highs) == 2:
                self._sun(req, [self.times(c["parallel_ew_high"]["factor"], tall, "较高高层",
                                           "taller high-rise", c["height_cap_m"]),
                                self.least(c["parallel_ew_high"]["min_m"])])
            else:
                self._sun(req, [self.least(c["parallel_ew_mixed"]["min_m"],
                                           "高层与其东（西）侧多、低层",
                                           "high-rise with a multi/low-rise east or west:")])
        return req

    def res_perp(self, req: Req, sides, dr: sp.Direction) -> Req:
        p = self.r.p("perp")
        highs = [s for s in sides if s.cls == "high"]
        if dr.compass == "ns":
            req.terms.append(self.times(self.z(p["factor_ns"]), sides[dr.lower], "南侧建筑",
                                        "southern"))
            parallel = self.res_facing_ns(Req("par_ns", ""), sides, dr)
        else:
            g, f = sides[dr.gable], sides[1 - dr.gable]
            req.terms.append(self.times(self.z(p["factor_ew"]), g, "南北朝向建筑",
                                        "north-south facing"))
            req.terms.append(self.times(p["other_factor"], f, "另一建筑", "other building"))
            parallel = self.res_facing_ew(Req("par_ew", ""), sides, g)
        req.terms.append(self.least(p["min_m"]))
        if highs:
            req.terms.append(self.least(p["min_high_m"], "含高层最小（应用解释图示）",
                                        "with a high-rise (应用解释 figures) at least"))
        req.required = max(t.value for t in req.terms)
        if p["cap_at_parallel"] and parallel.required < req.required - tol.COMPARE_M:
            req.notes.append(self.t(
                f"垂直布置计算值 {req.required:.2f} m 大于平行布置间距 {parallel.required:.2f} m，"
                f"按平行布置控制（应用解释）",
                f"the perpendicular value {req.required:.2f} m exceeds the parallel spacing "
                f"{parallel.required:.2f} m, which governs (应用解释)"))
            req.required = parallel.required
        if highs:                  # 第二十七条（三）/（四）
            c = self.r.p("sun")
            if len(highs) == 2:
                ns = dr.compass == "ns"
                ref = sides[dr.lower] if ns else max(sides, key=lambda s: s.h)
                self._sun(req, [self.times(c["perp_high"]["factor"], ref,
                                           "南侧高层" if ns else "较高高层",
                                           "southern high-rise" if ns else "taller high-rise",
                                           c["height_cap_m"]),
                                self.least(c["perp_high"]["min_m"])])
            else:
                self._sun(req, [self.least(c["perp_mixed"]["min_m"], "高层与多、低层垂直布置",
                                           "high-rise with a multi/low-rise at right angles:")])
        return req

    def res_gable(self, req: Req, sides) -> Req:
        tall = max(sides, key=lambda s: s.h)
        g = self.r.p("gable")
        if any(s.cls == "high" for s in sides):
            c = g["high"]
            req.terms.append(self.times(c["factor"], tall, "较高建筑", "taller"))
            req.terms.append(self.least(c["min_m"], "含高层最小（应用解释）",
                                        "with a high-rise (应用解释) at least"))
            v = max(t.value for t in req.terms)
            if v > c["max_m"]:
                req.notes.append(self.t(f"超过 {c['max_m']:g} m 的按 {c['max_m']:g} m 控制（应用解释）",
                                        f"more than {c['max_m']:g} m is held at {c['max_m']:g} m (应用解释)"))
            req.required = min(v, c["max_m"])
            m = self.r.p("sun")["gable"]["min_m"]
            self._sun(req, [self.least(m, "高层山墙（第二十七条（六））",
                                       "high-rise gables (第二十七条（六）):")])
        else:
            c = g["low_multi"]
            req.terms.append(self.times(c["factor"], tall, "较高建筑", "taller"))
            req.terms.append(self.least(c["min_m"]))
            req.required = max(t.value for t in req.terms)
        return req

    def _sun(self, req: Req, terms: list[Term]) -> None:
        value = max(t.value for t in terms)
        if value < req.required - tol.COMPARE_M:   # the path only helps when it asks less
            req.sun, req.sun_terms = value, terms

    # -- non-residential (第三十一条; 第二十九条（二）) --------------------------------------------
    def nonresidential(self, sides, dr: sp.Direction, role: str) -> Req:
        ns = dr.compass == "ns"
        way = self.t("南北向" if ns else "东西向", "north-south" if ns else "east-west")
        desc = self.t(f"{way}平行布置的非居住建筑", f"non-residential buildings in parallel, "
                      f"facing {way}") if role == "nonres" else self.t(
            "居住建筑北侧平行布置的非居住建筑（按第三十一条）",
            "a non-residential building in parallel north of a residential one (第三十一条)")
        req = Req(role, desc)
        if self._heights(req, sides):
            return req
        p = self.r.p("nonres")
        classes = sorted(s.cls31 for s in sides)
        if "low" in classes:
            req.terms.append(self.least(p["low_any_m"], "低层非居住建筑最小（另须符合消防间距，未检查）",
                                        "with a low-rise (fire spacing, not checked, may ask more) at least"))
        elif classes == ["high", "high"]:
            c = p["high_ns" if ns else "high_ew"]
            ref = sides[dr.lower] if ns else max(sides, key=lambda s: s.h)
            req.terms.append(self.times(c["factor"], ref, "南侧建筑" if ns else "较高建筑",
                                        "southern" if ns else "taller", p["height_cap_m"]))
            req.terms.append(self.least(c["min_m"]))
        elif classes == ["high", "multi"]:
            req.terms.append(self.least(p["high_multi_m"], "高层与多层最小",
                                        "high-rise with multi-storey: at least"))
        else:
            req.terms.append(self.least(p["multi_multi_m"], "多层之间最小",
                                        "multi-storey pair: at least"))
        req.required = max(t.value for t in req.terms)
        return req

    def art30(self, sides, d: float, ys: tuple[tuple[float, float], ...]) -> Outcome:
        """第三十条: the hospital / school / kindergarten mass must get its winter-solstice
        sunlight. A neighbour standing wholly north of it cannot shade it (that day the sun
        stays south of the east-west line from sunrise to sunset): pass. Otherwise only a
        sunlight analysis can tell: unknown."""
        p = self.r.p("art30")
        names = (sides[0].name, sides[1].name)
        receivers = [k for k in (0, 1) if sides[k].group == "art30"]
        shaded = [k for k in receivers if ys[1 - k][0] < ys[k][1] - tol.COMPARE_M]
        s = sides[(shaded or receivers)[0]]
        o = sides[1 - (shaded or receivers)[0]]
        kind = self.t(USE_TEXT.get(s.use, s.use), s.use)
        if not shaded:
            msg = self.t(
                f"{names[0]}–{names[1]} 间距 {d:.2f} m：{o.name} 位于第三十条所列建筑 {s.name}（{kind}）"
                f"以北，冬至日太阳全天位于正东西线以南，不能遮挡其日照",
                f"{names[0]}–{names[1]}: spacing {d:.2f} m: {o.name} stands wholly north of the "
                f"第三十条 building {s.name} ({kind}); on the winter solstice the sun stays south of "
                f"east-west all day, so it cannot shade it")
            return Outcome("art30", "pass", names, d, None, None, message=msg)
        hours = p["hours"]
        if isinstance(hours, dict) and self.zone is None:
            need = self.t(f"{hours['other']:g} 小时（浦西内环线以内 {hours['puxi-inner']:g} 小时）",
                          f"{hours['other']:g} h ({hours['puxi-inner']:g} h inside the Puxi inner ring)")
        else:
            hv = hours[self.zone] if isinstance(hours, dict) else hours
            need = self.t(f"{hv:g} 小时", f"{hv:g} h")
        msg = self.t(
            f"{names[0]}–{names[1]} 间距 {d:.2f} m：{s.name} 为第三十条所列建筑（{kind}），"
            f"其与 {o.name} 的间距应保证其冬至日满窗日照有效时间不少于 {need}",
            f"{names[0]}–{names[1]}: spacing {d:.2f} m: {s.name} is a 第三十条 building ({kind}); "
            f"its spacing from {o.name} must leave it at least {need} of winter-solstice sunlight")
        return Outcome("art30", "unknown", names, d, None, None, message=msg, by_sunlight=True)

    # -- judging -----------------------------------------------------------------------------------
    def judge(self, sides, req: Req, measured: float, pl: sp.Placement,
              dr: sp.Direction) -> Outcome:
        """Status, governing clause and threshold of one direction (the message comes later)."""
        o = Outcome(req.role, "unknown", (sides[0].name, sides[1].name), measured, None, None,
                    req, pl, dr)
        if req.why:
            return o
        if measured >= req.required - tol.COMPARE_M:
            o.status, o.required = "pass", req.required
        elif req.sun is None:
            o.status, o.required = "fail", req.required
        else:
            o.role, o.required = "sun", req.sun
            o.status = "unknown" if measured >= req.sun - tol.COMPARE_M else "fail"
            o.by_sunlight = o.status == "unknown"
        o.margin = measured - o.required
        return o

    def render(self, o: Outcome) -> tuple[str, dict[str, Any]]:
        """The message and the extra report fields of an outcome; one decided or left open
        over a range of values says so (values.py)."""
        msg, extra = self._render(o)
        if o.prefix:
            msg = o.prefix + msg
        if o.prefix_why:
            msg += self.t(f"；{o.prefix_why}", f"; {o.prefix_why}")
        if o.ranges:
            extra["ranges"] = o.ranges
        return msg, extra

    def _render(self, o: Outcome) -> tuple[str, dict[str, Any]]:
        if o.role == "art30":
            if not o.by_sunlight:
                return o.message, {}
            return o.message + self._sun_tail(o, "", art30=True), self._sun_extra(o, {})
        req, pl, dr, m = o.req, o.pl, o.dr, o.measured
        extra = {"layout": "parallel" if pl.parallel else "perpendicular",
                 "placement": {"v": "facing", "u": "end-to-end", "diag": "diagonal"}[pl.relation],
                 "direction": dr.compass}
        head = f"{o.names[0]}–{o.names[1]} " + (req.desc if self.zh else req.desc + ":")
        notes = "".join(self.t(f"；{n}", f"; {n}") for n in req.notes)
        if pl.relation == "diag":
            way = self.t("南北向" if dr.compass == "ns" else "东西向",
                         "north-south" if dr.compass == "ns" else "east-west")
            notes += self.t(f"；边线延长线不相交，按{way}间距计",
                            f"; the edges' extensions do not meet: the {way} offset counts")
        if req.why:
            msg = self.t(f"{head}间距 {m:.2f} m，无法判定：{req.why}{notes}",
                         f"{head} spacing {m:.2f} m cannot be decided: {req.why}{notes}")
            return self.fill(msg, o), extra
        terms = self.t("；", "; ").join(t.render() for t in req.terms)
        need = f"{req.required:.2f}"
        if o.role != "sun":
            msg = self.t(f"{head}间距 {m:.2f} m，{'不小于' if o.status == 'pass' else '小于'}要求 "
                         f"{need} m（{terms}）{notes}",
                         f"{head} spacing {m:.2f} m "
                         f"{'meets' if o.status == 'pass' else 'is less than'} the required "
                         f"{need} m ({terms}){notes}")
            return self.fill(msg, o), extra
        sun_terms = self.t("；", "; ").join(t.render() for t in req.sun_terms)
        extra.update(coefficient_required=_r(req.required), sunlight_path_required=_r(req.sun))
        if o.by_sunlight:                # the 第二十七条 path: the sunlight decides
            msg = self.t(
                f"{head}间距 {m:.2f} m，小于要求 {need} m（{terms}），"
                f"但不小于第二十七条间距 {req.sun:.2f} m（{sun_terms}）",
                f"{head} spacing {m:.2f} m is less than the required {need} m "
                f"({terms}) but meets the 第二十七条 distance {req.sun:.2f} m ({sun_terms})")
            msg += self._sun_tail(o, notes)
            extra = self._sun_extra(o, extra)
        else:
            msg = self.t(
                f"{head}间距 {m:.2f} m，小于要求 {need} m（{terms}），"
                f"也小于第二十七条间距 {req.sun:.2f} m（{sun_terms}）{notes}",
                f"{head} spacing {m:.2f} m is less than the required {need} m "
                f"({terms}) and than the 第二十七条 distance {req.sun:.2f} m ({sun_terms}){notes}")
        return self.fill(msg, o), extra

    def _sun_tail(self, o: Outcome, notes: str, art30: bool = False) -> str:
        """What the sunlight evidence says about a pair left to it (no text is patched later)."""
        if o.sunlight is not None and not o.sunlight["receivers"]:
            return notes + self.t(
                "；另一幢建筑位于其以北或在日照分析范围以外，冬至日不能遮挡其日照" if art30 else
                "；两幢建筑均不能遮挡对方住宅的冬至日日照（位于其以北或在日照分析范围以外）",
                "; the other building stands north of it or beyond the analysis radius and "
                "cannot shade it on the winter solstice" if art30 else
                "; neither building can shade the other's homes on the winter solstice (it "
                "stands north of them or beyond the analysis radius)")
        if o.sunlight is not None:
            return notes + self.t("；日照分析：" + "；".join(o.sun_parts),
                                  "; sunlight analysis: " + "; ".join(o.sun_parts))
        why = self.t(f"（日照分析出错：{o.sun_error}）", f" (the sunlight analysis crashed: "
                                                      f"{o.sun_error})") if o.sun_error else ""
        if art30:
            return self.t(f"；需日照分析，尚未进行{why}",
                          f": a sunlight analysis is needed and was not run{why}") + notes
        return self.t(f"：需日照分析{why}", f": a sunlight analysis is needed{why}") + notes

    @staticmethod
    def _sun_extra(o: Outcome, extra: dict) -> dict:
        if o.sunlight is not None:
            extra["sunlight"] = o.sunlight
            if o.sunlight["receivers"]:
                extra["figure"] = o.sunlight["receivers"][0]["figure"]
        return extra

    @staticmethod
    def fill(msg: str, o: Outcome) -> str:
        return msg.replace(NAME_MARK[0], o.names[0]).replace(NAME_MARK[1], o.names[1])


def _either(judged: list[Outcome]) -> Outcome:
    """A diagonal pair passes when either direction does (the rectangle of the 应用解释
    figures); it fails only when both do. One direction: that outcome."""
    if len(judged) == 1:
        return judged[0]
    for status in ("pass", "unknown"):
        hits = [o for o in judged if o.status == status]
        if hits:
            return max(hits, key=lambda o: -np.inf if o.margin is None else o.margin)
    return max(judged, key=lambda o: o.margin)


def _num(x: float) -> str:
    """A threshold height as text: 16.67, 24, 21.3."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _r(x: float | None) -> float | None:
    """A threshold for the report: products like 1.2 × 18 written as 21.6, not 21.599999999999998."""
    return None if x is None else round(x, 9)


def _f(k: float) -> str:
    """A factor as the regulation writes it: 1.0, 1.2, 0.25."""
    s = f"{k:g}"
    return s if "." in s else s + ".0"


def _seg(p, q) -> dict:
    return {"from": [float(p[0]), float(p[1])], "to": [float(q[0]), float(q[1])]}
