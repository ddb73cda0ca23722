"""The package's layering: imports only go downhill, read → extract → model → evaluate →
results → render, and no module imports itself round a circle (README "Layout").

Every `import` of a plancheck module counts, the lazy ones inside functions too (they keep
start-up light, but they are dependencies all the same). A module may import modules of its
own rank or lower:

  0 base       errors, tolerances, findings, locations (the rulesets folder), geom, the
               package itself (its version)
  1 read       files: DXF, context file, layer roles
  2 extract    PCDS-1 conventions -> the site model; it may import model.site, the classes
               it builds (the one edge to a later stage: the data the pipeline passes on)
  3 model      site classes, indicators
  4 sunlight   the sunlight analysis, a library the evaluation uses
  5 evaluate   rule engine, check kinds
  6 results    report.json, built once
  7 render     every output rendered from the results
  8 top        pipeline (the stages in order), fixtures (the rule-fixture runner, above the
               pipeline it drives), sketch, batch, cli
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "plancheck"

RANK = {"errors": 0, "tolerances": 0, "findings": 0, "locations": 0, "geom": 0, "": 0,
        "read": 1, "extract": 2, "model": 3, "sunlight": 4, "evaluate": 5, "results": 6,
        "render": 7, "pipeline": 8, "fixtures": 8, "sketch": 8, "batch": 8, "cli": 8,
        "__main__": 8}
#: (importer's part, imported module): the allowed edges to a later stage
ALLOWED = {("extract", "plancheck.model.site")}


def _modules() -> dict[str, Path]:
    out = {}
    for p in PKG.rglob("*.py"):
        parts = ("plancheck",) + p.relative_to(PKG).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _imports(mods: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the plancheck modules it imports (anywhere in its body)."""
    edges: dict[str, set[str]] = {}
    for name, path in mods.items():
        is_pkg = path.name == "__init__.py"
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    pkg = name.split(".")[: len(name.split(".")) - node.level + (1 if is_pkg else 0)]
                    base = ".".join(pkg + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base
                           for a in node.names]
            else:
                continue
            for t in targets:
                while t and t not in mods:          # plancheck.x.y.func -> plancheck.x.y
                    t = t.rpartition(".")[0]
                if t.startswith("plancheck") and t != name:
                    found.add(t)
        edges[name] = found
    return edges


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_module_has_a_rank():
    unranked = sorted({_part(m) for m in _modules()} - set(RANK))
    assert not unranked, f"give these a rank in tests/test_layering.py (and README Layout): {unranked}"


def test_no_upward_import():
    mods = _modules()
    bad = []
    for m, targets in _imports(mods).items():
        for t in targets:
            a, b = _part(m), _part(t)
            if RANK.get(b, 99) > RANK.get(a, -1) and (a, t) not in ALLOWED:
                bad.append(f"{m} ({a}) imports {t} ({b})")
    assert not bad, "upward imports:\n" + "\n".join(sorted(bad))


def test_no_import_circle():
    edges = _imports(_modules())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    circles = []

    def visit(v: str) -> None:        # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    assert not circles, f"import circles: {circles}"


def test_the_check_finds_a_circle_and_an_upward_import(tmp_path):
    """The test itself: a planted circle and an upward import are found."""
    pkg = tmp_path / "plancheck"
    for rel, text in {"__init__.py": "", "read/__init__.py": "", "render/__init__.py": "",
                      "read/a.py": "from plancheck.render import b\n",
                      "render/b.py": "def f():\n    from plancheck.read import a\n"}.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text(text)
    globals()["PKG"] = pkg           # the helpers read PKG: point them at the planted package
    try:
        edges = _imports(_modules())
        assert edges["plancheck.read.a"] == {"plancheck.render.b"}
        assert edges["plancheck.render.b"] == {"plancheck.read.a"}
        try:
            test_no_import_circle()
        except AssertionError as exc:
            assert "plancheck.read.a" in str(exc)
        else:
            raise AssertionError("the circle was not found")
        try:
            test_no_upward_import()
        except AssertionError as exc:
            assert "plancheck.read.a (read) imports plancheck.render.b (render)" in str(exc)
        else:
            raise AssertionError("the upward import was not found")
    finally:
        globals()["PKG"] = Path(__file__).resolve().parents[1] / "plancheck"


def test_verdict_deciding_epsilons_are_tolerances_listed_in_provenance():
    from plancheck import tolerances as tol

    listed = tol.as_dict()
    for key, value in (("compare_m", tol.COMPARE_M), ("angle_eps_deg", tol.ANGLE_EPS_DEG),
                       ("sun_minutes_eps", tol.SUN_MINUTES_EPS), ("compare_ratio", tol.COMPARE_RATIO)):
        assert listed[key] == value
    # the modules that judge read them from tolerances.py, not from their own literals
    for rel in ("evaluate/spacing_pairs.py", "evaluate/checks/spacing.py", "sunlight/output.py",
                "model/orientation.py",
                "sunlight/analysis.py"):
        text = (PKG / rel).read_text("utf-8")
        assert "ANGLE_EPS_DEG = 1e" not in text and "lost <= 1e-9" not in text
        assert "- 1e-6" not in text and "eps = 1e-9" not in text
