"""Load a ruleset's clauses (rulesets/<id>/clauses/*.yaml), validated against a JSON Schema."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plancheck.errors import RulesetError
from plancheck.evaluate.ruleset import ruleset_path, rulesets_dir


@dataclass(frozen=True)
class Clause:
    id: str                 # SH-23-1
    article: str            # 第二十三条（一）1 — as cited in the report's `clause`
    text: str               # the quoted regulation text
    family: str             # report family (spacing, setback, ...)
    check: str              # check kind name
    params: dict[str, Any] = field(default_factory=dict)
    applies: dict[str, Any] = field(default_factory=dict)
    choices: tuple[str, ...] = ()   # decisions made where the text is ambiguous
    confidence: str = "high"
    title: str = ""
    source: str = ""        # file it came from


@dataclass(frozen=True)
class Ruleset:
    id: str
    version: str
    title: str
    path: Path
    clauses: tuple[Clause, ...]
    not_checked: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)   # ruleset-wide parameters

    def clause(self, clause_id: str) -> Clause:
        for c in self.clauses:
            if c.id == clause_id:
                return c
        raise RulesetError(f"ruleset {self.id} has no clause {clause_id}")

    @property
    def header(self) -> dict:
        return {"id": self.id, "version": self.version, "title": self.title}


def schema() -> dict:
    return json.loads((rulesets_dir() / "schema" / "ruleset.schema.json").read_text("utf-8"))


def load_ruleset(ruleset_id: str | Path) -> Ruleset:
    """Load and validate a ruleset folder: ruleset.yaml + clauses/*.yaml."""
    import jsonschema
    import yaml

    from plancheck.evaluate.registry import load_all

    folder = ruleset_path(str(ruleset_id))
    docs: dict[str, Any] = {}
    files = [folder / "ruleset.yaml", *sorted((folder / "clauses").glob("*.yaml"))]
    head: dict[str, Any] = {}
    clauses: list[Clause] = []
    kinds = load_all()
    validator = jsonschema.Draft202012Validator(schema())
    for path in files:
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise RulesetError(f"{path}: cannot be loaded ({exc})") from None
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        if errors:
            e = errors[0]
            where = "/".join(str(p) for p in e.absolute_path) or "(top)"
            raise RulesetError(f"{path}: {where}: {e.message}")
        docs[path.name] = doc
        if "ruleset" in doc:
            head = doc["ruleset"]
        for raw in doc.get("clauses", []):
            kind = kinds.get(raw["check"])
            if kind is None:
                raise RulesetError(f"{path}: clause {raw['id']}: unknown check kind {raw['check']!r}")
            perrors = list(jsonschema.Draft202012Validator(kind.params_schema)
                           .iter_errors(raw.get("params", {})))
            if perrors:
                e = perrors[0]
                where = "/".join(str(p) for p in e.absolute_path) or "(params)"
                raise RulesetError(f"{path}: clause {raw['id']}: params/{where}: {e.message}")
            clauses.append(Clause(
                id=raw["id"], article=raw["article"], text=raw["text"],
                family=raw.get("family", kind.family), check=raw["check"],
                params=raw.get("params", {}), applies=raw.get("applies", {}),
                choices=tuple(raw.get("choices", [])), confidence=raw.get("confidence", "high"),
                title=raw.get("title", ""), source=str(path.relative_to(folder))))
    ids = [c.id for c in clauses]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise RulesetError(f"{folder}: duplicate clause id(s) {', '.join(dupes)}")
    return Ruleset(id=head["id"], version=str(head["version"]), title=head["title"],
                   path=folder, clauses=tuple(clauses),
                   not_checked=tuple(head.get("not_checked", [])),
                   params=head.get("params", {}))
