"""Units and north (PCDS-1 §1)."""

from __future__ import annotations

import math
import re

from plancheck import tolerances as tol
from plancheck.errors import UnitsError

SCALE = {"m": 1.0, "cm": 0.01, "mm": 0.001}
INSUNITS = {0: "m", 6: "m", 5: "cm", 4: "mm"}


def declared_units(doc) -> str:
    """The unit `$INSUNITS` declares: m, cm, mm, or `insunits=N` for one PCDS-1 does not take."""
    code = doc.header.get("$INSUNITS", 0)
    return INSUNITS.get(code, f"insunits={code}")


def plausible(area_m2: float) -> bool:
    return tol.SITE_AREA_MIN_M2 <= area_m2 <= tol.SITE_AREA_MAX_M2


def decide_units(declared: str, override: str | None, raw_site_area: float | None,
                 ) -> tuple[str, bool]:
    """Return (unit used, whether the plausibility rule replaced the declared unit).

    An explicit override always wins. Without a site outline the declared unit is used.
    """
    if override:
        return override, False
    if raw_site_area is None:
        if declared not in SCALE:
            raise UnitsError(f"the drawing declares an unsupported unit ({declared}) and has no "
                             "site outline to check it against: pass --units m|cm|mm")
        return declared, False
    if declared in SCALE and plausible(raw_site_area * SCALE[declared] ** 2):
        return declared, False
    others = [u for u in SCALE if u != declared and plausible(raw_site_area * SCALE[u] ** 2)]
    if len(others) == 1:
        return others[0], True
    shown = (f"{raw_site_area * SCALE[declared] ** 2:.6g} m² in the declared unit ({declared})"
             if declared in SCALE else f"unit {declared} is not supported")
    raise UnitsError(f"cannot tell the drawing's unit: the site outline is {shown}, and "
                     f"{'no' if not others else 'more than one'} other unit of m/cm/mm makes it "
                     f"plausible; pass --units m|cm|mm")


def north_from_blocks(msp) -> list[float]:
    """North from each `PC-NORTH` block reference, in drawing order: rotation r means north
    points at r + 90°. The first one is used; the caller reports any that disagree."""
    return [(insert.dxf.get("rotation", 0.0) + 90.0) % 360.0 for insert in msp.query("INSERT")
            if insert.dxf.name.strip().upper() == "PC-NORTH"
            and math.isfinite(insert.dxf.get("rotation", 0.0))]


#: The drawing's own unit note: 本图尺寸单位为毫米, 尺寸以毫米计, 单位：mm, 图中尺寸均以米为单位...
_NOTE = re.compile(r"(?:尺寸|长度|距离|图中|本图|图纸|^)[^，。,;；]{0,12}?(?:单位\s*(?:为|是|均为|:|：)?\s*"
                   r"|以\s*|均以\s*)(毫米|mm|厘米|cm|米|m)(?![a-z²2])", re.IGNORECASE)
_NOTE_UNIT = {"毫米": "mm", "mm": "mm", "厘米": "cm", "cm": "cm", "米": "m", "m": "m"}


def unit_from_note(texts) -> tuple[str, str] | None:
    """(unit, the note) from the first text stating the drawing's length unit, or None.

    Notes state the unit of dimensions first (尺寸) and then, often, that levels and
    coordinates are in metres (`本图尺寸单位为毫米，标高及坐标单位为米`): the first statement
    about 尺寸 / 长度 / 本图 is the one taken."""
    for text in texts:
        flat = text.replace(" ", "")
        m = _NOTE.search(flat)
        if m:
            unit = _NOTE_UNIT[m.group(1).lower()]
            said = m.group(0)
            starts = [said.find(w) for w in ("本图", "图中", "图纸", "尺寸", "长度", "距离") if w in said]
            return unit, said[min(starts):] if starts else said
    return None
