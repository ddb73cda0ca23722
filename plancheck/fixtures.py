"""Rule fixtures: discovery and the runner behind `tests/test_rule_fixtures.py` and
`plancheck rules test`.

A ruleset's fixtures live in `rulesets/<id>/fixtures/<CLAUSE-ID>.yaml`:

    clause: SH-34
    cases:
      - name: fail-office-54m-9m-from-30m-road   # pass- / fail- / unknown- prefix
        context: {zone: other}                    # context-file content (optional)
        sketch: {...}                             # plancheck.sketch format
        expect:                                   # the EXACT set of this clause's findings
          - {subjects: ["1#", "A路"], status: fail, measured: 9.0, required: 10.0}

Each case is drawn to a DXF, checked with only its clause enabled, and the clause's findings
are compared with `expect`: every expected entry must match one finding and every finding
one entry. An entry matches on its subjects (order-free) and every key it gives: `status`,
`measured` / `required` (numbers compared at the precision written, at least 0.005, i.e.
21.6 means 21.595..21.605 and 0.3333 means ±0.00005), `message_has` (a substring of the
message), and any other finding field exactly (`unit`, `metric`, `orientation`, ...). Keys an
entry leaves out are not checked. Drawing findings (DRW-*) are shown in the diff but never
compared.
"""

from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plancheck.errors import RulesetError

PREFIXES = ("pass-", "fail-", "unknown-")
CASE_KEYS = {"name", "context", "sketch", "expect", "lang", "note"}
NUMBER_KEYS = ("measured", "required")
MIN_DECIMALS = 2


@dataclass(frozen=True)
class Case:
    ruleset: Path            # the ruleset folder
    file: Path               # the fixture file
    clause: str
    name: str
    sketch: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict)
    expect: tuple[dict, ...] = ()
    lang: str = "zh"
    error: str | None = None  # the file or case is malformed: the case fails with this

    @property
    def id(self) -> str:
        return f"{self.clause}::{self.name}"


@dataclass
class Outcome:
    case: Case
    findings: list[dict]        # the clause's findings in the report
    drawing: list[dict]         # drawing findings (shown, not compared)
    problems: list[str]         # empty when the case holds

    @property
    def ok(self) -> bool:
        return not self.problems


# -- discovery -------------------------------------------------------------------------------

def ruleset_folders(root: Path | None = None) -> list[Path]:
    from plancheck.locations import rulesets_dir

    root = Path(root) if root is not None else rulesets_dir()
    return sorted(p.parent for p in root.glob("*/ruleset.yaml"))


def fixture_files(ruleset: Path) -> list[Path]:
    return sorted((Path(ruleset) / "fixtures").glob("*.yaml"))


def discover(root: Path | None = None) -> list[Case]:
    """Every case of every ruleset under `root` (default: the shipped rulesets/)."""
    return [c for folder in ruleset_folders(root) for c in ruleset_cases(folder)]


def ruleset_cases(ruleset: Path) -> list[Case]:
    """Every case of one ruleset folder; a malformed file or case becomes a failing case."""
    out: list[Case] = []
    for path in fixture_files(ruleset):
        try:
            out.extend(load_cases(path, ruleset))
        except RulesetError as exc:
            out.append(Case(Path(ruleset), path, path.stem, "malformed-fixture-file",
                            error=str(exc)))
    return out


def load_cases(path: Path, ruleset: Path) -> list[Case]:
    """The cases of one fixture file; raises RulesetError when the file itself is unusable."""
    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesetError(f"{path}: cannot be loaded ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("clause"), str) \
            or not isinstance(doc.get("cases"), list):
        raise RulesetError(f"{path}: needs `clause: <id>` and a `cases:` list")
    clause = doc["clause"]
    if path.stem != clause:
        raise RulesetError(f"{path}: file name must be the clause id ({clause}.yaml)")
    cases, seen = [], set()
    for i, raw in enumerate(doc["cases"]):
        name = raw.get("name") if isinstance(raw, dict) else None
        name = name if isinstance(name, str) else f"case-{i}"
        error = _case_error(raw, name, seen)
        seen.add(name)
        if error:
            cases.append(Case(Path(ruleset), path, clause, name, error=f"{path}: {error}"))
            continue
        cases.append(Case(Path(ruleset), path, clause, name, sketch=raw["sketch"],
                          context=dict(raw.get("context") or {}),
                          expect=tuple(raw["expect"] or ()), lang=raw.get("lang", "zh")))
    return cases


def _case_error(raw: Any, name: str, seen: set[str]) -> str | None:
    if not isinstance(raw, dict):
        return f"case {name}: must be a mapping"
    extra = sorted(set(raw) - CASE_KEYS)
    if extra:
        return f"case {name}: unknown key(s) {', '.join(extra)}; allowed: {', '.join(sorted(CASE_KEYS))}"
    if not name.startswith(PREFIXES):
        return f"case {name}: name must start with pass-, fail- or unknown-"
    if name in seen:
        return f"case {name}: duplicate name"
    if not isinstance(raw.get("sketch"), dict):
        return f"case {name}: needs a `sketch:` mapping"
    if not isinstance(raw.get("expect"), list):
        return f"case {name}: needs an `expect:` list (may be empty: [])"
    for e in raw["expect"]:
        if not isinstance(e, dict) or not isinstance(e.get("subjects"), list) or "status" not in e:
            return f"case {name}: every expect entry needs subjects (a list) and status"
    if raw.get("lang", "zh") not in ("zh", "en"):
        return f"case {name}: lang must be zh or en"
    return None


# -- running ---------------------------------------------------------------------------------

def run_case(case: Case, workdir: Path | None = None) -> Outcome:
    """Draw the case, check it with only its clause enabled, compare with `expect`."""
    if case.error:
        return Outcome(case, [], [], [case.error])
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="plancheck-fixture-") as tmp:
            return run_case(case, Path(tmp))
    import yaml

    from plancheck.pipeline import Options, check
    from plancheck.sketch import write_dxf

    from plancheck.errors import PlancheckError

    try:
        ids = clause_ids(case.ruleset)
    except PlancheckError as exc:
        return Outcome(case, [], [], [f"the ruleset does not load: {exc}"])
    if case.clause not in ids:
        return Outcome(case, [], [], [f"{case.file}: ruleset has no clause {case.clause}"])
    drawing = Path(workdir) / "case.dxf"
    ctx_path = Path(workdir) / "case.plancheck.yaml"
    write_dxf(case.sketch, drawing)
    context = {k: v for k, v in case.context.items() if k != "ruleset"}
    ctx_path.write_text(yaml.safe_dump(context, allow_unicode=True), encoding="utf-8")
    # the ruleset under test is the caller's choice (a context file may only name an installed one)
    report = check(drawing, Options(context=ctx_path, lang=case.lang, ruleset=str(
        Path(case.ruleset).resolve()), clauses=frozenset({case.clause}))).report
    mine = [f for f in report["findings"] if f["rule"] == case.clause]
    drawing_rows = [f for f in report["findings"] if f["family"] == "drawing"]
    return Outcome(case, mine, drawing_rows, compare(list(case.expect), mine))


