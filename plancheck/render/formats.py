"""Output formats of `plancheck check --format`: each renders the one report dict into files.

A format is `name -> "module:function"`; the function is `(report: dict, out_dir: Path,
context: RenderContext) -> list[Path]`. Modules are imported only when their format is used,
so heavy renderers (pyvista, matplotlib) never slow a run that does not ask for them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
           context: RenderContext = RenderContext()) -> list[Path]:
    written: list[Path] = []
    for name in names:
        module, _, func = FORMATS[name].partition(":")
        written += getattr(importlib.import_module(module), func)(report, out_dir, context)
    return written
