"""Find the drawings of a batch and give each a safe output folder name.

In a folder, the drawings are the files named `.dxf` (any case) and `.dwg` (which get an
error row naming a converter: the reviewer needs them converted). Every other file is
skipped with the reason ("not a drawing: .pdf"), as are hidden files and folders, links to
folders, context files with no drawing (`<stem>.plancheck.yaml` goes with its drawing) and
the batch's own output folder. A file named on the command line is checked whatever its
name: the user asked for it, so a PDF named there is an error row.

Submission folders are the folders named on the command line and the folders directly
inside them (intake/<submission>/...); a named folder with drawings of its own is one
submission (or a flat intake) and its subfolders are parts of it. A submission folder with
no drawing at any depth is reported: it has nothing to check.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

CONTEXT_SUFFIXES = (".plancheck.yaml", ".plancheck.yml")
#: what counts as a drawing in a folder (any case); DWG files get an error row naming a converter
DRAWING_SUFFIXES = (".dxf", ".dwg")
#: longest readable part of an output folder name, in UTF-8 bytes (file systems allow 255)
NAME_BYTES = 80


@dataclass(frozen=True)
class Item:
    path: Path              # absolute, resolved
    display: str            # as the user will recognise it (given root + relative path)
    folder: str             # output folder name under --out: safe, unique, stable
    context: Path | None    # <stem>.plancheck.yaml beside it, if any
    missing: bool = False   # given on the command line but not there
    problem: str | None = None   # why it cannot be checked (an error row), found while listing


def safe_name(readable: str, identity: str) -> str:
    """A folder name that cannot escape the output folder: letters and digits of any script
    (NFKC-normalised), `-` and `_`; no separators, dots, controls or bidi marks; at most
    NAME_BYTES bytes; plus 8 hex digits of `identity`, so names never collide."""
    stem = readable[:-4] if readable.lower().endswith(".dxf") else readable
    text = unicodedata.normalize("NFKC", stem)
    out, last = [], ""
    for ch in text:
        c = ch if (ch.isalnum() and unicodedata.category(ch)[0] in "LN") or ch in "-" else "_"
        if c == "_" and last == "_":
            continue
        out.append(c)
        last = c
    name = "".join(out).strip("_-")
    while len(name.encode("utf-8")) > NAME_BYTES:
        name = name[1:]          # keep the end: the file name matters more than the folders
    name = name.strip("_-") or "drawing"
    digest = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{name}-{digest}"


def is_context_file(name: str) -> bool:
    return name.lower().endswith(CONTEXT_SUFFIXES)


def _context_for(path: Path) -> Path | None:
    for suffix in CONTEXT_SUFFIXES:
        try:
            candidate = path.with_name(path.stem + suffix)
            if candidate.is_file():
                return candidate
        except (OSError, ValueError):   # e.g. the name + suffix is too long: no context file
            pass
    return None


def printable(text: str) -> str:
    """A path as text that can be written anywhere (JSON, CSV, HTML, terminal): bytes of a name
    that are not UTF-8 (a GBK-encoded name on a UTF-8 system) are shown as \\xNN."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc) or type(exc).__name__       # RuntimeError: symlink loop (Python 3.11)


def is_drawing_name(name: str) -> bool:
    return name.lower().endswith(DRAWING_SUFFIXES)


def _not_a_drawing(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return f"not a drawing: {suffix}" if suffix else "not a drawing (no extension)"


def discover(paths: list[Path], out: Path | None = None
             ) -> tuple[list[Item], list[dict], list[dict]]:
    """(drawings in a stable order, skipped files with the reason, submission folders with
    no drawing: {"folder", "skipped": [paths of the files skipped in it]})."""
    out_real = out.resolve() if out is not None else None
    items: list[Item] = []
    skipped: list[dict] = []
    no_drawing: list[dict] = []
    seen: set[Path] = set()

    def add(path: Path, readable: str, problem: str | None = None) -> None:
        """One drawing; a path that cannot even be resolved (a link loop) is an error row."""
        try:
            real = Path(os.path.abspath(path)) if problem else path.resolve()
        except (OSError, RuntimeError) as exc:
            real, problem = Path(os.path.abspath(path)), f"cannot be read ({_reason(exc)})"
        if real in seen:
            return
        seen.add(real)
        items.append(Item(real, printable(str(path)), safe_name(printable(readable), str(real)),
                          None if problem else _context_for(real), problem=problem))

    for given in paths:
        kind = _kind(given)
        if kind == "file":
            add(given, given.name)
        elif kind == "dir":
            no_drawing += _walk(given, out_real, add, skipped)
        else:
            key = printable(str(given))
            if Path(str(given)) not in seen:
                seen.add(Path(str(given)))
                items.append(Item(Path(os.path.abspath(given)), key, safe_name(key, key),
                                  None, missing=kind == "missing",
                                  problem=None if kind == "missing" else kind))
    named = {item.path for item in items}      # a file also named on its own is a row
    if any(_resolved(s["path"]) in named for s in skipped):
        skipped = [s for s in skipped if _resolved(s["path"]) not in named]
        for n in no_drawing:
            n["skipped"] = [p for p in n["skipped"] if _resolved(p) not in named]
    return items, skipped, no_drawing


def _resolved(path: str) -> Path:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):     # a link loop (a hidden one is skipped, not a row)
        return Path(os.path.abspath(path))


