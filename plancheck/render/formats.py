"""Output formats of `plancheck check --format`: each renders the one report dict into files.

A format is `name -> "module:function"`; the function is `(report: dict, out_dir: Path,
context: RenderContext) -> list[Path]`. Modules are imported only when their format is used,
so heavy renderers (pyvista, matplotlib) never slow a run that does not ask for them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

#: format name -> "module:function". Register a new format with one line here.
FORMATS: dict[str, str] = {
    "json": "plancheck.render.json_file:render",
    "sarif": "plancheck.render.sarif:render",
    "junit": "plancheck.render.junit:render",
    "png": "plancheck.render.figures:render_png",
    "glb": "plancheck.render.glb:render",
    "html": "plancheck.render.html:render",
}
#: formats written when --format is not given (those whose dependencies are present)
DEFAULT = ("json", "png", "glb", "html")
#: format -> "module:function" saying cheaply (no heavy import) whether it can render here;
#: a default format that cannot is left out, an asked-for one raises a clear error
AVAILABLE: dict[str, str] = {"png": "plancheck.render.scene3d:gl_available"}


def defaults() -> tuple[str, ...]:
    """DEFAULT, less the formats whose system dependencies are missing here."""
    def ok(name: str) -> bool:
        if name not in AVAILABLE:
            return True
        module, _, func = AVAILABLE[name].partition(":")
        return bool(getattr(importlib.import_module(module), func)())

    return tuple(n for n in DEFAULT if ok(n))


@dataclass(frozen=True)
class RenderContext:
    """What a renderer may need beyond the report: the checked model (for 3D), options."""

    checked: Any = None       # pipeline.Checked when rendering right after a check, else None
    lang: str = "zh"
    figures: str = "fails"    # which figures: fails (and unknowns) or all (style.FIGURE_SCOPES)
    #: the full sunlight document (sunlight.json) when not rendering right after a check
    sunlight: dict | None = None

    @property
    def sunlight_doc(self) -> dict | None:
        """The full sunlight document (every window), if there is one: report.json's
        `sunlight` is its summary."""
        if self.sunlight is not None:
            return self.sunlight
        return getattr(self.checked, "sunlight", None)


def parse(spec: str | None) -> tuple[str, ...]:
    """`json,html` -> ("json", "html"); raise ValueError naming the unknown ones."""
    if not spec:
        return defaults()
    names = tuple(dict.fromkeys(s.strip() for s in spec.split(",") if s.strip()))
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format(s) {', '.join(unknown)}; known: {', '.join(FORMATS)}")
    return names


def render(report: dict, out_dir: Path, names: tuple[str, ...],
           context: RenderContext = RenderContext(),
           progress: Callable[[str], None] | None = None, run: str | None = None) -> list[Path]:
    """Write each format; `progress(name)` is called before each one (the CLI shows it: nothing
    here prints). With `run` ("check"), the files that this kind of run wrote into out_dir last
    time and did not write now are removed (see `own_outputs`)."""
    written: list[Path] = []
    # the renderers that draw every window (facade sheets, the 3D window mesh) read them from
    # the full sunlight document; json writes the report as it is (and sunlight.json)
    full = context.sunlight_doc
    view = report if full is None else {**report, "sunlight": full}
    for name in names:
        if progress is not None:
            progress(name)
        module, _, func = FORMATS[name].partition(":")
        written += getattr(importlib.import_module(module), func)(
            report if name == "json" else view, out_dir, context)
    if run is not None:
        own_outputs(out_dir, run, written)
    return written


#: in an output folder: which files each kind of run (check, sunlight) wrote there last time
MANIFEST = ".plancheck-outputs.json"


def own_outputs(out_dir: Path, run: str, written: list[Path]) -> list[Path]:
    """Each run owns what it writes: `check` and `sunlight` may share an output folder, and a
    rerun must not leave its earlier outputs (a sunlight sheet of a receiver no longer
    analysed) beside the new ones. Removes the files `run` listed last time that it did not
    write now (never a file another run kind listed, nor one outside out_dir), then records
    `written`. Returns the removed files."""
    import json

    out_dir = Path(out_dir)
    path = out_dir / MANIFEST
    try:
        manifest = json.loads(path.read_text("utf-8"))
        if not isinstance(manifest, dict):
            manifest = {}
    except (OSError, ValueError):
        manifest = {}
    root = out_dir.resolve()
    now = {str(Path(w).resolve().relative_to(root)) for w in written
           if Path(w).resolve().is_relative_to(root)}
    others = {rel for kind, rels in manifest.items() if kind != run and isinstance(rels, list)
              for rel in rels}
    removed = []
    for rel in manifest.get(run, []) if isinstance(manifest.get(run), list) else []:
        target = (root / str(rel)).resolve()
        if rel in now or rel in others or not target.is_relative_to(root) or not target.is_file():
            continue
        target.unlink()
        removed.append(target)
    manifest[run] = sorted(now)
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return removed
