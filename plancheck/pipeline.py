"""The whole check, stage by stage: read -> extract -> model -> evaluate -> results.

This is the public API the CLI (and batch runners, tests) call; it never prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plancheck.extract.site import Extraction, extract
from plancheck.model.indicators import Indicators, compute
from plancheck.read.context import Context, find_beside, load_context, load_layer_map
from plancheck.read.dxf import LoadedDrawing, load
from plancheck.read.layers import LayerRoles
from plancheck.sunlight.analysis import ISO_MAX_POINTS


@dataclass(frozen=True)
class Options:
    """What the user asked for; None means "not given" (the context file or default decides)."""

    context: Path | None = None
    zone: str | None = None
    units: str | None = None
    layers: Path | None = None
    lang: str = "zh"
    clauses: frozenset[str] | None = None   # evaluate only these clause ids (rule fixtures)
    #: existing buildings from a city file (extract.context_buildings.ContextSpec); None: the
    #: context file's `context_buildings:` if it has one
    context_buildings: object | None = None
    #: run the sunlight analysis where a finding needs it (False: `--no-sunlight`)
    sunlight: bool = True
    #: `--ruleset`: an installed id or a folder, the reviewer's choice (beats the context file)
    ruleset: str | None = None


#: The 等时线 grid: the same for `check` and `sunlight` (one drawing, one isochrone plan).
ISO_CHECK_POINTS = ISO_MAX_POINTS


@dataclass
class Checked:
    loaded: LoadedDrawing
    context: Context
    extraction: Extraction
    indicators: Indicators
    report: dict
    #: the full sunlight document (sunlight.json, every window) when the check ran the
    #: analysis; report["sunlight"] is its summary
    sunlight: dict | None = None


def resolve_context(drawing: Path, opts: Options) -> Context:
    """Context file (given, or beside the drawing) with CLI flags applied on top."""
    ctx = load_context(opts.context or find_beside(drawing))
    layers = load_layer_map(opts.layers) if opts.layers else None
    return ctx.with_overrides(zone=opts.zone, units=opts.units, layers=layers, ruleset=opts.ruleset)


def read_site(drawing: Path, opts: Options) -> tuple[LoadedDrawing, Context, Extraction]:
    ctx = resolve_context(drawing, opts)
    loaded = load(drawing)
    return loaded, ctx, extract(loaded, ctx, LayerRoles.from_map(ctx.layers), opts.lang)


def check(drawing: str | Path, opts: Options = Options()) -> Checked:
    """Check one drawing; raises PlancheckError when it cannot be used at all."""
    from plancheck.evaluate.clauses import load_ruleset
    from plancheck.evaluate.coverage import not_checked
    from plancheck.evaluate.engine import Evaluation, computed, evaluate
    from plancheck.results.report import build
    from plancheck.sunlight.output import summary

    drawing = Path(drawing)
    loaded, ctx, ext = read_site(drawing, opts)
    city = _context_buildings(ext, ctx, opts)
    ruleset = load_ruleset(ctx.ruleset)
    indicators = compute(ext.model)
    ev = Evaluation(ext.model, indicators, ctx, ruleset, opts.lang, sunlight=opts.sunlight)
    findings = list(ext.findings) + evaluate(ev, opts.clauses)
    sunlight_doc = None
    sun = computed(ev, "sunlight")      # the evidence, when a finding asked for it
    if sun is not None and sun.after:
        from plancheck import __version__
        from plancheck.sunlight.analysis import isochrones

        doc = {**required(sun.doc(), ev, opts.lang == "zh"),
               "isochrones": isochrones(ext.model, sun.rules.settings,
                                        max_points=ISO_CHECK_POINTS)}
        sunlight_doc = {"schema": doc.pop("schema"),
                        "tool": {"name": "plancheck", "version": __version__},
                        "drawing": {"path": str(drawing), "sha256": loaded.sha256}, **doc}
    report = build(
        drawing={"path": str(drawing), "sha256": loaded.sha256,
                 "units": {"declared": ext.units_declared, "used": ext.units_used},
                 "north_deg": ext.north_deg, "north_from": ext.north_from,
                 "dxf_version": loaded.doc.dxfversion, "encoding": loaded.doc.encoding,
                 "entities": ext.entity_count, "recovered": loaded.recovered,
                 "layers": ext.layers},
        model=ext.model, indicators=indicators, findings=findings,
        context={"file": str(ctx.path) if ctx.path else None, "zone": ctx.zone,
                 "area": ctx.area, "conditions": dict(ctx.conditions),
                 "roads": dict(ctx.roads),
                 # what the context says lies beyond the site edges (第三十三条 scope)
                 **({"boundary": [{"at": list(at), "beyond": b} for at, b in ctx.boundary]}
                    if getattr(ctx, "boundary", ()) else {})},
        ruleset=ruleset.header,
        not_checked=not_checked(ruleset, findings, opts.clauses),
        context_buildings=city,
        sunlight=None if sunlight_doc is None else summary(sunlight_doc),
    )
    return Checked(loaded, ctx, ext, indicators, report, sunlight_doc)


def required(doc: dict, ev, zh: bool) -> dict:
    """Each receiver of a sunlight document with whether the regulation requires its analysis
    and why, from the evaluation's spacing pass: a receiver whose sunlight decides a pair
    (第二十七条 path, 第三十条: which pair, which clause), or an existing home near a scheme that
    uses the 第二十七条 path (不得恶化). Otherwise not required: every pair it is in
    meets the spacing rules' coefficient requirement, fails them outright, or its neighbour
    cannot shade it ([SUN21] 第二条: no analysis where the spacing meets 第二十三、二十六条)."""
    spacing = ev.evidence("spacing")
    req = spacing.sun_requests
    sun = ev.evidence("sunlight")
    names = {b.name: i for i, b in enumerate(ev.model.buildings)}
    nw = sun.rules.clauses.get("no_worse") if sun.rules is not None else None
    path27 = sorted({"–".join(w["pair"]) for ws in req["why"].values() for w in ws
                     if w["rule"] != _art30_id(ev)})
    def why_of(name: str, status: str) -> tuple[list, str]:
        bi = names.get(name)
        by = list(req["why"].get(bi, []))
        if not by and status == "existing" and req["path27"] and nw is not None:
            by = [{"pair": None, "rule": nw.id, "clause": nw.article}]
        if by and by[0]["pair"] is None:
            why = (f"需要：方案按第二十七条日照间距控制（{'、'.join(path27)}），周边现状住宅须不恶化"
                   f"（{nw.id}，{nw.article}）" if zh else
                   f"required: the scheme uses the 第二十七条 sunlight path ({', '.join(path27)}), "
                   f"so existing homes near it must be no worse ({nw.id}, {nw.article})")
        elif by:
            pairs = "；".join(f"{'–'.join(w['pair'])} 按 {w['rule']}（{w['clause']}）由其日照判定"
                             for w in by) if zh else "; ".join(
                f"{'–'.join(w['pair'])} under {w['rule']} ({w['clause']}) is decided by its sunlight"
                for w in by)
            why = ("需要：" if zh else "required: ") + pairs
        else:
            decided = [f for fs in spacing.findings.values() for f in fs
                       if name in f.subjects[:2]]
            word = {"pass": ("满足", "passes"), "fail": ("不满足", "fails"),
                    "unknown": ("无法判定", "is undecided")}
            pairs = ("；" if zh else "; ").join(
                f"{'–'.join(f.subjects[:2])} {word[f.status][0]} {f.rule}（{f.clause}）" if zh else
                f"{'–'.join(f.subjects[:2])} {word[f.status][1]} under {f.rule} ({f.clause})"
                for f in decided[:6]) + (" …" if len(decided) > 6 else "")
            why = (("不需要：日照不决定其所在的任何建筑对（《上海市日照分析技术规范》第二条）" if zh else
                    "not required: its sunlight decides none of the pairs it is in ([SUN21] "
                    "第二条)") + (("：" if zh else ": ") + pairs if decided else ""))
        return by, why

    out = []
    for r in doc["receivers"]:
        by, why = why_of(r["building"], r["status"])
        out.append({**r, "required": bool(by), "required_by": by, "required_why": why})
    # the homes and 第三十条 buildings that were not analysed, each with why (the reviewer
    # asks why a building has no sunlight figure): what the spacing pass said of its pairs
    analysed = {r["building"] for r in doc["receivers"]}
    skipped = []
    if sun.rules is not None:
        for bi, b in enumerate(ev.model.buildings):
            if b.name in analysed:
                continue
            got = sun.rules.requirement(ev.model, bi, sun.zone, sun.detached, zh)
            if got is None:
                continue
            by, why = why_of(b.name, b.status)
            skipped.append({"building": b.name, "status": b.status, "use": b.use, "rule": got[0],
                            "required": bool(by), "required_why": why})
    return {**doc, "receivers": out, "not_analysed": skipped}


def _art30_id(ev) -> str | None:
    return next((c.id for c in ev.ruleset.clauses if c.check == "spacing.article_thirty"), None)


def _context_buildings(ext: Extraction, ctx: Context, opts: Options) -> dict | None:
    """Add the existing buildings of a city file to the model (in place); the report note."""
    from plancheck.extract import context_buildings as cb

    spec = opts.context_buildings
    if spec is None and ctx.context_buildings is not None:
        spec = cb.parse_spec(ctx.context_buildings, ctx.path.parent if ctx.path else None,
                             str(ctx.path))
    if spec is None:
        return None
    ext.model, note = cb.add_context(ext.model, spec, ext.units_used, ext.north_deg, opts.lang)
    return note


def sunlight(drawing: str | Path, opts: Options = Options(), jobs: int = 1,
             progress=None) -> tuple[dict, Extraction]:
    """`plancheck sunlight`: analyse every residential and 第三十条 receiver of the drawing
    (proposed ones, and existing ones the scheme could shade); returns the sunlight document
    (schema plancheck.sunlight/2) and the extraction (its drawing findings)."""
    import time

    from plancheck.evaluate.clauses import load_ruleset
    from plancheck.evaluate.engine import Evaluation
    from plancheck.errors import RulesetError
    from plancheck.sunlight.analysis import isochrones
    from plancheck import __version__

    t0 = time.perf_counter()
    drawing = Path(drawing)
    loaded, ctx, ext = read_site(drawing, opts)
    _context_buildings(ext, ctx, opts)
    ruleset = load_ruleset(ctx.ruleset)
    zh = opts.lang == "zh"
    # the same evaluation as `check`, restricted to the sunlight: its sunlight evidence,
    # asked for every receiver, and its spacing pass, which says whose analysis is required
    ev = Evaluation(ext.model, compute(ext.model), ctx, ruleset, opts.lang, sunlight=True)
    sun = ev.evidence("sunlight")
    if sun.rules is None:
        raise RulesetError(f"ruleset {ctx.ruleset} has no sunlight clauses")
    sun.analyse_all(jobs=jobs, progress=progress)
    doc = required(sun.doc(), ev, zh)
    if sun.after:
        doc["isochrones"] = isochrones(ext.model, sun.rules.settings,
                                       max_points=ISO_CHECK_POINTS)
    doc["seconds"] = round(time.perf_counter() - t0, 3)
    # a building without USE might be a home or a 第三十条 building: never silently not one
    unclassified = sorted(b.name for b in ext.model.buildings if b.use is None)
    if unclassified:
        doc["unclassified"] = unclassified
        names = "、".join(unclassified[:10]) + (f" 等 {len(unclassified)} 幢" if len(unclassified) > 10 else "")
        doc["message"] = (f"{len(unclassified)} 幢建筑没有用途（USE），无法判断是否为住宅或第三十条建筑，"
                          f"未作为受影响建筑分析：{names}" if zh else
                          f"{len(unclassified)} building(s) have no USE, so whether they are homes or "
                          f"第三十条 buildings cannot be told; not analysed as receivers: "
                          f"{', '.join(unclassified[:10])}{' …' if len(unclassified) > 10 else ''}")
    elif not doc["receivers"]:
        doc["message"] = ("没有需要日照分析的建筑：图中没有住宅或第三十条所列建筑（医院、学校、幼托）"
                          if zh else "nothing to analyse: the drawing has no residential or "
                          "第三十条 (hospital, school, kindergarten) building")
    return {"schema": doc.pop("schema"), "tool": {"name": "plancheck", "version": __version__},
            "drawing": {"path": str(drawing), "sha256": loaded.sha256}, **doc}, ext
