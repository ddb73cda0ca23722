"""Write report.json and sunlight.json atomically, and the one atomic writer every output uses
(temp file + rename: an interrupted run leaves the old file or the new one, never half)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def dumps(report: dict) -> str:
    """Compact JSON: the C encoder is ~5x faster than indented output on large drawings
    (`python -m json.tool report.json` or `jq .` pretty-prints it)."""
    return json.dumps(report, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: permissions of written files: what a plain open() gives (mkstemp alone makes them 0600)
FILE_MODE = 0o666 & ~_umask()


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write text (as UTF-8) or bytes to a temporary file beside `path`, then rename it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write(report: dict, out_dir: Path) -> Path:
    return write_atomic(out_dir / "report.json", dumps(report) + "\n")


def write_sunlight(doc: dict, out_dir: Path) -> Path:
    """DIR/sunlight.json, compact (tens of thousands of windows). Like report.json it is not
    re-validated on every write (2 s for the sample); the tests validate what is built."""
    return write_atomic(out_dir / "sunlight.json",
                        json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")


def render(report: dict, out_dir: Path, context=None) -> list[Path]:
    """The `json` format: report.json, and beside it sunlight.json (every window) when the
    check ran the sunlight analysis (report.json's `sunlight` names it)."""
    full = getattr(context, "sunlight_doc", None)
    if full is None:
        return [write(report, out_dir)]
    # the drawing as report.json names it (the CLI and batch show it relative to where they run)
    drawing = report.get("drawing") or {}
    full = {**full, "drawing": {"path": drawing.get("path"), "sha256": drawing.get("sha256")}}
    return [write(report, out_dir), write_sunlight(full, out_dir)]