def _kind(path: Path) -> str:
    """file, dir, missing, or why a path named on the command line is neither."""
    import stat

    try:
        st = path.stat()
    except FileNotFoundError:
        return "broken link" if os.path.islink(path) else "missing"
    except (OSError, RuntimeError, ValueError) as exc:
        return f"cannot be read ({_reason(exc)})"
    if stat.S_ISREG(st.st_mode):
        return "file"
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    return ("a FIFO (named pipe), not a drawing; not read" if stat.S_ISFIFO(st.st_mode)
            else "a device or special file, not a drawing; not read")


def _walk(given: Path, out_real: Path | None, add, skipped: list[dict]) -> list[dict]:
    """Add the drawings under the folder `given`, list what is skipped; return its
    submission folders with no drawing (see the module docstring)."""
    drawings: dict[str, int] = {}          # per submission: "" is `given` itself, else the
    files: dict[str, list[str]] = {}       # name of the folder directly inside it
    subfolders: list[str] = []

    def skip(path: Path, reason: str, top: str | None) -> None:
        skipped.append({"path": printable(str(path)), "reason": reason})
        if top is not None:                # hidden files are nobody's submission
            files.setdefault(top, []).append(printable(str(path)))

    def unlistable(exc: OSError) -> None:
        """A folder that cannot be listed is said, never silently dropped."""
        where = Path(exc.filename) if exc.filename else given
        try:
            parts = where.relative_to(given).parts
        except ValueError:
            parts = ()
        skip(where, f"folder cannot be listed ({_reason(exc)}); its drawings were not checked",
             parts[0] if parts else "")

    for root, dirs, names in os.walk(given, onerror=unlistable, followlinks=False):
        rootp = Path(root)
        if out_real is not None and _under(rootp.resolve(), out_real):
            dirs[:] = []
            continue
        parts = rootp.relative_to(given).parts
        top = parts[0] if parts else ""
        kept = []
        for d in sorted(dirs):
            if d.startswith("."):
                skip(rootp / d, "hidden folder", None)
            elif (rootp / d).is_symlink():
                skip(rootp / d, "link to a folder (not followed)", top)
            else:
                kept.append(d)
        dirs[:] = kept
        if not parts:
            subfolders = [d for d in kept if out_real is None
                          or not _under((rootp / d).resolve(), out_real)]
        stems = {Path(f).stem for f in names if is_drawing_name(f)}
        for f in sorted(names):
            p = rootp / f
            if f.startswith("."):
                skip(p, "hidden file", None)
            elif is_context_file(f):
                if _context_stem(f) not in stems:
                    skip(p, "context file with no drawing", top)
            elif not is_drawing_name(f):
                skip(p, _not_a_drawing(f), top)
            else:
                kind = _kind(p)
                if kind in ("missing", "broken link"):
                    skip(p, "broken link" if kind == "broken link" else "vanished while listed", top)
                elif kind == "dir" or kind.startswith("a "):   # a FIFO, a device
                    skip(p, "not a regular file" + ("" if kind == "dir" else f" ({kind.split(',')[0]})"), top)
                elif kind != "file":           # a link loop, a name too long: its row says why
                    drawings[top] = drawings.get(top, 0) + 1
                    add(p, str(p.relative_to(given)), kind)
                else:
                    drawings[top] = drawings.get(top, 0) + 1
                    add(p, str(p.relative_to(given)))

    def note(folder: str, key: str | None) -> dict:
        inside = [p for k, ps in files.items() if key is None or k == key for p in ps]
        return {"folder": folder, "skipped": sorted(inside)}

    if not drawings:
        return [note(str(given), None)]
    if drawings.get(""):
        return []
    return [note(str(given / d), d) for d in subfolders if not drawings.get(d)]


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _context_stem(name: str) -> str:
    for suffix in CONTEXT_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name
