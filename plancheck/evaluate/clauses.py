"""Load a ruleset's clauses (rulesets/<id>/clauses/*.yaml), validated against a JSON Schema."""

from __future__ import annotations

import functools
import hashlib
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
    #: statuses the clause can give on its own; each needs a `<status>-` fixture case
    outcomes: tuple[str, ...] = ("pass", "fail")


@dataclass(frozen=True)
class Ruleset:
    id: str
    version: str
    title: str
    path: Path
    clauses: tuple[Clause, ...]
    not_checked: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)   # ruleset-wide parameters
    #: (file relative to the folder, sha256 of its bytes as loaded): which text was applied
    files: tuple[tuple[str, str], ...] = ()

    def clause(self, clause_id: str) -> Clause:
        for c in self.clauses:
            if c.id == clause_id:
                return c
        raise RulesetError(f"ruleset {self.id} has no clause {clause_id}")

    @property
    def header(self) -> dict:
        return {"id": self.id, "version": self.version, "title": self.title,
                "path": str(self.path.resolve()), "files": {name: sha for name, sha in self.files}}


def schema() -> dict:
    return json.loads((rulesets_dir() / "schema" / "ruleset.schema.json").read_text("utf-8"))


def load_ruleset(ruleset_id: str | Path, *, kinds: bool = True) -> Ruleset:
    """Load and validate a ruleset folder: ruleset.yaml + clauses/*.yaml.

    `kinds=False` skips importing the check kinds (numpy, shapely...) and so their params
    validation, for listings that must start fast; a family the YAML does not give is then
    read from the check-kind name (`road.setback` -> road-setback, `spacing.gable` -> spacing).
    A loaded ruleset is cached until one of its files changes (batches, fixture runs).
    """
    folder = ruleset_path(str(ruleset_id))
    files = (folder / "ruleset.yaml", *sorted((folder / "clauses").glob("*.yaml")))
    stamp = tuple((str(f), f.stat().st_mtime_ns) for f in files if f.exists())
    return _load(folder, files, stamp, kinds)


@functools.lru_cache(maxsize=8)
def _load(folder: Path, files: tuple[Path, ...], _stamp: tuple, kinds: bool) -> Ruleset:
    import jsonschema
    import yaml

    from plancheck.evaluate.registry import load_all

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster
    docs: dict[str, Any] = {}
    head: dict[str, Any] = {}
    clauses: list[Clause] = []
    kinds = load_all() if kinds else None
    validator = jsonschema.Draft202012Validator(schema())
    hashes = []
    for path in files:
        try:
            data = path.read_bytes()
            hashes.append((path.relative_to(folder).as_posix(), hashlib.sha256(data).hexdigest()))
            doc = yaml.load(data.decode("utf-8"), Loader=loader) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
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
            if kinds is None:
                clauses.append(_unchecked_clause(raw, path.relative_to(folder)))
                continue
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
                title=raw.get("title", ""), source=str(path.relative_to(folder)),
                outcomes=tuple(raw.get("outcomes", ("pass", "fail")))))
    ids = [c.id for c in clauses]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise RulesetError(f"{folder}: duplicate clause id(s) {', '.join(dupes)}")
    return Ruleset(id=head["id"], version=str(head["version"]), title=head["title"],
                   path=folder, clauses=tuple(clauses),
                   not_checked=tuple(head.get("not_checked", [])),
                   params=head.get("params", {}), files=tuple(hashes))


def _unchecked_clause(raw: dict, source: Path) -> Clause:
    """A clause loaded without its check kind (load_ruleset(kinds=False))."""
    from plancheck.findings import FAMILIES

    family = raw.get("family")
    if family is None:
        head = raw["check"].split(".")[0]
        dashed = raw["check"].replace(".", "-")
        family = head if head in FAMILIES else (dashed if dashed in FAMILIES else "")
    return Clause(id=raw["id"], article=raw["article"], text=raw["text"], family=family,
                  check=raw["check"], params=raw.get("params", {}),
                  applies=raw.get("applies", {}), choices=tuple(raw.get("choices", [])),
                  confidence=raw.get("confidence", "high"), title=raw.get("title", ""),
                  source=str(source), outcomes=tuple(raw.get("outcomes", ("pass", "fail"))))
