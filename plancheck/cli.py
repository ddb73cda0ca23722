"""The `plancheck` command line. Thin: parse arguments, call the pipeline, print a rendering.

Module-level imports stay light (typer, stdlib) so `plancheck --help` starts fast; the
drawing stack (ezdxf, shapely, numpy) is imported inside the commands that need it.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Optional

import typer

from plancheck import __version__

app = typer.Typer(
    name="plancheck", no_args_is_help=True, add_completion=False,
    help="Check site-plan drawings (DXF, drawn to PCDS-1) against planning regulations.",
)

DrawingArg = typer.Argument(..., help="The site-plan DXF file.", show_default=False)
ContextOpt = typer.Option(None, "--context", help="Context file (default: <stem>.plancheck.yaml beside the drawing).")
ZoneOpt = typer.Option(None, "--zone", help="puxi-inner (浦西内环线以内) or other.")
UnitsOpt = typer.Option(None, "--units", help="Drawing unit m|cm|mm; beats $INSUNITS and the context file.")
LayersOpt = typer.Option(None, "--layers", help="Layer map YAML: role -> layer-name globs or re: patterns.")
LangOpt = typer.Option("zh", "--lang", help="Message language: zh or en.")
CityOpt = typer.Option(None, "--context-buildings", help="Existing buildings around the site: "
                       "GeoJSON, CityJSON or DXF (spacing checks them against the scheme).")
OriginOpt = typer.Option(None, "--context-origin", metavar="X,Y", help="Where the drawing's "
                         "origin lies in the context-buildings file (LON,LAT for WGS84 data).")
CrsOpt = typer.Option(None, "--context-crs", help="wgs84 or metres (default: detected).")
StoreyOpt = typer.Option(None, "--storey-height", help="Storey height (m) to estimate a context "
                         "building's height from its levels (default 3.0; marked estimated).")
RadiusOpt = typer.Option(None, "--context-radius", help="Load context buildings within this "
                         "distance (m) of a proposed building (default 250).")
CheckRulesetOpt = typer.Option(None, "--ruleset", metavar="ID|PATH", help="Ruleset: an installed "
                               "id or a ruleset folder (beats the context file's ruleset:, which "
                               "may only name an installed one). report.json records its path "
                               "and a sha256 of every clause file.")
FiguresOpt = typer.Option("fails", "--figures", help="Which figures to draw: fails (a 3D view per "
                          "failing or unknown finding, a facade sheet per failing or undecided "
                          "sunlight receiver) or all (the passing ones too). The plan and the "
                          "overviews are always drawn.")
NoSunOpt = typer.Option(False, "--no-sunlight", help="Skip the sunlight analysis: findings that "
                        "need it (第二十七条 pairs, 第三十条 buildings) stay unknown.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"plancheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    """plancheck: planning-regulation checks for site plans."""


def _fail(message: str) -> typer.Exit:
    typer.echo(f"plancheck: error: {message}", err=True)
    return typer.Exit(2)


def _choice(value: Optional[str], allowed: tuple[str, ...], flag: str) -> Optional[str]:
    if value is not None and value not in allowed:
        raise _fail(f"{flag} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _options(context, zone, units, layers, lang, no_sunlight: bool = False,
             ruleset: Optional[str] = None):
    """The pipeline options; `--no-sunlight` becomes Options.sunlight here and only here."""
    from plancheck.pipeline import Options
    from plancheck.read.context import UNITS, ZONES

    return Options(context=context, zone=_choice(zone, ZONES, "--zone"),
                   units=_choice(units, UNITS, "--units"), layers=layers,
                   lang=_choice(lang, ("zh", "en"), "--lang"), sunlight=not no_sunlight,
                   ruleset=ruleset)


def _figure_scope(value: str) -> str:
    from plancheck.render.style import FIGURE_SCOPES

    return _choice(value, FIGURE_SCOPES, "--figures")


def _formats(spec: Optional[str]) -> tuple[str, ...]:
    """--format names, checked before any work starts."""
    from plancheck.render.formats import parse

    try:
        return parse(spec)
    except ValueError as exc:
        raise _fail(f"--format: {exc}") from None


def _run(fn):
    """Run a command body: expected problems become one line and exit 2, never a traceback."""
    from plancheck.errors import PlancheckError

    logging.getLogger("ezdxf").setLevel(logging.CRITICAL)
    try:
        return fn()
    except PlancheckError as exc:
        raise _fail(str(exc)) from None
    except typer.Exit:
        raise
    except RecursionError:    # an input nested past what any reader can follow
        if os.environ.get("PLANCHECK_DEBUG"):
            raise
        raise _fail("the input is nested too deeply to be read (blocks, YAML or JSON nested "
                    "hundreds of levels)") from None
    except OSError as exc:    # a file that cannot be read or written: say which, in one line
        if os.environ.get("PLANCHECK_DEBUG"):
            raise
        where = f"{_shown(exc.filename)}: " if exc.filename else ""
        raise _fail(f"{where}{exc.strerror or type(exc).__name__}") from None
    except Exception as exc:  # noqa: BLE001 - a bug must still not dump a traceback on users
        if os.environ.get("PLANCHECK_DEBUG"):
            raise
        raise _fail(f"internal error ({type(exc).__name__}: {exc}); "
                    "set PLANCHECK_DEBUG=1 for the traceback and please report it") from None


def _input_file(path: Path, what: str = "drawing") -> None:
    """Refuse at once what is not a regular file to read: a FIFO (reading one waits forever for
    a writer), a device (/dev/zero never ends); missing files are the reader's to report."""
    import stat

    try:
        st = path.stat()
    except (OSError, ValueError):
        return
    if stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) \
            or stat.S_ISSOCK(st.st_mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else "a device or socket"
        raise _fail(f"{_shown(path)}: is {kind}, not a {what} file; not read")


def _shown(path) -> str:
    """A path for a message or a report: non-UTF-8 bytes of its name as \\xNN."""
    from plancheck.batch.discover import printable

    return printable(str(path))


def _out_folder(folder: Path) -> None:
    """--out must be a folder (or not exist yet): one line instead of a failed write."""
    if folder.exists() and not folder.is_dir():
        raise _fail(f"--out {_shown(folder)}: is a file, not a folder")


def _console():
    from rich.console import Console

    # piped output (CI logs, files) gets a wide page instead of rich's 80-column default
    return Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 120)


