"""Load a DXF file safely: clear errors for unusable files, recovery for damaged ones.

ezdxf traps handled here (shared/design/stack-notes.md §6): a file truncated inside its
header raises a bare StopIteration; `recover` silently drops an unterminated final section
(usually ENTITIES) and returns an "empty but successful" document; DWG is not readable.
"""

from __future__ import annotations

import gc
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from plancheck.errors import DrawingReadError

DWG_HINT = ("DWG files cannot be read; convert it to DXF first, e.g. with the free ODA File "
            "Converter or LibreCAD (File > Save As > DXF)")


@dataclass
class LoadedDrawing:
    doc: object                 # ezdxf Drawing
    path: Path
    sha256: str
    recovered: bool = False
    #: what recovery had to do: human-readable notes
    notes: list[str] = field(default_factory=list)
    truncated: bool = False


def _looks_like_dwg(head: bytes) -> bool:
    """DWG files start with their version tag, e.g. b"AC1032"."""
    return re.match(rb"AC\d{4}", head) is not None


def _has_eof(data: bytes) -> bool:
    tail = data[-64:].strip().upper()
    return tail.endswith(b"EOF")


def _close_truncated(data: bytes) -> bytes:
    """Cut a truncated ASCII DXF after its last complete tag pair and close the open section."""
    lines = data.splitlines()
    # keep an even number of lines (code/value pairs), dropping the last partial pair
    if len(lines) % 2:
        lines = lines[:-1]
    lines = lines[:-2] if lines and not lines[-1].strip() else lines
    return b"\n".join(lines) + b"\n  0\nENDSEC\n  0\nEOF\n"


def load(path: str | Path) -> LoadedDrawing:
    """Read `path` as DXF; raise DrawingReadError with one clear line when it cannot be used."""
    import ezdxf
    from ezdxf import recover

    path = Path(path)
    try:
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
    binary = data.startswith(b"AutoCAD Binary DXF")
    if not binary and not _looks_like_dxf_text(data):
        raise DrawingReadError(f"{path}: not a DXF file (no DXF section structure found)")

    gc.disable()
    try:
        try:
            doc = ezdxf.readfile(path)  # detects $DWGCODEPAGE / binary itself
            loaded = LoadedDrawing(doc, path, sha)
        except Exception:  # noqa: BLE001 - any failure: try recovery, which reports its own
            loaded = _recover(path, data, sha, binary, recover)
    finally:
        gc.enable()
    return loaded


def _looks_like_dxf_text(data: bytes) -> bool:
    head = data[:4096].upper()
    return b"SECTION" in head or b"EOF" in data[-64:].upper()


def _recover(path: Path, data: bytes, sha: str, binary: bool, recover) -> LoadedDrawing:
    truncated = not binary and not _has_eof(data)
    source = _close_truncated(data) if truncated else data
    try:
        doc, auditor = recover.read(io.BytesIO(source))
    except StopIteration:
        raise DrawingReadError(f"{path}: the file is truncated inside its header") from None
    except Exception as exc:  # noqa: BLE001 - ezdxf raises many kinds on garbage
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DrawingReadError(f"{path}: not a readable DXF file ({reason[:120]})") from None
    entities = len(doc.modelspace())
    if truncated and entities == 0:
        raise DrawingReadError(
            f"{path}: the file is truncated (no end-of-file marker) and no entities could be recovered")
    loaded = LoadedDrawing(doc, path, sha, recovered=True, truncated=truncated)
    fixes = len(auditor.fixes)
    errors = len(auditor.errors)
    loaded.notes.append(f"{fixes} fixes, {errors} errors")
    return loaded
