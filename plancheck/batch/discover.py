"""Find the drawings of a batch and give each a safe output folder name.

Every file given, or found under a folder given, is a drawing to check, whatever its
extension (a PDF or a DWG in an intake folder gets an error row rather than vanishing);
except context files (`<stem>.plancheck.yaml`, which go with their drawing), hidden files
and folders, and the batch's own output folder. What is skipped is listed with the reason.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

CONTEXT_SUFFIXES = (".plancheck.yaml", ".plancheck.yml")
#: longest readable part of an output folder name, in UTF-8 bytes (file systems allow 255)
NAME_BYTES = 80


@dataclass(frozen=True)
class Item:
    path: Path              # absolute, resolved
    display: str            # as the user will recognise it (given root + relative path)
    folder: str             # output folder name under --out: safe, unique, stable
    context: Path | None    # <stem>.plancheck.yaml beside it, if any
    missing: bool = False   # given on the command line but not there


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
        candidate = path.with_name(path.stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def discover(paths: list[Path], out: Path | None = None) -> tuple[list[Item], list[dict]]:
    """(drawings in a stable order, skipped files with the reason)."""
    out_real = out.resolve() if out is not None else None
    items: list[Item] = []
    skipped: list[dict] = []
    seen: set[Path] = set()

    def add(path: Path, readable: str) -> None:
        real = path.resolve()
        if real in seen:
            return
        seen.add(real)
        items.append(Item(real, str(path), safe_name(readable, str(real)), _context_for(real)))

    for given in paths:
        if given.is_file():
            add(given, given.name)
        elif given.is_dir():
            for root, dirs, files in os.walk(given, followlinks=False):
                rootp = Path(root)
                if out_real is not None and _under(rootp.resolve(), out_real):
                    dirs[:] = []
                    continue
                kept = []
                for d in sorted(dirs):
                    if d.startswith("."):
                        skipped.append({"path": str(rootp / d), "reason": "hidden folder"})
                    else:
                        kept.append(d)
                dirs[:] = kept
                stems = {Path(f).stem for f in files if not is_context_file(f)}
                for f in sorted(files):
                    p = rootp / f
                    if f.startswith("."):
                        skipped.append({"path": str(p), "reason": "hidden file"})
                    elif is_context_file(f):
                        if _context_stem(f) not in stems:
                            skipped.append({"path": str(p), "reason": "context file with no drawing"})
                    elif p.is_symlink() and not p.exists():
                        skipped.append({"path": str(p), "reason": "broken link"})
                    elif p.is_file():
                        add(p, str(p.relative_to(given)))
                    else:
                        skipped.append({"path": str(p), "reason": "not a regular file"})
        else:
            key = str(given)
            if Path(key) not in seen:
                seen.add(Path(key))
                items.append(Item(Path(os.path.abspath(given)), key, safe_name(key, key),
                                  None, missing=True))
    return items, skipped


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _context_stem(name: str) -> str:
    for suffix in CONTEXT_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name
