"""Values as ranges in the spacing rules (issue #20): a missing HEIGHT (or zone) is the range
the regulation allows — 附录一's class for a residential mass with FLOORS (1–3: ≤ 10 m,
4–8: 10–24 m, ≥ 9: > 24 m), else any height — and a pair is decided when every value in it
gives the same verdict; otherwise it is `unknown` naming the value and the threshold.

Per check kind: the missing value cannot matter (decided, both verdicts) and can matter
(unknown naming the threshold). Every number below is hand-computed from the regulation
(zone `other` unless said): factors 1.2 (第二十三条（一）1), 1.0 (（一）2), 0.8 (（二）1),
0.5 (第二十五条), 1.4 (第二十六条), 第二十七条 0.5 × Hs ≥ 30 m and 13 m gables, 第二十八条
6 / 8 / 13 m, 第三十一条 6 / 10 / 13 m.
"""

from __future__ import annotations

import pytest
from shapely.geometry import box

from plancheck.evaluate.clauses import load_ruleset
from plancheck.evaluate.engine import Evaluation, evaluate
from plancheck.model.indicators import compute
from plancheck.model.site import Building, Mass, SiteModel, Source
from plancheck.read.context import Context

SPACING = {"SH-23-1", "SH-23-2", "SH-23-3", "SH-25", "SH-26", "SH-27", "SH-28", "SH-29",
           "SH-30", "SH-31"}
N = None   # no HEIGHT


def _model(*bs):
    """bs: (name, outline, use, height, floors[, status])"""
    out = []
    for n, (name, outline, use, h, floors, *status) in enumerate(bs):
        st = status[0] if status else "proposed"
        m = Mass(outline=outline, status=st, source=Source(f"{n}", "PC-BLDG", "LWPOLYLINE"),
                 name=name, use=use, height_m=h, floors=floors)
        out.append(Building(name, st, (m,)))
    return SiteModel(site=box(-500, -500, 500, 500), buildings=tuple(out))


def _one(*bs, zone="other", lang="zh", detached=False):
    model = _model(*bs)
    ev = Evaluation(model, compute(model), Context(zone=zone, detached_house_area=detached),
                    load_ruleset("shanghai"), lang, sunlight=False)
    (f,) = [f for f in evaluate(ev, SPACING) if f.family == "spacing"]
    return f


def ns(gap, w=60, d=12):
    """A slab south (at y 0..d) and one north of it `gap` m away."""
    return box(0, 0, w, d), box(0, d + gap, w, 2 * d + gap)


def ew(gap):
    """Two north-south running slabs (12 × 60) side by side, `gap` m apart east-west."""
    return box(0, 0, 12, 60), box(12 + gap, 0, 24 + gap, 60)


def end(gap):
    """Two east-west slabs end to end (gable to gable)."""
    return box(0, 0, 60, 12), box(60 + gap, 0, 120 + gap, 12)


def perp(gap):
    """A slab and a 12 m wide gable-end block north of it (第二十三条（二）1)."""
    return box(0, 0, 60, 12), box(20, 12 + gap, 32, 52 + gap)


R = "residential"

