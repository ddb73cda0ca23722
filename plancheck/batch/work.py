"""One drawing of a batch, as run inside a worker's child process: check, render, summarise.

`check_one(task)` returns {"row": summary row, "files": {name: bytes}}; the batch driver
writes the files (atomically) and the row. A drawing that cannot be used gives an error row
with the one-line reason instead of files. Nothing here prints.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from plancheck.errors import PlancheckError
from plancheck.pipeline import Options


@dataclass(frozen=True)
class Task:
    display: str                     # the drawing as the user named it
    source: str                      # where the worker reads it (unless `data` is given)
    folder: str                      # output folder name under --out
    options: Options
    formats: tuple[str, ...] = ("json",)
    strict: bool = False
    context: str | None = None       # context file path, or (with data) its display name
    data: bytes | None = None        # the drawing itself, for workers on other machines
    context_data: bytes | None = None


def summary_row(report: dict, strict: bool) -> dict:
    from plancheck.results.report import exit_code

    ind, s = report["indicators"], report["summary"]
    row = {"verdict": report["verdict"], "exit": exit_code(report, strict),
           "fails": s["fail"], "unknowns": s["unknown"], "errors": s["error"],
           "warnings": s["warning"], "far": ind.get("far"),
           "density": ind.get("building_density"), "green_ratio": ind.get("green_ratio"),
           "max_height_m": ind.get("max_height_m"), "site_area_m2": ind.get("site_area_m2"),
           "sha256": report["drawing"]["sha256"], "message": None}
    city = report.get("context_buildings")
    if city and city.get("attribution"):
        row["attribution"] = city["attribution"]
    return row


def error_row(message: str, sha256: str | None = None) -> dict:
    return {"verdict": "error", "exit": 2, "fails": None, "unknowns": None, "errors": None,
            "warnings": None, "far": None, "density": None, "green_ratio": None,
            "max_height_m": None, "site_area_m2": None, "sha256": sha256, "message": message}


def check_one(task: Task) -> dict:
    from plancheck.pipeline import check
    from plancheck.render.formats import RenderContext, render

    tmp = Path(tempfile.mkdtemp(prefix="plancheck-batch-"))
    try:
        drawing, options = Path(task.source), task.options
        if task.data is not None:         # shipped to a remote worker: unpack beside each other
            drawing = tmp / "in" / Path(task.display).name
            drawing.parent.mkdir()
            drawing.write_bytes(task.data)
            if task.context_data is not None:
                ctx = drawing.with_name(drawing.stem + ".plancheck.yaml")
                ctx.write_bytes(task.context_data)
                options = replace(options, context=ctx)
        elif task.context:
            options = replace(options, context=Path(task.context))
        try:
            checked = check(drawing, options)
        except PlancheckError as exc:
            return {"row": error_row(_relabel(str(exc), drawing, task.display)), "files": {}}
        report = checked.report
        report["drawing"]["path"] = task.display
        if task.context:
            from plancheck.batch.discover import printable

            report["context"]["file"] = printable(task.context)
        out = tmp / "out"
        written = render(report, out, task.formats, RenderContext(checked, options.lang))
        files = {p.relative_to(out).as_posix(): p.read_bytes() for p in written}
        return {"row": summary_row(report, task.strict), "files": files}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _relabel(message: str, used: Path, display: str) -> str:
    """Messages name the drawing as the user knows it, not the worker's temporary copy."""
    return message.replace(str(used), display)
