"""Load a DXF file safely: clear errors for unusable files, recovery for damaged ones.

ezdxf traps handled here (shared/design/stack-notes.md §6): a file truncated inside its
header raises a bare StopIteration; `recover` silently drops an unterminated final section
(usually ENTITIES) and returns an "empty but successful" document; a lost line shifts every
group-code/value pair after it (recovery skips the line it stumbles on and tries again);
`recover` cannot read binary DXF; undecodable text bytes become lone surrogates unless told
otherwise; entities of unknown types (custom objects) come back without a layer; DWG is not
readable. R12 to R2018, ASCII and binary, are read; pre-2007 text is decoded with the
`$DWGCODEPAGE` code page (GBK, Shift-JIS, ...), later files as UTF-8. Files over the size
or entity limits stop with one line instead of exhausting memory.
"""

from __future__ import annotations

import gc
import hashlib
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from plancheck.errors import DrawingReadError

DWG_HINT = ("DWG files cannot be read; convert it to DXF first, e.g. with the free ODA File "
            "Converter or LibreCAD (File > Save As > DXF)")

#: Default limits; the environment variables PLANCHECK_MAX_FILE_MB and PLANCHECK_MAX_ENTITIES
#: change them. A drawing over either stops with a clear message before memory runs out.
MAX_FILE_MB = 200
MAX_ENTITIES = 1_000_000
ENTITY_LIMIT_HINT = "set PLANCHECK_MAX_ENTITIES to raise the limit"
#: Text bytes that are invalid in the file's encoding become U+FFFD, never lone surrogates
#: (ezdxf's default), which could not be written to report.json or a terminal.
TEXT_ERRORS = "replace"