# (id, buildings, kwargs, rule, status, required, message text)
DECIDED = [
    # 第二十三条（一）1, the issue's own case: 1.2 × 18 = 21.6; 2#'s height (north) only picks
    # a 第二十八条 minimum (≤ 13 m) and it is not the southern high-rise of 第二十七条
    ("par_ns-fail", lambda: (("1#", ns(15)[0], R, 18.0, 6), ("2#", ns(15)[1], R, N, N)), {},
     "SH-23-1", "fail", 21.6, "2# 高度未标注（任意高度）；按其任何高度均不满足"),
    ("par_ns-pass", lambda: (("1#", ns(25)[0], R, 18.0, 6), ("2#", ns(25)[1], R, N, N)), {},
     "SH-23-1", "pass", 21.6, "按其任何高度均满足"),
    # an existing neighbour with FLOORS but no height, south of the proposed one: 6 floors →
    # 10–24 m (附录一), so 1.2 × H <= 28.8 <= 30 whatever it is
    ("par_ns-existing-floors", lambda: (("1#", ns(30)[0], R, N, 6, "existing"),
                                        ("2#", ns(30)[1], R, 18.0, 6)), {},
     "SH-23-1", "pass", 28.8, "1# 高度未标注（10–24 m：FLOORS=6，附录一 多层居住建筑 4–8 层）"),
    # 第二十三条（一）2: max(1.0 × the taller, 6 m); 2# has 6 floors: 10–24 m
    ("par_ew-fail", lambda: (("1#", ew(5)[0], R, 18.0, 6), ("2#", ew(5)[1], R, N, 6)), {},
     "SH-23-2", "fail", 18.0, "按其任何高度均不满足"),
    ("par_ew-pass", lambda: (("1#", ew(25)[0], R, 18.0, 6), ("2#", ew(25)[1], R, N, 6)), {},
     "SH-23-2", "pass", 24.0, "按其任何高度均满足"),
    # 第二十三条（二）1: 0.8 × the southern 18 m = 14.4 (the parallel 21.6 does not cap it)
    ("perp-fail", lambda: (("1#", perp(14)[0], R, 18.0, 6), ("2#", perp(14)[1], R, N, 6)), {},
     "SH-23-3", "fail", 14.4, "按其任何高度均不满足"),
    ("perp-pass", lambda: (("1#", perp(15)[0], R, 18.0, 6), ("2#", perp(15)[1], R, N, 6)), {},
     "SH-23-3", "pass", 14.4, "按其任何高度均满足"),
    # 第二十五条: max(0.5 × the taller, 4 m); the taller is 18 m or 2#'s ≤ 24 m
    ("gable-fail", lambda: (("1#", end(8)[0], R, 18.0, 6), ("2#", end(8)[1], R, N, 6)), {},
     "SH-25", "fail", 9.0, "按其任何高度均不满足"),
    ("gable-pass", lambda: (("1#", end(13)[0], R, 18.0, 6), ("2#", end(13)[1], R, N, 6)), {},
     "SH-25", "pass", 12.0, "按其任何高度均满足"),
    # 第二十六条: 1.4 × the southern 9 m = 12.6; 2# (3 floors, ≤ 10 m) north: 第二十八条 6 m
    ("detached-fail", lambda: (("1#", ns(12)[0], R, 9.0, 3), ("2#", ns(12)[1], R, N, 3)),
     {"detached": True}, "SH-26", "fail", 12.6, "按其任何高度均不满足"),
    ("detached-pass", lambda: (("1#", ns(13)[0], R, 9.0, 3), ("2#", ns(13)[1], R, N, 3)),
     {"detached": True}, "SH-26", "pass", 12.6, "按其任何高度均满足"),
    # the gable pair with one known high-rise: 第二十七条（六） asks 13 m of high-rise
    # gables whatever the other building is
    ("sun-fail", lambda: (("1#", end(10)[0], R, 60.0, 20), ("2#", end(10)[1], R, N, N)), {},
     "SH-27", "fail", 13.0, "按其任何高度均不满足"),
    # 第二十八条: a low-rise 5 m south (1.2 × 5 = 6); the northern one's class picks 6 / 8 /
    # 13 m: 14 m meets the largest (least favourable: a high-rise north, SH-28 governs)
    ("min_ns-pass", lambda: (("1#", ns(14, 20, 10)[0], R, 5.0, 2), ("2#", ns(14, 20, 10)[1], R, N, N)),
     {}, "SH-28", "pass", 13.0, "按其任何高度均满足"),
    ("min_ns-fail", lambda: (("1#", ns(5, 20, 10)[0], R, 5.0, 2), ("2#", ns(5, 20, 10)[1], R, N, N)),
     {}, "SH-23-1", "fail", 6.0, "按其任何高度均不满足"),
    # 第二十九条（二）→ 第三十一条: an office north of an 18 m home: 6 (low) / 10 (multi) /
    # 13 m (high) by the office's class
    ("nr_north-fail", lambda: (("1#", ns(5)[0], R, 18.0, 6), ("2#", ns(5)[1], "office", N, N)), {},
     "SH-29", "fail", 6.0, "按其任何高度均不满足"),
    ("nr_north-pass", lambda: (("1#", ns(14)[0], R, 18.0, 6), ("2#", ns(14)[1], "office", N, N)), {},
     "SH-29", "pass", 13.0, "按其任何高度均满足"),
    # 第三十一条 between offices: the same table
    ("nonres-fail", lambda: (("1#", ns(5)[0], "office", 18.0, 5), ("2#", ns(5)[1], "office", N, N)), {},
     "SH-31", "fail", 6.0, "按其任何高度均不满足"),
    ("nonres-pass", lambda: (("1#", ns(14)[0], "office", 18.0, 5), ("2#", ns(14)[1], "office", N, N)), {},
     "SH-31", "pass", 13.0, "按其任何高度均满足"),
    # a missing zone is a range too: 18 m (浦西内环线以内) or 21.6 m (其他地区)
    ("zone-pass", lambda: (("1#", ns(23)[0], R, 18.0, 6), ("2#", ns(23)[1], R, 18.0, 6)),
     {"zone": None}, "SH-23-1", "pass", 21.6, "按其任何区域均满足"),
    ("zone-fail", lambda: (("1#", ns(17)[0], R, 18.0, 6), ("2#", ns(17)[1], R, 18.0, 6)),
     {"zone": None}, "SH-23-1", "fail", 18.0, "按其任何区域均不满足"),
]


