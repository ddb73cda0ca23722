"""What every HTML page plancheck writes shares: one Jinja2 environment with autoescape (text
from drawings, file names and reports is escaped wherever it lands, attributes included) and a
Content-Security-Policy that forbids every network request and every script but the page's own
(by hash). Unicode bidi controls in names are isolated: templates wrap such text in `<bdi>`, and
`visible_bidi` shows the controls as codes in the terminal.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from pathlib import Path

TEMPLATES = Path(__file__).with_name("templates")
#: explicit bidi controls (embeddings, overrides, isolates, marks): they can reorder what a name
#: seems to say ("‮fdp.exe" shows as "exe.pdf")
BIDI = {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F,
        0x061C}


def csp(scripts: tuple[str, ...] = ()) -> str:
    """No network, no plugins, no forms, no base; inline styles; scripts only by their hash."""
    src = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode('utf-8')).digest()).decode()}'"
                   for s in scripts) or "'none'"
    return ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
            f"script-src {src}; connect-src 'none'; base-uri 'none'; form-action 'none'")


@functools.lru_cache(maxsize=1)
def environment():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters["token"] = token
    return env


def render(template: str, **data) -> str:
    return environment().get_template(template).render(**data)


def token(value, allowed: tuple[str, ...] | frozenset[str], other: str = "other") -> str:
    """A class-name token from a closed set (a crafted status never reaches an attribute)."""
    return value if isinstance(value, str) and value in allowed else other


def visible_bidi(text: str) -> str:
    """Bidi controls shown as <U+202E> codes (terminals, logs): a name reads as it is stored."""
    if not any(ord(c) in BIDI for c in text):
        return text
    return "".join(f"<U+{ord(c):04X}>" if ord(c) in BIDI else c for c in text)