def _progress(quiet: bool, verbose: bool):
    """A `tell(step)` printing `plancheck: step…` on stderr when it is a terminal or with -v."""
    if quiet or not (verbose or sys.stderr.isatty()):
        return lambda step: None
    return lambda step: print(f"plancheck: {step}…", file=sys.stderr, flush=True)


@app.command()
def check(
    drawing: Path = DrawingArg,
    context: Optional[Path] = ContextOpt,
    zone: Optional[str] = ZoneOpt,
    units: Optional[str] = UnitsOpt,
    layers: Optional[Path] = LayersOpt,
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default: reports/<drawing stem>/)."),
    strict: bool = typer.Option(False, "--strict", help="Count unknown (and error) findings as failing."),
    lang: str = LangOpt,
    formats: Optional[str] = typer.Option(None, "--format", help="Comma-separated outputs (default: all that apply)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List passing findings too, and every unknown or warning (otherwise at most 5 per rule)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing; just write the report and exit."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="An earlier report.json: add "
                                            "what is new / fixed / changed (diff.json, diff.html)."),
    context_buildings: Optional[Path] = CityOpt,
    context_origin: Optional[str] = OriginOpt,
    context_crs: Optional[str] = CrsOpt,
    storey_height: Optional[float] = StoreyOpt,
    context_radius: Optional[float] = RadiusOpt,
    no_sunlight: bool = NoSunOpt,
    ruleset: Optional[str] = CheckRulesetOpt,
    figures: str = FiguresOpt,
) -> None:
    """Check a drawing: indicators, clause findings and drawing problems -> report.json.

    Exit codes: 0 nothing fails, 1 a finding fails (or, with --strict, is unknown/error),
    2 the drawing or the command line cannot be used.
    """
    opts = _options(context, zone, units, layers, lang, no_sunlight, ruleset)
    names = _formats(formats)
    figures = _figure_scope(figures)

    def body() -> int:
        from plancheck.pipeline import check as run_check
        from plancheck.render import terminal
        from plancheck.render.formats import RenderContext, render
        from plancheck.results.report import exit_code

        city = _city(context_buildings, context_origin, context_crs, storey_height, context_radius)
        folder = out or Path("reports") / _safe_stem(drawing)
        _out_folder(folder)
        _input_file(drawing)
        # progress on stderr (a check with figures takes 10-90 s): on a terminal or with -v
        tell = _progress(quiet, verbose)
        tell(f"checking {drawing}")
        result = run_check(drawing, _with_city(opts, city))
        result.report["drawing"]["path"] = _shown(result.report["drawing"]["path"])
        if result.report["context"].get("file"):
            result.report["context"]["file"] = _shown(result.report["context"]["file"])
        shown_diff = _add_baseline(result.report, baseline, opts) if baseline else None
        written = render(result.report, folder, names, RenderContext(result, opts.lang, figures),
                         progress=lambda name: tell(f"writing {name}"), run="check")
        if shown_diff is not None:
            from plancheck.render import diff_view

            written += diff_view.write(shown_diff, folder)
        if not quiet:
            shown = ", ".join(str(p) for p in written)
            _console().print(terminal.summary(result.report, shown, verbose))
            if shown_diff is not None:
                _console().print(diff_view.terminal(shown_diff))
            _attribution(result.report)
        return exit_code(result.report, strict)

    raise typer.Exit(_run(body))