@pytest.mark.parametrize("case", DECIDED, ids=[c[0] for c in DECIDED])
def test_a_missing_value_that_cannot_matter_is_decided(case):
    _, bs, kw, rule, status, required, text = case
    f = _one(*bs(), **kw)
    assert (f.rule, f.status) == (rule, status), f.message
    assert f.required == pytest.approx(required)
    assert text in f.message


UNDECIDED = [
    # 1.2 × H1 <= 20 exactly when H1 <= 16.67 (1# has 6 floors: 10–24 m)
    ("par_ns", lambda: (("1#", ns(20)[0], R, N, 6), ("2#", ns(20)[1], R, 18.0, 6)), {},
     "1# 高度 ≤ 16.67 m 时满足，1# 高度 > 16.67 m 时不满足"),
    # max(1.0 × the taller, 6) <= 20 exactly when 2# <= 20
    ("par_ew", lambda: (("1#", ew(20)[0], R, 18.0, 6), ("2#", ew(20)[1], R, N, 6)), {},
     "2# 高度 ≤ 20 m 时满足，2# 高度 > 20 m 时不满足"),
    # 0.8 × H1 <= 14 exactly when H1 <= 17.5
    ("perp", lambda: (("1#", perp(14)[0], R, N, 6), ("2#", perp(14)[1], R, 18.0, 6)), {},
     "1# 高度 ≤ 17.5 m 时满足，1# 高度 > 17.5 m 时不满足"),
    # 0.5 × the taller <= 10 exactly when 2# <= 20
    ("gable", lambda: (("1#", end(10)[0], R, 18.0, 6), ("2#", end(10)[1], R, N, 6)), {},
     "2# 高度 ≤ 20 m 时满足，2# 高度 > 20 m 时不满足"),
    # 1.4 × H1 <= 12 exactly when H1 <= 8.57 (3 floors: ≤ 10 m)
    ("detached", lambda: (("1#", ns(12)[0], R, N, 3), ("2#", ns(12)[1], R, 9.0, 3)),
     {"detached": True}, "1# 高度 ≤ 8.57 m 时满足，1# 高度 > 8.57 m 时不满足"),
    # 1# (30 floors: > 24 m) south of a 60 m home 40 m away: 1.2 × H1 <= 40 up to 33.33 m;
    # above, the 第二十七条 distance max(0.5 × H1, 30) <= 40 up to 80 m (sunlight decides);
    # above 80 m it fails
    ("sun", lambda: (("1#", ns(40)[0], R, N, 30), ("2#", ns(40)[1], R, 60.0, 20)), {},
     "1# 高度 ≤ 33.33 m 时满足，1# 高度 33.33–80 m 时需日照分析，1# 高度 > 80 m 时不满足"),
    # the low-rise 5 m south, 7 m: 6 m (low north) passes, 8 / 13 m (multi / high north) fail
    ("min_ns", lambda: (("1#", ns(7, 20, 10)[0], R, 5.0, 2), ("2#", ns(7, 20, 10)[1], R, N, N)), {},
     "2# 高度 ≤ 10 m 时满足，2# 高度 > 10 m 时不满足"),
    ("nr_north", lambda: (("1#", ns(8)[0], R, 18.0, 6), ("2#", ns(8)[1], "office", N, N)), {},
     "2# 高度 ≤ 10 m 时满足，2# 高度 > 10 m 时不满足"),
    ("nonres", lambda: (("1#", ns(8)[0], "office", 18.0, 5), ("2#", ns(8)[1], "office", N, N)), {},
     "2# 高度 ≤ 10 m 时满足，2# 高度 > 10 m 时不满足"),
]


@pytest.mark.parametrize("case", UNDECIDED, ids=[c[0] for c in UNDECIDED])
def test_a_missing_value_that_can_matter_is_unknown_naming_the_threshold(case):
    _, bs, kw, text = case
    f = _one(*bs(), **kw)
    assert f.status == "unknown", f.message
    assert text in f.message
    assert "pending" not in f.extra


def test_a_gable_pair_with_a_known_high_rise_at_14_m_needs_the_sunlight_whatever_the_other():
    # 14 m meets 第二十七条（六）'s 13 m but not 0.5 × 60 = 30 m: the sunlight decides, for
    # any height of 2# (here the analysis is off: unknown, saying so)
    f = _one(("1#", end(14)[0], R, 60.0, 20), ("2#", end(14)[1], R, N, N))
    assert (f.rule, f.status, f.required) == ("SH-27", "unknown", 13.0)
    assert "2# 高度未标注（任意高度）；按其任何高度均需日照分析" in f.message
    assert f.message.endswith("：需日照分析")