def clause_ids(ruleset: Path) -> frozenset[str]:
    """The clause ids of a ruleset folder (cached while its files are unchanged)."""
    folder = Path(ruleset).resolve()
    stamp = tuple((str(f), f.stat().st_mtime_ns) for f in
                  [folder / "ruleset.yaml", *sorted((folder / "clauses").glob("*.yaml"))])
    return _clause_ids(folder, stamp)


@functools.lru_cache(maxsize=8)
def _clause_ids(folder: Path, stamp: tuple) -> frozenset[str]:
    from plancheck.evaluate.clauses import load_ruleset

    return frozenset(c.id for c in load_ruleset(folder).clauses)


def compare(expect: list[dict], actual: list[dict]) -> list[str]:
    """Differences between expected entries and actual findings (empty = they match)."""
    problems: list[str] = []
    left = list(actual)
    for e in expect:
        same = [a for a in left if _identity(e, a)]
        full = [a for a in same if not _diffs(e, a)]
        if full:
            left.remove(full[0])
        elif same:
            left.remove(same[0])
            for d in _diffs(e, same[0]):
                problems.append(f"~ {_subj(e)} {d}   | {same[0]['message']}")
        else:
            problems.append(f"- missing finding {_short(e)}")
    for a in left:
        problems.append(f"+ unexpected finding {_short(a)}   | {a['message']}")
    return problems


def _identity(e: dict, a: dict) -> bool:
    if sorted(map(str, e["subjects"])) != sorted(map(str, a["subjects"])):
        return False
    skip = {"subjects", "status", "message_has", *NUMBER_KEYS}
    return all(k in a and a[k] == v for k, v in e.items() if k not in skip)


def _diffs(e: dict, a: dict) -> list[str]:
    out = []
    if e["status"] != a["status"]:
        out.append(f"status: expected {e['status']}, got {a['status']}")
    for k in NUMBER_KEYS:
        if k not in e:
            continue
        want, got = e[k], a.get(k)
        if want is None or got is None:
            if want is not got:
                out.append(f"{k}: expected {want}, got {got}")
        elif abs(float(got) - float(want)) > tolerance(want):
            out.append(f"{k}: expected {want}, got {got:.6g}")
    if "message_has" in e and str(e["message_has"]) not in a["message"]:
        out.append(f"message lacks {e['message_has']!r}")
    return out


def tolerance(written: float) -> float:
    """Half a unit in the last written decimal, but at least to MIN_DECIMALS places."""
    text = repr(float(written))
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    return 0.5 * 10.0 ** -max(MIN_DECIMALS, decimals) + 1e-12


def _subj(f: dict) -> str:
    return "[" + ", ".join(map(str, f["subjects"])) + "]"


def _short(f: dict) -> str:
    keys = ["status", *NUMBER_KEYS, "metric", "unit"]
    parts = [f"{k}: {f[k]:.6g}" if isinstance(f.get(k), float) else f"{k}: {f[k]}"
             for k in keys if k in f and f[k] is not None]
    return _subj(f) + " {" + ", ".join(parts) + "}"


def format_outcome(o: Outcome) -> str:
    """A readable account of a case: what differs, and every finding the clause gave."""
    lines = [f"{o.case.id}  ({o.case.file})"]
    lines += [f"  {p}" for p in o.problems]
    if o.findings:
        lines.append("  findings of the clause:")
        lines += [f"    {_short(f)}  {f['message']}" for f in o.findings]
    if o.drawing:
        lines.append("  drawing findings (not compared):")
        lines += [f"    {f['rule']} {f['status']}: {f['message']}" for f in o.drawing]
    return "\n".join(lines)


def missing_outcomes(ruleset, cases: list) -> list[str]:
    """`CLAUSE: no <outcome>-* case` for each outcome a clause can give (pass and fail unless
    it declares `outcomes`) that no well-formed fixture case covers."""
    missing = []
    for clause in ruleset.clauses:
        names = [c.name for c in cases if c.clause == clause.id and not c.error]
        for outcome in clause.outcomes:
            if not any(n.startswith(f"{outcome}-") for n in names):
                missing.append(f"{clause.id}: no {outcome}-* case")
    return missing
