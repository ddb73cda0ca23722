"""The `plancheck` command line. Thin: parse arguments, call the pipeline, print a rendering.

Module-level imports stay light (typer, stdlib) so `plancheck --help` starts fast; the
drawing stack (ezdxf, shapely, numpy) is imported inside the commands that need it.
"""

from __future__ import annotations

import logging
import os
import sys
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


def _options(context, zone, units, layers, lang):
    from plancheck.pipeline import Options
    from plancheck.read.context import UNITS, ZONES

    return Options(context=context, zone=_choice(zone, ZONES, "--zone"),
                   units=_choice(units, UNITS, "--units"), layers=layers,
                   lang=_choice(lang, ("zh", "en"), "--lang"))


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
    except Exception as exc:  # noqa: BLE001 - a bug must still not dump a traceback on users
        if os.environ.get("PLANCHECK_DEBUG"):
            raise
        raise _fail(f"internal error ({type(exc).__name__}: {exc}); "
                    "set PLANCHECK_DEBUG=1 for the traceback and please report it") from None


def _console():
    from rich.console import Console

    # piped output (CI logs, files) gets a wide page instead of rich's 80-column default
    return Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 120)


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
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List passing findings too."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing; just write the report and exit."),
) -> None:
    """Check a drawing: indicators, clause findings and drawing problems -> report.json.

    Exit codes: 0 nothing fails, 1 a finding fails (or, with --strict, is unknown/error),
    2 the drawing or the command line cannot be used.
    """
    opts = _options(context, zone, units, layers, lang)
    from plancheck.render.formats import parse

    try:
        names = parse(formats)
    except ValueError as exc:
        raise _fail(f"--format: {exc}") from None

    def body() -> int:
        from plancheck.pipeline import check as run_check
        from plancheck.render import terminal
        from plancheck.render.formats import RenderContext, render
        from plancheck.results.report import exit_code

        result = run_check(drawing, opts)
        folder = out or Path("reports") / _safe_stem(drawing)
        written = render(result.report, folder, names, RenderContext(result, opts.lang))
        if not quiet:
            shown = ", ".join(str(p) for p in written)
            _console().print(terminal.summary(result.report, shown, verbose))
        return exit_code(result.report, strict)

    raise typer.Exit(_run(body))


@app.command()
def inspect(
    drawing: Path = DrawingArg,
    context: Optional[Path] = ContextOpt,
    units: Optional[str] = UnitsOpt,
    layers: Optional[Path] = LayersOpt,
    lang: str = LangOpt,
) -> None:
    """Show what plancheck recognised in a drawing (layers, buildings and their data carriers,
    roads with widths, drawing problems) so it can be fixed before a check."""
    opts = _options(context, None, units, layers, lang)

    def body() -> None:
        from plancheck.pipeline import check as run_check
        from plancheck.render import terminal

        result = run_check(drawing, opts)
        _console().print(terminal.inspection(result.report))

    _run(body)


def _safe_stem(drawing: Path) -> str:
    """A folder name derived from the drawing that cannot escape reports/."""
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in drawing.stem).strip("._")
    return stem or "drawing"


def main() -> None:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    app()


if __name__ == "__main__":
    main()