class DrawingTooLarge(DrawingReadError):
    """The drawing is over the configured file-size or entity limit."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_FILE_MB * 2**20
    max_entities: int = MAX_ENTITIES

    @classmethod
    def from_env(cls) -> "Limits":
        return cls(max_bytes=int(_env_number("PLANCHECK_MAX_FILE_MB", MAX_FILE_MB) * 2**20),
                   max_entities=int(_env_number("PLANCHECK_MAX_ENTITIES", MAX_ENTITIES)))


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise DrawingReadError(f"{name} must be a number, not {raw!r}") from None
    if value <= 0:
        raise DrawingReadError(f"{name} must be positive, not {raw!r}")
    return value


@dataclass
class LoadedDrawing:
    doc: object                 # ezdxf Drawing
    path: Path
    sha256: str
    recovered: bool = False
    #: what recovery had to do: human-readable notes
    notes: list[str] = field(default_factory=list)
    truncated: bool = False
    limits: Limits = field(default_factory=Limits)
    #: entities of a type ezdxf does not know (custom objects, damaged names), by type; they
    #: were taken out of model space and blocks, so every entity left has a layer
    unsupported: dict[str, int] = field(default_factory=dict)


_ESCAPE = re.compile(r"\\U\+([0-9A-Fa-f]{4})")


def decode_escapes(text: str) -> str:
    """Decode the `\\U+XXXX` escapes ezdxf and AutoCAD write for non-ASCII text in R2000-2004
    files (layer names, TEXT, XDATA...). Unlike ezdxf's decoder it never raises: a malformed
    escape stays as it is, a surrogate pair becomes its character, a lone surrogate U+FFFD.
    """
    if "\\U+" not in text:
        return text
    out = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return out.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _looks_like_dwg(head: bytes) -> bool:
    """DWG files start with their version tag, e.g. b"AC1032"."""
    return re.match(rb"AC\d{4}", head) is not None


def _has_eof(data: bytes) -> bool:
    tail = data[-64:].strip().upper()
    return tail.endswith(b"EOF")


def _close_truncated(data: bytes) -> bytes:
    """Cut a truncated ASCII DXF after its last complete tag pair and close the open section."""
    lines = data.splitlines()
    if not data.endswith((b"\n", b"\r")):
        lines = lines[:-1]  # the cut went through this line: its value is incomplete
    # keep an even number of lines (code/value pairs), dropping the last partial pair
    if len(lines) % 2:
        lines = lines[:-1]
    lines = lines[:-2] if lines and not lines[-1].strip() else lines
    return b"\n".join(lines) + b"\n  0\nENDSEC\n  0\nEOF\n"


def load(path: str | Path, limits: Limits | None = None) -> LoadedDrawing:
    """Read `path` as DXF; raise DrawingReadError with one clear line when it cannot be used."""
    import ezdxf
    from ezdxf import recover

    path = Path(path)
    limits = limits or Limits.from_env()
    try:
        size = path.stat().st_size
        if size > limits.max_bytes and path.is_file():
            raise DrawingTooLarge(
                f"{path}: the file is {size / 2**20:,.1f} MB, over the {limits.max_bytes / 2**20:,.0f} MB "
                "limit (set PLANCHECK_MAX_FILE_MB to raise it)")
        data = path.read_bytes()
    except FileNotFoundError:
        raise DrawingReadError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DrawingReadError(f"{path}: is a folder, not a drawing") from None
    except OSError as exc:
        raise DrawingReadError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise DrawingReadError(f"{path}: the file is empty")
    if _looks_like_dwg(data[:6]):
        raise DrawingReadError(f"{path}: this is a DWG file. {DWG_HINT}")
    if data.lstrip()[:5] == b"%PDF-":          # a plot of the drawing, not the drawing
        raise DrawingReadError(f"{path}: this is a PDF file, not a DXF file; export the site plan "
                               "from the CAD program as DXF (or DWG, then convert it)")
    binary = data.startswith(b"AutoCAD Binary DXF")
    if not binary and not _looks_like_dxf_text(data):
        if path.suffix.lower() == ".dwg":       # named as a DWG: the reviewer needs a converter
            raise DrawingReadError(f"{path}: a .dwg file, not DXF. {DWG_HINT}")
        raise DrawingReadError(f"{path}: not a DXF file (no DXF section structure found)")
    records = _count_records(data) if not binary else 0
    if records > limits.max_entities:
        raise DrawingTooLarge(f"{path}: the drawing holds about {records:,} records, over the "
                              f"limit of {limits.max_entities:,} entities ({ENTITY_LIMIT_HINT})")

    gc.disable()
    try:
        try:
            # detects $DWGCODEPAGE (pre-2007 GBK, Shift-JIS...), UTF-8 (2007+) and binary itself
            doc = ezdxf.readfile(path, errors=TEXT_ERRORS)
            _model_space(doc)
            loaded = LoadedDrawing(doc, path, sha, limits=limits)
        except Exception as exc:  # noqa: BLE001 - any failure: try recovery, which reports its own
            if binary:  # ezdxf recovers ASCII files only
                raise DrawingReadError(f"{path}: a damaged binary DXF file ({reason_of(exc)}); "
                                       "binary files cannot be recovered, save it as ASCII DXF") from None
            loaded = _recover(path, data, sha, recover, limits)
    finally:
        gc.enable()
    try:
        _model_space(loaded.doc)
    except LookupError:
        raise DrawingReadError(f"{path}: not a readable DXF file (it has no model space)") from None
    loaded.unsupported = _drop_unsupported(loaded.doc)
    count = len(loaded.doc.modelspace())
    if count > limits.max_entities:
        raise DrawingTooLarge(f"{path}: the drawing holds {count:,} entities, over the limit of "
                              f"{limits.max_entities:,} ({ENTITY_LIMIT_HINT})")
    return loaded


def _model_space(doc):
    """The model space; LookupError when the file's layout tables lost it."""
    try:
        return doc.modelspace()
    except (KeyError, AttributeError, TypeError) as exc:
        raise LookupError("no model space") from exc