@app.command()
def sunlight(
    drawing: Path = DrawingArg,
    context: Optional[Path] = ContextOpt,
    zone: Optional[str] = ZoneOpt,
    units: Optional[str] = UnitsOpt,
    layers: Optional[Path] = LayersOpt,
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default: reports/<drawing stem>/)."),
    lang: str = LangOpt,
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes the receivers are spread over."),
    figures: bool = typer.Option(True, "--figures/--no-figures", help="Write the facade elevations and the 等时线 plan (PNG)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
    context_buildings: Optional[Path] = CityOpt,
    context_origin: Optional[str] = OriginOpt,
    context_crs: Optional[str] = CrsOpt,
    storey_height: Optional[float] = StoreyOpt,
    context_radius: Optional[float] = RadiusOpt,
) -> None:
    """Sunlight analysis (日照分析, 冬至日 满窗): every residential and 第三十条 building of the
    scheme, and every existing one it could shade -> sunlight.json and figures.

    Exit codes: 0 nothing required fails (or nothing to analyse), 1 a receiver whose analysis
    the regulation requires fails, 2 the drawing or the command line cannot be used.
    """
    opts = _options(context, zone, units, layers, lang)

    def body() -> int:
        from plancheck.pipeline import sunlight as run_sunlight
        from plancheck.render import sunlight_view
        from plancheck.render.json_file import write_sunlight

        city = _city(context_buildings, context_origin, context_crs, storey_height, context_radius)
        folder = out or Path("reports") / _safe_stem(drawing)
        _out_folder(folder)
        _input_file(drawing)
        if quiet:
            doc, ext = run_sunlight(drawing, _with_city(opts, city), jobs=jobs)
        else:
            doc, ext = _sunlight_with_progress(drawing, _with_city(opts, city), jobs)
        written = [write_sunlight(doc, folder)]
        if figures and doc["receivers"]:
            from plancheck.render.sunlight_figures import render_files

            written += render_files(doc, folder, lang)
        from plancheck.render.formats import own_outputs

        own_outputs(folder, "sunlight", written)     # this run's stale figures go
        if not quiet:
            _console().print(sunlight_view.summary(doc, ext.findings, written, lang))
        # only a receiver the regulation requires the analysis of can fail the command
        return 1 if any(r["verdict"] == "fail" and r.get("required")
                        for r in doc["receivers"]) else 0

    raise typer.Exit(_run(body))


