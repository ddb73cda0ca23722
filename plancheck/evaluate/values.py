"""Values as ranges: every input a check uses is a known value or an interval, with where
it came from.

A drawn HEIGHT is a point (lo == hi). A missing one is the interval the regulation itself
allows: a residential mass with FLOORS falls in its 附录一 class (低层 1–3 层 ≤ 10 m, 多层
4–8 层 10–24 m, 高层 ≥ 9 层 > 24 m); otherwise any height (0, ∞). A check decides when every
value in the range gives the same verdict and otherwise is `unknown`, naming the missing value
and the threshold that would decide it (plancheck/evaluate/checks/spacing.py).

Intervals are (lo, hi]: open below, closed above, matching 附录一's "大于…，小于、等于…".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: where a value came from: drawn (block attribute / XDATA / label on the outline), a schedule
#: table or the context file, or a bound the regulation gives (`cite` names it), or nothing
SOURCES = ("drawn", "label", "attrib", "xdata", "text", "schedule table", "context",
           "regulation", "missing")


@dataclass(frozen=True)
class Range:
    """A value known to lie in (lo, hi] (lo == hi: known exactly)."""

    lo: float
    hi: float
    source: str = "drawn"
    cite: str | None = None      # the regulation bound used, e.g. "附录一 多层居住建筑（四至八层）"

    @classmethod
    def exact(cls, v: float, source: str = "drawn") -> "Range":
        return cls(float(v), float(v), source)

    @property
    def known(self) -> bool:
        return self.lo == self.hi

    @property
    def value(self) -> float | None:
        return self.lo if self.known else None

    def contains(self, v: float) -> bool:
        return v == self.lo if self.known else self.lo < v <= self.hi

    def text(self, zh: bool) -> str:
        """'10–24 m（附录一 …）', '任意高度' …"""
        if self.known:
            return f"{self.lo:.2f} m"
        if math.isinf(self.hi):
            rng = (f"大于 {self.lo:g} m" if zh else f"above {self.lo:g} m") if self.lo > 0 else \
                ("任意高度" if zh else "any height")
        else:
            rng = (f"≤ {self.hi:g} m" if self.lo <= 0 else f"{self.lo:g}–{self.hi:g} m")
        if not self.cite:
            return rng
        return f"{rng}：{self.cite}" if zh else f"{rng}: {self.cite.replace('，', ', ')}"

    def as_dict(self) -> dict:
        return {"lo": self.lo, "hi": None if math.isinf(self.hi) else self.hi,
                "source": self.source, **({"cite": self.cite} if self.cite else {})}


def height_range(height_m: float | None, floors: int | None, residential: bool,
                 classes: dict, source: str = "drawn") -> Range:
    """A mass's height: the drawn value, else the 附录一 class its residential FLOORS give
    (`classes`: {"low": [1, 3, 10], "multi": [4, 8, 24], "high": [9, null, null]}, floors
    from–to and the class's height limit, from the ruleset), else any height."""
    if height_m is not None:
        return Range.exact(height_m, source)
    if floors is not None and residential:
        lo = 0.0
        for name in ("low", "multi", "high"):
            f_lo, f_hi, h_hi = classes[name]
            if floors >= f_lo and (f_hi is None or floors <= f_hi):
                hi = math.inf if h_hi is None else float(h_hi)
                zh_cls = {"low": "低层", "multi": "多层", "high": "高层"}[name]
                floors_txt = f"{f_lo}–{f_hi} 层" if f_hi is not None else f"{f_lo} 层及以上"
                cite = f"附录一 {zh_cls}居住建筑 {floors_txt}"
                return Range(lo, hi, "regulation", f"FLOORS={floors}，{cite}")
            lo = float(h_hi) if h_hi is not None else lo
    return Range(0.0, math.inf, "missing")


def floor_classes(ruleset) -> dict:
    """The ruleset's 附录一 floor classes (`residential_floor_classes`, written beside SH-23-1),
    or {} when no clause gives them (then FLOORS bound nothing)."""
    for c in ruleset.clauses:
        fc = (c.params or {}).get("residential_floor_classes")
        if fc:
            return fc
    return {}


def building_height(masses, residential: bool, classes: dict) -> Range:
    """A building's height (its tallest mass) as a range: above the largest known or lower
    bound of its masses, at most the largest upper bound."""
    rs = [height_range(m.height_m, m.floors, residential and bool(classes), classes)
          for m in masses]
    if all(r.known for r in rs):
        return Range.exact(max(r.lo for r in rs))
    src = next(r for r in rs if not r.known)
    return Range(max(r.lo for r in rs), max(r.hi for r in rs), src.source, src.cite)