def _drop_unsupported(doc) -> dict[str, int]:
    """Unlink entities that are not drawing entities (no layer) from model space and blocks.

    ezdxf keeps an entity of unknown type (a CAD add-on's custom object such as 天正 TCH_WALL,
    or a name damaged in the file) as bare tags without a layer or geometry; a block reference
    without a block name or an insertion point cannot be placed. Recovery can also leave entities (and block
    attributes) that its audit destroyed: those go too.
    """
    dropped: dict[str, int] = {}
    for layout in [doc.modelspace(), *doc.blocks]:
        for e in list(layout):
            kind = str(e.dxftype())[:40]
            usable = e.is_alive and e.dxf.is_supported("layer")
            if usable and kind == "INSERT":
                if not isinstance(e.dxf.get("name"), str):
                    usable, kind = False, "INSERT without a block name"
                elif e.dxf.get("insert") is None:  # the one point ezdxf has no default for
                    usable, kind = False, "INSERT without an insertion point"
            if usable:
                linked = {"INSERT": "attribs", "POLYLINE": "vertices"}.get(e.dxftype())
                if linked:  # ATTRIBs / VERTEXes the audit destroyed
                    subs = getattr(e, linked)
                    subs[:] = [v for v in subs if v.is_alive]
                continue
            if e.is_alive:
                dropped[kind] = dropped.get(kind, 0) + 1
            layout.entity_space.remove(e)
    return dict(sorted(dropped.items()))


def _count_records(data: bytes) -> int:
    """Group-code-0 tags in an ASCII DXF: an upper bound of its entity count, found cheaply."""
    return sum(1 for _ in _RECORD.finditer(data))


#: a group code 0 line followed by a record name (LINE, SECTION, ...): one record
_RECORD = re.compile(rb"(?m)^[ \t]*0\r?\n[ \t]*[A-Za-z_$]")


def _looks_like_dxf_text(data: bytes) -> bool:
    head = data[:4096].upper()
    return b"SECTION" in head or b"EOF" in data[-64:].upper()


def _recover(path: Path, data: bytes, sha: str, recover, limits: Limits) -> LoadedDrawing:
    truncated = not _has_eof(data)
    lines = (_close_truncated(data) if truncated else data).split(b"\n")
    resynced = 0
    while True:
        try:
            doc, auditor = recover.read(io.BytesIO(b"\n".join(lines)), errors=TEXT_ERRORS)
            break
        except StopIteration:
            raise DrawingReadError(f"{path}: the file is truncated inside its header") from None
        except Exception as exc:  # noqa: BLE001 - ezdxf raises many kinds on garbage
            bad = _misaligned_line(exc, len(lines))
            if bad is None or resynced >= RESYNC_MAX:
                raise DrawingReadError(f"{path}: not a readable DXF file ({reason_of(exc)})") from None
            del lines[bad]  # a lost line shifted every code/value pair after it: re-pair them
            resynced += 1
    try:
        entities = len(_model_space(doc))
    except LookupError:
        raise DrawingReadError(f"{path}: not a readable DXF file (it has no model space)") from None
    if truncated and entities == 0:
        raise DrawingReadError(
            f"{path}: the file is truncated (no end-of-file marker) and no entities could be recovered")
    loaded = LoadedDrawing(doc, path, sha, recovered=True, truncated=truncated, limits=limits)
    fixes = len(auditor.fixes)
    errors = len(auditor.errors)
    loaded.notes.append(f"{fixes} fixes, {errors} errors")
    if resynced:
        loaded.notes.append(f"{resynced} misplaced line(s) skipped")
    return loaded


#: At most this many misplaced lines are skipped to re-pair group codes and values.
RESYNC_MAX = 8
_BAD_CODE = re.compile(r"Invalid group code .* at line (\d+)")


def _misaligned_line(exc: Exception, count: int) -> int | None:
    """The 0-based index of the line ezdxf took for a group code and could not read, if any."""
    m = _BAD_CODE.search(str(exc))
    if m is None:
        return None
    index = int(m.group(1)) - 1
    return index if 0 <= index < count else None


def reason_of(exc: Exception) -> str:
    """The first line of an exception message, printable and short (it may quote file bytes)."""
    text = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, KeyError):  # ezdxf looked up a table entry the file lacks
        text = f"it lacks the entry {text}"
    return "".join(c if c.isprintable() else "?" for c in text)[:120]