def _sunlight_with_progress(drawing, opts, jobs):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from plancheck.pipeline import sunlight as run_sunlight

    progress = Progress(TextColumn("日照分析" if opts.lang == "zh" else "sunlight"), BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(), transient=True,
                        console=_err_console())
    with progress:
        task = progress.add_task("receivers", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return run_sunlight(drawing, opts, jobs=jobs, progress=tick)


def _err_console():
    from rich.console import Console

    return Console(stderr=True)


@app.command()
def inspect(
    drawing: Path = DrawingArg,
    context: Optional[Path] = ContextOpt,
    units: Optional[str] = UnitsOpt,
    layers: Optional[Path] = LayersOpt,
    lang: str = LangOpt,
    suggest: bool = typer.Option(False, "--suggest", help="For an unknown drawing: list every layer's content and propose a layer map (YAML)."),
    map_out: Optional[Path] = typer.Option(None, "-o", "--output", help="With --suggest: write the proposed layer map alone to this file (pass it to check with --layers)."),
) -> None:
    """Show what plancheck recognised in a drawing (layers, buildings and their data carriers,
    roads with widths, drawing problems) so it can be fixed before a check."""
    opts = _options(context, None, units, layers, lang)

    def body() -> None:
        from plancheck.pipeline import check as run_check
        from plancheck.render import terminal

        from plancheck.errors import PlancheckError

        if map_out is not None and not suggest:
            raise PlancheckError("-o writes the layer map that --suggest proposes: add --suggest")
        _input_file(drawing)
        if suggest:
            from rich.text import Text

            from plancheck.extract import suggest as sg
            from plancheck.pipeline import resolve_context
            from plancheck.read.dxf import load
            from plancheck.read.layers import LayerRoles

            ctx = resolve_context(drawing, opts)
            found = sg.analyse(load(drawing), LayerRoles.from_map(ctx.layers))
            console = _console()
            console.print(sg.render(found))
            console.print(Text(found.yaml(drawing.name)), soft_wrap=True)
            if map_out is not None:
                try:
                    map_out.write_text(found.yaml(drawing.name), encoding="utf-8")
                except OSError as exc:
                    raise PlancheckError(f"{map_out}: cannot write the layer map "
                                         f"({exc.strerror or exc})") from None
                console.print(Text(f"written: {map_out}", style="dim"))
            return
        result = run_check(drawing, opts)
        _console().print(terminal.inspection(result.report))

    _run(body)


@app.command("report")
def report_cmd(
    report_file: Path = typer.Argument(..., metavar="REPORT.JSON", show_default=False,
                                       help="A report.json written by `plancheck check`."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default: the report's folder)."),
    formats: Optional[str] = typer.Option(None, "--format", help="Comma-separated outputs "
                                          "(default: all that apply, except json)."),
    lang: str = LangOpt,
    figures: str = FiguresOpt,
) -> None:
    """Re-render a saved report.json (HTML, figures, 3D model) without checking the drawing again."""
    lang = _choice(lang, ("zh", "en"), "--lang")
    figures = _figure_scope(figures)
    names = _formats(formats)
    if not formats:
        names = tuple(n for n in names if n != "json")

    def body() -> None:
        import json

        from plancheck.errors import PlancheckError
        from plancheck.render.formats import RenderContext, render

        try:
            data = json.loads(report_file.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise PlancheckError(f"{report_file}: cannot read a report ({exc})") from None
        if not isinstance(data, dict) or data.get("schema") != "plancheck.report/1":
            raise PlancheckError(f"{report_file}: not a plancheck report.json (schema plancheck.report/1)")
        problem = _report_problem(data)
        if problem:
            raise PlancheckError(f"{_shown(report_file)}: a malformed plancheck report ({problem})")
        written = render(data, out or report_file.parent, names,
                         RenderContext(None, lang, figures,
                                       sunlight=_sunlight_beside(data, report_file)))
        typer.echo("written: " + ", ".join(str(p) for p in written))

    _run(body)


def _sunlight_beside(report: dict, report_file: Path) -> dict | None:
    """The full sunlight document report.json names (sunlight.json beside it), if it is there:
    the facade sheets and the 3D windows draw every window, the report lists only some."""
    import json

    name = (report.get("sunlight") or {}).get("file")
    if not name:
        return None
    try:
        return json.loads((report_file.parent / Path(name).name).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _report_problem(data: dict) -> str | None:
    """What a crafted or damaged report.json gets wrong (its schema, then the fields renderers
    read), in a few words; None when it can be rendered."""
    import json

    import jsonschema

    from plancheck.results.diff import malformed

    problem = malformed(data)
    if problem:
        return problem
    schema = json.loads((Path(__file__).parent / "results" / "report.schema.json").read_text("utf-8"))
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "(top)"
    return f"{where}: {error.message[:120]}"


# -- plancheck rules ... ---------------------------------------------------------------------------

rules_app = typer.Typer(name="rules", no_args_is_help=True, add_completion=False,
                        help="Ruleset clauses: list, show, validate a pack, run its fixtures.")
app.add_typer(rules_app, name="rules")
RulesetOpt = typer.Option("shanghai", "--ruleset", "-r",
                          help="Ruleset id (a folder under rulesets/) or a ruleset folder.")
PackArg = typer.Argument(..., help="Ruleset folder (or id).", show_default=False)


def _one_line(exc: Exception) -> typer.Exit:
    return _fail(" ".join(str(exc).split()))


@rules_app.command("list")
def rules_list(ruleset: str = RulesetOpt) -> None:
    """List a ruleset's clauses: id, article, family, check kind and title."""
    def body() -> None:
        from rich.table import Table
        from rich.text import Text

        from plancheck.evaluate.clauses import load_ruleset

        rs = load_ruleset(ruleset, kinds=False)   # no check kinds: no numpy/shapely import
        t = Table(title=f"{rs.id} {rs.version} {rs.title}", title_justify="left")
        t.add_column("id", no_wrap=True)
        for col in ("article", "family", "check", "title"):
            t.add_column(col, overflow="fold")
        for c in rs.clauses:
            t.add_row(Text(c.id), Text(c.article), c.family, c.check, Text(c.title))
        _console().print(t)
        for note in rs.not_checked:
            _console().print(Text(f"not checked: {note}", style="dim"))

    _run(body)


@rules_app.command("show")
def rules_show(clause_id: str = typer.Argument(..., metavar="ID", help="Clause id, e.g. SH-34."),
               ruleset: str = RulesetOpt) -> None:
    """Show a clause: citation, quoted text, parameters, choices, its check kind and fixtures."""
    def body() -> None:
        import inspect as pyinspect

        import yaml

        from plancheck.evaluate.clauses import load_ruleset
        from plancheck.fixtures import ruleset_cases
        from plancheck.evaluate.registry import load_all

        rs = load_ruleset(ruleset)
        c = rs.clause(clause_id)
        kind = load_all()[c.check]
        out = [f"{c.id}  {c.title}", f"article:    {c.article}", f"family:     {c.family}",
               f"check:      {c.check}", f"confidence: {c.confidence}", f"source:     {c.source}",
               "", "text:", f"  {c.text}", "", "params:"]
        out += ["  " + line for line in yaml.safe_dump(c.params, allow_unicode=True,
                                                       sort_keys=False).splitlines()]
        if c.choices:
            out += ["", "choices:"] + [f"  - {ch}" for ch in c.choices]
        out += ["", f"check kind {c.check}:"]
        out += ["  " + line for line in (pyinspect.cleandoc(kind.fn.__doc__ or "")).splitlines()]
        cases = [k for k in ruleset_cases(rs.path) if k.clause == c.id]
        out += ["", f"fixtures ({len(cases)}):"] + [f"  {k.name}" for k in cases]
        typer.echo("\n".join(out))

    _run(body)


@rules_app.command("validate")
def rules_validate(path: str = PackArg) -> None:
    """Validate a ruleset pack: schema, check kinds, parameters and fixture files.

    Exit codes: 0 valid, 2 broken (one line saying where and why)."""
    from plancheck.errors import PlancheckError

    try:
        from plancheck.evaluate.clauses import load_ruleset
        from plancheck.fixtures import missing_outcomes, ruleset_cases

        rs = load_ruleset(path)
        cases = ruleset_cases(rs.path)
    except PlancheckError as exc:
        raise _one_line(exc) from None
    ids = {c.id for c in rs.clauses}
    for case in cases:
        if case.error:
            raise _fail(" ".join(case.error.split()))
        if case.clause not in ids:
            raise _fail(f"{case.file}: the ruleset has no clause {case.clause}")
    typer.echo(f"ok: {rs.id} {rs.version}: {len(rs.clauses)} clauses, {len(cases)} fixture cases")
    lacking = missing_outcomes(rs, cases)
    if lacking:
        typer.echo(f"note: clauses lacking fixture cases: {'; '.join(lacking)}")


@rules_app.command("test")
def rules_test(path: str = PackArg,
               clause: Optional[list[str]] = typer.Option(None, "--clause", "-c",
                                                          help="Only this clause (repeatable)."),
               quiet: bool = typer.Option(False, "--quiet", "-q", help="Print failing cases only.")) -> None:
    """Run a ruleset's fixtures: draw each case, check it with only its clause enabled, and
    compare the findings with the expected ones.

    Exit codes: 0 every case holds, 1 a case differs (its diff is printed), 2 the pack is broken."""
    def body() -> int:
        from plancheck.evaluate.clauses import load_ruleset
        from plancheck.fixtures import format_outcome, ruleset_cases, run_case

        try:
            rs = load_ruleset(path)
        except Exception as exc:  # noqa: BLE001 - a broken pack is one line, exit 2
            raise _one_line(exc) from None
        cases = [k for k in ruleset_cases(rs.path) if not clause or k.clause in clause]
        if not cases:
            raise _fail(f"no fixture cases in {rs.path / 'fixtures'}"
                        + (f" for {', '.join(clause)}" if clause else ""))
        failed = 0
        for case in cases:
            outcome = run_case(case)
            if outcome.ok:
                if not quiet:
                    typer.echo(f"PASS {case.id}")
            else:
                failed += 1
                typer.echo(f"FAIL {format_outcome(outcome)}")
        typer.echo(f"{len(cases) - failed} passed, {failed} failed")
        return 1 if failed else 0

    raise typer.Exit(_run(body))


# -- batch, diff, city context ---------------------------------------------------------------------

def _city(file: Optional[Path], origin: Optional[str], crs: Optional[str],
          storey: Optional[float], radius: Optional[float]):
    """--context-buildings and its flags -> a ContextSpec (None when no file is given)."""
    if file is None:
        if any(v is not None for v in (origin, crs, storey, radius)):
            raise _fail("--context-origin/--context-crs/--storey-height/--context-radius "
                        "need --context-buildings FILE")
        return None
    from plancheck.extract.context_buildings import parse_spec

    raw = {"file": str(file.resolve()), "origin": origin, "crs": crs, "storey_height": storey,
           "radius": radius}
    return parse_spec({k: v for k, v in raw.items() if v is not None}, None, "--context-buildings")


def _with_city(opts, city):
    return replace(opts, context_buildings=city) if city is not None else opts


def _attribution(report: dict) -> None:
    """ODbL: OpenStreetMap-derived context must be credited wherever it shows."""
    city = report.get("context_buildings") or {}
    if city.get("attribution"):
        from rich.text import Text

        _console().print(Text(f"context buildings: {city.get('used', 0)} of {city.get('loaded', 0)} "
                              f"from {city['file']}", style="dim"))
        licence = f" ({city['license']})" if city.get("license") else ""
        _console().print(Text(f"{city['attribution']}{licence}", style="dim"))


def _load_side(path: Path, opts) -> dict:
    """A report.json as is, or a drawing checked now."""
    import json

    from plancheck.errors import PlancheckError

    _input_file(path, "drawing or report")
    if path.suffix.lower() == ".json":
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise PlancheckError(f"{path}: cannot read the report ({exc})") from None
    from plancheck.pipeline import check as run_check

    return run_check(path, opts).report


def _add_baseline(report: dict, baseline: Path, opts) -> dict:
    """check --baseline: the diff against an earlier report (or drawing), also stored in the
    report."""
    from plancheck.results.diff import diff

    d = diff(_load_side(baseline, opts), report, names=(str(baseline), "new"))
    report["diff"] = d
    return d


@app.command("diff")
def diff_cmd(
    old: Path = typer.Argument(..., help="The earlier revision: a drawing or its report.json.",
                               show_default=False),
    new: Path = typer.Argument(..., help="The new revision: a drawing or its report.json.",
                               show_default=False),
    context: Optional[Path] = ContextOpt,
    zone: Optional[str] = ZoneOpt,
    units: Optional[str] = UnitsOpt,
    layers: Optional[Path] = LayersOpt,
    lang: str = LangOpt,
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for diff.json and diff.html "
                                       "(default: reports/diff-<new stem>/)."),
    strict: bool = typer.Option(False, "--strict", help="New unknown / error findings count too."),
    all_rows: bool = typer.Option(False, "--all", help="List unchanged findings too."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing; just write the files."),
) -> None:
    """Compare two revisions: findings new / fixed / changed / unchanged, indicator deltas.

    Findings are matched by clause + subjects (buildings by NAME).

    Exit codes: 0 nothing new fails; 1 the new revision fails where the old did not; 2 bad input."""
    opts = _options(context, zone, units, layers, lang)

    def body() -> int:
        from plancheck.render import diff_view
        from plancheck.results.diff import diff, exit_code

        d = diff(_load_side(old, opts), _load_side(new, opts), names=(str(old), str(new)))
        folder = out or Path("reports") / f"diff-{_safe_stem(new)}"
        _out_folder(folder)
        written = diff_view.write(d, folder)
        if not quiet:
            _console().print(diff_view.terminal(d, all_rows))
            _console().print(", ".join(str(p) for p in written))
        return exit_code(d, strict)

    raise typer.Exit(_run(body))


@app.command()
def batch(
    paths: list[Path] = typer.Argument(..., help="Drawings and folders of drawings.",
                                       show_default=False),
    out: Path = typer.Option(Path("reports/batch"), "--out", help="Output folder."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1,
                                       help="Worker processes (default: all cores)."),
    timeout: float = typer.Option(300.0, "--timeout", min=0.1,
                                  help="Seconds per drawing before it is stopped (an error row)."),
    max_size: float = typer.Option(500.0, "--max-size", min=0.0,
                                   help="Files larger than this many MB are not read (an error row)."),
    force: bool = typer.Option(False, "--force", help="Re-check drawings already checked."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="tcp://HOST:PORT",
                                            help="Run on this Dask cluster (needs the dask extra: "
                                                 "pip install 'plancheck\\[dask]')."),
    context: Optional[Path] = typer.Option(None, "--context", help="One context file for every "
                                           "drawing (default: each drawing's own <stem>.plancheck.yaml)."),
    zone: Optional[str] = ZoneOpt,
    units: Optional[str] = UnitsOpt,
    layers: Optional[Path] = LayersOpt,
    lang: str = LangOpt,
    strict: bool = typer.Option(False, "--strict", help="Count unknown (and error) findings as failing."),
    formats: Optional[str] = typer.Option(None, "--format", help="Comma-separated outputs per drawing."),
    context_buildings: Optional[Path] = CityOpt,
    context_origin: Optional[str] = OriginOpt,
    context_crs: Optional[str] = CrsOpt,
    storey_height: Optional[float] = StoreyOpt,
    context_radius: Optional[float] = RadiusOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
    no_sunlight: bool = NoSunOpt,
    ruleset: Optional[str] = CheckRulesetOpt,
) -> None:
    """Check every drawing under PATHS in parallel: one report folder per drawing, plus
    index.html, summary.csv and summary.json in --out. In folders the drawings are the .dxf
    files (and .dwg, an error row naming a converter); other files are listed as skipped and
    change no total and no exit code. Resumable: drawings already checked (same file,
    context, ruleset and plancheck version) are not checked again unless --force.

    Exit codes: 0 nothing fails; 1 a drawing fails; 2 a drawing could not be checked, or bad usage."""
    opts = _options(context, zone, units, layers, lang, no_sunlight, ruleset)
    names = _formats(formats)

    def body() -> int:
        from plancheck.batch import BatchOptions, run_batch

        city = _city(context_buildings, context_origin, context_crs, storey_height, context_radius)
        _out_folder(out)
        bo = BatchOptions(out=out, options=_with_city(opts, city),
                          formats=names, strict=strict, jobs=jobs, timeout=timeout,
                          max_mb=max_size, force=force, scheduler=scheduler)
        if quiet:
            result = run_batch(paths, bo)
        else:
            result = _batch_with_progress(paths, bo)
            _console().print(_batch_summary(result, out))
        return result.exit_code

    raise typer.Exit(_run(body))


def _batch_with_progress(paths, bo):
    """run_batch with a rich progress bar on stderr: done / failed / rate / ETA."""
    import time

    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    from plancheck.batch import run_batch

    progress = Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("[red]{task.fields[failed]} failed[/]"),
                        TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                        TimeElapsedColumn(), console=Console(stderr=True))
    state = {"task": None, "failed": 0, "t0": time.perf_counter(), "fresh": 0}

    def on_start(total: int, resumed: int) -> None:
        state["task"] = progress.add_task("batch", total=total, failed=0, rate="")

    def on_row(row: dict) -> None:
        state["failed"] += row["verdict"] in ("fail", "error")
        if not row.get("resumed"):
            state["fresh"] += 1
        elapsed = time.perf_counter() - state["t0"]
        rate = f"{state['fresh'] / elapsed:.2f} drawings/s" if state["fresh"] else ""
        progress.update(state["task"], advance=1, failed=state["failed"], rate=rate)

    with progress:
        return run_batch(paths, bo, on_start=on_start, on_row=on_row)


#: skipped files listed one per line in the terminal; more are counted per reason
SKIPPED_LISTED = 10


def _batch_summary(result, out: Path):
    from rich.table import Table
    from rich.text import Text

    from plancheck.render.pages import visible_bidi

    t = Table(title=f"{len(result.rows)} drawings in {result.elapsed_s:.1f} s", title_justify="left")
    for col in ("drawing", "verdict", "fails", "unknowns", "message"):
        t.add_column(col, overflow="fold")
    for r in result.rows:
        if r["verdict"] == "pass":
            continue
        t.add_row(Text(visible_bidi(r["drawing"])), r["verdict"],
                  str(r["fails"] if r["fails"] is not None else ""),
                  str(r["unknowns"] if r["unknowns"] is not None else ""),
                  Text(visible_bidi(r["message"] or "")))
    from rich.console import Group

    extra = [Text(f"nothing to check in {n['folder']}: no drawing"
                  + (f", only {len(n['skipped'])} other file(s)" if n["skipped"] else ", no files"),
                  style="yellow") for n in result.no_drawing]
    if len(result.skipped) <= SKIPPED_LISTED:
        extra += [Text(f"skipped: {s['path']} ({s['reason']})", style="dim") for s in result.skipped]
    else:           # an intake folder's PDFs and images: counted here, listed in the index
        from collections import Counter

        counts = Counter(s["reason"] for s in result.skipped).most_common()
        extra.append(Text(f"skipped {len(result.skipped)} files, not checked: " + ", ".join(
            f"{n} {reason}" for reason, n in counts) + " (listed in index.html and summary.json)",
            style="dim"))
    return Group(t, *extra, Text(f"index: {out / 'index.html'}"))


def _safe_stem(drawing: Path) -> str:
    """A folder name derived from the drawing that cannot escape reports/."""
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in drawing.stem).strip("._")
    return stem or "drawing"


def _command():
    """The click command behind `app`, with help that reads right: a flag shows no value
    placeholder (typer would print `<bool>`), `--format` lists the formats it takes."""
    from plancheck.render.formats import FORMATS

    def tidy(cmd) -> None:          # typer vendors click: its classes are not click's
        for param in cmd.params:
            if getattr(param, "is_flag", False):
                param.metavar = ""
            elif "--format" in param.opts:
                param.metavar = "FMT,…"
                param.help = f"{param.help} One or more of: {', '.join(FORMATS)}."
        help_option = cmd.get_help_option

        def get_help_option(ctx):
            option = help_option(ctx)
            if option is not None:
                option.metavar = ""
            return option

        cmd.get_help_option = get_help_option
        for sub in getattr(cmd, "commands", {}).values():
            tidy(sub)

    command = typer.main.get_command(app)
    tidy(command)
    return command


def main() -> None:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    _command()(prog_name="plancheck")


if __name__ == "__main__":
    main()