def test_a_missing_zone_that_leaves_every_case_to_the_sunlight_is_judged_by_it():
    # two 60 m homes 40 m apart: 1.2 / 1.0 × 60 is missed in either zone, 第二十七条's
    # max(0.5 × 60, 30 / 24) = 30 m is met in either: the sunlight decides (the larger 30 m shown)
    f = _one(("1#", ns(40)[0], R, 60.0, 20), ("2#", ns(40)[1], R, 60.0, 20), zone=None)
    assert (f.rule, f.status, f.required) == ("SH-27", "unknown", 30.0)
    assert "未给出区域（浦西内环线以内 / 其他地区）；按其任何区域均需日照分析" in f.message


def test_two_missing_heights_name_the_one_that_decides():
    # 1.2 × H1 <= 20 up to 16.67 m; above 24 m 1# is a high-rise whose 第二十七条 distance is
    # at least 30 m > 20: fails. 2#'s height (north) changes nothing at either end of its range
    f = _one(("1#", ns(20)[0], R, N, N), ("2#", ns(20)[1], R, N, N))
    assert f.status == "unknown"
    assert "1# 高度 ≤ 16.67 m 时满足，1# 高度 > 16.67 m 时不满足（2# 取 5.00 m 或 200.00 m 时均如此）" \
        in f.message


def test_ranges_in_english_and_in_the_report_extra():
    f = _one(("1#", ns(15)[0], R, 18.0, 6), ("2#", ns(15)[1], R, N, 6), lang="en")
    assert f.status == "fail"
    assert "2# has no height (10–24 m: FLOORS=6" in f.message
    assert "it fails whatever its height" in f.message
    assert f.extra["ranges"] == {"2#": {"height_m": {"lo": 10.0, "hi": 24.0, "source": "regulation",
                                                     "cite": "FLOORS=6，附录一 多层居住建筑 4–8 层"}}}
    g = _one(("1#", ns(20)[0], R, N, 6), ("2#", ns(20)[1], R, 18.0, 6), lang="en")
    assert "it fails when 1#'s height is > 16.67 m" in g.message


def test_a_drawn_height_is_not_ranged():
    f = _one(("1#", ns(20)[0], R, 18.0, 6), ("2#", ns(20)[1], R, 18.0, 6))
    assert f.status == "fail" and "ranges" not in f.extra and "未标注" not in f.message


# -- the same for the height cap of the 规划条件 (capacity.condition, SH-COND-HEIGHT) -------------

def _cond_height(floors, use, cap, lang="zh"):
    model = _model(("1#", box(0, 0, 40, 20), use, N, floors))
    ev = Evaluation(model, compute(model), Context(zone="other", conditions={"height_max": cap}),
                    load_ruleset("shanghai"), lang, sunlight=False)
    (f,) = evaluate(ev, {"SH-COND-HEIGHT"})
    return f


def test_height_cap_a_missing_height_that_cannot_matter_is_decided():
    # 6 residential floors: 10–24 m (附录一) <= 50 m: within the cap whatever the height
    f = _cond_height(6, R, 50)
    assert (f.status, f.measured, f.required) == ("pass", None, 50.0)
    assert "1# 高度未标注（10–24 m：FLOORS=6，附录一 多层居住建筑 4–8 层）；按其任何高度均不超过" in f.message
    # 30 residential floors: > 24 m (八层以上), above a 24 m cap whatever the height
    g = _cond_height(30, R, 24)
    assert (g.status, g.required) == ("fail", 24.0) and "按其任何高度均超过" in g.message


def test_height_cap_a_missing_height_that_can_matter_names_the_threshold():
    f = _cond_height(30, R, 50)                  # > 24 m: above or below 50 m
    assert f.status == "unknown" and "高度 > 50 m 时不满足" in f.message
    g = _cond_height(6, "office", 50, lang="en")  # no 附录一 floor classes for offices: any height
    assert g.status == "unknown" and "1# has no height (any height)" in g.message
    assert "it fails when the height is above 50 m" in g.message


def test_capacity_table_row_from_floors_when_the_height_is_missing():
    """第十四条 表2 picks its row by the scheme's height class: 6 residential floors are 多层
    (附录一) whatever the height, so the row is known; the same building with its HEIGHT gives
    the same finding."""
    def far(h):
        model = _model(("1#", box(0, 0, 40, 20), R, h, 6))
        model = SiteModel(site=box(-30, -30, 70, 50), buildings=model.buildings)
        ev = Evaluation(model, compute(model), Context(zone="other", area="between-rings"),
                        load_ruleset("shanghai"), "zh", sunlight=False)
        (f,) = evaluate(ev, {"SH-14-FAR"})
        return f
    drawn, ranged = far(18.0), far(None)
    assert drawn.status in ("pass", "fail")
    assert (ranged.status, ranged.measured, ranged.required) == (drawn.status, drawn.measured,
                                                                 drawn.required)
