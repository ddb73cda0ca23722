"""Run a ruleset's clauses over a site model. A clause that crashes becomes an `error`
finding and the run goes on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from plancheck.evaluate.clauses import Clause, Ruleset
from plancheck.findings import Finding
from plancheck.model.indicators import Indicators
from plancheck.model.site import SiteModel
from plancheck.read.context import Context


@dataclass
class Evaluation:
    """Everything a check kind may read, plus helpers to make findings for a clause."""

    model: SiteModel
    indicators: Indicators
    context: Context
    ruleset: Ruleset
    lang: str = "zh"
    #: run plancheck's sunlight analysis where a finding needs it (`--no-sunlight`: False);
    #: the one switch: the "sunlight" evidence reads it, nothing else does
    sunlight: bool = True
    #: per-evaluation memo of evidence (see `evidence`)
    cache: dict = field(default_factory=dict)

    def evidence(self, name: str):
        """The evidence called `name` (registry.EVIDENCE), computed once per evaluation."""
        key = ("evidence", name)
        if key not in self.cache:
            from plancheck.evaluate.registry import EVIDENCE, load_all

            load_all()
            self.cache[key] = EVIDENCE[name](self)
        return self.cache[key]

    def finding(self, clause: Clause, status: str, message: str, subjects: list[str],
                measured: float | None = None, required: float | None = None,
                unit: str | None = "m", geometry: dict | None = None, **extra: Any) -> Finding:
        """A finding for `clause`, citing its article and quoted text."""
        return Finding(rule=clause.id, family=clause.family, status=status, message=message,
                       clause=clause.article, subjects=list(subjects), measured=measured,
                       required=required, unit=unit, geometry=geometry,
                       extra={"text": clause.text, "title": clause.title, **extra})


def computed(ev: Evaluation, name: str):
    """The evidence `name` if some check kind asked for it, else None (nothing is computed)."""
    return ev.cache.get(("evidence", name))


def evaluate(ev: Evaluation, only: set[str] | None = None) -> list[Finding]:
    """All findings of the ruleset's clauses (or of the clause ids in `only`)."""
    from plancheck.evaluate.registry import CHECK_KINDS, load_all

    load_all()
    out: list[Finding] = []
    for clause in ev.ruleset.clauses:
        if only is not None and clause.id not in only:
            continue
        try:
            out.extend(CHECK_KINDS[clause.check].fn(ev, clause))
        except Exception as exc:  # noqa: BLE001 - one clause's bug must not stop the others
            msg = (f"条款检查出错：{type(exc).__name__}: {exc}" if ev.lang == "zh"
                   else f"the check crashed: {type(exc).__name__}: {exc}")
            out.append(ev.finding(clause, "error", msg, [], unit=None))
    return out
