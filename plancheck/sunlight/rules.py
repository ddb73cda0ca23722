"""Which buildings are sunlight receivers and what each must get, from the ruleset's sunlight
clauses (check kinds sunlight.residential, sunlight.article_thirty, sunlight.no_worse). Takes the
ruleset as data; evaluate/ and the CLI pass it in."""

from __future__ import annotations

from dataclasses import dataclass

from plancheck.model.site import SiteModel, height_class
from plancheck.sunlight.analysis import Requirement, could_shade
from plancheck.sunlight.settings import Settings

KINDS = {"residential": "sunlight.residential", "art30": "sunlight.article_thirty",
         "no_worse": "sunlight.no_worse"}


@dataclass(frozen=True)
class SunRules:
    clauses: dict            # role -> Clause (id, article, params...)
    settings: Settings
    point_ratio: float

    @classmethod
    def of(cls, ruleset) -> "SunRules | None":
        """None when the ruleset has no sunlight clauses."""
        by_kind = {}
        for c in ruleset.clauses:
            by_kind.setdefault(c.check, c)
        found = {role: by_kind[k] for role, k in KINDS.items() if k in by_kind}
        if not found:
            return None
        first = next(iter(found.values()))
        # the point-building ratio of the spacing rules decides a mass's main facades
        ratio = next((c.params["point_ratio"] for c in ruleset.clauses
                      if "point_ratio" in c.params), 1.0)
        return cls(found, Settings.from_params(first.params["analysis"]), float(ratio))

    @property
    def receiver_uses(self) -> frozenset[str]:
        """Uses whose masses have homes or 第三十条 rooms (the masses that are sampled)."""
        return frozenset(self.uses("residential") | self.uses("art30") | self.uses("no_worse"))

    def uses(self, role: str) -> set[str]:
        c = self.clauses.get(role)
        return set(c.params.get("uses", [])) if c else set()

    def role_of(self, model: SiteModel, bi: int) -> str | None:
        use = model.buildings[bi].use
        if use in self.uses("art30"):
            return "art30"
        if use in self.uses("residential") or use in self.uses("no_worse"):
            return "residential"
        return None

    def requirement(self, model: SiteModel, bi: int, zone: str | None,
                    detached_area: bool, zh: bool = True) -> tuple[str, Requirement] | None:
        """(clause id, requirement) for building `bi`; None when it is no receiver."""
        role = self.role_of(model, bi)
        if role == "art30" and "art30" in self.clauses:
            c = self.clauses["art30"]
            mins = c.params["minutes"]
            if isinstance(mins, dict):
                if zone in mins:
                    req = Requirement(float(mins[zone]), c.params["measure"])
                else:
                    req = Requirement(None, c.params["measure"],
                                      (float(min(mins.values())), float(max(mins.values()))))
            else:
                req = Requirement(float(mins), c.params["measure"])
            return c.id, _label(req, zh)
        if role == "residential":
            c = self.clauses.get("residential") or self.clauses.get("no_worse")
            p = c.params
            if "ordinary" not in p:
                r = p["requirement"]
                return c.id, _label(Requirement(float(r["minutes"]), r["measure"]), zh)
            b = model.buildings[bi]
            key = "ordinary"
            if detached_area and b.height_class == "low" and any(
                    height_class(o.height_m) == "high"
                    and could_shade(model, j, bi, self.settings.radius_m)
                    for j, o in enumerate(model.buildings) if j != bi):
                key = "detached_by_high_rise"
            r = p[key]
            return c.id, _label(Requirement(float(r["minutes"]), r["measure"]), zh)
        return None

    def receivers(self, model: SiteModel) -> tuple[list[int], list[int]]:
        """(proposed receivers, existing receivers near the scheme) for `plancheck sunlight`:
        every proposed residential / 第三十条 building, and every existing one a proposed
        building could shade (within the radius, not wholly north of it)."""
        prop = [i for i, b in enumerate(model.buildings)
                if b.status == "proposed" and self.role_of(model, i)]
        props = [i for i, b in enumerate(model.buildings) if b.status == "proposed"]
        exist = [i for i, b in enumerate(model.buildings)
                 if b.status == "existing" and self.role_of(model, i)
                 and any(could_shade(model, j, i, self.settings.radius_m) for j in props)]
        return prop, exist


def _label(req: Requirement, zh: bool) -> Requirement:
    kind = {"continuous": ("连续", "continuous"), "cumulative": ("累计", "cumulative")}[req.measure]
    if req.minutes is not None:
        text = (f"冬至日满窗日照{kind[0]} {req.minutes:g} 分钟" if zh
                else f"{req.minutes:g} min {kind[1]} full-window sun on 冬至日")
    else:
        lo, hi = req.minutes_range
        text = (f"冬至日满窗日照{kind[0]} {hi:g} 分钟（浦西内环线以内 {lo:g} 分钟）" if zh
                else f"{hi:g} min {kind[1]} ({lo:g} inside the Puxi inner ring)")
    return Requirement(req.minutes, req.measure, req.minutes_range, text)
