"""Check kinds: generic, parameterised Python checks that ruleset clauses pick by name.

A check kind is a function `(ev: Evaluation, clause: Clause) -> Iterable[Finding]`. It holds
no regulation numbers: those come from `clause.params`. Its docstring says what it measures,
when it fails and when it is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from plancheck.findings import Finding


@dataclass(frozen=True)
class CheckKind:
    name: str
    family: str
    fn: Callable[..., Iterable[Finding]]
    params_schema: dict      # JSON Schema for the clause's `params`


CHECK_KINDS: dict[str, CheckKind] = {}

#: name -> provider `(ev) -> object`: evidence several check kinds judge with (the spacing
#: pass over all mass pairs, the sunlight analysis), computed once per evaluation on demand
#: (`Evaluation.evidence(name)`); check modules provide it and ask for each other's by name,
#: so no check module imports another.
EVIDENCE: dict[str, Callable] = {}


def check_kind(name: str, family: str, params_schema: dict | None = None):
    """Register a check kind under `name` (e.g. `spacing.coefficient`)."""
    def deco(fn):
        if name in CHECK_KINDS:
            raise ValueError(f"check kind {name!r} registered twice")
        CHECK_KINDS[name] = CheckKind(name, family, fn,
                                      params_schema or {"type": "object"})
        return fn
    return deco


def evidence(name: str):
    """Register the provider of the evidence called `name`."""
    def deco(fn):
        if name in EVIDENCE:
            raise ValueError(f"evidence {name!r} provided twice")
        EVIDENCE[name] = fn
        return fn
    return deco


def load_all() -> dict[str, CheckKind]:
    """Import every check module so its kinds register; returns the registry."""
    import importlib
    import pkgutil

    from plancheck.evaluate import checks

    for mod in pkgutil.iter_modules(checks.__path__):
        importlib.import_module(f"{checks.__name__}.{mod.name}")
    return CHECK_KINDS
